"""The reference cells (rnncli/scratch/reference.py): equal to the fast cells, to torch, and
the peephole LSTM equal to its equations written out in torch autograd.

Every comparison covers the output, the final states and every gradient (each parameter,
the input, the initial states and dL/dh_t of every layer).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch_reference import TOL, TORCH_DTYPE, check_against_torch, peephole_reference, rel_err

from rnncli import archs, formulas
from rnncli.errors import BadInput
from rnncli.scratch import (
    PeepholeLSTM,
    build,
    cell_class,
    from_state_dict,
    from_torch,
    infer_arch,
    reference,
)

VARIANTS = [
    ("rnn", {"nonlinearity": "tanh"}),
    ("rnn", {"nonlinearity": "relu"}),
    ("gru", {"variant": "pytorch"}),
    ("gru", {"variant": "cho2014"}),
    ("lstm", {}),
]
VARIANT_IDS = ["rnn-tanh", "rnn-relu", "gru-pytorch", "gru-cho2014", "lstm"]

shapes = st.fixed_dictionaries(
    {
        "T": st.integers(1, 12),
        "B": st.integers(1, 4),
        "I": st.integers(1, 6),
        "H": st.integers(1, 8),
        "L": st.integers(1, 3),
        "with_state": st.booleans(),
        "seed": st.integers(0, 2**31 - 1),
    }
)


def _data(cell, T, B, with_state, seed, batched=True):
    """Input, initial state (or None), upstream gradients of output and final state."""
    rng = np.random.default_rng(seed)
    L, H = cell.num_layers, cell.hidden_size
    lead, sshape = ((T, B), (L, B, H)) if batched else ((T,), (L, H))
    x = rng.standard_normal((*lead, cell.input_size))
    parts = [rng.standard_normal(sshape) for _ in range(cell.n_states)]
    g_out = rng.standard_normal((*lead, H))
    g_fin = [rng.standard_normal(sshape) for _ in range(cell.n_states)]

    def pack(p):
        return tuple(p) if cell.n_states == 2 else p[0]

    return x, (pack(parts) if with_state else None), g_out, pack(g_fin)


def _results(cell, x, state, g_out, g_fin) -> dict[str, np.ndarray]:
    """Everything forward and backward give, flattened into {name: array}."""
    out, final, trace = cell.forward(x, state)
    g = cell.backward(g_out, g_fin)
    res = {"output": out, **{f"trace {k}": v for k, v in trace.items()}}
    res |= {f"final {j}": v for j, v in enumerate(_parts(final))}
    res |= {f"grad {k}": v for k, v in g.params.items()}
    res |= {f"grad initial {j}": v for j, v in enumerate(_parts(g.state))}
    res |= {f"dL/dh layer {k}": v for k, v in enumerate(g.hidden_by_layer)}
    res["grad input"] = g.input
    res["hidden norms"] = g.hidden_norms
    return res


def _parts(state):
    return state if isinstance(state, tuple) else (state,)


@pytest.mark.parametrize("arch,kw", VARIANTS, ids=VARIANT_IDS)
@settings(max_examples=20, deadline=None)
@given(s=shapes)
def test_fast_cells_equal_the_reference_cells(arch, kw, s):
    """fast == reference to 1e-12 in float64: outputs, states, traces and every gradient."""
    fast = build(arch, s["I"], s["H"], s["L"], seed=s["seed"], **kw)
    ref = build(arch, s["I"], s["H"], s["L"], impl="reference", **kw)
    ref.load_state_dict(fast.to_state_dict())
    assert (fast.impl, ref.impl) == ("fast", "reference")
    data = _data(fast, s["T"], s["B"], s["with_state"], s["seed"])
    got, want = _results(fast, *data), _results(ref, *data)
    assert set(got) == set(want)
    for name, value in got.items():
        assert value.shape == want[name].shape, name
        assert rel_err(value, want[name]) <= 1e-12, name


@pytest.mark.parametrize("arch,kw", VARIANTS, ids=VARIANT_IDS)
def test_fast_equals_reference_unbatched(arch, kw):
    fast = build(arch, 3, 5, 2, seed=1, **kw)
    ref = build(arch, 3, 5, 2, impl="reference", **kw)
    ref.load_state_dict(fast.to_state_dict())
    data = _data(fast, 7, None, True, 2, batched=False)
    got, want = _results(fast, *data), _results(ref, *data)
    for name, value in got.items():
        assert rel_err(value, want[name]) <= 1e-12, name


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("arch,kw", VARIANTS[:3] + VARIANTS[4:], ids=["rnn", "relu", "gru", "lstm"])
def test_reference_cells_match_torch(arch, kw, dtype):
    """The reference cells against torch.nn.* directly (not only through the fast cells)."""
    kw = {k: v for k, v in kw.items() if k == "nonlinearity"}  # torch's GRU is "pytorch"
    check_against_torch(arch, 9, 3, 4, 5, 2, dtype, True, seed=6, impl="reference", **kw)
    check_against_torch(arch, 1, 1, 2, 1, 1, dtype, False, seed=7, impl="reference", **kw)


def test_reference_sigmoid_is_stable_and_relatively_exact():
    a = np.array([-1e6, -800.0, -100.0, -40.0, -1.0, 0.0, 1.0, 40.0, 800.0, 1e6])
    with np.errstate(all="raise"):
        s = reference.sigmoid(a)
        s32 = reference.sigmoid(a.astype(np.float32))
    assert s32.dtype == np.float32
    assert np.all((s >= 0) & (s <= 1)) and np.all(np.diff(s) >= 0)
    mid = np.abs(a) <= 100
    exact = 1 / (1 + np.exp(-a[mid]))
    np.testing.assert_allclose(s[mid], exact, rtol=4e-16, atol=0)  # relative, even at 3.7e-44
    normal32 = np.abs(a[mid]) <= 40  # σ(-100) = 3.7e-44 is a float32 subnormal
    np.testing.assert_allclose(s32[mid][normal32], exact[normal32], rtol=2e-7, atol=0)


# ------------------------------------------------------------------------------ peephole
def _peephole_against_torch(T, B, I, H, L, with_state, seed, dtype=np.float64):
    cell = build("peephole", I, H, L, seed=seed, dtype=dtype)
    assert isinstance(cell, PeepholeLSTM) and cell.impl == "reference"
    tdt = TORCH_DTYPE[dtype]
    sd = {k: torch.tensor(v, dtype=tdt, requires_grad=True) for k, v in cell.params.items()}
    x, state, g_out, g_fin = _data(cell, T, B, with_state, seed)
    xt = torch.tensor(x, dtype=tdt, requires_grad=True)
    init = [torch.tensor(p, dtype=tdt, requires_grad=True) for p in state or ()]
    init_or_zeros = init or [torch.zeros(L, B, H, dtype=tdt)] * 2
    out, (h_n, c_n) = peephole_reference(sd, xt, init_or_zeros)
    g_fin_t = [torch.tensor(g, dtype=tdt) for g in g_fin]
    loss = (out * torch.tensor(g_out, dtype=tdt)).sum()
    loss = loss + (h_n * g_fin_t[0]).sum() + (c_n * g_fin_t[1]).sum()
    grads = torch.autograd.grad(loss, [*sd.values(), xt, *init])
    o, (h, c), trace = cell.forward(x, state)
    g = cell.backward(g_out, g_fin)
    tol = TOL[dtype]
    assert rel_err(o, out) <= tol and rel_err(h, h_n) <= tol and rel_err(c, c_n) <= tol
    for (name, _), grad in zip(sd.items(), grads, strict=False):
        assert rel_err(g.params[name], grad) <= tol, name
    assert rel_err(g.input, grads[len(sd)]) <= tol
    for mine, theirs in zip(g.state if with_state else (), grads[len(sd) + 1 :], strict=True):
        assert rel_err(mine, theirs) <= tol
    np.testing.assert_array_equal(trace["hidden"], o)
    return cell, g


@settings(max_examples=25, deadline=None)
@given(s=shapes)
def test_peephole_matches_its_equations_in_torch_autograd(s):
    _peephole_against_torch(**s)


def test_peephole_float32_and_its_gradients_are_not_zero():
    _, g = _peephole_against_torch(6, 3, 4, 5, 2, True, 3, dtype=np.float32)
    for k in range(2):
        for name in ("weight_ci", "weight_cf", "weight_co"):
            assert np.any(g.params[f"{name}_l{k}"] != 0), (name, k)


def test_peephole_with_zero_peepholes_is_the_lstm():
    lstm = build("lstm", 3, 4, 2, seed=0)
    peep = build("peephole-lstm", 3, 4, 2)  # an alias
    zeros = {f"weight_c{g}_l{k}": np.zeros(4) for g in "ifo" for k in range(2)}
    peep.load_state_dict(lstm.to_state_dict() | zeros)
    x = np.random.default_rng(0).standard_normal((5, 2, 3))
    out, _, _ = lstm.forward(x)
    assert rel_err(peep.forward(x)[0], out) <= 1e-12
    peep.params["weight_co_l1"][:] = 1.0  # and the peepholes do change it
    assert rel_err(peep.forward(x)[0], out) > 1e-3


def test_peephole_parameters_names_count_and_state_dict_round_trip(tmp_path):
    cell = build("peephole", 7, 16, 3, seed=2)
    layer = ["weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_ci", "weight_cf", "weight_co"]
    assert list(cell.params) == [f"{n}_l{k}" for k in range(3) for n in layer]
    assert cell.params["weight_co_l2"].shape == (16,)
    values = np.concatenate([v.ravel() for v in cell.params.values()])
    assert np.all(np.abs(values) <= 0.25)  # U(-1/sqrt(16), 1/sqrt(16)), as the LSTM's
    assert values.size == formulas.param_count("peephole", 7, 16, 3)
    np.savez(tmp_path / "w.npz", **cell.to_state_dict())
    with np.load(tmp_path / "w.npz", allow_pickle=False) as z:
        assert infer_arch(z) == "peephole"
        again = from_state_dict(z)
    assert again.arch == "peephole" and again.num_layers == 3
    x = np.ones((4, 2, 7))
    np.testing.assert_array_equal(again.forward(x)[0], cell.forward(x)[0])


# ------------------------------------------------------------------------------ the registry
@pytest.mark.parametrize("arch", archs.names())
def test_every_registered_architecture_builds_both_ways_with_its_trace_keys(arch):
    spec = archs.get(arch)
    ref = build(arch, 3, 4, 2, impl="reference", seed=0)
    fast = build(arch, 3, 4, 2, seed=0)
    assert type(ref) is cell_class(arch, "reference") and ref.arch == fast.arch == spec.name
    assert fast.impl == ("fast" if spec.scratch_fast else "reference")
    assert ref.gates == spec.gate_blocks and ref.n_states == len(spec.states)
    _, _, trace = ref.forward(np.ones((5, 2, 3)))
    assert set(trace) == {k.name for k in spec.trace}
    assert sum(v.size for v in ref.params.values()) == formulas.param_count(arch, 3, 4, 2)
    with pytest.raises(ValueError):
        trace["hidden"][0, 0, 0] = 1.0  # read-only, as the fast cells' trace


def test_every_registered_source_is_cited_in_the_sources_table():
    from rnncli.knowledge.sources import SOURCES

    for name in archs.names():
        assert set(archs.get(name).sources) <= set(SOURCES), name


def test_build_refuses_unknown_impl_and_foreign_options():
    with pytest.raises(BadInput, match="impl"):
        build("lstm", 2, 3, impl="cuda")
    with pytest.raises(BadInput, match="GRU only"):
        build("peephole", 2, 3, variant="cho2014")
    assert build("peephole", 2, 3, variant=None, nonlinearity="tanh").arch == "peephole"


# ------------------------------------------------------------------------------ #15 items
@pytest.mark.parametrize("impl", ["fast", "reference"])
def test_from_torch_honours_batch_first(impl):
    torch.manual_seed(0)
    module = torch.nn.LSTM(3, 4, 2, batch_first=True).double()
    cell = from_torch(module)
    assert cell.batch_first
    if impl == "reference":
        ref = build("lstm", 3, 4, 2, impl="reference", batch_first=True)
        ref.load_state_dict(cell.to_state_dict())
        cell = ref
    x = torch.randn(5, 7, 3, dtype=torch.float64, requires_grad=True)  # (B, T, I)
    out, (h, c) = module(x)
    g_out = torch.randn_like(out)
    (out * g_out).sum().backward()
    o, (h_n, c_n), trace = cell.forward(x.detach().numpy())
    assert o.shape == (5, 7, 4) and trace["forget"].shape == (5, 7, 4) and h_n.shape == (2, 5, 4)
    assert rel_err(o, out) <= 1e-10 and rel_err(h_n, h) <= 1e-10 and rel_err(c_n, c) <= 1e-10
    g = cell.backward(g_out.numpy())
    assert rel_err(g.input, x.grad) <= 1e-10
    assert g.hidden.shape == (5, 7, 4) and g.hidden_norms.shape == (7,)
    for name, p in module.named_parameters():
        assert rel_err(g.params[name], p.grad) <= 1e-10, name
    with pytest.raises(BadInput, match=r"\(B, T, 3\)"):
        cell.forward(np.ones((5, 7, 2)))
    with pytest.raises(BadInput, match="grad_output"):
        cell.backward(np.ones((7, 5, 4)))


@pytest.mark.parametrize("impl", ["fast", "reference"])
def test_complex_values_are_refused_not_cast(impl):
    cell = build("gru", 2, 3, impl=impl, seed=0)
    x = np.ones((4, 1, 2))
    with pytest.raises(BadInput, match="complex"):
        cell.forward(x + 1j)
    with pytest.raises(BadInput, match="complex"):
        cell.forward(x, np.zeros((1, 1, 3), dtype=complex))
    with pytest.raises(BadInput, match="complex"):
        cell.load_state_dict({k: v.astype(complex) for k, v in cell.params.items()})
    with pytest.raises(BadInput, match="complex"):
        from_state_dict({k: v.astype(np.complex64) for k, v in cell.params.items()})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch: complex modules are a new feature
        complex_module = torch.nn.GRU(2, 3).to(torch.complex64)
    with pytest.raises(BadInput, match="complex"):
        from_torch(complex_module)
    out, _, _ = cell.forward(x)
    with pytest.raises(BadInput, match="complex"):
        cell.backward(out.astype(complex))
    with pytest.raises(BadInput, match="numeric"):
        cell.forward([["a", "b"]] * 4)
