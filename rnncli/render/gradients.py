"""Rendering for `rnncli gradients`: table at log-spaced distances, sparklines, decay, plot.

Works on the result dicts of ``rnncli.experiments.gradients.GradResult.as_dict``;
no torch here, matplotlib only inside :func:`plot`.
"""

from __future__ import annotations

import math

from rich import box
from rich.table import Table

from rnncli import fmt
from rnncli.render import sparkline

SPARK_WIDTH = 32


sci = fmt.sci  # a compact 2-digit scientific number: 3.1e-2


def distances(steps: int) -> list[int]:
    """0 (the last step itself), then the log-spaced distances of the measurement."""
    from rnncli.experiments.gradients import log_distances

    return [0, *log_distances(steps)]


def label(r: dict, path: str = "h") -> str:
    phase = " trained" if r.get("phase") == "trained" else ""
    return f"{r['arch']}{phase}{' c' if path == 'c' else ''}"


def curves(results: list[dict]) -> list[tuple[str, dict]]:
    """(label, curve) per column: every result's ∂L/∂h, and the LSTM's ∂L/∂c after it."""
    out = []
    for r in results:
        out.append((label(r), r))
        if r.get("cell"):
            out.append((label(r, "c"), r["cell"]))
    return out


def table(results: list[dict]) -> Table:
    """Rows: distance back from the last step; columns: mean norm and max/min over seeds."""
    t = Table(box=box.SIMPLE_HEAD)
    t.add_column("back", justify="right")
    cols = curves(results)
    for name, _ in cols:
        t.add_column(name, justify="right")
    steps = len(results[0]["grad_norms"])
    for d in distances(steps):
        row = [str(d)]
        for _, c in cols:
            g, lo, hi = c["grad_norms"][d], c["spread"]["min"][d], c["spread"]["max"][d]
            span = f" x{hi / lo:.1f}" if lo > 0 else " x-"
            row.append(sci(g) + span)
        t.add_row(*row)
    return t


FOOTNOTE = (
    "Cells: mean ‖∂L/∂h_t‖ over seeds and sequences (last step = 1); 'lstm c': the LSTM's "
    "‖∂L/∂c_t‖ on the same scale, the cell path; xk: the per-seed means span a factor k "
    "(max/min). Decay: exp of the slope of log‖∂L‖ against the distance back, and what it "
    "compounds to after 50 steps."
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


def _ok(f: float | None) -> bool:
    return f is not None and math.isfinite(f)


def decay_line(r: dict, horizon: int = 50) -> str:
    f = r["decay_per_step"]
    if not _ok(f):
        return "decay: no fit"
    return f"x{f:.3f}/step, x{sci(f**horizon)} after {horizon}"


def lines(results: list[dict]) -> list[str]:
    """A sparkline (one log scale for the group) and the fitted decay per curve."""
    cols = curves(results)
    positive = [v for _, c in cols for v in c["grad_norms"] if v and v > 0 and math.isfinite(v)]
    scale = (min(positive), max(positive)) if positive else (1.0, 1.0)
    width = max(len(name) for name, _ in cols)
    return [f"{name:<{width}} {spark(c['grad_norms'], scale)} {decay_line(c)}"
            for name, c in cols]


def _growth(c: dict) -> float:
    """How much larger the gradient is at the farthest step than at the last (1 = equal)."""
    far = c["grad_norms"][-1]
    return far / c["grad_norms"][0] if far and _ok(far) and c["grad_norms"][0] else 0.0


def _exploding(cols: list[tuple[str, dict]]) -> str | None:
    grow = [(name, c) for name, c in cols if _growth(c) > 1.0]
    if not grow:
        return None
    name, c = max(grow, key=lambda p: _growth(p[1]))
    steps = len(c["grad_norms"]) - 1
    return (f"Reading: the gradient GROWS going back ({name}: x{sci(_growth(c))} after "
            f"{steps} steps): exploding gradients; clip them in training (memory --clip).")


def _cell_note(results: list[dict], back: int = 50) -> str:
    """How much larger the LSTM's ∂L/∂c is than its ∂L/∂h, ``back`` steps back (or less)."""
    for r in results:
        c = r.get("cell")
        if c:
            d = min(back, len(r["grad_norms"]) - 1)
            h, cc = r["grad_norms"][d], c["grad_norms"][d]
            if h and cc and h > 0:
                return f"; {d} steps back the LSTM's c gets {cc / h:.1f}x h's"
    return ""


def reading(results: list[dict]) -> str:
    """One line on what the group shows: exploding, or how fast (and alike) it decays."""
    cols = curves(results)
    line = _exploding(cols)
    if line:
        return line
    fs = [c["decay_per_step"] for _, c in cols if _ok(c["decay_per_step"])]
    if not fs:
        return "Reading: too few steps to fit a decay."
    how = "alike" if max(fs) / min(fs) < 1.1 else "at different rates"
    hint = "; try --init forget-bias-1" if any(r.get("init") == "default" and r.get("cell")
                                               for r in results) else ""
    return (f"Reading: all curves decay {how} (x{min(fs):.2f}-x{max(fs):.2f}/step, at best "
            f"x{sci(max(fs) ** 50)} over 50 steps){_cell_note(results)}{hint}.")


def render(console, results: list[dict], seq_len: int, skipped: list[str]) -> None:
    """Per (init, phase) group: title, table, sparklines, reading; then the footnotes."""
    groups: dict[tuple, list[dict]] = {}
    for r in results:
        groups.setdefault((r["init"], r.get("phase", "init")), []).append(r)
    for (init, phase), rs in groups.items():
        when = "at initialisation" if phase == "init" else "after training"
        console.print(f"‖∂L/∂h_t‖, T={seq_len}, init {init}, {when}", soft_wrap=True)
        console.print(table(rs))
        console.print("log scale, left = first step, right = last; fitted decay per step:")
        for line in lines(rs):
            console.print(line, soft_wrap=True)
        console.print(reading(rs))
        console.print()
    console.print(FOOTNOTE)
    console.print(crosscheck_line(results))
    if skipped:
        console.print(f"forget-bias-1 applies to the LSTM only: {', '.join(skipped)} skipped")


def _positive(values: list[float]) -> list[float]:
    return [v if v and v > 0 else math.nan for v in values]


#: Initialisation -> line style; the architecture (and path) gets the colour.
INIT_STYLES = {"default": "-", "orthogonal": "--", "identity": ":", "forget-bias-1": "-."}
PALETTE = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown",
           "tab:pink", "tab:gray", "tab:olive", "tab:cyan")


def _path_name(name: str) -> str:
    """'lstm c' -> 'LSTM ∂L/∂c (cell)', 'gru trained' -> 'GRU ∂L/∂h trained'."""
    parts = name.split()
    cell = "c" in parts[1:]
    rest = [p for p in parts[1:] if p != "c"]
    text = f"{parts[0].upper()} ∂L/∂{'c (cell)' if cell else 'h'}"
    return " ".join([text, *rest])


def plot(results: list[dict], seq_len: int, path) -> None:
    """Save :func:`figure` atomically (and keep it for an ``--html`` page)."""
    from rnncli.fileio import save_figure_atomic
    from rnncli.render import pyplot

    fig = figure(results, seq_len)
    save_figure_atomic(fig, path)
    pyplot().close(fig)


def figure(results: list[dict], seq_len: int):
    """Semilog plot of ‖∂L/∂h‖ (and the LSTM's ‖∂L/∂c‖) against distance back, band =
    min-max over seeds. Colour = architecture and path, line style = initialisation;
    both legends outside the axes, on the right."""
    from rnncli.render import pyplot

    plt = pyplot()  # first: a missing matplotlib is a one-line MissingExtra
    from matplotlib.lines import Line2D
    fig, ax = plt.subplots(figsize=(8.6, 4.2))
    colours: dict[str, str] = {}
    inits: list[str] = []
    for name, c in curves(results):
        owner = next(r for r in results if c is r or c is r.get("cell"))
        colour = colours.setdefault(name, PALETTE[len(colours) % len(PALETTE)])
        style = INIT_STYLES.get(owner["init"], "-")
        inits += [owner["init"]] if owner["init"] not in inits else []
        g = _positive(c["grad_norms"])
        d = list(range(len(g)))
        ax.semilogy(d, g, color=colour, linestyle=style, lw=1.6,
                    label=f"{_path_name(name)}, {owner['init']}")
        ax.fill_between(d, _positive(c["spread"]["min"]), _positive(c["spread"]["max"]),
                        color=colour, alpha=0.12, lw=0)
    ax.set_xlabel("steps back from the last step")
    ax.set_ylabel("gradient norm (‖∂L/∂h_T‖ = 1, log)")
    ax.set_title(f"Gradient of a last-step loss, T = {seq_len}; band = min-max over seeds",
                 fontsize=10)
    ax.grid(True, which="major", alpha=0.3)
    arch_legend = ax.legend(
        [Line2D([], [], color=col, lw=2) for col in colours.values()],
        [_path_name(n) for n in colours], title="architecture (colour)", fontsize=8,
        title_fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False)
    ax.add_artist(arch_legend)
    ax.legend([Line2D([], [], color="black", linestyle=INIT_STYLES.get(i, "-"), lw=1.6)
               for i in inits], inits, title="initialisation (line style)", fontsize=8,
              title_fontsize=8, loc="lower left", bbox_to_anchor=(1.02, 0.0), frameon=False)
    fig.tight_layout()
    return fig


def crosscheck_line(results: list[dict]) -> str:
    """The NumPy BPTT against torch autograd, for the architectures torch has a module for
    (the others' torch module is the reference cell itself: no independent check)."""
    errs = {r["arch"]: r["crosscheck"]["max_rel_err"] for r in results}
    checked = [e for e in errs.values() if e is not None]
    unchecked = sorted({a for a, e in errs.items() if e is None})
    parts = []
    if checked:
        parts.append(f"NumPy BPTT vs torch autograd (seed 0): max relative error "
                     f"{max(checked):.1e}")
    if unchecked:
        parts.append(f"{', '.join(unchecked)}: no torch module to check against (tests "
                     "check its BPTT by finite differences)")
    return "; ".join(parts)
