"""The pictures a reader gets (issue #23): figure objects checked, never pixels.

Each renderer's ``figure(...)`` builds the matplotlib figure its ``--plot`` saves; these
tests read its axes: panels, axis labels, tick values, legends and where they sit.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("matplotlib")
pytestmark = pytest.mark.slow  # every test draws a whole figure (~0.1-0.8 s each)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    from rnncli.render import pyplot

    pyplot().close("all")


def _bench_row(arch: str, mode: str, seq_len: int, ms: float) -> dict:
    return {"arch": arch, "impl": "torch", "mode": mode, "seq_len": seq_len, "batch": 8,
            "input_size": 16, "hidden_size": 32, "num_layers": 1, "batching": "fixed",
            "median_s": ms / 1e3, "q1_s": ms * 0.9 / 1e3, "q3_s": ms * 1.1 / 1e3}


def _legend_outside(legend, fig) -> bool:
    """The legend's box starts right of every axes' data area (figure coordinates)."""
    fig.canvas.draw()
    box = legend.get_window_extent().transformed(fig.transFigure.inverted())
    right = max(ax.get_position().x1 for ax in fig.axes)
    return box.x0 >= right - 1e-6


def test_bench_sweep_one_panel_per_mode_archs_as_lines_shared_labelled_axis():
    from rnncli.render import bench_plot

    rows = [_bench_row(a, m, t, (1 + i) * t / 50 * (5 if m == "train" else 1))
            for i, a in enumerate(("rnn", "gru", "lstm")) for m in ("forward", "train")
            for t in (50, 100, 200, 400)]
    fig = bench_plot.figure({"results": rows, "meta": {"cpu": "test", "threads": 1}})
    axes = fig.axes
    assert [ax.get_title() for ax in axes] == ["forward (inference)",
                                               "train (forward + backward)"]
    for ax in axes:
        assert ax.get_legend_handles_labels()[1] == ["RNN", "GRU", "LSTM"]
        assert list(ax.get_xticks()) == [50, 100, 200, 400]
        assert ax.get_xlabel() == "sequence length T (log)"
        assert ax.get_yscale() == "log"
    assert axes[0].get_shared_y_axes().joined(axes[0], axes[1])
    assert axes[0].get_ylabel() == "median ms per call (log)"
    fig.canvas.draw()
    labels = [t.get_text() for t in axes[0].get_yticklabels() if t.get_text()]
    assert len(labels) >= 3  # several labelled ticks, not one
    assert all(float(t) > 0 for t in labels)  # plain numbers, not 10^x
    assert _legend_outside(fig.legends[0], fig)
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["RNN", "GRU", "LSTM"]


def _grad_result(arch: str, init: str, cell: bool = False) -> dict:
    norms = [0.9 ** k for k in range(20)]
    curve = {"grad_norms": norms, "spread": {"min": norms, "max": norms}}
    out = {"arch": arch, "init": init, "phase": "init", **curve}
    if cell:
        out["cell"] = dict(curve)
    return out


def test_gradients_colour_is_architecture_style_is_initialisation_legends_outside():
    from rnncli.render import gradients

    results = [_grad_result(a, i, cell=a == "lstm") for i in ("default", "orthogonal")
               for a in ("rnn", "gru", "lstm")]
    results.append(_grad_result("lstm", "forget-bias-1", cell=True))
    fig = gradients.figure(results, 20)
    (ax,) = fig.axes
    lines = [ln for ln in ax.get_lines() if not ln.get_label().startswith("_")]
    assert len(lines) == 10  # 3 archs + the LSTM cell path, 2 inits; forget-bias-1 x 2
    by_label = {ln.get_label(): ln for ln in lines}
    a, b = by_label["LSTM ∂L/∂h, default"], by_label["LSTM ∂L/∂h, forget-bias-1"]
    assert a.get_color() == b.get_color() and a.get_linestyle() != b.get_linestyle()
    assert by_label["RNN ∂L/∂h, default"].get_color() != a.get_color()
    assert len({ln.get_color() for ln in lines}) == 4
    legends = [c for c in ax.get_children() if type(c).__name__ == "Legend"]
    assert {lg.get_title().get_text() for lg in legends} == {
        "architecture (colour)", "initialisation (line style)"}
    for lg in legends:
        assert _legend_outside(lg, fig)
    assert ax.get_xlabel() == "steps back from the last step"


def test_gates_integer_step_ticks_on_every_column_and_a_title():
    from rnncli import archs
    from rnncli.render import gates

    T = 5
    rng = np.random.default_rng(0)
    panels = []
    for arch in ("lstm", "gru", "rnn"):
        trace = {k.name: rng.uniform(0, 1, (T, 3)) for k in archs.get(arch).trace}
        panels.append((arch, f"{arch} layer 0", np.ones((T, 1)), trace, [0, 1, 2]))
    fig = gates.figure(panels, "rnncli gates: input 1,0,0,0,1; random initial weights")
    assert fig._suptitle.get_text().startswith("rnncli gates: input 1,0,0,0,1")
    fig.canvas.draw()
    bottoms = [ax for ax in fig.axes if ax.get_xlabel() == "step t"]
    assert len(bottoms) == 3  # one per column
    for ax in bottoms:
        assert list(ax.get_xticks()) == [1, 2, 3, 4, 5]
        assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "2", "3", "4", "5"]


def test_gates_plot_title_names_input_and_weights():
    from rnncli.render.gates import plot_title
    from rnncli.tracing.plan import Traced

    t = Traced("lstm", np.array([[1.0], [0.0], [1.0]]), {}, 3, 1, 0, "trained")
    assert plot_title(t) == "rnncli gates: input 1,0,1; the shipped toy-trained weights"
    t = Traced("lstm", np.zeros((40, 4)), {}, 3, 1, 0, "random")
    assert plot_title(t) == "rnncli gates: input of 40 steps × 4 features; random initial weights"


def _race_result(time_index: dict | None) -> tuple[dict, list]:
    from types import SimpleNamespace

    n = 12
    truth = list(np.sin(np.arange(n)))
    models = [{"arch": a, "title": a.upper()} for a in ("rnn", "gru", "lstm")]
    runs = [SimpleNamespace(arch=a, seed=s, pred=truth, rmse=0.1 + s,
                            curve=[{"step": 1, "seconds": 0.1, "val_loss": 1.0},
                                   {"step": 2, "seconds": 0.2, "val_loss": 0.5}])
            for a in ("rnn", "gru", "lstm") for s in (0, 1)]
    result = {"models": models, "data": {"source": "test", "horizon": 1, "target": "y"},
              "_predictions": {"truth": truth, "persistence": truth,
                               "origins": list(range(30, 30 + n))},
              "_time_index": time_index}
    return result, runs


def test_race_time_axis_seed_named_and_no_empty_panel():
    from rnncli.render import race

    years = {"name": "year", "values": [1700.0 + i for i in range(60)]}
    fig = race.draw(*_race_result(years))
    assert len(fig.axes) == 5  # 3 forecasts + 2 loss curves, none switched off
    assert all(ax.axison for ax in fig.axes)
    top = fig.axes[:3]
    assert [ax.get_xlabel() for ax in top] == ["year"] * 3
    x = top[0].get_lines()[0].get_xdata()
    assert x[0] == 1731.0 and x[-1] == 1742.0  # origin 30 + horizon 1 -> row 31 -> 1731
    assert top[0].get_title().startswith("RNN, seed 0 (table: mean of 2)")
    assert top[0].get_ylabel() == "y"
    assert _legend_outside(fig.legends[0], fig)
    fig = race.draw(*_race_result(None))
    assert fig.axes[0].get_xlabel() == "row of the series (time step)"
    assert fig.axes[0].get_lines()[0].get_xdata()[0] == 31


def test_race_time_index_found_only_for_an_increasing_time_column():
    from rnncli.race.run import time_index
    from rnncli.race.series import Frame

    frame = Frame({"year": np.arange(1700.0, 1710.0), "x": np.ones(10)}, "t")
    assert time_index(frame, 10)["name"] == "year"
    assert time_index(frame, 9) is None  # rows dropped: no alignment, row numbers instead
    assert time_index(Frame({"x": np.arange(10.0)}, "t"), 10) is None


def test_seq2seq_attention_map_axis_names_and_colour_bar():
    from rnncli.render import seq2seq

    rep = {"task": "reverse", "runs": [
        {"arch": "lstm", "attention": "dot", "seed": 0,
         "by_length": [{"lo": 3, "hi": 4, "exact": 0.9}, {"lo": 5, "hi": 6, "exact": 0.5}]}],
        "attention_map": {"weights": np.eye(3).tolist(), "source": ["1", "2", "3"],
                          "output": ["3", "2", "1"], "model": "lstm dot seed 0"}}
    fig = seq2seq.figure(rep)
    heat = fig.axes[1]
    assert heat.get_xlabel() == "source (input tokens)"
    assert heat.get_ylabel() == "output (generated tokens)"
    assert len(fig.axes) == 3 and fig.axes[2].get_ylabel() == "attention weight"  # colour bar


def test_sentiment_memory_plot_seed_band_and_training_maximum():
    from matplotlib.collections import PolyCollection

    from rnncli.render import sentiment

    per_seed = [{"0": 1.0, "20": 0.8, "50": 0.6}, {"0": 0.9, "20": 0.6, "50": 0.5}]
    mem = {"by_k": {"0": 0.95, "20": 0.7, "50": 0.55}, "by_k_per_seed": per_seed}
    result = {"models": [{"name": "LSTM", "seeds": 2, "sets": {"memory": mem}}],
              "dataset": {"name": "generated", "info": {"train_filler_max": 20}}}
    fig = sentiment.figure(result)
    (ax,) = fig.axes
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(bands) == 1
    ys = bands[0].get_paths()[0].vertices[:, 1]
    assert min(ys) == 0.5 and max(ys) == 1.0
    marks = [ln for ln in ax.get_lines() if list(ln.get_xdata()) == [20, 20]]
    assert marks and "longest filler in training" in marks[0].get_label()
    assert "mean of 2 seeds" in ax.get_ylabel()
    assert _legend_outside(ax.get_legend(), fig)
