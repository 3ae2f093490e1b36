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

from rnncli.scratch.base import Recurrent, input_projection, weight_grads


class LSTM(Recurrent):
    """Long short-term memory, the same numbers as ``torch.nn.LSTM`` (time-major).

    ``LSTM(input_size, hidden_size, num_layers=1, *, dtype=np.float64, seed=None, rng=None)``.
    State is a tuple (h, c); trace keys: input, forget, candidate, output, cell, hidden.
    """

    arch = "lstm"
    gates = 4
    n_states = 2
    trace_names = ("input", "forget", "candidate", "output", "cell", "hidden")

    def _layer_forward(self, p, x, state0):
        W_ih, W_hh, b_ih, b_hh = p
        T, B, _ = x.shape
        H = self.hidden_size
        h0, c0 = state0
        # One tanh gives all four gates: σ(a) = ½ tanh(a/2) + ½. So the i, f, o rows of the
        # weights are halved ONCE here (s = ½ there, 1 on g), and after the tanh the values
        # are mapped back with s ⊙ tanh(.) + shift (shift = ½ on i, f, o, 0 on g).
        s = np.full(4 * H, 0.5, dtype=self.dtype)
        s[2 * H : 3 * H] = 1.0
        shift = np.where(s == 1.0, 0.0, 0.5).astype(self.dtype)
        # as full (B, 4H) blocks: a same-shape product is cheaper than a broadcast one
        s_b, shift_b = np.tile(s, (B, 1)), np.tile(shift, (B, 1))
        W_hhT = np.multiply(W_hh.T, s, order="C")  # (H, 4H), C order: a faster product
        # (T, B, 4H): s ⊙ (W_ih x_t + b_ih + b_hh) for every step in one product
        gates = input_projection(x, W_ih, b_ih + b_hh, scale=s)
        hs = np.empty((T + 1, B, H), dtype=self.dtype)  # h_0 .. h_T
        cs = np.empty((T + 1, B, H), dtype=self.dtype)  # c_0 .. c_T
        tanh_c = np.empty((T, B, H), dtype=self.dtype)  # tanh(c_t), reused by backward
        hs[0], cs[0] = h0, c0
        rec = np.empty((B, 4 * H), dtype=self.dtype)  # W_hh h_{t-1}, reused every step
        ig = np.empty((B, H), dtype=self.dtype)  # i ⊙ g, reused every step
        for t in range(T):
            a = gates[t]  # (B, 4H): s ⊙ a_t, becomes [i, f, g, o] in place
            np.matmul(hs[t], W_hhT, out=rec)
            a += rec  # a_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh (times s)
            np.tanh(a, out=a)
            a *= s_b
            a += shift_b  # i, f, o = σ(a_i), σ(a_f), σ(a_o); g = tanh(a_g), (B, H) each
            i, f, g, o = a[:, :H], a[:, H : 2 * H], a[:, 2 * H : 3 * H], a[:, 3 * H :]
            np.multiply(f, cs[t], out=cs[t + 1])  # f ⊙ c_{t-1}
            np.multiply(i, g, out=ig)
            cs[t + 1] += ig  # c_t = f ⊙ c_{t-1} + i ⊙ g, (B, H)
            np.tanh(cs[t + 1], out=tanh_c[t])
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
        # dh_t reaches c_t through h_t = o ⊙ tanh(c_t): dc += dh ⊙ o ⊙ (1 - tanh² c_t)
        h_to_c = np.multiply(tanh_c, tanh_c, out=self._buffer("h_to_c", tanh_c.shape))
        np.subtract(1, h_to_c, out=h_to_c)
        h_to_c *= gates[..., 3 * H :]
        dA = self._buffer("dA", gates.shape)  # dL/da_t = dL/d[a_i, a_f, a_g, a_o], (T, B, 4H)
        dh_all = np.empty_like(dy)  # total dL/dh_t, (T, B, H)
        dc = np.array(d_final[1], dtype=self.dtype)  # dL/dc_T from the final state
        tmp = np.empty((B, H), dtype=self.dtype)
        slope = np.empty((B, 4 * H), dtype=self.dtype)  # this step's σ' and tanh'
        np.add(dy[T - 1], d_final[0], out=dh_all[T - 1])  # dL/dh_T: output + final state
        for t in reversed(range(T)):
            dh = dh_all[t]  # dL/dh_t, complete: output at t + step t+1 (added below)
            a = gates[t]
            i, f, g = a[:, :H], a[:, H : 2 * H], a[:, 2 * H : 3 * H]
            di, df = dA[t, :, :H], dA[t, :, H : 2 * H]
            dg, do = dA[t, :, 2 * H : 3 * H], dA[t, :, 3 * H :]
            np.subtract(1, a, out=slope)
            slope *= a  # σ' = σ(1 - σ) on i, f, o
            np.multiply(g, g, out=slope[:, 2 * H : 3 * H])
            np.subtract(1, slope[:, 2 * H : 3 * H], out=slope[:, 2 * H : 3 * H])  # 1 - g²
            np.multiply(dh, tanh_c[t], out=do)  # dL/do = dh ⊙ tanh(c_t)
            np.multiply(dh, h_to_c[t], out=tmp)
            dc += tmp  # dL/dc_t = dL/dc_t (from t+1) + dh ⊙ o ⊙ (1 - tanh² c_t)
            np.multiply(dc, g, out=di)  # dL/di = dc ⊙ g
            np.multiply(dc, cs[t], out=df)  # dL/df = dc ⊙ c_{t-1}
            np.multiply(dc, i, out=dg)  # dL/dg = dc ⊙ i
            dA[t] *= slope  # through σ and tanh: dL/da_t, (B, 4H)
            dc *= f  # dL/dc_{t-1}, the cell path
            if t:  # dL/dh_{t-1} = dy_{t-1} + dA_t W_hh, (B, H)
                np.matmul(dA[t], W_hh, out=dh_all[t - 1])
                dh_all[t - 1] += dy[t - 1]
        dh0 = dA[0] @ W_hh  # dL/dh_0, the initial state
        dW_ih, dW_hh, db, dx = weight_grads(dA, x, hs[:-1], W_ih)
        return dx, (dh0, dc), (dW_ih, dW_hh, db, db.copy()), dh_all
