"""Gate statistics of a trained model, after Karpathy, Johnson & Fei-Fei (2015),
"Visualizing and understanding recurrent networks": for every sigmoid gate and unit, the
fraction of time steps at which the gate is left-saturated (< 0.1, nearly closed) or
right-saturated (> 0.9, nearly open). The thresholds are the ones this tool attributes
to the paper (its text could not be re-read when checked, issue 20). Gates follow
PyTorch's convention: a right-saturated ``nn.GRU`` update gate z keeps the old state.

The gates are recomputed from the model's own weights for the first layer, forward
direction, one equation per line in PyTorch's gate order (``rnncli.archs`` gate rows),
over the valid (unpadded) steps of the test sentences. ``final_hidden`` is returned too,
so a test can check the recomputation against torch's ``h_n``.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from rnncli import archs
from rnncli.sentiment.train import pad_batch

LEFT, RIGHT = 0.1, 0.9


def sigmoid_gates(arch: str) -> tuple[str, ...]:
    """The gates whose values lie in (0, 1), in the order ``gates`` shows them."""
    return tuple(k.name for k in archs.get(arch).trace if k.gate and k.lo == 0.0)


def _lstm_step(xw, h, c, W_hh, b_hh):
    i, f, g, o = (xw + h @ W_hh.T + b_hh).chunk(4, dim=-1)   # PyTorch rows: i, f, g, o
    i = torch.sigmoid(i)                 # input gate   i_t = σ(W_ii x + b_ii + W_hi h + b_hi)
    f = torch.sigmoid(f)                 # forget gate  f_t = σ(...)
    g = torch.tanh(g)                    # candidate    g_t = tanh(...)
    o = torch.sigmoid(o)                 # output gate  o_t = σ(...)
    c = f * c + i * g                    # c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t
    h = o * torch.tanh(c)                # h_t = o_t ⊙ tanh(c_t)
    return h, c, {"input": i, "forget": f, "output": o}


def _gru_step(xw, h, W_hh, b_hh):
    x_r, x_z, x_n = xw.chunk(3, dim=-1)                     # PyTorch rows: r, z, n
    h_r, h_z, h_n = (h @ W_hh.T + b_hh).chunk(3, dim=-1)
    r = torch.sigmoid(x_r + h_r)         # reset gate   r_t = σ(W_ir x + b_ir + W_hr h + b_hr)
    z = torch.sigmoid(x_z + h_z)         # update gate  z_t = σ(...)
    n = torch.tanh(x_n + r * h_n)        # n_t = tanh(W_in x + b_in + r_t ⊙ (W_hn h + b_hn))
    h = (1 - z) * n + z * h              # h_t = (1 - z_t) ⊙ n_t + z_t ⊙ h_{t-1}
    return h, {"reset": r, "update": z}


@torch.no_grad()
def gate_saturation(model, arch: str, seqs: Sequence[Sequence[int]],
                    max_seqs: int = 2000) -> dict | None:
    """Per gate: ``left``/``right`` fractions per unit, their means, the number of units
    saturated more than half the time, and ``final_hidden`` (B, H). None for the RNN."""
    gates = sigmoid_gates(arch)
    if not gates:
        return None
    rnn = model.rnn
    ids, lengths = pad_batch(list(seqs)[:max_seqs])
    W_ih, W_hh = rnn.weight_ih_l0, rnn.weight_hh_l0
    b_ih, b_hh = rnn.bias_ih_l0, rnn.bias_hh_l0
    xw = model.embedding(ids) @ W_ih.T + b_ih                 # (B, T, G*H)
    B, H = ids.shape[0], rnn.hidden_size
    h = torch.zeros(B, H)
    c = torch.zeros(B, H)
    left = {g: torch.zeros(H) for g in gates}
    right = {g: torch.zeros(H) for g in gates}
    for t in range(ids.shape[1]):
        live = (t < lengths).unsqueeze(1)                    # (B, 1): not padding
        if archs.get(arch).has_cell_state:
            h_new, c_new, vals = _lstm_step(xw[:, t], h, c, W_hh, b_hh)
            c = torch.where(live, c_new, c)
        else:
            h_new, vals = _gru_step(xw[:, t], h, W_hh, b_hh)
        h = torch.where(live, h_new, h)
        for g in gates:
            left[g] += ((vals[g] < LEFT) & live).sum(0)
            right[g] += ((vals[g] > RIGHT) & live).sum(0)
    steps = float(lengths.sum())
    out = {"steps": int(steps), "units": H, "layer": 0, "direction": "forward",
           "final_hidden": h, "gates": {}}
    for g in gates:
        lf, rf = left[g] / steps, right[g] / steps
        out["gates"][g] = {"left": lf.tolist(), "right": rf.tolist(),
                           "mean_left": float(lf.mean()), "mean_right": float(rf.mean()),
                           "units_mostly_left": int((lf > 0.5).sum()),
                           "units_mostly_right": int((rf > 0.5).sum())}
    return out
