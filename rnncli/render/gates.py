"""Rendering for ``rnncli gates``: the trace record, the per-step heat-map table, the
plain-language reading of each step, and the matplotlib heat map.

The numbers come from ``rnncli.scratch`` (tested against torch.nn.LSTM/GRU/RNN); this
module only arranges them. Columns, ranges and legend come from the registry
(``rnncli.archs``), the words of each step from the architecture's reading
(``rnncli.knowledge.readings``). GRU convention as PyTorch's: h_t = (1 - z) ⊙ n +
z ⊙ h_{t-1}, so z near 1 KEEPS the old state (d2l-gru); the lesson's GRUFromScratch
writes the update the other way round, its z is PyTorch's 1 - z.
"""

from __future__ import annotations

from functools import partial

import numpy as np
from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from rnncli import archs, fmt
from rnncli.knowledge import readings
from rnncli.knowledge.readings import HIGH, LOW, Event
from rnncli.render import heat_style

RELU_LEGEND = ("no gates: h_t = relu(W_ih x_t + b_ih + W_hh h_(t-1) + b_hh) rewrites the whole "
               "state every step; h: 0 (blue) .. the largest value shown (red), unbounded above.")


def columns(arch: str, trace: dict[str, np.ndarray] | None = None,
            nonlinearity: str | None = None) -> list[tuple[str, str, tuple[float, float]]]:
    """(JSON name, column letter, colour range) of each traced value, from the registry.

    A relu RNN's h is not in -1..1: its range is 0 .. the largest value traced."""
    cols = [(k.name, k.letter, (k.lo, k.hi)) for k in archs.get(arch).trace]
    if nonlinearity == "relu":
        top = float(np.max(trace["hidden"])) if trace is not None else 1.0
        cols = [(n, letter, (0.0, max(top, 1e-9)) if n == "hidden" else rng)
                for n, letter, rng in cols]
    return cols


def legend(arch: str, nonlinearity: str | None = None) -> str:
    """The registry's legend, or the relu RNN's own."""
    return RELU_LEGEND if nonlinearity == "relu" else archs.get(arch).legend


MAX_UNITS = 6


def record(arch: str, variant: str | None, x: np.ndarray, trace: dict[str, np.ndarray],
           num_layers: int, layer: int, init: str, **extra: object) -> dict:
    """The ``--json`` document of one trace (t counts from 1; values as Python floats).

    ``extra`` adds fields (nonlinearity, direction, tokens, prediction) to the document."""
    spec = archs.get(arch)
    hidden = trace["hidden"]
    cols = {name: trace[name].tolist() for name in spec.gates}
    xs, hs = x.tolist(), hidden.tolist()
    cells = trace["cell"].tolist() if spec.has_cell_state else None
    steps = []
    for t in range(x.shape[0]):
        step = {"t": t + 1, "input": xs[t], "gates": {n: cols[n][t] for n in spec.gates},
                "hidden": hs[t]}
        if cells is not None:
            step["cell"] = cells[t]
        steps.append(step)
    return {"arch": arch, "variant": variant if "variant" in spec.options else None,
            "input_size": int(x.shape[1]), "hidden_size": int(hidden.shape[1]),
            "num_layers": num_layers, "layer": layer, "init": init, **extra, "steps": steps}


def record_traced(t) -> dict:
    """``record`` of a ``rnncli.tracing.Traced``: nonlinearity (an RNN's), direction, the
    token of each step and the model's prediction where there are any."""
    extra: dict = {}
    if "nonlinearity" in archs.get(t.arch).options:
        extra["nonlinearity"] = t.nonlinearity
    if t.direction is not None:
        extra["direction"] = t.direction
    doc = record(t.arch, t.variant, t.x, t.trace, t.num_layers, t.layer, t.init, **extra)
    for k, step in enumerate(doc["steps"]):
        if t.steps is not None:
            step["t"] = t.steps[k]  # the backward direction reads step T first
        if t.labels is not None:
            step["token"] = t.labels[k]
    if t.prediction is not None:
        doc["prediction"] = t.prediction
    doc["notes"] = list(t.header)
    return doc


def activity(trace: dict[str, np.ndarray]) -> np.ndarray:
    """How much each unit does: the sum over gates and states of its std over time, (H,)."""
    return sum(np.asarray(v).std(axis=0) for v in trace.values())


def pick_units(trace: dict[str, np.ndarray], limit: int = MAX_UNITS) -> list[int]:
    """All units if at most ``limit``, else the ``limit`` most active, in index order."""
    act = activity(trace)
    if act.shape[0] <= limit:
        return list(range(act.shape[0]))
    return sorted(int(u) for u in np.argsort(-act, kind="stable")[:limit])


_num = fmt.short  # gate values and states: at most 5 characters
_num_x = partial(fmt.short, integers=True)  # inputs: whole numbers as integers


def _events(arch: str, trace: dict[str, np.ndarray], t: int, units: list[int]) -> list[Event]:
    """What each shown unit decisively does at step t (the architecture's reading)."""
    return readings.for_arch(arch)(trace, t, units)


def _weighted(arch: str, trace: dict[str, np.ndarray], t: int, units: list[int]):
    """Events of step t, those that also happened at t-1 weighing half."""
    before = {key for _, key, _ in _events(arch, trace, t - 1, units)} if t else set()
    return [(s * (0.5 if key in before else 1.0), key, text) for s, key, text in
            _events(arch, trace, t, units)]


def read_step(arch: str, trace: dict[str, np.ndarray], t: int, units: list[int],
              most: int = 3) -> list[str]:
    """Plain-language reading of step t (0-based): the ``most`` most decisive events.

    A gate below 0.2 counts as shut and above 0.8 as open (the lesson's "near 0"/"near 1");
    an event that also happened at step t-1 weighs half, so the reading leads with what
    changed. Nothing decisive is said as such: untrained gates sit near 0.5.
    """
    ev = sorted(_weighted(arch, trace, t, units), key=lambda e: -e[0])[:most]
    if not ev:
        return [_quiet(arch, trace, t, units)]
    return [text for _, _, text in ev]


def _past_bounds(arch: str, trace: dict[str, np.ndarray], t: int, units: list[int]) -> list[str]:
    """Each sigmoid gate of the shown units beyond LOW/HIGH: ``f open (>0.8) in 3 units``."""
    out = []
    for key in archs.get(arch).trace:
        if not key.sigmoid or key.name not in trace:
            continue
        vals = np.asarray(trace[key.name])[t, units]
        for word, n, bound in (("open", int((vals > HIGH).sum()), f">{HIGH}"),
                               ("shut", int((vals < LOW).sum()), f"<{LOW}")):
            if n:
                out.append(f"{key.letter} {word} ({bound}) in {n} unit{'s' if n > 1 else ''}")
    return out


def _quiet(arch: str, trace: dict[str, np.ndarray], t: int, units: list[int]) -> str:
    """The words for a step with no event, consistent with the values printed beside it:
    "no gate decisive" only when every shown sigmoid gate is between LOW and HIGH;
    otherwise which gates are open or shut (and that, alone, they make no event)."""
    past = _past_bounds(arch, trace, t, units)
    if not past:
        return f"no gate decisive (all shown between {LOW} and {HIGH})"
    return f"{', '.join(past)}; no event"


def read_units(arch: str, trace: dict[str, np.ndarray], t: int, units: list[int]) -> list[str]:
    """The reading of step t as one line per shown unit, so each line sits on its unit's
    row: the unit's most decisive event ("" if none; the RNN names only the unit that
    moved most). With no event at all, the first line says so."""
    best: dict[int, tuple[float, str]] = {}
    for s, (u, _), text in _weighted(arch, trace, t, units):
        if u not in best or s > best[u][0]:
            best[u] = (s, text.removeprefix(f"unit {u} "))
    lines = [best[u][1] if u in best else "" for u in units]
    if not any(lines):
        lines[0] = _quiet(arch, trace, t, units)
    return lines


def _stack(values, lo: float, hi: float, style: bool = True) -> Text:
    text = Text()
    for k, v in enumerate(values):
        if k:
            text.append("\n")
        text.append(f"{_num(float(v)):>5}", style=heat_style(float(v), lo, hi) if style else "")
    return text


def _input_cell(x_t: np.ndarray, lines: int, label: str | None) -> str:
    """The x column of one step: the token's label, or its features (cut to ``lines``)."""
    if label is not None:
        return label
    feats = [_num_x(float(v)) for v in x_t]
    if len(feats) > lines:
        feats = feats[: lines - 1] + [f"+{len(feats) - lines + 1}"] if lines > 1 else \
            [f"{feats[0]} +{len(feats) - 1}"]
    return "\n".join(feats)


def table(arch: str, x: np.ndarray, trace: dict[str, np.ndarray], units: list[int],
          rows: int, title: str, notes: list[str] | None = None, *,
          labels: list[str] | None = None, steps: list[int] | None = None,
          nonlinearity: str | None = None) -> Table:
    """The step table: t, x (or the token), unit, every gate/state of the shown units, and
    the reading, one line per unit (then the per-step note)."""
    tab = Table(title=title, box=box.SIMPLE_HEAD, padding=0, pad_edge=False,
                title_justify="left", caption_justify="left")
    tab.add_column("t", justify="right", no_wrap=True)
    if labels:
        tab.add_column("token", no_wrap=True, max_width=12, overflow="ellipsis")
    else:
        tab.add_column("x", justify="right", no_wrap=True)
    tab.add_column("u", justify="right", no_wrap=True)
    cols = columns(arch, trace, nonlinearity)
    for _, letter, _ in cols:
        tab.add_column(letter, justify="right", no_wrap=True)
    tab.add_column("reading", no_wrap=True, overflow="ellipsis", min_width=16)
    for t in range(min(rows, x.shape[0])):
        tab.add_row(*_row(arch, x, trace, units, t, cols, notes, labels, steps),
                    end_section=len(units) > 1)
    return tab


def _row(arch, x, trace, units, t, cols, notes, labels, steps) -> list:
    label = labels[t] if labels else None
    row = [str(steps[t] if steps else t + 1), _input_cell(x[t], max(len(units), 1), label),
           "\n".join(str(u) for u in units)]
    cells = [_stack(trace[name][t, units], lo, hi) for name, _, (lo, hi) in cols]
    reading = read_units(arch, trace, t, units) + (notes[t:t + 1] if notes else [])
    return [*row, *cells, "\n".join(reading)]


def render(arch: str, x: np.ndarray, trace: dict[str, np.ndarray], units: list[int], rows: int,
           title: str, header: list[str], notes: list[str] | None = None, **kw) -> Group:
    """Header lines, the table, the legend and what was left out (``kw``: see ``table``)."""
    parts: list = [Text(line) for line in header]
    parts.append(table(arch, x, trace, units, rows, title, notes, **kw))
    parts.append(Text(legend(arch, kw.get("nonlinearity")), style="dim"))
    if x.shape[0] > rows:
        parts.append(Text(f"showing steps 1-{rows} of {x.shape[0]}: --rows N shows more; "
                          "--json and --plot have every step", style="yellow"))
    return Group(*parts)


def working(request):
    """A spinner on stderr while the trace is computed (shown only on a terminal)."""
    from rnncli.console import err

    return err().status("tracing every gate ...", spinner="line")


def title(t) -> str:
    """The table title of a ``Traced``: architecture, options, sizes, layer, steps."""
    spec = archs.get(t.arch)
    opts = [v for v in (t.variant, t.nonlinearity if t.nonlinearity == "relu" else None,
                        t.direction) if v]
    name = spec.title + (f" ({', '.join(opts)})" if opts else "")
    return (f"{name}: input {t.x.shape[1]}, hidden {t.hidden_size}, layer {t.layer} "
            f"(of 0..{t.num_layers - 1}), {t.x.shape[0]} steps")


def show(result, rows: int, console) -> None:
    """Print every trace of a ``rnncli.tracing.GatesResult``: header, table, legend."""
    for t in result.traces:
        shown = result.units or pick_units(t.trace)
        head = list(t.header)
        if result.units is None and len(shown) < t.hidden_size:
            head.append(f"hidden size {t.hidden_size}: showing the {len(shown)} most active "
                        f"units ({', '.join(map(str, shown))}); choose with --units")
        if t.prediction is not None:
            probs = ", ".join(f"{k} {v:.2f}" for k, v in t.prediction["probabilities"].items())
            head.append(f"the model's prediction: {t.prediction['label']} ({probs})")
        console.print(render(t.arch, t.x, t.trace, shown, rows, title(t), head, t.notes,
                             labels=t.labels, steps=t.steps, nonlinearity=t.nonlinearity))


WEIGHTS = {"trained": "the shipped toy-trained weights", "random": "random initial weights",
           "weights": "your weights (--weights)"}


def plot_title(t) -> str:
    """What a reader needs above the heat maps: the input and the weights traced."""
    steps, feats = t.x.shape
    if t.labels and len(t.labels) <= 12:
        what = "input " + " ".join(t.labels)
    elif feats == 1 and steps <= 16:
        what = "input " + ",".join(f"{v:g}" for v in t.x[:, 0])
    else:
        what = f"input of {steps} steps × {feats} feature{'s' if feats > 1 else ''}"
    return f"rnncli gates: {what}; {WEIGHTS.get(t.init, f'{t.init} weights')}"


def plot_result(result, path) -> None:
    """``plot`` of every trace of a ``GatesResult``."""
    plot([(t.arch, f"{archs.get(t.arch).title} layer {t.layer}", t.x, t.trace,
           result.units or pick_units(t.trace, 64), t.nonlinearity) for t in result.traces],
         path, plot_title(result.traces[0]))


def plot(panels: list[tuple], path, suptitle: str | None = None) -> None:
    """Save :func:`figure` atomically to ``path`` (and keep it for an ``--html`` page)."""
    from rnncli.fileio import save_figure_atomic
    from rnncli.render import pyplot

    fig = figure(panels, suptitle)
    try:
        save_figure_atomic(fig, path)
    finally:
        pyplot().close(fig)


def figure(panels: list[tuple], suptitle: str | None = None):
    """One column per trace ``(arch, title, x, trace, units[, nonlinearity])``: each gate as a
    heat map over time (units down, steps across), integer step ticks under every column."""
    from rnncli.render import pyplot

    plt = pyplot()
    n_rows = 1 + max(len(archs.get(p[0]).trace) for p in panels)
    fig, axes = plt.subplots(n_rows, len(panels), figsize=(4.5 * len(panels), 1.3 * n_rows + 1),
                             squeeze=False, sharex="col")
    for col, panel in enumerate(panels):
        _plot_panel(fig, axes[:, col], panel, n_rows)
    if suptitle:
        fig.suptitle(suptitle, fontsize=10)
    fig.tight_layout()
    return fig


def _step_ticks(ax, steps: int) -> None:
    """Whole steps 1..T (at most ~12 labelled), shown on this column's lowest panel."""
    every = max(1, -(-steps // 12))
    ax.set_xticks(range(1, steps + 1, every))
    ax.tick_params(axis="x", labelbottom=True)
    ax.set_xlabel("step t")


def _plot_panel(fig, axes, panel: tuple, n_rows: int) -> None:
    arch, name, x, trace, units = panel[:5]
    nonlinearity = panel[5] if len(panel) > 5 else None
    rows = [("input x", x.T, (None, None))]
    rows += [(f"{letter} {key}", trace[key][:, units].T, rng)
             for key, letter, rng in columns(arch, trace, nonlinearity)]
    for r, ax in enumerate(axes):
        if r >= len(rows):
            ax.axis("off")
            continue
        label, data, (lo, hi) = rows[r]
        lo, hi = _plot_range(label, data, lo, hi)
        extent = (0.5, data.shape[1] + 0.5, data.shape[0] - 0.5, -0.5)
        im = ax.imshow(data, aspect="auto", cmap="coolwarm", vmin=lo, vmax=hi,
                       interpolation="nearest", extent=extent)
        ax.set_ylabel(label, fontsize=8)
        ax.set_yticks(range(data.shape[0]))
        ax.set_yticklabels([str(u) for u in units] if r else
                           [str(i) for i in range(data.shape[0])], fontsize=6)
        fig.colorbar(im, ax=ax, fraction=0.03, pad=0.01)
    axes[0].set_title(name, fontsize=9)
    _step_ticks(axes[min(len(rows), n_rows) - 1], x.shape[0])


def _plot_range(label: str, data: np.ndarray, lo, hi) -> tuple[float, float]:
    if lo is None:  # the input: its own range
        return float(data.min()), float(max(data.max(), data.min() + 1e-9))
    if label.endswith("cell"):  # unbounded: symmetric, at least -1..1
        top = max(1.0, float(np.abs(data).max()))
        return -top, top
    return lo, hi
