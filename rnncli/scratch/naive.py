"""The lesson's loop, for contrast: one sample at a time, one step at a time.

Written anew after the lesson's ``LSTMFromScratch`` / ``GRUFromScratch`` (source:
lesson): each gate has its own (H × (I+H)) matrix and ONE bias column; at every step
the input and the previous hidden state are stacked into a column vector
``[x_t; h_{t-1}]`` and multiplied by each gate matrix separately.  Its GRU applies
the reset gate to h before the product, as Cho et al. do (source: cho2014), but with
the update gate's roles swapped: h_t = (1-z)·h + z·h̃ keeps the old state when z ≈ 0
(Cho et al. and PyTorch keep it when z ≈ 1; the two are equal up to z ↔ 1-z, which the
tests check).  It has no vanilla RNN, so ours uses the same style:
h_t = tanh(W·[x_t; h_{t-1}] + b).  There is no backward: the lesson's cells only
run forward, so ``naive`` is forward-only.

What makes it slow is not the maths but the shape of the work: B·T·L·G separate
matrix-VECTOR products (memory-bound, one Python call each) instead of one
matrix-MATRIX product per step for the whole batch.

Because samples never interact, the time of a batch is exactly B times the time of
one sample; for large sizes ``bench --impl naive`` times a subset of the batch and
scales (the row says so; :func:`rnncli.measure.workloads.naive_workload`), guided by
:func:`sample_seconds`.
"""

from __future__ import annotations

import math

import numpy as np

GATES = {"rnn": ("h",), "gru": ("r", "z", "h"), "lstm": ("f", "i", "c", "o")}

#: Rough cost model, used only to decide how many samples bench times (seconds).
STEP_OVERHEAD_S = {"rnn": 6e-6, "gru": 18e-6, "lstm": 22e-6}
MATVEC_FLOPS_PER_S = 2e9


def _sigmoid(a: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-np.clip(a, -500, 500)))  # the lesson's form, clip included


def param_count(arch: str, input_size: int, hidden_size: int, num_layers: int) -> int:
    """Parameters of the lesson's layout: per gate H·(I+H) weights and H biases."""
    g, h, total = len(GATES[arch]), hidden_size, 0
    for i in [input_size] + [hidden_size] * (num_layers - 1):
        total += g * (h * (i + h) + h)
    return total


def sample_seconds(arch: str, input_size: int, hidden_size: int, num_layers: int,
                   seq_len: int) -> float:
    """Rough seconds for ONE sample (the cost model above)."""
    g, h = len(GATES[arch]), hidden_size
    per_step = 0.0
    for i in [input_size] + [h] * (num_layers - 1):
        per_step += STEP_OVERHEAD_S[arch] + 2 * g * h * (i + h) / MATVEC_FLOPS_PER_S
    return per_step * seq_len


class NaiveNet:
    """Stacked layers of the lesson's cell (weights per gate, column vectors)."""

    def __init__(self, arch: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 dtype=np.float64, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        h = hidden_size
        std = 1.0 / math.sqrt(h)
        self.arch, self.hidden_size = arch, h
        self.layers = []
        for i in [input_size] + [h] * (num_layers - 1):
            self.layers.append({
                g: (rng.uniform(-std, std, (h, i + h)).astype(dtype), np.zeros((h, 1), dtype))
                for g in GATES[arch]
            })

    def n_params(self) -> int:
        return sum(w.size + b.size for layer in self.layers for w, b in layer.values())

    def _step(self, p: dict, x_t: np.ndarray, h: np.ndarray, c: np.ndarray | None):
        xh = np.vstack([x_t, h])  # [x_t; h_{t-1}], (I+H, 1)
        if self.arch == "rnn":
            return np.tanh(p["h"][0] @ xh + p["h"][1]), None
        if self.arch == "gru":
            r = _sigmoid(p["r"][0] @ xh + p["r"][1])  # reset gate
            z = _sigmoid(p["z"][0] @ xh + p["z"][1])  # update gate
            h_tilde = np.tanh(p["h"][0] @ np.vstack([x_t, r * h]) + p["h"][1])
            return (1 - z) * h + z * h_tilde, None  # the lesson's convention
        f = _sigmoid(p["f"][0] @ xh + p["f"][1])
        i = _sigmoid(p["i"][0] @ xh + p["i"][1])
        g = np.tanh(p["c"][0] @ xh + p["c"][1])
        c = f * c + i * g  # c_t = f ⊙ c_{t-1} + i ⊙ g
        o = _sigmoid(p["o"][0] @ xh + p["o"][1])
        return o * np.tanh(c), c

    def forward_sample(self, xs: np.ndarray) -> list[np.ndarray]:
        """One sample, xs (T, I): layer by layer, step by step; returns T columns (H, 1)."""
        seq = [xs[t].reshape(-1, 1) for t in range(xs.shape[0])]
        for p in self.layers:
            h = np.zeros((self.hidden_size, 1), dtype=xs.dtype)
            c = np.zeros_like(h) if self.arch == "lstm" else None
            outs = []
            for x_t in seq:
                h, c = self._step(p, x_t, h, c)
                outs.append(h)
            seq = outs
        return seq

    def forward(self, x: np.ndarray) -> list[list[np.ndarray]]:
        """x (T, B, I): every sample on its own, as the lesson does."""
        return [self.forward_sample(x[:, b, :]) for b in range(x.shape[1])]
