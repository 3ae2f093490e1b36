"""Rendering for ``rnncli gates``: the trace record, the per-step heat-map table, the
plain-language reading of each step, and the matplotlib heat map.

The numbers come from ``rnncli.scratch`` (tested against torch.nn.LSTM/GRU/RNN); this
module only arranges them. Gate names and conventions follow PyTorch (sources: torch-lstm,
torch-gru, torch-rnn): LSTM c_t = f ⊙ c_{t-1} + i ⊙ g, h_t = o ⊙ tanh(c_t); GRU
h_t = (1 - z) ⊙ n + z ⊙ h_{t-1}, so z near 1 KEEPS the old state (d2l-gru). The lesson's
GRUFromScratch writes the update the other way round; its z is PyTorch's 1 - z.
"""

from __future__ import annotations

import numpy as np
from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from rnncli.render import heat_style

# (JSON gate name, column letter, value range) in the order the table shows them
COLUMNS = {
    "lstm": [("forget", "f", (0, 1)), ("input", "i", (0, 1)), ("candidate", "g", (-1, 1)),
             ("output", "o", (0, 1)), ("cell", "c", (-1, 1)), ("hidden", "h", (-1, 1))],
    "gru": [("reset", "r", (0, 1)), ("update", "z", (0, 1)), ("candidate", "n", (-1, 1)),
            ("hidden", "h", (-1, 1))],
    "rnn": [("hidden", "h", (-1, 1))],
}
GATES = {"lstm": ("input", "forget", "candidate", "output"),
         "gru": ("reset", "update", "candidate"), "rnn": ()}
LEGEND = {
    "lstm": "f forget, i input, o output gate: σ, 0 (blue) .. 1 (red); g candidate, "
    "c cell (unbounded, colour clipped), h hidden: -1 (blue) .. 1 (red). "
    "c_t = f·c_(t-1) + i·g, h_t = o·tanh(c_t).",
    "gru": "r reset, z update gate: σ, 0 (blue) .. 1 (red); n candidate, h hidden: "
    "-1 .. 1. h_t = (1-z)·n + z·h_(t-1): z near 1 keeps the old state (PyTorch).",
    "rnn": "no gates: h_t = tanh(W_ih x_t + b_ih + W_hh h_(t-1) + b_hh) rewrites the whole "
    "state every step; h: -1 (blue) .. 1 (red).",
}
LOW, HIGH = 0.2, 0.8  # a sigmoid gate below LOW is "shut", above HIGH "open"
MAX_UNITS = 6


def record(arch: str, variant: str | None, x: np.ndarray, trace: dict[str, np.ndarray],
           num_layers: int, layer: int, init: str) -> dict:
    """The ``--json`` document of one trace (t counts from 1; values as Python floats)."""
    hidden = trace["hidden"]
    cols = {name: trace[name].tolist() for name in GATES[arch]}
    xs, hs = x.tolist(), hidden.tolist()
    cells = trace["cell"].tolist() if arch == "lstm" else None
    steps = []
    for t in range(x.shape[0]):
        step = {"t": t + 1, "input": xs[t], "gates": {n: cols[n][t] for n in GATES[arch]},
                "hidden": hs[t]}
        if cells is not None:
            step["cell"] = cells[t]
        steps.append(step)
    return {"arch": arch, "variant": variant if arch == "gru" else None,
            "input_size": int(x.shape[1]), "hidden_size": int(hidden.shape[1]),
            "num_layers": num_layers, "layer": layer, "init": init, "steps": steps}


def activity(trace: dict[str, np.ndarray]) -> np.ndarray:
    """How much each unit does: the sum over gates and states of its std over time, (H,)."""
    return sum(np.asarray(v).std(axis=0) for v in trace.values())


def pick_units(trace: dict[str, np.ndarray], limit: int = MAX_UNITS) -> list[int]:
    """All units if at most ``limit``, else the ``limit`` most active, in index order."""
    act = activity(trace)
    if act.shape[0] <= limit:
        return list(range(act.shape[0]))
    return sorted(int(u) for u in np.argsort(-act, kind="stable")[:limit])


def _num(v: float) -> str:
    if abs(v) < 9.995:
        return f"{v:.2f}"
    return f"{v:.1f}" if abs(v) < 99.95 else f"{v:.0f}"


def _num_x(v: float) -> str:
    return str(int(v)) if v.is_integer() and abs(v) < 1e4 else _num(v)


def _events(arch: str, trace: dict[str, np.ndarray], t: int, units: list[int]):
    """[(salience, (unit, kind), text)] of what each shown unit decisively does at step t."""
    ev: list[tuple[float, tuple[int, str], str]] = []
    h = trace["hidden"]
    for u in units:
        h_prev = h[t - 1, u] if t else 0.0
        if arch == "lstm":
            f, i, g, o = (trace[k][t, u] for k in ("forget", "input", "candidate", "output"))
            c_prev = trace["cell"][t - 1, u] if t else 0.0
            if f < LOW and abs(c_prev) > 0.1:  # nothing to forget while c_(t-1) is ~0
                ev.append((1 - f, (u, "f"), f"unit {u} forgets: f = {f:.2f}"))
            if i > HIGH and abs(g) > 0.5:
                ev.append((i * abs(g), (u, "w"), f"unit {u} writes: i = {i:.2f}, g = {g:.2f}"))
            if f > HIGH and i < LOW:
                ev.append((f * (1 - i), (u, "k"), f"unit {u} keeps: f = {f:.2f}, i = {i:.2f}"))
            if o < LOW and abs(trace["cell"][t, u]) > 0.5:
                ev.append((1 - o, (u, "o"), f"unit {u} hides its cell: o = {o:.2f}"))
        elif arch == "gru":
            r, z, n = (trace[k][t, u] for k in ("reset", "update", "candidate"))
            if z < LOW:
                ev.append((1 - z, (u, "z"), f"unit {u} takes the new n = {n:.2f}: z = {z:.2f}"))
            elif z > HIGH:
                ev.append((z - 0.1, (u, "k"), f"unit {u} keeps its state: z = {z:.2f}"))
            if r < LOW and abs(h_prev) > 0.1:
                ev.append((0.8 - r, (u, "r"), f"unit {u} ignores its past in n: r = {r:.2f}"))
        else:
            move = abs(h[t, u] - h_prev)
            ev.append((move, (u, "m"), f"unit {u} moves most: h {h_prev:.2f} -> {h[t, u]:.2f}"))
    if arch == "rnn":
        ev = sorted(ev, key=lambda e: -e[0])[:1]
    return ev


def read_step(arch: str, trace: dict[str, np.ndarray], t: int, units: list[int],
              most: int = 3) -> list[str]:
    """Plain-language reading of step t (0-based): the ``most`` most decisive events.

    A gate below 0.2 counts as shut and above 0.8 as open (the lesson's "near 0"/"near 1");
    an event that also happened at step t-1 weighs half, so the reading leads with what
    changed. Nothing decisive is said as such: untrained gates sit near 0.5.
    """
    before = {key for _, key, _ in _events(arch, trace, t - 1, units)} if t else set()
    ev = [(s * (0.5 if key in before else 1.0), text) for s, key, text in
          _events(arch, trace, t, units)]
    ev = sorted(ev, key=lambda e: -e[0])[:most]
    if not ev:
        return [f"no gate decisive (all shown between {LOW} and {HIGH})"]
    return [text for _, text in ev]


def _stack(values, lo: float, hi: float, style: bool = True) -> Text:
    text = Text()
    for k, v in enumerate(values):
        if k:
            text.append("\n")
        text.append(f"{_num(float(v)):>5}", style=heat_style(float(v), lo, hi) if style else "")
    return text


def table(arch: str, x: np.ndarray, trace: dict[str, np.ndarray], units: list[int],
          rows: int, title: str, notes: list[str] | None = None) -> Table:
    """The step table: t, x, unit, every gate/state of the shown units, the reading."""
    tab = Table(title=title, box=box.SIMPLE_HEAD, padding=0, pad_edge=False,
                title_justify="left", caption_justify="left")
    tab.add_column("t", justify="right", no_wrap=True)
    tab.add_column("x", justify="right", no_wrap=True)
    tab.add_column("u", justify="right", no_wrap=True)
    for _, letter, _ in COLUMNS[arch]:
        tab.add_column(letter, justify="right", no_wrap=True)
    tab.add_column("reading", overflow="fold", min_width=16)
    lines = max(len(units), 1)
    for t in range(min(rows, x.shape[0])):
        feats = [_num_x(float(v)) for v in x[t]]
        if len(feats) > lines:
            feats = feats[: lines - 1] + [f"+{len(feats) - lines + 1}"] if lines > 1 else \
                [f"{feats[0]} +{len(feats) - 1}"]
        row = [str(t + 1), "\n".join(feats), "\n".join(str(u) for u in units)]
        cells = [_stack(trace[name][t, units], lo, hi) for name, _, (lo, hi) in COLUMNS[arch]]
        reading = "\n".join(read_step(arch, trace, t, units) + (notes[t:t + 1] if notes else []))
        tab.add_row(*row, *cells, reading, end_section=len(units) > 1)
    return tab


def render(arch: str, x: np.ndarray, trace: dict[str, np.ndarray], units: list[int], rows: int,
           title: str, header: list[str], notes: list[str] | None = None) -> Group:
    """Header lines, the table, the legend and what was left out."""
    parts: list = [Text(line) for line in header]
    parts.append(table(arch, x, trace, units, rows, title, notes))
    parts.append(Text(LEGEND[arch], style="dim"))
    if x.shape[0] > rows:
        parts.append(Text(f"showing steps 1-{rows} of {x.shape[0]}: --rows N shows more; "
                          "--json and --plot have every step", style="yellow"))
    return Group(*parts)


def plot(panels: list[tuple], path) -> None:
    """One column per trace ``(arch, title, x, trace, units)``: each gate as a heat map over
    time (units down, steps across), saved atomically to ``path``."""
    from rnncli.fileio import save_figure_atomic
    from rnncli.render import pyplot

    plt = pyplot()
    n_rows = 1 + max(len(COLUMNS[p[0]]) for p in panels)
    fig, axes = plt.subplots(n_rows, len(panels), figsize=(4.5 * len(panels), 1.3 * n_rows + 1),
                             squeeze=False, sharex="col")
    for col, (arch, title, x, trace, units) in enumerate(panels):
        rows = [("input x", x.T, (None, None))]
        rows += [(f"{letter} {name}", trace[name][:, units].T, rng)
                 for name, letter, rng in COLUMNS[arch]]
        for r, ax in enumerate(axes[:, col]):
            if r >= len(rows):
                ax.axis("off")
                continue
            label, data, (lo, hi) = rows[r]
            if lo is None:  # the input: its own range
                lo, hi = float(data.min()), float(max(data.max(), data.min() + 1e-9))
            elif label.endswith("cell"):  # unbounded: symmetric, at least -1..1
                hi = max(1.0, float(np.abs(data).max()))
                lo = -hi
            extent = (0.5, data.shape[1] + 0.5, data.shape[0] - 0.5, -0.5)
            im = ax.imshow(data, aspect="auto", cmap="coolwarm", vmin=lo, vmax=hi,
                           interpolation="nearest", extent=extent)
            ax.set_ylabel(label, fontsize=8)
            ax.set_yticks(range(data.shape[0]))
            ax.set_yticklabels([str(u) for u in units] if r else
                               [str(i) for i in range(data.shape[0])], fontsize=6)
            fig.colorbar(im, ax=ax, fraction=0.03, pad=0.01)
        axes[0, col].set_title(title, fontsize=9)
        axes[min(len(rows), n_rows) - 1, col].set_xlabel("step t")
    fig.tight_layout()
    try:
        save_figure_atomic(fig, path)
    finally:
        plt.close(fig)
