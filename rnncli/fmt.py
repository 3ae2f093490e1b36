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


def percent(x: float | None, cap: float = 9.995, decimals: int = 0) -> str:
    """A share (0.42 -> ``42%``; ``decimals=1``: ``42.0%``); ``>999%`` beyond ``cap``."""
    if _bad(x):
        return NA
    return ">999%" if x >= cap else f"{100 * x:.{decimals}f}%"


def spread(iqr: float | None, median: float | None, runs: int | None) -> str:
    """IQR as a share of the median; with fewer than 3 runs (no spread to show) the
    number of runs instead: ``1 run``, ``2 runs``."""
    if runs is not None and runs < 3:
        return f"{runs} run{'s' if runs != 1 else ''}"
    if _bad(iqr) or not median:
        return NA
    return percent(iqr / median)


# ------------------------------------------------------------------ the rest of the package
def sig(x: float | None, digits: int = 3, tiny: float = 0.0) -> str:
    """``digits`` significant digits (``0.0123``, ``456``); a value below ``tiny`` in size
    (not 0) in 2-digit scientific notation instead (``sig(2e-5, tiny=1e-3)`` -> ``2.0e-05``)."""
    if _bad(x):
        return NA
    if x != 0 and abs(x) < tiny:
        return f"{x:.1e}"
    return f"{x:.{digits}g}"


def sci(x: float | None, digits: int = 2) -> str:
    """Scientific notation as people write it, no ``+``/leading zeros in the exponent:
    ``sci(0.031)`` -> ``3.1e-2``, ``sci(0.001, 1)`` -> ``1e-3``; 0 is ``0``."""
    if _bad(x):
        return NA
    if x == 0:
        return "0"
    mantissa, exp = f"{x:.{digits - 1}e}".split("e")
    return f"{mantissa}e{int(exp)}"


def short(x: float | None, integers: bool = False) -> str:
    """At most 5 characters for values of either sign: 2 decimals below 10, 1 below 100,
    none above (``0.25``, ``-12.3``, ``140``); ``integers``: whole numbers as integers."""
    if _bad(x):
        return NA
    if integers and float(x).is_integer() and abs(x) < 1e4:
        return str(int(x))
    if abs(x) < 9.995:
        return f"{x:.2f}"
    return f"{x:.1f}" if abs(x) < 99.95 else f"{x:.0f}"


def fixed(x: float | None, decimals: int = 2) -> str:
    """A fixed number of decimals: ``fixed(0.8125, 3)`` -> ``0.812``."""
    return NA if _bad(x) else f"{x:.{decimals}f}"


def small(x: float | None, decimals: int = 4) -> str:
    """A loss-like value: ``decimals`` decimals, 3-digit scientific below 0.001."""
    if _bad(x):
        return NA
    return f"{x:.{decimals}f}" if x >= 1e-3 else f"{x:.2e}"


def signed(x: float, zero: str = "0") -> str:
    """A difference or score with its sign (``+2``, ``-0.5``); ``zero`` for 0."""
    return zero if x == 0 else f"{x:+g}"


def thousands(n: int) -> str:
    """An exact count with thousands separators: ``12,345``."""
    return f"{n:,}"


def si(n: float, decimals: int = 2) -> str:
    """A count with a spaced SI prefix and fixed decimals (``1.23 M``, ``512``), for
    columns whose numbers line up."""
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(n) >= scale:
            return f"{n / scale:.{decimals}f} {unit}"
    return f"{n:.0f} "


def nbytes_fixed(n: float) -> str:
    """Bytes with one decimal from KiB up (``512 B``, ``1.5 KiB``, ``3.0 GiB``), for columns."""
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"  # pragma: no cover - the loop returns


def ms(seconds: float | None, unit: bool = True) -> str:
    """Seconds as milliseconds with 2 decimals: ``12.34 ms`` (``unit=False``: ``12.34``)."""
    if _bad(seconds):
        return NA
    return f"{seconds * 1e3:.2f} ms" if unit else f"{seconds * 1e3:.2f}"


def rough_duration(seconds: float) -> str:
    """An estimate's order of magnitude: ``45 s``, ``12 min``, ``3 h``, ``2.5 days``."""
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 86400:.2g} days"


def plus_minus(mean: str, sd: str | None) -> str:
    """A table cell ``mean±sd`` from two formatted numbers; ``mean`` alone without ``sd``."""
    return mean if sd is None else f"{mean}±{sd}"
