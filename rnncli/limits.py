"""The one refusal every command uses when its estimate is over a limit.

Each command estimates, before allocating anything, the time and memory its input asks for
(its own cost model: ``experiments/budget``, ``seq2seq/experiment``, ``race/models``,
``sentiment/budget``, ``tracing/plan``, ``measure/budget``, ``knowledge/bounds``) and asks
:func:`refuse_oversized` whether to go on. Over a limit, the user gets one line naming the
estimate, the limit, what to lower, and ``--force``; ``BadInput`` makes it exit 2.

What to lower is computed, not guessed, where the command passes its sizes as
:class:`Knob` s (an option, its value, and the estimate at another value, the other options
unchanged): for each, the largest value that fits (a bisection over the estimate, which
grows with every size), and the options named in the order they dominate: the one that
needs the smallest cut (relative to its value) first ("--hidden 300 (now 4096)").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rnncli.errors import BadInput


@dataclass(frozen=True)
class Knob:
    """An integer option the estimate grows with: ``cost(v)`` is the estimate (whatever
    ``fits`` reads, e.g. ``(seconds, bytes)``) with the option at ``v``, others as given."""

    option: str
    value: int
    cost: Callable[[int], object]
    minimum: int = 1
    prefix: str = ""  # e.g. "up to " for a list option whose largest entry is lowered


def largest_fitting(knob: Knob, fits: Callable[[object], bool]) -> int | None:
    """The largest value in [minimum, value) at which the estimate fits, or None."""
    if knob.value <= knob.minimum or not fits(knob.cost(knob.minimum)):
        return None
    lo, hi = knob.minimum, knob.value  # fits at lo, not at hi
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if fits(knob.cost(mid)) else (lo, mid)
    return lo


def what_to_lower(knobs: Sequence[Knob], fits: Callable[[object], bool]) -> str | None:
    """"--hidden 300 (now 4096) or --seq-len 2,400 (now 100,000) would fit, each alone";
    None when no single option brings the estimate under the limits."""
    found = [(k, v) for k in knobs if (v := largest_fitting(k, fits)) is not None]
    if not found:
        return None
    found.sort(key=lambda kv: kv[1] / kv[0].value, reverse=True)
    parts = [f"{k.option} {k.prefix}{v:,} (now {k.value:,})" for k, v in found[:3]]
    return f"{' or '.join(parts)} would fit{', each alone' if len(parts) > 1 else ''}"


def lower_hint(knobs: Sequence[Knob], fits: Callable[[object], bool], default: str) -> str:
    """What to change: the computed values, else which options to lower together."""
    hint = what_to_lower(knobs, fits)
    if hint is not None:
        return hint
    if knobs:
        return f"no single option brings it under; lower {', '.join(k.option for k in knobs)}"
    return default


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
                     lower: str = "make it smaller", knobs: Sequence[Knob] = (),
                     also: str = "") -> None:
    """Raise ``BadInput`` when ``seconds`` or ``nbytes`` is over its limit, unless ``force``.

    ``what`` names the work ("this race"); ``lower`` says what to change ("lower --steps"),
    or ``knobs`` (each ``cost(v)`` -> ``(seconds, bytes)``) let the line name the options
    that dominate and the largest value of each that fits; ``also`` names a further lever
    that is no integer option ("--min-time"). The line gives both estimates, so the user
    sees which one is over.
    """
    def fits(cost) -> bool:
        s, b = cost
        return (s is None or s <= max_seconds) and (b is None or b <= max_bytes)

    if force or fits((seconds, nbytes)):
        return
    lower = lower_hint(knobs, fits, lower) + (f"; {also}" if also else "")
    parts = []
    if seconds is not None:
        parts.append(f"{_duration(seconds)} (limit {_duration(max_seconds)})")
    if nbytes is not None:
        parts.append(f"{_size(nbytes)} of memory (limit {_size(max_bytes)})")
    raise BadInput(f"{what} is estimated at {' and '.join(parts)}; {lower}, or pass --force")
