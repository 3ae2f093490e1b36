"""The one refusal every command uses when its estimate is over a limit.

Each command estimates, before allocating anything, the time and memory its input asks for
(its own cost model: ``experiments/budget``, ``seq2seq/experiment``, ``race/models``,
``sentiment/budget``, ``tracing/plan``, ``measure/budget``, ``knowledge/bounds``) and asks
:func:`refuse_oversized` whether to go on. Over a limit, the user gets one line naming the
estimate, the limit, what to lower, and ``--force``; ``BadInput`` makes it exit 2.
"""

from __future__ import annotations

from rnncli.errors import BadInput


def _size(n: float) -> str:
    return f"{n / 2**30:.1f} GiB" if n >= 2**30 else f"{n / 2**20:.0f} MiB"


def _duration(s: float) -> str:
    if s >= 2 * 86400:
        return f"{s / 86400:,.0f} days"
    if s >= 3600:
        return f"{s / 3600:.1f} h"
    return f"{s / 60:.0f} min" if s >= 120 else f"{s:.0f} s"


def refuse_oversized(what: str, *, seconds: float | None = None, nbytes: float | None = None,
                     max_seconds: float, max_bytes: float, force: bool,
                     lower: str = "make it smaller") -> None:
    """Raise ``BadInput`` when ``seconds`` or ``nbytes`` is over its limit, unless ``force``.

    ``what`` names the work ("this race"); ``lower`` says what to change ("lower --steps").
    The line gives both estimates, so the user sees which one is over.
    """
    over_bytes = nbytes is not None and nbytes > max_bytes
    over_time = seconds is not None and seconds > max_seconds
    if force or not (over_bytes or over_time):
        return
    parts = []
    if seconds is not None:
        parts.append(f"{_duration(seconds)} (limit {_duration(max_seconds)})")
    if nbytes is not None:
        parts.append(f"{_size(nbytes)} of memory (limit {_size(max_bytes)})")
    raise BadInput(f"{what} is estimated at {' and '.join(parts)}; {lower}, or pass --force")
