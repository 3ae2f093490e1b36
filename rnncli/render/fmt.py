"""The project's number formatters: durations, bytes, counts, ratios, percentages.

Pure functions, no rich and no torch, so library text (verdicts) and every renderer
spell numbers the same way.  ``None`` is shown as ``-`` everywhere.
"""

from __future__ import annotations

import math

NA = "-"


def _bad(x: float | None) -> bool:
    return x is None or (isinstance(x, float) and not math.isfinite(x))


def duration(seconds: float | None, digits: int = 3, space: bool = False) -> str:
    """``0.0042`` -> ``4.2ms``; µs below a millisecond, s from one second, min from 100 s."""
    if _bad(seconds):
        return NA
    sep = " " if space else ""
    s = float(seconds)
    for unit, scale, below in (("ns", 1e-9, 1e-6), ("µs", 1e-6, 1e-3), ("ms", 1e-3, 1.0),
                               ("s", 1.0, 100.0)):
        if abs(s) < below:
            return f"{s / scale:.{digits}g}{sep}{unit}"
    return f"{s / 60:.{digits}g}{sep}min"


def count(n: float | None, digits: int = 3) -> str:
    """SI-prefixed count: ``12345`` -> ``12.3k``; ``2.5e9`` -> ``2.5G``."""
    if _bad(n):
        return NA
    for unit, scale in (("T", 1e12), ("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(n) >= scale:
            return f"{n / scale:.{digits}g}{unit}"
    return f"{n:.{digits}g}"


def nbytes(n: float | None, digits: int = 3) -> str:
    """Binary prefixes: ``1536`` -> ``1.5 KiB``."""
    if _bad(n):
        return NA
    for unit, scale in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if abs(n) >= scale:
            return f"{n / scale:.{digits}g} {unit}"
    return f"{int(n)} B"


def mib(n: float | None) -> str:
    """Bytes as MiB with one decimal: ``3.1 MiB``."""
    return NA if _bad(n) else f"{n / 2**20:.1f} MiB"


def num(x: float | None) -> str:
    """At most 5 characters: 3 significant digits, ``<0.01`` for tiny values."""
    if _bad(x):
        return NA
    if x >= 1000:
        return count(x)
    if x < 0.01:
        return "<0.01"
    return f"{x:.2f}" if x < 1 else f"{x:.3g}"


def ratio(x: float | None) -> str:
    """A time ratio in a table cell: ``0.93``, ``14.2``, ``180``."""
    if _bad(x):
        return NA
    return f"{x:.2f}" if x < 10 else f"{x:.1f}" if x < 100 else f"{x:.0f}"


def ratio_pm(x: float, half_width: float | None) -> str:
    """A ratio with its interval, the way hyperfine prints one: ``1.52 ± 0.04×``."""
    if _bad(half_width):
        return f"{ratio(x)}×"
    # two decimals, more when the interval is narrower than 0.01
    decimals = max(2, min(4, -math.floor(math.log10(half_width)))) if half_width > 0 else 2
    return f"{x:.{decimals}f} ± {half_width:.{decimals}f}×"


def percent(x: float | None, cap: float = 9.995) -> str:
    """A share (0.42 -> ``42%``); ``>999%`` beyond ``cap``."""
    if _bad(x):
        return NA
    return ">999%" if x >= cap else f"{100 * x:.0f}%"


def spread(iqr: float | None, median: float | None, runs: int | None) -> str:
    """IQR as a share of the median, ``n/a`` with fewer than 3 runs (no spread to show)."""
    if runs is not None and runs < 3:
        return "n/a"
    if _bad(iqr) or not median:
        return NA
    return percent(iqr / median)
