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
from draws import examples
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
@settings(max_examples=examples(20), deadline=None)
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
    hidden = []  # each layer's h_1 .. h_T: dL/dh_t is the gradient with respect to them
    out, (h_n, c_n) = peephole_reference(sd, xt, init_or_zeros, hidden)
    g_fin_t = [torch.tensor(g, dtype=tdt) for g in g_fin]
    loss = (out * torch.tensor(g_out, dtype=tdt)).sum()
    loss = loss + (h_n * g_fin_t[0]).sum() + (c_n * g_fin_t[1]).sum()
    hs = [h for layer in hidden for h in layer]
    grads = torch.autograd.grad(loss, [*sd.values(), xt, *init, *hs])
    dh = grads[len(grads) - len(hs) :]
    grads = grads[: len(grads) - len(hs)]
    o, (h, c), trace = cell.forward(x, state)
    g = cell.backward(g_out, g_fin)
    tol = TOL[dtype]
    assert rel_err(o, out) <= tol and rel_err(h, h_n) <= tol and rel_err(c, c_n) <= tol
    for (name, _), grad in zip(sd.items(), grads, strict=False):
        assert rel_err(g.params[name], grad) <= tol, name
    assert rel_err(g.input, grads[len(sd)]) <= tol
    for mine, theirs in zip(g.state if with_state else (), grads[len(sd) + 1 :], strict=True):
        assert rel_err(mine, theirs) <= tol
    for k in range(L):  # total dL/dh_t of every layer: output, recurrence, layer above
        assert rel_err(g.hidden_by_layer[k], torch.stack(dh[k * T : (k + 1) * T])) <= tol, k
    np.testing.assert_array_equal(trace["hidden"], o)
    return cell, g


@settings(max_examples=examples(25), deadline=None)
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
    x_grad = torch.ones(4, 1, 2, requires_grad=True)  # a tensor that requires grad is read
    np.testing.assert_array_equal(cell.forward(x_grad)[0], cell.forward(x)[0])


@pytest.mark.parametrize("arch", archs.names())
def test_reference_has_a_step_and_a_bptt_for_every_architecture(arch):
    assert callable(getattr(reference, f"{arch}_step"))
    assert callable(getattr(reference, f"{arch}_bptt"))


# ------------------------------------------------------------------------------ closed gates
def _closed_gate_lstm(rows, dtype):
    """The issue's reproduction: LSTM(4, 5, seed=0), bias rows ``rows`` of both vectors at
    -10 (that gate ≈ σ(-20) ≈ 2e-9), copied into nn.LSTM, x ~ N(0, 1) of shape (20, 2, 4)."""
    cell = build("lstm", 4, 5, seed=0, dtype=dtype)
    for name in ("bias_ih_l0", "bias_hh_l0"):
        cell.params[name][rows] = -10.0
    module = torch.nn.LSTM(4, 5).to(TORCH_DTYPE[dtype])
    with torch.no_grad():
        for name, value in cell.params.items():
            getattr(module, name).copy_(torch.from_numpy(value))
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(20, 2, 4, generator=gen, dtype=TORCH_DTYPE[dtype], requires_grad=True)
    out, (h_n, _) = module(x)
    out.sum().backward()
    o, (h, _), trace = cell.forward(x.detach().numpy())
    g = cell.backward(np.ones_like(o))
    return (o, h, g, trace), (out, h_n, module)


def test_nearly_closed_gates_keep_relative_precision():
    """σ is exp-based in the fast cells: a closed output gate (σ(-20) ≈ 2e-9) makes h tiny,
    and h keeps its relative digits (with ½·tanh(a/2) + ½ the float64 output was 1.1e-8
    from torch, and float32 several times its own size off)."""
    (o, h, g, trace), (out, h_n, module) = _closed_gate_lstm(slice(15, 20), np.float64)
    assert np.max(np.abs(o)) < 1e-7  # the gate is closed: h is tiny, so precision shows
    assert rel_err(o, out) <= 1e-12 and rel_err(h, h_n) <= 1e-12
    assert rel_err(g.params["weight_hh_l0"], module.weight_hh_l0.grad) <= 1e-12
    (o, h, g, _), (out, h_n, module) = _closed_gate_lstm(slice(0, 5), np.float32)  # input gate
    assert rel_err(o, out) <= 1e-5 and rel_err(h, h_n) <= 1e-5
    assert rel_err(g.params["weight_hh_l0"], module.weight_hh_l0.grad) <= 1e-5


@pytest.mark.parametrize("impl", ["fast", "reference"])
@pytest.mark.parametrize("arch,gates", [("lstm", ("input", "forget", "output")),
                                        ("gru", ("reset", "update"))])
def test_every_sigmoid_gate_is_relatively_exact(arch, gates, impl):
    """Each traced σ gate equals torch.sigmoid of its pre-activation to 1e-12, element by
    element, also where the gate is nearly closed (biases pushed to -10 and -40: σ ≈ 1e-35).
    Not to 1 ulp: the products sum in another order, and σ'(a)·a/σ(a) ≈ |a| ≈ 80 turns the
    pre-activation's rounding (~1e-16 relative) into ~1e-14 of σ."""
    cell = build(arch, 3, 4, seed=1, impl=impl)
    G = cell.gates
    for name in ("bias_ih_l0", "bias_hh_l0"):
        cell.params[name][: 4 * (G - 1)] -= np.repeat([10.0, 40.0, 0.0][: G - 1], 4)
    x = np.random.default_rng(2).standard_normal((6, 2, 3))
    _, _, trace = cell.forward(x)
    p = {k: torch.from_numpy(v) for k, v in cell.params.items()}
    h = torch.zeros(2, 4, dtype=torch.float64)
    for t in range(6):
        a = torch.from_numpy(x[t]) @ p["weight_ih_l0"].T + p["bias_ih_l0"]
        rec = h @ p["weight_hh_l0"].T + p["bias_hh_l0"]
        blocks = dict(zip(archs.get(arch).gate_rows, (a + rec).chunk(G, dim=-1), strict=True))
        for gate in gates:
            want = torch.sigmoid(blocks[gate]).numpy()
            np.testing.assert_allclose(trace[gate][t], want, rtol=1e-12, atol=0, err_msg=gate)
        h = torch.from_numpy(trace["hidden"][t].copy())


def test_peephole_formulas_are_the_lstm_plus_three_diagonal_vectors():
    I, H, L = 7, 16, 3
    assert formulas.param_count("peephole", I, H) == 4 * (H * I + H * H + 2 * H) + 3 * H
    for kw in ({}, {"bias": False}, {"bidirectional": True}):
        dirs = 2 if kw.get("bidirectional") else 1
        lstm = formulas.param_count("lstm", I, H, L, **kw)
        assert formulas.param_count("peephole", I, H, L, **kw) == lstm + dirs * 3 * H * L
    assert formulas.param_formula("peephole") == "4·(H·I + H² + 2H) + 3H"
    assert formulas.param_formula("lstm") == "4·(H·I + H² + 2H)"
    args = (I, H, L, 5, 2)
    assert formulas.matmul_flops("peephole", *args) == formulas.matmul_flops("lstm", *args)
    assert formulas.elementwise_flops("peephole", H, L, 5, 2) == 23 * H * L * 5 * 2
    assert formulas.activation_bytes("peephole", H) == formulas.activation_bytes("lstm", H)
    assert formulas.max_hidden_for_params("peephole", I, 10_000) == max(
        h for h in range(1, 60) if formulas.param_count("peephole", I, h) <= 10_000
    )
    with pytest.raises(ValueError, match="unknown architecture"):
        formulas.param_count("transformer", 1, 1)
    with pytest.raises(BadInput):
        formulas.forward_flops("transformer", 1, 1)


def _cached_values(arch: str, impl: str, T: int, H: int, B: int = 3, I: int = 2) -> int:
    """Values (elements) the forward pass leaves for backward, each buffer counted once."""

    def arrays(obj):
        if isinstance(obj, np.ndarray):
            yield obj
        elif isinstance(obj, (tuple, list)):
            for o in obj:
                yield from arrays(o)
        elif isinstance(obj, dict):
            for o in obj.values():
                yield from arrays(o)

    cell = build(arch, I, H, 1, impl=impl, seed=0)
    cell.forward(np.random.default_rng(0).standard_normal((T, B, I)))
    buffers = {}
    for a in arrays(cell._cache[0]):
        base = a if a.base is None else a.base
        buffers[id(base)] = base.size
    return sum(buffers.values())


@pytest.mark.parametrize("arch", archs.names())
def test_kept_per_unit_is_what_the_cells_store(arch):
    """formulas.activation_bytes counts what backward keeps: the growth of the cells' caches
    per step and per unit of H (inputs and fixed buffers drop out of the difference)."""
    B, spec = 3, archs.get(arch)

    def per_step_unit(impl):
        grow = {H: _cached_values(arch, impl, 9, H) - _cached_values(arch, impl, 5, H)
                for H in (4, 8)}
        return (grow[8] - grow[4]) / (4 * B * 4)

    fast = per_step_unit("fast") if spec.scratch_fast else None
    reference = per_step_unit("reference")
    assert (fast if fast is not None else reference) == spec.kept_per_unit
    assert reference <= spec.kept_per_unit  # the reference GRU recomputes W_hn·h + b_hn


def test_choice_enum_lists_the_registry_and_extras():
    assert [a.value for a in archs.choice_enum()] == list(archs.names())
    assert [a.value for a in archs.choice_enum(torch_only=True)] == ["rnn", "gru", "lstm"]
    arch = archs.choice_enum("Arch", extra=("all",))
    assert arch("all").value == "all" and arch("peephole") == "peephole"


def test_registry_names_the_right_torch_classes():
    """The tests build their torch references from the registry: check it once by hand."""
    assert [archs.torch_module(a) for a in archs.names(torch_only=True)] == [
        torch.nn.RNN, torch.nn.GRU, torch.nn.LSTM]
    assert [archs.torch_cell(a) for a in archs.names(torch_only=True)] == [
        torch.nn.RNNCell, torch.nn.GRUCell, torch.nn.LSTMCell]
    with pytest.raises(BadInput, match="no cell class"):
        archs.torch_cell("peephole")
