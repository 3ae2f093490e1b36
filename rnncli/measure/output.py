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


def to_csv(rows: list[dict]) -> str:
    """Results as CSV: columns in first-seen order, empty cells for missing values."""
    columns: list[str] = []
    for r in rows:
        columns += [k for k in r if k not in columns]
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for r in rows:
        writer.writerow({k: ("" if r.get(k) is None else r.get(k)) for k in columns})
    return buf.getvalue()


def save(report: dict, path: str | Path) -> Path:
    """Write ``report`` to ``path`` as JSON or CSV (by suffix), atomically."""
    p = Path(path)
    if p.suffix.lower() == ".csv":
        return write_text_atomic(p, to_csv(report["results"]))
    return write_text_atomic(p, to_json(report) + "\n")
