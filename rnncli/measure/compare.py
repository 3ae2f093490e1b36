"""Holding a run against an earlier one (``rnncli bench --compare BASELINE.json``).

A baseline is a file written by ``rnncli bench --output FILE.json`` (or ``--json``):
``{"meta": {"schema_version": 1, ...}, "results": [...]}``.  Rows match when arch,
impl, mode, every size, dtype and device are equal; ``speedup`` is baseline median
over current median (above 1: faster now; below 1: a regression).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from rnncli.errors import BadInput
from rnncli.measure.machine import SCHEMA_VERSION
from rnncli.measure.spec import KEY_FIELDS, row_key


def load_baseline(path: str | Path) -> dict:
    """Read and check a baseline file; BadInput (one line) if it is not one of ours."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise BadInput(f"--compare {p}: cannot read it ({e.__class__.__name__})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        raise BadInput(f"--compare {p}: not JSON; expected a file written by "
                       "'rnncli bench --output FILE.json'") from None
    if not (isinstance(data, dict) and isinstance(data.get("meta"), dict)
            and isinstance(data.get("results"), list)):
        raise BadInput(f"--compare {p}: not an rnncli bench file (needs 'meta' and 'results')")
    version = data["meta"].get("schema_version")
    if version != SCHEMA_VERSION:
        raise BadInput(f"--compare {p}: schema_version {version!r}, this rnncli reads "
                       f"{SCHEMA_VERSION}")
    for r in data["results"]:
        if not (isinstance(r, dict) and all(f in r for f in KEY_FIELDS)
                and isinstance(r.get("median_s"), (int, float)) and r["median_s"] > 0):
            raise BadInput(f"--compare {p}: a result row lacks {', '.join(KEY_FIELDS)} "
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
