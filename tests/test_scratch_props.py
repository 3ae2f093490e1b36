"""rnncli.scratch properties that need no torch: ranges, API contract, bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from rnncli.errors import BadInput, RnncliError
from rnncli.scratch import GRU, LSTM, RNN, ShapeError, build, from_state_dict, sigmoid

SIGMOID_GATES = {"lstm": ("input", "forget", "output"), "gru": ("reset", "update")}
TANH_VALUES = {
    "lstm": ("candidate", "hidden"),
    "gru": ("candidate", "hidden"),
    "rnn": ("hidden",),
}
CELLS = [
    ("rnn", {}),
    ("gru", {"variant": "pytorch"}),
    ("gru", {"variant": "cho2014"}),
    ("lstm", {}),
]


@pytest.mark.parametrize("impl", ["fast", "reference"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("arch,kw", CELLS, ids=["rnn", "gru", "gru-cho2014", "lstm"])
def test_gates_stay_in_range_for_huge_inputs_without_warnings(arch, kw, dtype, impl):
    rng = np.random.default_rng(0)
    x = rng.choice([1e6, -1e6, 3e4, -3e4, 0.0, 1e-3], size=(30, 4, 5)).astype(dtype)
    x[:3] = np.finfo(dtype).max / 1e3  # huge but finite, and its projection stays finite
    cell = build(arch, 5, 6, 2, dtype=dtype, seed=1, impl=impl, **kw)
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        for layer in range(2):
            out, _, trace = cell.forward(x, trace_layer=layer)
            for name in SIGMOID_GATES.get(arch, ()):
                assert trace[name].dtype == dtype
                assert np.all((trace[name] >= 0) & (trace[name] <= 1)), name
            for name in TANH_VALUES[arch]:
                assert np.all(np.abs(trace[name]) <= 1), name
            assert np.all(np.isfinite(out))
        g = cell.backward(np.ones_like(out))
    assert all(np.all(np.isfinite(v)) for v in g.params.values())
    assert np.all(np.isfinite(g.input)) and np.all(np.isfinite(g.hidden_norms))


def test_sigmoid_is_stable_and_exact():
    a = np.array([-1e6, -800.0, -40.0, -1.0, 0.0, 1.0, 40.0, 800.0, 1e6])
    with np.errstate(all="raise"):
        s = sigmoid(a)
        s32 = sigmoid(a.astype(np.float32))
    assert s32.dtype == np.float32
    assert np.all((s >= 0) & (s <= 1)) and np.all(np.diff(s) >= 0)
    mid = np.abs(a) <= 40
    np.testing.assert_allclose(s[mid], 1 / (1 + np.exp(-a[mid])), rtol=1e-12, atol=1e-16)


@pytest.mark.parametrize("arch,G", [("rnn", 1), ("gru", 3), ("lstm", 4)])
def test_parameters_have_pytorch_names_shapes_and_init(arch, G):
    cell = build(arch, 7, 16, 3, seed=2)
    assert cell.arch == arch and cell.num_layers == 3 and cell.dtype is np.float64
    expected = {}
    for k in range(3):
        expected |= {
            f"weight_ih_l{k}": (G * 16, 7 if k == 0 else 16),
            f"weight_hh_l{k}": (G * 16, 16),
            f"bias_ih_l{k}": (G * 16,),
            f"bias_hh_l{k}": (G * 16,),
        }
    assert {k: v.shape for k, v in cell.params.items()} == expected
    values = np.concatenate([v.ravel() for v in cell.params.values()])
    assert np.all(np.abs(values) <= 0.25)  # U(-1/sqrt(16), 1/sqrt(16))
    assert values.std() == pytest.approx(0.25 / np.sqrt(3), rel=0.05)
    again = build(arch, 7, 16, 3, seed=2)
    assert all(np.array_equal(cell.params[k], again.params[k]) for k in expected)
    other = build(arch, 7, 16, 3, rng=np.random.default_rng(3))
    assert not np.array_equal(cell.params["weight_hh_l0"], other.params["weight_hh_l0"])


def test_editing_params_in_place_changes_the_next_forward():
    cell = LSTM(2, 3, seed=0)
    x = np.ones((4, 1, 2))
    cell.params["bias_hh_l0"][3:6] = 50.0  # forget-gate bias (rows H..2H)
    _, _, trace = cell.forward(x)
    assert np.all(trace["forget"] > 0.999)
    cell.params["weight_hh_l0"][:] = 0.0
    cell.params["weight_ih_l0"][:] = 0.0
    cell.params["bias_ih_l0"][:] = 0.0
    cell.params["bias_hh_l0"][:] = 0.0
    out, (h, c), trace = cell.forward(x)
    np.testing.assert_allclose(trace["forget"], 0.5)
    np.testing.assert_array_equal(out, 0.0)  # g = tanh(0) = 0, so c and h stay 0


def test_rnn_relu_hidden_is_nonnegative_and_equals_manual_loop():
    cell = RNN(3, 4, nonlinearity="relu", seed=0)
    x = np.random.default_rng(1).standard_normal((6, 2, 3))
    out, h_n, _ = cell.forward(x)
    p = cell.params
    h = np.zeros((2, 4))
    for t in range(6):
        a = x[t] @ p["weight_ih_l0"].T + p["bias_ih_l0"] + h @ p["weight_hh_l0"].T
        h = np.maximum(a + p["bias_hh_l0"], 0)
        np.testing.assert_allclose(out[t], h, rtol=1e-12)
    assert np.all(out >= 0) and np.any(out > 0)
    np.testing.assert_array_equal(h_n[0], out[-1])


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_dtype_is_kept_everywhere(dtype):
    cell = GRU(3, 4, 2, dtype=dtype, seed=0)
    out, h, trace = cell.forward(np.ones((5, 2, 3)))  # float64 input is cast
    g = cell.backward(np.ones_like(out), np.ones_like(h))
    arrays = [out, h, g.input, g.state, g.hidden, *trace.values(), *g.params.values()]
    assert all(a.dtype == dtype for a in arrays)


def test_trace_is_read_only_and_output_is_a_copy():
    cell = LSTM(2, 3, 2, seed=0)
    x = np.ones((4, 2, 2))
    out, _, trace = cell.forward(x)
    with pytest.raises(ValueError):
        trace["forget"][0, 0, 0] = 0.0
    g1 = cell.backward(np.ones_like(out))
    out[:] = 123.0  # editing the returned output or the input must not change the gradients
    x[:] = -7.0
    g2 = cell.backward(np.ones_like(out))
    for k in g1.params:
        np.testing.assert_array_equal(g1.params[k], g2.params[k])


def test_lstm_state_round_trip_and_gradient_structure():
    cell = LSTM(2, 3, 2, seed=0)
    x = np.random.default_rng(0).standard_normal((8, 2, 2))
    out_full, (h, c), _ = cell.forward(x)
    out_a, state_a, _ = cell.forward(x[:5])
    out_b, (h_b, c_b), _ = cell.forward(x[5:], state_a)
    np.testing.assert_allclose(np.concatenate([out_a, out_b]), out_full, rtol=1e-13)
    np.testing.assert_allclose(h_b, h, rtol=1e-13)
    np.testing.assert_allclose(c_b, c, rtol=1e-13)
    g = cell.backward(np.zeros_like(out_b), (np.ones_like(h_b), np.zeros_like(c_b)))
    assert isinstance(g.state, tuple) and [s.shape for s in g.state] == [(2, 2, 3)] * 2
    assert g.hidden.shape == (3, 2, 3) and g.hidden_norms.shape == (3,)


def test_bad_input_is_refused_with_a_clear_message():
    cell = LSTM(3, 4, 2)
    with pytest.raises(ShapeError, match=r"\(T, B, 3\)"):
        cell.forward(np.ones((5, 2, 4)))
    with pytest.raises(ValueError):  # ShapeError is a ValueError too
        cell.forward(np.ones(5))
    with pytest.raises(BadInput, match="tuple"):
        cell.forward(np.ones((5, 2, 3)), np.zeros((2, 2, 4)))
    with pytest.raises(ShapeError, match="expected"):
        cell.forward(np.ones((5, 2, 3)), (np.zeros((1, 2, 4)), np.zeros((1, 2, 4))))
    with pytest.raises(BadInput, match="trace_layer"):
        cell.forward(np.ones((5, 2, 3)), trace_layer=2)
    with pytest.raises(RnncliError, match="forward"):
        LSTM(3, 4).backward(np.ones((5, 2, 4)))
    cell.forward(np.ones((5, 2, 3)))
    with pytest.raises(ShapeError, match="grad_output"):
        cell.backward(np.ones((5, 2, 3)))
    with pytest.raises(BadInput, match="variant"):
        GRU(2, 3, variant="chung")
    with pytest.raises(BadInput, match="nonlinearity"):
        RNN(2, 3, nonlinearity="sigmoid")
    with pytest.raises(BadInput, match="rnn, gru, lstm"):
        build("transformer", 2, 3)
    with pytest.raises(BadInput, match="GRU only"):
        build("lstm", 2, 3, variant="cho2014")
    with pytest.raises(BadInput, match="hidden_size"):
        LSTM(2, 0)
    with pytest.raises(BadInput, match="float32 or float64"):
        LSTM(2, 3, dtype=np.int32)
    with pytest.raises(BadInput, match="unsupported"):
        from_state_dict({**cell.to_state_dict(), "weight_ih_l0_reverse": np.zeros((16, 3))})
    with pytest.raises(BadInput, match="match no architecture"):
        from_state_dict({"weight_ih_l0": np.zeros((20, 3)), "weight_hh_l0": np.zeros((20, 4))})


def test_repr_and_build_accept_default_options():
    assert repr(GRU(2, 3, variant="cho2014", dtype="float32")) == (
        "GRU(2, 3, num_layers=1, variant='cho2014', dtype=float32)"
    )
    assert build("lstm", 2, 3, variant="pytorch", nonlinearity="tanh").arch == "lstm"
