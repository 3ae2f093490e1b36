"""Holding a run against an earlier one (``rnncli bench --compare BASELINE.json``).

A baseline is a file written by ``rnncli bench --output FILE.json`` (or ``--json``):
``{"meta": {"schema_version": 1, ...}, "results": [...]}``.  Rows match when arch,
impl, mode, every size, dtype, device and batching are equal; ``speedup`` is baseline
median over current median (above 1: faster now; below 1: a regression).

The file must be a regular file of at most ``MAX_BYTES`` (``fileio.read_text``:
``/dev/zero`` or a FIFO would otherwise be read forever), and JSON nested deeper than
Python's parser allows is refused like any other foreign file.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from rnncli.errors import BadInput
from rnncli.fileio import read_text
from rnncli.machine import SCHEMA_VERSION
from rnncli.measure.spec import KEY_FIELDS, row_key

MAX_BYTES = 64 * 2**20
#: Fields a baseline row must have (files from before ``batching`` existed lack it).
REQUIRED = tuple(f for f in KEY_FIELDS if f != "batching")


def _parse(p: Path, text: str) -> dict:
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        raise BadInput(f"--compare {p}: not JSON we can read; expected a file written by "
                       "'rnncli bench --output FILE.json'") from None
    if not (isinstance(data, dict) and isinstance(data.get("meta"), dict)
            and isinstance(data.get("results"), list)):
        raise BadInput(f"--compare {p}: not an rnncli bench file (needs 'meta' and 'results')")
    return data


def _good_row(r: object) -> bool:
    if not (isinstance(r, dict) and all(f in r for f in REQUIRED)):
        return False
    m = r.get("median_s")
    return isinstance(m, (int, float)) and not isinstance(m, bool) and m > 0


def load_baseline(path: str | Path) -> dict:
    """Read and check a baseline file; BadInput (one line) if it is not one of ours."""
    p = Path(path)
    data = _parse(p, read_text(p, "--compare", MAX_BYTES))
    version = data["meta"].get("schema_version")
    if version != SCHEMA_VERSION:
        raise BadInput(f"--compare {p}: schema_version {str(version)[:20]!r}, this rnncli "
                       f"reads {SCHEMA_VERSION}")
    if not all(_good_row(r) for r in data["results"]):
        raise BadInput(f"--compare {p}: a result row lacks {', '.join(REQUIRED)} "
                       "or a positive median_s")
    return data


def apply(rows: Sequence[dict], baseline: dict) -> dict:
    """Add ``baseline_median_s`` and ``speedup`` to matching rows; return a summary."""
    base = {row_key(r): r for r in baseline["results"]}
    matched = 0
    for r in rows:
        b = base.get(row_key(r))
        if b is None:
            r["baseline_median_s"] = r["speedup"] = None
            continue
        matched += 1
        r["baseline_median_s"] = b["median_s"]
        r["speedup"] = b["median_s"] / r["median_s"]
    meta = baseline["meta"]
    return {"matched": matched, "rows": len(rows), "baseline_utc": meta.get("utc"),
            "baseline_commit": meta.get("git_commit"), "baseline_cpu": meta.get("cpu")}


def split_files(text: str) -> list[str]:
    """``--compare``'s comma list of files (one file: the baseline of a new run)."""
    files = [f.strip() for f in str(text).split(",")]
    if not all(files):
        raise BadInput("--compare: an empty file name in the list")
    return files


def _machine(data: dict, path: str) -> dict:
    meta = data["meta"]
    return {"file": path, "name": Path(path).stem, "cpu": meta.get("cpu"),
            "cores": meta.get("cores"), "threads": meta.get("threads"),
            "clock": meta.get("clock"), "utc": meta.get("utc"),
            "git_commit": meta.get("git_commit"), "load_average": meta.get("load_average"),
            "torch": meta.get("torch")}


def _merged_rows(files: list[dict]) -> list[dict]:
    keys: dict[tuple, dict] = {}
    for i, data in enumerate(files):
        for r in data["results"]:
            entry = keys.setdefault(row_key(r), {
                **{f: r.get(f) for f in KEY_FIELDS}, "median_s": [None] * len(files),
                "iqr_s": [None] * len(files)})
            entry["median_s"][i], entry["iqr_s"][i] = r["median_s"], r.get("iqr_s")
    return list(keys.values())


def merge(paths: Sequence[str]) -> dict:
    """Several bench files (machines, or runtimes measured apart) as one table: one row per
    key (arch, impl, mode, sizes, ...), one median per file (None where a file lacks the
    row), and each median over the first file's (``vs_first``; above 1: slower there)."""
    if len(paths) < 2:
        raise BadInput("--compare: merging needs at least 2 files")
    files = [load_baseline(p) for p in paths]
    rows = _merged_rows(files)
    for r in rows:
        first = r["median_s"][0]
        r["vs_first"] = [m / first if (m and first) else None for m in r["median_s"]]
    machines = [_machine(d, p) for d, p in zip(files, paths, strict=True)]
    return {"machines": machines, "rows": rows,
            "note": "each file timed on its own machine and clock: ratios across files are "
                    "between machines (or runs), not paired rounds; no interval is claimed"}
