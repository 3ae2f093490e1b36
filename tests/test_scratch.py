"""rnncli.scratch against PyTorch: same weights in, same outputs, states and gradients out.

Every gradient (each parameter, the input, the initial states, and dL/dh_t of every layer)
is compared with torch autograd; tolerance: max relative error <= 1e-10 in float64,
<= 1e-5 in float32, relative to the largest magnitude of the torch value.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from draws import examples
from hypothesis import given, settings
from hypothesis import strategies as st
from torch_reference import (
    MODULES,
    TOL,
    TORCH_ARCHS,
    TORCH_DTYPE,
    check_against_torch,
    cho2014_reference,
    rel_err,
    run_both,
    torch_results,
    unrolled_results,
)

from rnncli import archs
from rnncli.scratch import GRU, LSTM, from_state_dict, from_torch


@pytest.fixture(autouse=True)
def _torch_reference_without_onednn():
    """torch's oneDNN LSTM/GRU spends seconds building a kernel for every new shape; the
    plain ATen path computes the same function and keeps these shape-drawing tests fast."""
    before = torch.backends.mkldnn.enabled
    torch.backends.mkldnn.enabled = False
    yield
    torch.backends.mkldnn.enabled = before


shapes = st.fixed_dictionaries(
    {
        "T": st.integers(1, 50),
        "B": st.integers(1, 8),
        "I": st.integers(1, 16),
        "H": st.integers(1, 32),
        "L": st.integers(1, 3),
        "with_state": st.booleans(),
        "seed": st.integers(0, 2**31 - 1),
    }
)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("arch", TORCH_ARCHS)
@settings(max_examples=examples(25), deadline=None)
@given(s=shapes)
def test_matches_torch_forward_and_every_gradient(arch, dtype, s):
    check_against_torch(arch, dtype=dtype, **s)


@pytest.mark.slow  # seconds per case on a loaded machine; the fast tier draws smaller shapes
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("arch", TORCH_ARCHS)
def test_largest_drawn_shape(arch, dtype):
    check_against_torch(arch, 50, 8, 16, 32, 3, dtype, True, seed=1)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
def test_relu_rnn(dtype):
    g = check_against_torch("rnn", 20, 4, 3, 6, 2, dtype, True, seed=3, nonlinearity="relu")
    assert np.any(g.params["weight_hh_l1"] != 0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("arch", TORCH_ARCHS)
def test_unbatched_sequence(arch, dtype):
    ours, ref, _, (cell, trace, g) = run_both(
        arch, 9, None, 3, 5, 2, dtype, True, seed=4, batched=False
    )
    assert ours["output"].shape == (9, 5) and g.input.shape == (9, 3)
    assert g.hidden.shape == (9, 5) and g.hidden_norms.shape == (9,)
    assert all(v.shape == (9, 5) for v in trace.values())
    assert ours["final state 0"].shape == (2, 5) and ours["grad initial state 0"].shape == (2, 5)
    for name, value in ours.items():
        assert rel_err(value, ref[name]) <= TOL[dtype], name


def test_single_step_and_single_unit():
    """T = 1 (the loop runs once and dL/dh_0 comes from the first step) and H = 1."""
    for arch in TORCH_ARCHS:
        check_against_torch(arch, 1, 3, 2, 4, 2, np.float64, True, seed=8)
        check_against_torch(arch, 7, 2, 3, 1, 1, np.float64, True, seed=9)


def _torch_cells(module, arch):
    """One torch.nn.*Cell per layer with the module's weights (for an unrolled graph)."""
    cls = archs.torch_cell(arch)
    cells = []
    for k in range(module.num_layers):
        n_in = module.input_size if k == 0 else module.hidden_size
        kw = {"nonlinearity": module.nonlinearity} if arch == "rnn" else {}
        c = cls(n_in, module.hidden_size, **kw).double()
        with torch.no_grad():
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                getattr(c, name).copy_(getattr(module, f"{name}_l{k}"))
        cells.append(c)
    return cells


@pytest.mark.parametrize("arch", TORCH_ARCHS)
def test_hidden_gradients_match_unrolled_autograd(arch):
    """g.hidden_by_layer[k][t] is the TOTAL dL/dh_t (output path + recurrence + layer above)."""
    T, B, I, H, L = 12, 3, 4, 5, 2
    torch.manual_seed(7)
    module = MODULES[arch](I, H, L).double()
    cell = from_torch(module)
    x = torch.randn(T, B, I, dtype=torch.float64)
    g_out = torch.randn(T, B, H, dtype=torch.float64)
    cells = _torch_cells(module, arch)
    hs = [[None] * T for _ in range(L)]
    state = [None] * L
    for t in range(T):
        inp = x[t]
        for k in range(L):
            state[k] = cells[k](inp, state[k])
            h = state[k][0] if arch == "lstm" else state[k]
            h.retain_grad()
            hs[k][t] = h
            inp = h
    (torch.stack(hs[-1]) * g_out).sum().backward()
    cell.forward(x.numpy())
    g = cell.backward(g_out.numpy())
    assert len(g.hidden_by_layer) == L
    for k in range(L):
        ref = torch.stack([h.grad for h in hs[k]])
        assert rel_err(g.hidden_by_layer[k], ref) <= 1e-10
    np.testing.assert_array_equal(g.hidden, g.hidden_by_layer[-1])
    # the norms are those of dL/dh_t over batch and units
    np.testing.assert_allclose(
        g.hidden_norms, [np.linalg.norm(g.hidden[t]) for t in range(T)], rtol=1e-12
    )
    # a loss on the last output alone: the gradient reaches early steps only via recurrence
    g_last = np.zeros((T, B, H))
    g_last[-1] = 1.0
    cell.forward(x.numpy())
    norms = cell.backward(g_last).hidden_norms
    assert norms.shape == (T,) and norms[-1] == pytest.approx(np.sqrt(B * H))
    assert np.all(norms[:-1] > 0)


@pytest.mark.parametrize("arch", TORCH_ARCHS)
@pytest.mark.parametrize("with_state", [True, False], ids=["state", "zeros"])
def test_float32_yardstick_is_the_same_function_as_torch(arch, with_state):
    """``unrolled_results`` (the equations behind ``float32_noise``) with no nudge is torch."""
    T, B, I, H, L = 5, 3, 4, 6, 2
    torch.manual_seed(2)
    module = MODULES[arch](I, H, L).double()
    gen = torch.Generator().manual_seed(3)
    n = 2 if arch == "lstm" else 1
    x = torch.randn(T, B, I, generator=gen, dtype=torch.float64)
    states = [torch.randn(L, B, H, generator=gen, dtype=torch.float64) for _ in range(n)]
    g_out = torch.randn(T, B, H, generator=gen, dtype=torch.float64)
    g_fin = [torch.randn(L, B, H, generator=gen, dtype=torch.float64) for _ in range(n)]
    ref = torch_results(module, x, states, with_state, g_out, g_fin)
    got = unrolled_results(module, x, states, with_state, g_out, g_fin, torch.zeros_like)
    assert set(got) == set(ref)
    for name, value in got.items():
        assert rel_err(value.detach().numpy(), ref[name]) <= 1e-12, name


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
def test_cho2014_gru_matches_its_own_equations_in_autograd(dtype):
    T, B, I, H, L = 15, 4, 3, 6, 2
    cell = GRU(I, H, L, variant="cho2014", dtype=dtype, seed=11)
    tdt = TORCH_DTYPE[dtype]
    sd = {k: torch.tensor(v, dtype=tdt, requires_grad=True) for k, v in cell.params.items()}
    rng = np.random.default_rng(12)
    x = torch.tensor(rng.standard_normal((T, B, I)), dtype=tdt, requires_grad=True)
    h0 = torch.tensor(rng.standard_normal((L, B, H)), dtype=tdt, requires_grad=True)
    g_out = rng.standard_normal((T, B, H)).astype(dtype)
    g_fin = rng.standard_normal((L, B, H)).astype(dtype)
    out, hn = cho2014_reference(sd, x, h0)
    ((out * torch.from_numpy(g_out)).sum() + (hn * torch.from_numpy(g_fin)).sum()).backward()
    o, final, _ = cell.forward(x.detach().numpy(), h0.detach().numpy())
    g = cell.backward(g_out, g_fin)
    tol = TOL[dtype]
    assert rel_err(o, out) <= tol and rel_err(final, hn) <= tol
    assert rel_err(g.input, x.grad) <= tol and rel_err(g.state, h0.grad) <= tol
    for name, p in sd.items():
        assert rel_err(g.params[name], p.grad) <= tol, name
    # and it really is a different function from PyTorch's variant with the same weights
    o_pt, _, _ = from_state_dict(cell.params, variant="pytorch").forward(x.detach().numpy())
    assert rel_err(o_pt, out) > 1e-3


@pytest.mark.parametrize("arch", TORCH_ARCHS)
def test_trace_gates_of_every_layer_match_torch_equations(arch):
    T, B, I, H, L = 6, 2, 3, 4, 3
    torch.manual_seed(5)
    module = MODULES[arch](I, H, L).double()
    cell = from_torch(module)
    x = torch.randn(T, B, I, dtype=torch.float64)
    for k in range(L):
        _, _, tr = cell.forward(x.numpy(), trace_layer=k)
        below = x
        if k > 0:
            below = torch.from_numpy(cell.forward(x.numpy(), trace_layer=k - 1)[2]["hidden"].copy())
        sub = MODULES[arch](below.shape[-1], H, 1).double()
        with torch.no_grad():
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                getattr(sub, f"{name}_l0").copy_(getattr(module, f"{name}_l{k}"))
        ref_out, _ = sub(below)
        assert rel_err(tr["hidden"], ref_out) <= 1e-12
        h_prev = torch.cat([torch.zeros(1, B, H, dtype=torch.float64), ref_out[:-1]])
        W_ih, W_hh = sub.weight_ih_l0.detach(), sub.weight_hh_l0.detach()
        gi = below @ W_ih.T + sub.bias_ih_l0.detach()
        gh = h_prev @ W_hh.T + sub.bias_hh_l0.detach()
        if arch == "lstm":
            i, f, g, o = (gi + gh).chunk(4, dim=-1)
            ref = {
                "input": i.sigmoid(),
                "forget": f.sigmoid(),
                "candidate": g.tanh(),
                "output": o.sigmoid(),
            }
            c = torch.zeros(B, H, dtype=torch.float64)
            cells = []
            for t in range(T):
                c = ref["forget"][t] * c + ref["input"][t] * ref["candidate"][t]
                cells.append(c)
            ref["cell"] = torch.stack(cells)
        elif arch == "gru":
            ir, iz, inn = gi.chunk(3, dim=-1)
            hr, hz, hn = gh.chunk(3, dim=-1)
            r = (ir + hr).sigmoid()
            ref = {"reset": r, "update": (iz + hz).sigmoid(), "candidate": (inn + r * hn).tanh()}
        else:
            ref = {}
        assert set(tr) == set(ref) | {"hidden"}
        for name, value in ref.items():
            assert rel_err(tr[name], value) <= 1e-12, (k, name)


def test_state_dict_round_trip_through_torch_and_npz(tmp_path):
    cell = LSTM(3, 4, 2, dtype=np.float32, seed=0)
    sd = cell.to_state_dict()
    module = torch.nn.LSTM(3, 4, 2)
    module.load_state_dict({k: torch.from_numpy(v) for k, v in sd.items()})
    x = np.random.default_rng(0).standard_normal((5, 2, 3)).astype(np.float32)
    ours, _, _ = cell.forward(x)
    with torch.no_grad():
        ref, _ = module(torch.from_numpy(x))
    assert rel_err(ours, ref) <= 1e-5
    np.savez(tmp_path / "w.npz", **sd)
    with np.load(tmp_path / "w.npz", allow_pickle=False) as z:
        again = from_state_dict(z)
    assert again.arch == "lstm" and again.num_layers == 2 and again.dtype is np.float32
    np.testing.assert_array_equal(again.forward(x)[0], ours)
    sd["weight_ih_l0"][:] = 0  # a copy: the cell is untouched
    assert np.any(cell.params["weight_ih_l0"] != 0)


@pytest.mark.parametrize("arch,H", [("rnn", 3), ("gru", 3), ("lstm", 3), ("rnn", 9), ("gru", 1)])
def test_from_torch_module_and_bare_state_dict(arch, H):
    """I = 3H makes weight_ih ambiguous; weight_hh (G*H, H) decides the architecture."""
    torch.manual_seed(0)
    module = MODULES[arch](3 * H, H, 2)
    x = torch.randn(4, 2, 3 * H)
    with torch.no_grad():
        ref, _ = module(x)
    for source in (module, module.state_dict()):
        cell = from_torch(source)
        assert (cell.arch, cell.input_size, cell.hidden_size, cell.num_layers) == (
            arch,
            3 * H,
            H,
            2,
        )
        assert cell.dtype is np.float32
        assert rel_err(cell.forward(x.numpy())[0], ref) <= 1e-5
    assert from_torch(module, dtype=np.float64).dtype is np.float64


def test_from_torch_options():
    relu = torch.nn.RNN(2, 3, nonlinearity="relu")
    assert from_torch(relu).nonlinearity == "relu"
    assert from_torch(relu.state_dict()).nonlinearity == "tanh"  # a bare dict cannot say
    assert from_torch(relu.state_dict(), nonlinearity="relu").nonlinearity == "relu"
    no_bias = torch.nn.GRU(2, 3, bias=False)
    cell = from_torch(no_bias, variant="cho2014")
    assert cell.variant == "cho2014" and not np.any(cell.params["bias_hh_l0"])
    x = torch.randn(5, 1, 2)
    with torch.no_grad():
        ref, _ = no_bias(x)
    assert rel_err(from_torch(no_bias).forward(x.numpy())[0], ref) <= 1e-5
