"""LSTM in NumPy: the equations of ``torch.nn.LSTM``, forward and hand-written BPTT.

One layer, one step (PyTorch's gate order i, f, g, o; both bias vectors; sources:
torch-lstm, hochreiter1997, gers2000 for the forget gate)::

    i_t = σ(W_ii x_t + b_ii + W_hi h_{t-1} + b_hi)       input gate      (0, 1)
    f_t = σ(W_if x_t + b_if + W_hf h_{t-1} + b_hf)       forget gate     (0, 1)
    g_t = tanh(W_ig x_t + b_ig + W_hg h_{t-1} + b_hg)    candidate       (-1, 1)
    o_t = σ(W_io x_t + b_io + W_ho h_{t-1} + b_ho)       output gate     (0, 1)
    c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t                      cell state      unbounded
    h_t = o_t ⊙ tanh(c_t)                                hidden state    (-1, 1)

The four gates come from one fused (4H, ·) weight split in that order; the input part
W_ih x_t + b_ih + b_hh of all T steps is one matrix product before the time loop.
"""

from __future__ import annotations

import numpy as np

from rnncli.scratch.base import Recurrent, weight_grads


class LSTM(Recurrent):
    """Long short-term memory, the same numbers as ``torch.nn.LSTM`` (time-major).

    ``LSTM(input_size, hidden_size, num_layers=1, *, dtype=np.float64, seed=None, rng=None)``.
    State is a tuple (h, c); trace keys: input, forget, candidate, output, cell, hidden.
    """

    arch = "lstm"
    gates = 4
    n_states = 2
    trace_names = ("input", "forget", "candidate", "output", "cell", "hidden")

    def _activation_constants(self):
        """s, s2, shift with gates = s ⊙ tanh(s ⊙ a) + shift: σ on i, f, o; tanh on g."""
        H = self.hidden_size
        s = np.full(4 * H, 0.5, dtype=self.dtype)
        s[2 * H : 3 * H] = 1.0  # the candidate g is a plain tanh
        shift = np.where(s == 0.5, 0.5, 0.0).astype(self.dtype)  # σ(a) = ½ tanh(a/2) + ½
        return s, shift

    def _layer_forward(self, p, x, state0):
        W_ih, W_hh, b_ih, b_hh = p
        T, B, _ = x.shape
        H = self.hidden_size
        h0, c0 = state0
        s, shift = self._activation_constants()
        # (T, B, 4H): W_ih x_t + b_ih + b_hh for every step in one product
        gates = (x.reshape(T * B, -1) @ W_ih.T).reshape(T, B, 4 * H)
        gates += b_ih + b_hh
        hs = np.empty((T + 1, B, H), dtype=self.dtype)  # h_{-1}=h_0 .. h_T
        cs = np.empty((T + 1, B, H), dtype=self.dtype)  # c_0 .. c_T
        tanh_c = np.empty((T, B, H), dtype=self.dtype)  # tanh(c_t), reused by backward
        hs[0], cs[0] = h0, c0
        W_hhT = W_hh.T
        for t in range(T):
            a = gates[t]  # (B, 4H), becomes the gate values in place
            a += hs[t] @ W_hhT  # a_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh
            a *= s  # [a_i/2, a_f/2, a_g, a_o/2]
            np.tanh(a, out=a)
            a *= s
            a += shift  # [i, f, o] = σ(a) = ½tanh(a/2)+½, g = tanh(a_g)
            i, f, g, o = a[:, :H], a[:, H : 2 * H], a[:, 2 * H : 3 * H], a[:, 3 * H :]
            np.multiply(f, cs[t], out=cs[t + 1])  # f ⊙ c_{t-1}
            cs[t + 1] += i * g  # c_t = f ⊙ c_{t-1} + i ⊙ g, (B, H)
            np.tanh(cs[t + 1], out=tanh_c[t])  # tanh(c_t)
            np.multiply(o, tanh_c[t], out=hs[t + 1])  # h_t = o ⊙ tanh(c_t), (B, H)
        cache = (x, hs, cs, tanh_c, gates)
        return hs[1:], (hs[T], cs[T]), cache

    def _layer_trace(self, cache):
        _, hs, cs, _, gates = cache
        H = self.hidden_size
        return {
            "input": gates[..., :H],
            "forget": gates[..., H : 2 * H],
            "candidate": gates[..., 2 * H : 3 * H],
            "output": gates[..., 3 * H :],
            "cell": cs[1:],
            "hidden": hs[1:],
        }

    def _layer_backward(self, p, cache, dy, d_final):
        W_ih, W_hh, _, _ = p
        x, hs, cs, tanh_c, gates = cache
        T, B, H = dy.shape
        # local slopes of the activations, all steps at once: σ' = σ(1-σ), tanh' = 1-tanh²
        slope = gates * (1 - gates)  # (T, B, 4H) for i, f, o
        g_all = gates[..., 2 * H : 3 * H]
        slope[..., 2 * H : 3 * H] = 1 - g_all * g_all  # candidate g
        dtanh_c = 1 - tanh_c * tanh_c  # (T, B, H)
        dA = np.empty_like(gates)  # dL/da_t, (T, B, 4H)
        dh_all = np.empty_like(dy)  # total dL/dh_t, (T, B, H)
        dh = np.array(d_final[0], dtype=self.dtype)  # dL/dh_T from the final state
        dc = np.array(d_final[1], dtype=self.dtype)  # dL/dc_T from the final state
        for t in reversed(range(T)):
            dh += dy[t]  # dL/dh_t: from the output at t and from step t+1
            dh_all[t] = dh
            i, f, g, o = (gates[t, :, k * H : (k + 1) * H] for k in range(4))
            di, df, dg, do = (dA[t, :, k * H : (k + 1) * H] for k in range(4))
            np.multiply(dh, tanh_c[t], out=do)  # dL/do = dh ⊙ tanh(c_t)
            dc += dh * o * dtanh_c[t]  # dL/dc_t += dh ⊙ o ⊙ (1 - tanh²c_t)
            np.multiply(dc, g, out=di)  # dL/di = dc ⊙ g
            np.multiply(dc, cs[t], out=df)  # dL/df = dc ⊙ c_{t-1}
            np.multiply(dc, i, out=dg)  # dL/dg = dc ⊙ i
            dA[t] *= slope[t]  # through σ and tanh: dL/da_t, (B, 4H)
            dc *= f  # dL/dc_{t-1} (the cell path)
            dh = dA[t] @ W_hh  # dL/dh_{t-1} = dA_t W_hh, (B, H)
        dW_ih, dW_hh, db, dx = weight_grads(dA, x, hs[:-1], W_ih)
        return dx, (dh, dc), (dW_ih, dW_hh, db, db.copy()), dh_all
