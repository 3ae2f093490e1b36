"""Writing a report: JSON (meta + results + summary) or CSV (one line per result).

Both are written atomically (``rnncli.fileio``): a temporary file beside the target,
then a rename, so an interrupted write never leaves half a file.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from rnncli.console import to_json
from rnncli.fileio import write_text_atomic

SUFFIXES = (".json", ".csv")
#: Where an interrupted run without --output keeps its rows (never over an earlier one).
PARTIAL = "rnncli-bench-partial.json"


#: Row fields too long for a CSV cell (kept in the JSON).
CSV_SKIP = ("samples_s", "lengths")


def to_csv(rows: list[dict]) -> str:
    """Results as CSV: columns in first-seen order, empty cells for missing values."""
    columns: list[str] = []
    for r in rows:
        columns += [k for k in r if k not in columns and k not in CSV_SKIP]
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for r in rows:
        writer.writerow({k: ("" if r.get(k) is None else r.get(k)) for k in columns})
    return buf.getvalue()


def save(report: dict, path: str | Path, what: str = "") -> Path:
    """Write ``report`` to ``path`` as JSON or CSV (by suffix), atomically."""
    p = Path(path)
    if p.suffix.lower() == ".csv":
        return write_text_atomic(p, to_csv(report["results"]), what)
    return write_text_atomic(p, to_json(report) + "\n", what)


def free_partial_name(directory: str | Path = ".") -> Path:
    """``rnncli-bench-partial.json``, or ``-2``, ``-3`` ... if earlier ones exist."""
    d = Path(directory)
    p = d / PARTIAL
    k = 2
    while p.exists():
        p = d / f"rnncli-bench-partial-{k}.json"
        k += 1
    return p


def save_report(report: dict, output: str | None, interrupted: bool, err) -> Exception | None:
    """Save as the run asks; a failed save is returned (the caller prints, then fails).

    Without ``output`` an interrupted run with rows is kept in a fresh partial file
    (an earlier partial file is never overwritten).
    """
    from rnncli.errors import RnncliError, short

    target = output
    if interrupted and not output and report["results"]:
        target = str(free_partial_name())
    if not target:
        return None
    what = "partial result, " if interrupted else ""
    try:
        save(report, target, f"{what}{len(report['results'])} rows")
    except OSError as e:
        return RnncliError(f"could not save {target}: {short(e)}")
    return None
