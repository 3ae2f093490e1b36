"""LSTM in NumPy: the equations of ``torch.nn.LSTM``, forward and hand-written BPTT.

One layer, one step (PyTorch's gate order i, f, g, o; both bias vectors; sources:
torch-lstm, hochreiter1997, gers2000 for the forget gate)::

    i_t = σ(W_ii x_t + b_ii + W_hi h_{t-1} + b_hi)       input gate      (0, 1)
    f_t = σ(W_if x_t + b_if + W_hf h_{t-1} + b_hf)       forget gate     (0, 1)
    g_t = tanh(W_ig x_t + b_ig + W_hg h_{t-1} + b_hg)    candidate       (-1, 1)
    o_t = σ(W_io x_t + b_io + W_ho h_{t-1} + b_ho)       output gate     (0, 1)
    c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t                      cell state      unbounded
    h_t = o_t ⊙ tanh(c_t)                                hidden state    (-1, 1)

Each step is ONE matrix product of [x_t, 1, h_{t-1}] (B, I+1+H) with the stacked weights
[W_ihᵀ; b_ih + b_hh; W_hhᵀ], done gate by gate (four (B, I+1+H) @ (I+1+H, H) products in
one batched call: OpenBLAS runs these small products faster than one (B, I+1+H) @ (I+1+H, 4H)),
so each step's gates come out gate-major, (4, B, H): i, f, g, o = gates[t] are four
contiguous blocks. One tanh gives all four gates (σ(a) = ½ tanh(a/2) + ½). Backward reuses
the [x_t, 1, h_{t-1}] rows: dW_ih, the bias gradient and dW_hh are one product after the
time loop, and dx another.
"""

from __future__ import annotations

import numpy as np

from rnncli.scratch.base import Recurrent


def _aligned_empty(shape: tuple[int, ...], dtype) -> np.ndarray:
    """``np.empty`` that starts on a 64-byte boundary.

    OpenBLAS's kernels for small products (used for the per-step (B, K) @ (K, H) products
    here) run about 25% slower when the weight matrix is not 64-byte aligned, and NumPy
    only guarantees 16 bytes.
    """
    itemsize = np.dtype(dtype).itemsize
    raw = np.empty(int(np.prod(shape)) * itemsize + 64, dtype=np.uint8)
    start = -raw.ctypes.data % 64
    return raw[start : start + int(np.prod(shape)) * itemsize].view(dtype).reshape(shape)


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
        T, B, I = x.shape
        H = self.hidden_size
        h0, c0 = state0
        # One tanh gives all four gates: σ(a) = ½ tanh(a/2) + ½. So the i, f, o weights are
        # halved ONCE here (s = ½ there, 1 on g), and after the tanh the values are mapped
        # back with s ⊙ tanh(.) + shift (shift = ½ on i, f, o, 0 on g).
        s = np.array([0.5, 0.5, 1.0, 0.5], dtype=self.dtype)[:, None, None]  # (4, 1, 1)
        # as full (4, B, H) blocks: a same-shape product is cheaper than a broadcast one
        s_b = np.repeat(np.repeat(s, B, axis=1), H, axis=2)
        shift_b = np.where(s_b == 1.0, 0.0, 0.5).astype(self.dtype)
        # W[k] = s_k [W_ih,kᵀ; b_ih,k + b_hh,k; W_hh,kᵀ], (4, I+1+H, H): gate k acts on
        # [x_t, 1, h_{t-1}] (k = i, f, g, o; W_ih,k = rows kH..(k+1)H of W_ih)
        W = _aligned_empty((4, I + 1 + H, H), self.dtype)
        W[:, :I] = W_ih.reshape(4, H, I).transpose(0, 2, 1)
        W[:, I] = (b_ih + b_hh).reshape(4, H)
        W[:, I + 1 :] = W_hh.reshape(4, H, H).transpose(0, 2, 1)
        W *= s
        # xh[t] = [x_t, 1, h_{t-1}], (T+1, B, I+1+H); the last row only holds h_T
        xh = np.empty((T + 1, B, I + 1 + H), dtype=self.dtype)
        xh[:T, :, :I], xh[:T, :, I], xh[T, :, : I + 1] = x, 1, 0
        hs = xh[:, :, I + 1 :]  # h_0 .. h_T, a view, (T+1, B, H)
        cs = np.empty((T + 1, B, H), dtype=self.dtype)  # c_0 .. c_T
        tanh_c = np.empty((T, B, H), dtype=self.dtype)  # tanh(c_t), reused by backward
        gates = np.empty((T, 4, B, H), dtype=self.dtype)  # [i, f, g, o] of every step
        ig = np.empty((B, H), dtype=self.dtype)  # i ⊙ g, reused every step
        hs[0], cs[0] = h0, c0
        for t in range(T):
            a = gates[t]  # (4, B, H): s ⊙ a_t, becomes [i, f, g, o] in place
            np.matmul(xh[t], W, out=a)  # a_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh (times s)
            np.tanh(a, out=a)
            a *= s_b
            a += shift_b  # i, f, o = σ(a_i), σ(a_f), σ(a_o); g = tanh(a_g), (B, H) each
            i, f, g, o = a
            np.multiply(f, cs[t], out=cs[t + 1])  # f ⊙ c_{t-1}
            np.multiply(i, g, out=ig)
            cs[t + 1] += ig  # c_t = f ⊙ c_{t-1} + i ⊙ g, (B, H)
            np.tanh(cs[t + 1], out=tanh_c[t])
            np.multiply(o, tanh_c[t], out=hs[t + 1])  # h_t = o ⊙ tanh(c_t), (B, H)
        cache = (xh, cs, tanh_c, gates)
        return hs[1:], (hs[T], cs[T]), cache

    def _layer_trace(self, cache):
        xh, cs, _, gates = cache
        H = self.hidden_size
        return {
            "input": gates[:, 0],
            "forget": gates[:, 1],
            "candidate": gates[:, 2],
            "output": gates[:, 3],
            "cell": cs[1:],
            "hidden": xh[1:, :, -H:],
        }

    def _layer_backward(self, p, cache, dy, d_final):
        W_ih, W_hh, _, _ = p
        xh, cs, tanh_c, gates = cache
        T, B, H = dy.shape
        I = W_ih.shape[1]
        hs = xh[:, :, I + 1 :]  # h_0 .. h_T
        # dL/dh_{t-1} = Σ_k dA_k W_hh,k: gate by gate, like the forward, (4, H, H)
        W_hh_k = _aligned_empty((4, H, H), self.dtype)
        W_hh_k[:] = W_hh.reshape(4, H, H)
        dA = self._buffer("dA", (T, B, 4 * H))  # dL/da_t = dL/d[a_i, a_f, a_g, a_o]
        # the same array seen gate-major, (4, T, B, H): the loop writes dA_t[k] gate by gate,
        # the products after it read dA as (T·B, 4H)
        dA_k = dA.reshape(T, B, 4, H).transpose(2, 0, 1, 3)
        dh_all = np.empty_like(dy)  # total dL/dh_t, (T, B, H)
        dc = np.array(d_final[1], dtype=self.dtype)  # dL/dc_T from the final state
        slope = np.empty((4, B, H), dtype=self.dtype)  # each gate's slope times its partner
        rec = np.empty((4, B, H), dtype=self.dtype)  # dA_k W_hh,k for the four gates
        tmp = np.empty((B, H), dtype=self.dtype)
        ipg = np.empty((B, H), dtype=self.dtype)  # i ⊙ (1 + g)
        terms = np.empty((2, B, H), dtype=self.dtype)  # i ⊙ g, f ⊙ c_{t-1}
        np.add(dy[T - 1], d_final[0], out=dh_all[T - 1])  # dL/dh_T: output + final state
        for t in reversed(range(T)):
            dh = dh_all[t]  # dL/dh_t, complete: output at t + step t+1 (added below)
            a = gates[t]
            i, f, g, o = a
            ig, fc = terms
            np.multiply(i, g, out=ig)  # the two terms of c_t, recomputed: cheaper than storing
            np.multiply(f, cs[t], out=fc)
            h, dA_t = hs[t + 1], dA_k[:, t]
            # σ'(a) = σ (1 - σ), tanh'(a) = (1 - g)(1 + g); each times what the gate multiplies
            np.subtract(1, a, out=slope)  # 1 - [i, f, g, o]
            slope[:2] *= terms  # i ⊙ g ⊙ (1-i) = g σ'(a_i); f c_{t-1} (1-f) = c_{t-1} σ'(a_f)
            np.add(i, ig, out=ipg)
            slope[2] *= ipg  # i ⊙ (1+g) ⊙ (1-g) = i ⊙ tanh'(a_g)
            slope[3] *= h  # o ⊙ tanh(c_t) ⊙ (1-o) = tanh(c_t) ⊙ σ'(a_o)
            np.multiply(h, tanh_c[t], out=tmp)
            np.subtract(o, tmp, out=tmp)  # o ⊙ (1 - tanh² c_t) = dh_t/dc_t
            tmp *= dh
            dc += tmp  # dL/dc_t = dL/dc_t (from t+1) + dh ⊙ o ⊙ (1 - tanh² c_t)
            np.multiply(slope[:3], dc, out=dA_t[:3])  # dL/da_i, dL/da_f, dL/da_g, (3, B, H)
            np.multiply(slope[3], dh, out=dA_t[3])  # dL/da_o = dh ⊙ tanh(c_t) ⊙ σ'(a_o)
            dc *= f  # dL/dc_{t-1}, the cell path
            if t:  # dL/dh_{t-1} = dy_{t-1} + Σ_k dA_k W_hh,k, (B, H)
                np.matmul(dA_t, W_hh_k, out=rec)
                np.add.reduce(rec, axis=0, out=dh_all[t - 1])
                dh_all[t - 1] += dy[t - 1]
        dh0 = dA[0] @ W_hh  # dL/dh_0, the initial state
        # every step's weight gradients in ONE product: Σ_t dA_tᵀ [x_t, 1, h_{t-1}]
        dA2 = dA.reshape(T * B, 4 * H)
        dW = dA2.T @ xh[:T].reshape(T * B, -1)  # [dW_ih | db | dW_hh], (4H, I+1+H)
        dx = (dA2 @ W_ih).reshape(T, B, I)  # dL/dx_t = dA_t W_ih, (T, B, I)
        dW_ih, db, dW_hh = dW[:, :I].copy(), dW[:, I].copy(), dW[:, I + 1 :].copy()
        return dx, (dh0, dc), (dW_ih, dW_hh, db, db.copy()), dh_all
