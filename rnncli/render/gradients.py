"""Rendering for `rnncli gradients`: table at log-spaced distances, sparklines, decay, plot.

Works on the result dicts of ``rnncli.experiments.gradients.GradResult.as_dict``;
no torch here, matplotlib only inside :func:`plot`.
"""

from __future__ import annotations

import math

from rich import box
from rich.table import Table

from rnncli.render import sparkline

SPARK_WIDTH = 32


def sci(v: float | None) -> str:
    """A compact 2-digit scientific number: 3.1e-2."""
    if v is None or not math.isfinite(v):
        return "-"
    if v == 0:
        return "0"
    mant, exp = f"{v:.1e}".split("e")
    return f"{mant}e{int(exp)}"


def distances(steps: int) -> list[int]:
    """0 (the last step itself), then the log-spaced distances of the measurement."""
    from rnncli.experiments.gradients import log_distances

    return [0, *log_distances(steps)]


def label(r: dict) -> str:
    phase = " trained" if r.get("phase") == "trained" else ""
    return f"{r['arch']}{phase}"


def table(results: list[dict]) -> Table:
    """Rows: distance back from the last step; columns: mean ‖∂L/∂h‖ and max/min over seeds."""
    t = Table(box=box.SIMPLE_HEAD)
    t.add_column("back", justify="right")
    for r in results:
        t.add_column(label(r), justify="right")
    steps = len(results[0]["grad_norms"])
    for d in distances(steps):
        row = [str(d)]
        for r in results:
            g, lo, hi = r["grad_norms"][d], r["spread"]["min"][d], r["spread"]["max"][d]
            span = f" x{hi / lo:.1f}" if lo > 0 else " x-"
            row.append(sci(g) + span)
        t.add_row(*row)
    return t


FOOTNOTE = (
    "Cells: mean ‖∂L/∂h_t‖ over seeds and sequences (last step = 1); xk: the per-seed "
    "means span a factor k (max/min). Decay: exp of the slope of log‖∂L/∂h‖ against the "
    "distance back, and what it compounds to after 50 steps."
)


def spark(norms: list[float], scale: tuple[float, float], width: int = SPARK_WIDTH) -> str:
    """Sparkline (log scale) in time order: left = first step, right = last step.

    ``scale`` (smallest, largest positive value of the group) puts every line of a group on
    one scale: the two are prepended to the values and their two characters dropped.
    """
    chrono = list(norms)[::-1]
    if len(chrono) > width:
        idx = [round(i * (len(chrono) - 1) / (width - 1)) for i in range(width)]
        chrono = [chrono[i] for i in idx]
    return sparkline([*scale, *chrono], log=True)[2:]


def decay_line(r: dict, horizon: int = 50) -> str:
    f = r["decay_per_step"]
    if f is None or not math.isfinite(f):
        return "decay: no fit"
    return f"x{f:.3f}/step, x{sci(f**horizon)} after {horizon}"


def lines(results: list[dict]) -> list[str]:
    """A sparkline (one log scale for the group) and the fitted decay per result."""
    positive = [v for r in results for v in r["grad_norms"] if v and v > 0 and math.isfinite(v)]
    scale = (min(positive), max(positive)) if positive else (1.0, 1.0)
    width = max(len(label(r)) for r in results)
    return [f"{label(r):<{width}} {spark(r['grad_norms'], scale)} {decay_line(r)}"
            for r in results]


def plot(results: list[dict], seq_len: int, path) -> None:  # noqa: ANN001
    """Semilog plot of ‖∂L/∂h‖ against distance back, band = min-max over seeds."""
    from rnncli.fileio import save_figure_atomic
    from rnncli.render import pyplot

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 4))
    for r in results:
        g = [v if v and v > 0 else math.nan for v in r["grad_norms"]]
        d = list(range(len(g)))
        name = f"{label(r)} ({r['init']})"
        (line,) = ax.semilogy(d, g, label=name)
        lo = [v if v and v > 0 else math.nan for v in r["spread"]["min"]]
        hi = [v if v and v > 0 else math.nan for v in r["spread"]["max"]]
        ax.fill_between(d, lo, hi, color=line.get_color(), alpha=0.15)
    ax.set_xlabel("steps back from the last step")
    ax.set_ylabel("‖∂L/∂h_t‖ (last step = 1)")
    ax.set_title(f"Gradient of a last-step loss, T = {seq_len}")
    ax.legend(fontsize=8)
    ax.grid(True, which="major", alpha=0.3)
    save_figure_atomic(fig, path)
    plt.close(fig)
