"""rnncli.render.gates on hand-made traces: the readings say what the numbers show."""

from __future__ import annotations

import numpy as np

from rnncli.render.gates import pick_units, read_step, read_units, record


def lstm_trace(T=3, H=2, **over):
    tr = {k: np.full((T, H), 0.5) for k in ("input", "forget", "output")}
    tr.update({k: np.zeros((T, H)) for k in ("candidate", "cell", "hidden")})
    for k, v in over.items():
        tr[k] = np.asarray(v, dtype=float)
    return tr


def test_lstm_forget_needs_something_to_forget():
    f = [[0.9, 0.5], [0.05, 0.5], [0.05, 0.5]]
    cell = [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]]
    tr = lstm_trace(forget=f, cell=cell)
    assert not any("forgets" in s for s in read_step("lstm", tr, 1, [0, 1]))  # c_(t-1) = 0
    cell = [[0.8, 0.0], [0.0, 0.0], [0.0, 0.0]]
    tr = lstm_trace(forget=f, cell=cell)
    assert read_step("lstm", tr, 1, [0, 1])[0] == "unit 0 forgets: f = 0.05"


def test_lstm_writes_and_keeps_and_nothing_decisive():
    tr = lstm_trace(input=[[0.5, 0.93], [0.5, 0.5], [0.5, 0.5]],
                    candidate=[[0.0, 0.71], [0, 0], [0, 0]])
    assert read_step("lstm", tr, 0, [0, 1]) == ["unit 1 writes: i = 0.93, g = 0.71"]
    tr = lstm_trace(forget=[[0.95, 0.5]] * 3, input=[[0.05, 0.5]] * 3)
    assert read_step("lstm", tr, 0, [0, 1]) == ["unit 0 keeps: f = 0.95, i = 0.05"]
    assert read_step("lstm", lstm_trace(), 2, [0, 1])[0].startswith("no gate decisive")
    # only the shown units are read
    assert read_step("lstm", tr, 0, [1])[0].startswith("no gate decisive")


def test_gru_update_gate_reads_pytorch_convention():
    tr = {"reset": np.full((2, 1), 0.5), "update": np.array([[0.05], [0.95]]),
          "candidate": np.array([[0.7], [0.1]]), "hidden": np.array([[0.66], [0.63]])}
    assert read_step("gru", tr, 0, [0]) == ["unit 0 takes the new n = 0.70: z = 0.05"]
    assert read_step("gru", tr, 1, [0]) == ["unit 0 keeps its state: z = 0.95"]


def test_rnn_names_the_unit_that_moved_most():
    tr = {"hidden": np.array([[0.1, 0.2], [0.15, -0.6]])}
    assert read_step("rnn", tr, 1, [0, 1]) == ["unit 1 moves most: h 0.20 -> -0.60"]


def test_most_active_units_and_record():
    rng = np.random.default_rng(0)
    h = rng.normal(size=(20, 10)) * 0.01
    h[:, 7] *= 100
    h[:, 2] *= 50
    tr = {"hidden": h}
    assert pick_units(tr, limit=2) == [2, 7]
    assert pick_units(tr, limit=10) == list(range(10))
    doc = record("rnn", "pytorch", np.ones((20, 1)), tr, 1, 0, "random")
    assert doc["variant"] is None and doc["steps"][0]["gates"] == {}
    assert doc["steps"][19]["t"] == 20 and "cell" not in doc["steps"][0]


def test_an_open_gate_is_never_called_undecisive():
    # issue 19: "no gate decisive (0.2-0.8)" beside f = 0.92, 0.86, 0.87 (i half open)
    tr = lstm_trace(T=1, H=3, forget=[[0.92, 0.86, 0.87]], input=[[0.5, 0.45, 0.55]])
    for lines in (read_units("lstm", tr, 0, [0, 1, 2]), read_step("lstm", tr, 0, [0, 1, 2])):
        assert not any("no gate decisive" in x for x in lines)
        assert lines[0] == "f open (>0.8) in 3 units; no event"
    assert read_units("lstm", lstm_trace(), 0, [0, 1])[0].startswith("no gate decisive (all")
