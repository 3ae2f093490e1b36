"""The torch side of the scratch tests: reference results, float32 yardsticks, checks.

``torch_results`` runs a torch module forward and backward; ``run_both`` puts the same
weights and data through torch and rnncli.scratch; ``check_against_torch`` compares every
named result; ``float32_noise`` measures how far a correct float32 computation of a
problem can land from its float64 truth (for ill-conditioned float32 cases);
``cho2014_reference`` is the cho2014 GRU written directly in torch autograd.
"""

from __future__ import annotations

import copy

import numpy as np
import torch

from rnncli import archs
from rnncli.scratch import build, from_torch

TOL = {np.float64: 1e-10, np.float32: 1e-5}
TORCH_DTYPE = {np.float64: torch.float64, np.float32: torch.float32}
TORCH_ARCHS = archs.names(torch_only=True)  # rnn, gru, lstm (test_reference checks the classes)
MODULES = {name: archs.torch_module(name) for name in TORCH_ARCHS}


def rel_err(ours, ref) -> float:
    """max|a - b| / max|b| (b the reference), robust when b is all zeros."""
    ours = np.asarray(ours, dtype=np.float64)
    ref = np.asarray(ref.detach() if hasattr(ref, "detach") else ref, dtype=np.float64)
    assert ours.shape == ref.shape, (ours.shape, ref.shape)
    assert np.all(np.isfinite(ours))
    return float(np.max(np.abs(ours - ref)) / max(np.max(np.abs(ref)), 1e-30))


def torch_results(module, x, states, with_state, g_out, g_fin):
    """Forward + backward in torch: {name: tensor} for outputs, states and every gradient."""
    x = x.detach().clone().requires_grad_()
    states = [s.detach().clone().requires_grad_() for s in states]
    t_state = (tuple(states) if len(states) == 2 else states[0]) if with_state else None
    out, t_final = module(x, t_state)
    finals = t_final if isinstance(t_final, tuple) else (t_final,)
    params = dict(module.named_parameters())
    return named_results(out, finals, params, x, states if with_state else [], g_out, g_fin)


def named_results(out, finals, params, x, init, g_out, g_fin):
    """loss = Σ out ⊙ g_out + Σ final ⊙ g_fin, differentiated: {name: tensor} for the output,
    final states, every parameter (``params``: {name: leaf}), the input and ``init``."""
    loss = (out * g_out).sum() + sum((f * g).sum() for f, g in zip(finals, g_fin, strict=True))
    grads = torch.autograd.grad(loss, [*params.values(), x, *init])
    res = {"output": out, **{f"final state {j}": f for j, f in enumerate(finals)}}
    res |= {f"grad {name}": gr for name, gr in zip(params, grads, strict=False)}
    res["grad input"] = grads[len(params)]
    for j, gr in enumerate(grads[len(params) + 1 :]):
        res[f"grad initial state {j}"] = gr
    return res


def run_both(
    arch, T, B, I, H, L, dtype, with_state, seed, nonlinearity="tanh", batched=True, impl="fast"
):
    """The same weights, data and upstream gradients through torch and through NumPy
    (``impl``: the fast cells, or the reference cells of rnncli/scratch/reference.py).

    Returns (ours, torch's, truth): dicts of named arrays/tensors; truth is torch in float64
    on the same float32 values (None for float64 runs), used to judge float32 rounding.
    """
    gen = torch.Generator().manual_seed(seed)
    kw = {"nonlinearity": nonlinearity} if arch == "rnn" else {}
    torch.manual_seed(seed)
    tdt = TORCH_DTYPE[dtype]
    module = MODULES[arch](I, H, L, **kw).to(tdt)
    cell = from_torch(module)
    if impl != "fast":
        kw = {"nonlinearity": nonlinearity} if arch == "rnn" else {}
        cell = build(arch, I, H, L, impl=impl, dtype=dtype, **kw)
        cell.load_state_dict(from_torch(module).to_state_dict())
    assert cell.dtype is dtype and cell.arch == arch and cell.impl == impl
    lead = (T, B) if batched else (T,)
    sshape = (L, B, H) if batched else (L, H)
    n_states = 2 if arch == "lstm" else 1
    x = torch.randn(*lead, I, generator=gen, dtype=tdt)
    states = [torch.randn(sshape, generator=gen, dtype=tdt) for _ in range(n_states)]
    g_out = torch.randn(*lead, H, generator=gen, dtype=tdt)
    g_fin = [torch.randn(sshape, generator=gen, dtype=tdt) for _ in range(n_states)]
    ref = torch_results(module, x, states, with_state, g_out, g_fin)
    truth = noise = None
    if dtype is np.float32:
        m64 = copy.deepcopy(module).double()
        dbl = [t.double() for t in (x, *states, g_out, *g_fin)]
        n = n_states
        truth = torch_results(m64, dbl[0], dbl[1 : 1 + n], with_state, dbl[1 + n], dbl[2 + n :])

        def noise():
            return float32_noise(module, x, states, with_state, g_out, g_fin, truth, seed)

    def np_(ts):
        arrays = [t.numpy() for t in ts]
        return tuple(arrays) if n_states == 2 else arrays[0]

    o, final, trace = cell.forward(x.numpy(), np_(states) if with_state else None)
    g = cell.backward(g_out.numpy(), np_(g_fin))
    finals = final if n_states == 2 else (final,)
    inits = g.state if n_states == 2 else (g.state,)
    ours = {"output": o, **{f"final state {j}": f for j, f in enumerate(finals)}}
    assert list(g.params) == [n for n, _ in module.named_parameters()]
    ours |= {f"grad {name}": v for name, v in g.params.items()}
    ours["grad input"] = g.input
    if with_state:
        ours |= {f"grad initial state {j}": v for j, v in enumerate(inits)}
    assert set(ours) == set(ref)
    return ours, ref, (truth, noise), (cell, trace, g)


PARAM_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


class _Activation(torch.autograd.Function):
    """tanh or σ whose value is moved by ``delta`` and whose slope is taken from that value,
    as an implementation with a slightly different (equally correct) rounding computes it."""

    @staticmethod
    def forward(ctx, a, kind, delta):
        y = torch.tanh(a) if kind == "tanh" else torch.sigmoid(a)
        y = y + delta(y)
        ctx.kind = kind
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        slope = 1 - y * y if ctx.kind == "tanh" else y * (1 - y)
        return grad * slope, None, None


def unrolled_results(module, x, states, with_state, g_out, g_fin, delta):
    """``torch_results`` from the cell equations written out in torch, step by step, every
    tanh and σ value moved by ``delta`` (its slope computed from the moved value)."""
    arch = type(module).__name__.lower()
    L, H = module.num_layers, module.hidden_size

    def act(kind, a):
        return torch.relu(a) if kind == "relu" else _Activation.apply(a, kind, delta)

    x = x.detach().clone().requires_grad_()
    batched = x.dim() == 3
    init = [s.detach().clone().requires_grad_() for s in states]
    params = {n: p.detach().clone().requires_grad_() for n, p in module.named_parameters()}
    inp = x if batched else x[:, None]
    finals = [[] for _ in range(2 if arch == "lstm" else 1)]
    for k in range(L):
        W_ih, W_hh, b_ih, b_hh = (params[f"{n}_l{k}"] for n in PARAM_NAMES)
        if with_state:
            st = [s[k] if batched else s[k][None] for s in init]
        else:
            st = [x.new_zeros(inp.shape[1], H) for _ in finals]
        h, outs = st[0], []
        c = st[1] if arch == "lstm" else None
        for t in range(inp.shape[0]):
            gi, gh = inp[t] @ W_ih.T + b_ih, h @ W_hh.T + b_hh
            if arch == "rnn":
                h = act(module.nonlinearity, gi + gh)
            elif arch == "gru":
                r = act("sigmoid", gi[:, :H] + gh[:, :H])
                z = act("sigmoid", gi[:, H : 2 * H] + gh[:, H : 2 * H])
                n = act("tanh", gi[:, 2 * H :] + r * gh[:, 2 * H :])
                h = (1 - z) * n + z * h
            else:
                a = gi + gh
                i, f = act("sigmoid", a[:, :H]), act("sigmoid", a[:, H : 2 * H])
                g, o = act("tanh", a[:, 2 * H : 3 * H]), act("sigmoid", a[:, 3 * H :])
                c = f * c + i * g
                h = o * act("tanh", c)
            outs.append(h)
        inp = torch.stack(outs)
        for j, v in enumerate((h, c) if arch == "lstm" else (h,)):
            finals[j].append(v if batched else v[0])
    out = inp if batched else inp[:, 0]
    finals = [torch.stack(f) for f in finals]
    return named_results(out, finals, params, x, init if with_state else [], g_out, g_fin)


def float32_noise(module, x, states, with_state, g_out, g_fin, truth, seed, draws=4):
    """How far a correct float32 computation of this problem can land from the truth.

    The cell equations in torch float32 (``unrolled_results``) with every weight and input
    moved by one unit in the last place, and every tanh and σ value moved by one ulp (its
    slope then computed from the moved value), random directions, ``draws`` times:
    {name: the largest relative error from the float64 truth}. Two correct float32
    implementations round differently by about that much (NumPy's float32 tanh is within
    1.4 ulp, torch's within 0.6), and near a saturated unit the backward is sensitive to
    exactly this: at h = tanh(a) near ±1, one ulp of h moves 1 - h² by 1.2e-7, which can be
    a large part of it. Nudging only the inputs does not reach that.
    """
    rng = np.random.default_rng(seed)

    def away(a):
        return np.where(rng.random(a.shape) < 0.5, -np.inf, np.inf).astype(a.dtype)

    def nudge(t):
        a = t.detach().numpy()
        return torch.from_numpy(np.nextafter(a, away(a)))

    def delta(y):
        a = y.detach().numpy()
        return torch.from_numpy(np.nextafter(a, away(a)) - a)

    worst: dict[str, float] = {}
    for _ in range(draws):
        mod = copy.deepcopy(module)
        with torch.no_grad():
            for p in mod.parameters():
                p.copy_(nudge(p))
        res = unrolled_results(
            mod, nudge(x), [nudge(s) for s in states], with_state, g_out, g_fin, delta
        )
        for name, value in res.items():
            err = rel_err(value.detach().numpy(), truth[name])
            worst[name] = max(worst.get(name, 0.0), err)
    return worst


def check_against_torch(arch, T, B, I, H, L, dtype, with_state, seed, **kw):
    """Every named result within TOL of torch's.

    float32 only: where float32 rounding alone puts two correct implementations more than
    1e-5 apart (a gradient that is a sum of many terms cancelling, e.g. H = 1), the value
    must be within 1e-5 of the float64 truth, or, when the problem is so ill-conditioned
    that float32 cannot get that close, within ten times the error of torch's float32 on
    the same problem, or within three times the spread of torch's float32 results under
    one-ulp perturbations of the weights, inputs and every activation (``float32_noise``).
    Torch's own error alone is not a safe yardstick: it is sometimes lucky (hypothesis found
    an H = 1 RNN where torch's dW_ih was 2.4e-5 from the truth, ours 4.2e-4, torch's under
    nudges up to 1.3e-3; a random sweep found a 3-layer H = 1 RNN with a saturated unit,
    h = -0.99998, where torch's dW_hh_l0 was 6e-7 off and ours 1.4e-5, both ways of
    rounding h being correct). Our float64 run of the same equations matches torch to
    1e-10, so what is left is rounding.
    """
    ours, ref, (truth, noise), (cell, trace, g) = run_both(
        arch, T, B, I, H, L, dtype, with_state, seed, **kw
    )
    tol = TOL[dtype]
    for name, value in ours.items():
        assert value.dtype == dtype, name
        # relative to the largest |value|, outputs and states too: the cells' σ is exp-based
        # (relative precision), so a nearly closed gate keeps its digits (scratch.base.sigmoid)
        err = rel_err(value, ref[name])
        if err > tol and truth is not None:
            ours_vs_truth = rel_err(value, truth[name])
            torch_vs_truth = rel_err(ref[name].detach().numpy(), truth[name])
            if ours_vs_truth <= max(tol, 10 * torch_vs_truth):
                continue
            spread = noise()[name]
            assert ours_vs_truth <= 3 * spread, (
                f"{name}: {err:.3g} from torch float32; {ours_vs_truth:.3g} from the float64 "
                f"truth where torch float32 is {torch_vs_truth:.3g} from it and "
                f"{spread:.3g} under one-ulp nudges of weights, inputs and activations"
            )
        else:
            assert err <= tol, f"{name}: {err:.3g} > {tol}"
    np.testing.assert_array_equal(trace["hidden"], ours["output"])
    return g


def cho2014_reference(sd, x, h0):
    """The cho2014 GRU written directly in torch autograd (reset BEFORE the recurrent product)."""
    out = x
    finals = []
    for k in range(h0.shape[0]):
        W_ir, W_iz, W_in = sd[f"weight_ih_l{k}"].chunk(3)
        W_hr, W_hz, W_hn = sd[f"weight_hh_l{k}"].chunk(3)
        b_ir, b_iz, b_in = sd[f"bias_ih_l{k}"].chunk(3)
        b_hr, b_hz, b_hn = sd[f"bias_hh_l{k}"].chunk(3)
        h = h0[k]
        steps = []
        for t in range(out.shape[0]):
            xt = out[t]
            r = torch.sigmoid(xt @ W_ir.T + b_ir + h @ W_hr.T + b_hr)
            z = torch.sigmoid(xt @ W_iz.T + b_iz + h @ W_hz.T + b_hz)
            n = torch.tanh(xt @ W_in.T + b_in + (r * h) @ W_hn.T + b_hn)
            h = (1 - z) * n + z * h
            steps.append(h)
        out = torch.stack(steps)
        finals.append(h)
    return out, torch.stack(finals)


def peephole_reference(sd, x, state, hidden=None):
    """The peephole LSTM written directly in torch autograd: ``(output, (h_n, c_n))``.

    ``sd``: {PyTorch-style name: tensor}; x (T, B, I); state (h_0, c_0), (L, B, H) each.
    i and f see c_{t-1}, o sees c_t, through diagonal weights (Gers & Schmidhuber 2000).
    ``hidden``: a list that receives each layer's h_1 .. h_T tensors (for dL/dh_t).
    """
    out, h_n, c_n = x, [], []
    for k in range(state[0].shape[0]):
        W_ih, W_hh = sd[f"weight_ih_l{k}"], sd[f"weight_hh_l{k}"]
        b = sd[f"bias_ih_l{k}"] + sd[f"bias_hh_l{k}"]
        w_ci, w_cf, w_co = (sd[f"weight_c{g}_l{k}"] for g in "ifo")
        h, c = state[0][k], state[1][k]
        steps = []
        for t in range(out.shape[0]):
            a_i, a_f, a_g, a_o = (out[t] @ W_ih.T + h @ W_hh.T + b).chunk(4, dim=-1)
            i = torch.sigmoid(a_i + w_ci * c)
            f = torch.sigmoid(a_f + w_cf * c)
            c = f * c + i * torch.tanh(a_g)
            h = torch.sigmoid(a_o + w_co * c) * torch.tanh(c)
            steps.append(h)
        out = torch.stack(steps)
        if hidden is not None:
            hidden.append(steps)
        h_n.append(h)
        c_n.append(c)
    return out, (torch.stack(h_n), torch.stack(c_n))
