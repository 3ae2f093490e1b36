"""Rendering: rich tables, heat-map colours and matplotlib figures.

One module per command family; this file holds the helpers they share.
matplotlib is an optional extra (``pip install 'rnncli[plot]'``) and is only
imported inside :func:`pyplot`.
"""

from __future__ import annotations

from rnncli.errors import MissingExtra


def pyplot():
    """Import matplotlib with a non-interactive backend, or raise a one-line hint."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise MissingExtra("matplotlib", "plot") from None
    return plt


def heat_style(value: float, lo: float = 0.0, hi: float = 1.0) -> str:
    """A rich style for ``value`` on a blue (lo) - white - red (hi) scale."""
    span = hi - lo
    x = 0.5 if span <= 0 else min(max((value - lo) / span, 0.0), 1.0)
    if x < 0.5:
        k = x / 0.5  # 0 (blue) .. 1 (white)
        r, g, b = int(40 + 215 * k), int(90 + 165 * k), 255
    else:
        k = (x - 0.5) / 0.5  # 0 (white) .. 1 (red)
        r, g, b = 255, int(255 - 185 * k), int(255 - 185 * k)
    return f"black on rgb({r},{g},{b})"


SPARK = "▁▂▃▄▅▆▇█"


def sparkline(values, log: bool = False) -> str:
    """A one-line sparkline of ``values`` (optionally on a log scale)."""
    import math

    vals = [float(v) for v in values]
    if log:
        vals = [math.log10(v) if v > 0 else float("nan") for v in vals]
    finite = [v for v in vals if math.isfinite(v)]
    if not finite:
        return " " * len(vals)
    lo, hi = min(finite), max(finite)
    return "".join(_spark(v, lo, hi) for v in vals)


def _spark(v: float, lo: float, hi: float) -> str:
    import math

    if not math.isfinite(v):
        return " "
    if hi == lo:
        return SPARK[len(SPARK) // 2]
    return SPARK[int((v - lo) / (hi - lo) * (len(SPARK) - 1))]


def sources_grid(sources: dict[str, str]):
    """A two-column rich grid ``[key]  full reference`` for a command's source list."""
    from rich.markup import escape
    from rich.table import Table

    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column()
    for key, ref in sources.items():
        grid.add_row(f"  {escape(f'[{key}]')}", escape(ref))
    return grid
