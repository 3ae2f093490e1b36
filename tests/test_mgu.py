"""The MGU (Zhou, Wu, Zhang & Zhou 2016) against its equations written out in torch autograd:
outputs, final state and every gradient (each parameter, the input, the initial state and
dL/dh_t of every layer), multi-layer and batched, in float64. And its ``gates`` reading.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rnncli import archs
from rnncli.render.gates import read_step
from rnncli.scratch import build


def mgu_in_torch(sd: dict, x: torch.Tensor, h0: torch.Tensor, hidden: list):
    """f = σ(W_f x + U_f h + b_f); h̃ = tanh(W_h x + U_h (f ⊙ h) + b_h);
    h' = (1 − f) ⊙ h + f ⊙ h̃ (the paper's equations; PyTorch's two bias vectors)."""
    out, h_n = x, []
    for k in range(h0.shape[0]):
        W_f, W_h = sd[f"weight_ih_l{k}"].chunk(2)
        U_f, U_h = sd[f"weight_hh_l{k}"].chunk(2)
        b_f, b_h = (sd[f"bias_ih_l{k}"] + sd[f"bias_hh_l{k}"]).chunk(2)
        h, steps = h0[k], []
        for t in range(out.shape[0]):
            f = torch.sigmoid(out[t] @ W_f.T + h @ U_f.T + b_f)
            h_tilde = torch.tanh(out[t] @ W_h.T + (f * h) @ U_h.T + b_h)
            h = (1 - f) * h + f * h_tilde
            steps.append(h)
        out = torch.stack(steps)
        hidden.append(steps)
        h_n.append(h)
    return out, torch.stack(h_n)


@pytest.mark.parametrize("T,B,I,H,L,seed", [(5, 3, 4, 6, 2, 0), (1, 1, 1, 1, 1, 1),
                                             (9, 2, 3, 5, 3, 2)])
def test_mgu_matches_its_equations_in_torch_autograd(T, B, I, H, L, seed):
    rng = np.random.default_rng(seed)
    cell = build("mgu", I, H, L, seed=seed)
    x, h0 = rng.standard_normal((T, B, I)), rng.standard_normal((L, B, H))
    g_out, g_fin = rng.standard_normal((T, B, H)), rng.standard_normal((L, B, H))
    sd = {k: torch.tensor(v, requires_grad=True) for k, v in cell.to_state_dict().items()}
    xt, h0t = torch.tensor(x, requires_grad=True), torch.tensor(h0, requires_grad=True)
    hidden: list = []
    out, h_n = mgu_in_torch(sd, xt, h0t, hidden)
    loss = (out * torch.tensor(g_out)).sum() + (h_n * torch.tensor(g_fin)).sum()
    hs = [h for layer in hidden for h in layer]
    grads = torch.autograd.grad(loss, [*sd.values(), xt, h0t, *hs])
    o, h, trace = cell.forward(x, h0)
    g = cell.backward(g_out, g_fin)

    def close(ours, theirs, what):
        np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-10, atol=1e-12,
                                   err_msg=what)

    close(o, out, "output")
    close(h, h_n, "final state")
    for (name, _), grad in zip(sd.items(), grads, strict=False):
        close(g.params[name], grad, name)
    close(g.input, grads[len(sd)], "input")
    close(g.state, grads[len(sd) + 1], "initial state")
    dh = grads[len(sd) + 2 :]
    for k in range(L):
        close(g.hidden_by_layer[k], torch.stack(dh[k * T : (k + 1) * T]), f"dL/dh layer {k}")
    assert set(trace) == {"forget", "candidate", "hidden"}
    np.testing.assert_array_equal(trace["hidden"], o)


def test_mgu_parameters_are_two_gate_blocks():
    cell = build("mgu", 3, 4)
    assert cell.params["weight_ih_l0"].shape == (8, 3)
    assert cell.params["weight_hh_l0"].shape == (8, 4)
    spec = archs.get("mgu")
    assert spec.gate_blocks == 2 and spec.torch_module is None


def test_mgu_reading_comes_from_its_gate_phrases():
    tr = {"forget": np.array([[0.05, 0.5], [0.95, 0.5]]),
          "candidate": np.zeros((2, 2)), "hidden": np.zeros((2, 2))}
    assert read_step("mgu", tr, 0, [0, 1]) == ["unit 0 keeps its state: f = 0.05"]
    assert read_step("mgu", tr, 1, [0, 1]) == ["unit 0 takes the new candidate: f = 0.95"]
    tr["forget"][:] = 0.5
    assert read_step("mgu", tr, 1, [0, 1])[0].startswith("no gate decisive")
