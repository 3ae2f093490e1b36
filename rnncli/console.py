"""Consoles and output helpers shared by every command.

Results go to stdout, progress and diagnostics to stderr.  Consoles are built
on demand (never at import time) so tests can set the width with ``COLUMNS``.
rich already drops ANSI codes when the stream is not a terminal and honours
``NO_COLOR``; we only make sure nothing else sneaks colour in.
"""

from __future__ import annotations

import codecs
import json
import math
import sys
from typing import Any

from rich.console import Console

#: Narrower than this (``COLUMNS=0``, a tiny terminal) we lay out for this width anyway.
MIN_WIDTH = 40

#: ASCII stand-ins for the symbols the tool prints, used when the output encoding lacks
#: them (``PYTHONIOENCODING=ascii``, a C locale); anything else becomes "?".
ASCII = {"σ": "sigma", "⊙": "*", "·": "*", "×": "x", "−": "-", "–": "-", "—": "-",
         "…": "...", "→": "->", "←": "<-", "≈": "~", "≤": "<=", "≥": ">=", "±": "+-",
         "‖": "||", "∂": "d", "Σ": "sum", "√": "sqrt", "²": "^2", "ᵀ": "^T", "₀": "0",
         "₁": "1", "ₜ": "t", "“": '"', "”": '"', "‘": "'", "’": "'", "✓": "ok", "✗": "x",
         "█": "#", "▏": "|", "▁": "_", "▂": "_", "▃": "-", "▄": "-", "▅": "=", "▆": "=",
         "▇": "#", "•": "*", "°": " deg", "µ": "u", "η": "eta", "α": "alpha", "β": "beta",
         "λ": "lambda", "ε": "eps", "θ": "theta", "∈": "in", "⟨": "<", "⟩": ">"}


def _ascii_fallback(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    text = exc.object[exc.start:exc.end]
    return "".join(ASCII.get(ch, "?") for ch in text), exc.end


codecs.register_error("rnncli-ascii", _ascii_fallback)


def use_ascii_fallback() -> None:
    """Let stdout/stderr print our symbols as ASCII when their encoding lacks them, instead
    of failing part-way with UnicodeEncodeError (called once by ``rnncli.cli``)."""
    for stream in (sys.stdout, sys.stderr):
        encoding = getattr(stream, "encoding", None) or "ascii"
        try:
            "σ─⊙…".encode(encoding)
        except (UnicodeEncodeError, LookupError):
            if hasattr(stream, "reconfigure"):
                stream.reconfigure(errors="rnncli-ascii")


def _at_least_min_width(console: Console) -> Console:
    if console.width < MIN_WIDTH:
        console.width = MIN_WIDTH
    return console


def _results_console(record: bool = False) -> Console:
    return _at_least_min_width(Console(highlight=False, soft_wrap=False, record=record))


def out() -> Console:
    """Console for results (stdout); while an ``--html`` report is open, the one recording
    console that the page is made from."""
    from rnncli import report

    return report.recording_console(_results_console) or _results_console()


def err() -> Console:
    """Console for progress bars, warnings and diagnostics (stderr)."""
    return _at_least_min_width(Console(stderr=True, highlight=False))


def _clean_array(obj: Any) -> Any:
    import numpy as np  # already imported by whoever made the array

    arr = np.asarray(obj)
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        arr = np.where(np.isfinite(arr), arr, None)  # object array: None for nan/inf
    return arr.tolist()


def _clean(obj: Any) -> Any:
    """Make data JSON-safe: numpy scalars/arrays to Python, non-finite floats to None."""
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if hasattr(obj, "tolist") and not isinstance(obj, (str, bytes)):  # numpy, torch
        return _clean_array(obj) if hasattr(obj, "dtype") else _clean(obj.tolist())
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def to_json(data: Any) -> str:
    """Serialise result data: strict JSON (no NaN/Infinity), numpy-aware."""
    return json.dumps(_clean(data), indent=2, allow_nan=False)


def print_json(data: Any) -> None:
    """Write ``data`` as JSON to stdout and nothing else (for ``--json``)."""
    from rnncli import report

    text = to_json(data)
    report.add_json(text)
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def warn(message: str) -> None:
    """A one-line diagnostic on stderr."""
    err().print(f"[yellow]warning:[/] {message}", soft_wrap=True)
