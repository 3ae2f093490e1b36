"""Efficient implementation of ``reference.lstm_step`` / ``reference.lstm_bptt``; tested equal.

The equations of ``torch.nn.LSTM`` in NumPy, forward and hand-written BPTT, laid out for
speed; ``reference.py`` has them one per line, and tests/test_reference.py checks that
this file computes the same numbers (1e-12 in float64: outputs, states, every gradient).
One layer, one step (PyTorch's gates i, f, g, o; both bias vectors; sources: torch-lstm,
hochreiter1997, gers2000 for the forget gate)::

    i_t = σ(W_ii x_t + b_ii + W_hi h_{t-1} + b_hi)       input gate      (0, 1)
    f_t = σ(W_if x_t + b_if + W_hf h_{t-1} + b_hf)       forget gate     (0, 1)
    g_t = tanh(W_ig x_t + b_ig + W_hg h_{t-1} + b_hg)    candidate       (-1, 1)
    o_t = σ(W_io x_t + b_io + W_ho h_{t-1} + b_ho)       output gate     (0, 1)
    c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t                      cell state      unbounded
    h_t = o_t ⊙ tanh(c_t)                                hidden state    (-1, 1)

How it is laid out for speed (benchmarks/README.md has the measurements):

- Each step is ONE matrix product of [x_t, 1, h_{t-1}] (B, I+1+H) with the stacked weights
  [W_ihᵀ; b_ih + b_hh; W_hhᵀ], done gate by gate (four (B, I+1+H) @ (I+1+H, H) products in one
  batched call: OpenBLAS runs these small products faster than one (B, I+1+H) @ (I+1+H, 4H)).
  The RNN and GRU project the inputs of all steps in one product before the loop, as PyTorch's
  CPU path does; for the LSTM that measured slower (benchmarks/README.md: the extra per-step
  add costs more than the smaller products save), so x_t rides in the step's product
  instead, and the weight gradients still come from ONE product after the loop.
- Inside, the gates are kept in the order o, i, f, g (``ORDER``), and each step's block of the
  gate array holds [o, i, f, g, c_{t-1}], (5, B, H): the three sigmoid gates are one contiguous
  slice, and (i, f) ⊙ (g, c_{t-1}) is ONE element-wise product of two contiguous slices.
  Parameters and gradients stay in PyTorch's order i, f, g, o.
- σ(a) = 1 / (1 + e^-a) in three calls on the three sigmoid gates at once (exp, add, reciprocal),
  the o, i, f weights negated once so the product gives -a: its error is relative (a few ulp,
  as torch's), so a nearly closed gate keeps its precision.
- NumPy's cost is per call, and a call on contiguous same-shape arrays is 2 to 3 times cheaper
  than one that broadcasts or writes through strides, so every per-step array is contiguous.
- Backward recomputes tanh(c_t) (cheaper than storing it), computes dL/da of all four gates into
  one contiguous (4, B, H) block per step, and after the time loop gets dW_ih, the bias
  gradient and dW_hh from ONE product with the stored [x_t, 1, h_{t-1}] rows, and dx from another.
"""

from __future__ import annotations

import numpy as np

from rnncli.scratch.base import aligned_empty
from rnncli.scratch.reference_cells import ReferenceLSTM

ORDER = [3, 0, 1, 2]  # internal gate block k is PyTorch's gate ORDER[k]: o, i, f, g
TO_TORCH = [1, 2, 3, 0]  # PyTorch's gate j (i, f, g, o) is internal block TO_TORCH[j]


def _gate_blocks(W: np.ndarray, H: int) -> np.ndarray:
    """(4H, n) rows in PyTorch's order i, f, g, o -> (4, H, n) blocks in the order o, i, f, g."""
    return W.reshape(4, H, -1)[ORDER]


class LSTM(ReferenceLSTM):
    """Long short-term memory, the same numbers as ``torch.nn.LSTM`` (time-major).

    ``LSTM(input_size, hidden_size, num_layers=1, *, dtype=np.float64, seed=None, rng=None)``.
    State is a tuple (h, c); trace keys: input, forget, candidate, output, cell, hidden.
    """

    impl = "fast"

    @np.errstate(over="ignore", under="ignore")  # e^-a -> inf or 0 gives σ = 0 or 1, exactly
    def _layer_forward(self, p, x, state0):
        W_ih, W_hh, b_ih, b_hh = p
        T, B, I = x.shape
        H, dt = self.hidden_size, self.dtype
        h0, c0 = state0
        # W[k] = [W_ih,kᵀ; b_ih,k + b_hh,k; W_hh,kᵀ], (4, I+1+H, H), k = o, i, f, g: gate k acts
        # on [x_t, 1, h_{t-1}]. The sigmoid gates' weights are negated: σ(a) = 1 / (1 + e^-a)
        # then takes one exp of the product's output (relative precision for closed gates).
        W = aligned_empty((4, I + 1 + H, H), dt)
        W[:, :I] = _gate_blocks(W_ih, H).transpose(0, 2, 1)
        W[:, I] = _gate_blocks(b_ih + b_hh, H)[:, :, 0]
        W[:, I + 1 :] = _gate_blocks(W_hh, H).transpose(0, 2, 1)
        W[:3] *= -1
        # xh[t] = [x_t, 1, h_{t-1}], (T+1, B, I+1+H); the last row only holds h_T
        xh = np.empty((T + 1, B, I + 1 + H), dtype=dt)
        xh[:T, :, :I], xh[:T, :, I], xh[T, :, : I + 1] = x, 1, 0
        hs = xh[:, :, I + 1 :]  # h_0 .. h_T, a view, (T+1, B, H)
        # Z[t] = [o_t, i_t, f_t, g_t, c_{t-1}], (T+1, 5, B, H); Z[T] only holds c_T
        Z = np.empty((T + 1, 5, B, H), dtype=dt)
        ig_fc = np.empty((2, B, H), dtype=dt)  # i ⊙ g, f ⊙ c_{t-1}
        ig, fc = ig_fc
        tanh_c = np.empty((B, H), dtype=dt)
        hs[0], Z[0, 4] = h0, c0
        matmul, tanh, mul, add = np.matmul, np.tanh, np.multiply, np.add
        exp, reciprocal = np.exp, np.reciprocal
        for t in range(T):
            z = Z[t]
            a = z[:4]  # (4, B, H), becomes [o, i, f, g] in place
            matmul(xh[t], W, a)  # a_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh (σ rows: -a_t)
            sig = z[:3]
            exp(sig, sig)  # e^-a_o, e^-a_i, e^-a_f
            sig += 1
            reciprocal(sig, sig)  # o, i, f = σ(a) = 1 / (1 + e^-a), (B, H) each
            tanh(z[3], z[3])  # g = tanh(a_g)
            mul(z[1:3], z[3:5], ig_fc)  # (i, f) ⊙ (g, c_{t-1})
            c = Z[t + 1, 4]
            add(ig, fc, c)  # c_t = f ⊙ c_{t-1} + i ⊙ g
            tanh(c, tanh_c)
            mul(z[0], tanh_c, hs[t + 1])  # h_t = o ⊙ tanh(c_t)
        cache = (xh, Z)
        return hs[1:], (hs[T], Z[T, 4]), cache

    def _layer_trace(self, cache):
        xh, Z = cache
        H = self.hidden_size
        return {
            "input": Z[:-1, 1],
            "forget": Z[:-1, 2],
            "candidate": Z[:-1, 3],
            "output": Z[:-1, 0],
            "cell": Z[1:, 4],
            "hidden": xh[1:, :, -H:],
        }

    @np.errstate(under="ignore")  # a product of a tiny gate rounding to 0 is the right answer
    def _layer_backward(self, p, cache, dy, d_final):
        W_ih, W_hh, _, _ = p
        xh, Z = cache
        T, B, H = dy.shape
        I, dt = W_ih.shape[1], self.dtype
        # dL/dh_{t-1} = Σ_k dA_k W_hh,k: gate by gate, like the forward, (4, H, H)
        W_hh_k = aligned_empty((4, H, H), dt)
        W_hh_k[:] = _gate_blocks(W_hh, H)
        dA = self._buffer("dA", (T, B, 4 * H))  # dL/da_t of all steps, rows like xh's
        dA_rows = dA.reshape(T, B, 4, H)
        dh_all = np.empty_like(dy)  # total dL/dh_t, (T, B, H)
        dc = np.array(d_final[1], dtype=dt)  # dL/dc_T from the final state
        dA_t = np.empty((4, B, H), dtype=dt)  # dL/d[a_o, a_i, a_f, a_g] of this step
        dA_o, dA_if, dA_g, dA_ifg = dA_t[0], dA_t[1:3], dA_t[3], dA_t[1:]
        dA_t_rows = dA_t.transpose(1, 0, 2)  # (B, 4, H), how dA stores it
        rec = np.empty((4, B, H), dtype=dt)  # dA_k W_hh,k for the four gates
        rec_oi, rec_fg = rec.reshape(2, 2 * B * H)
        pair = np.empty(2 * B * H, dtype=dt)
        pair0, pair1 = pair.reshape(2, B, H)
        ig_fc = np.empty((2, B, H), dtype=dt)
        ig = ig_fc[0]
        tanh_c, odh, u, ipg = (np.empty((B, H), dtype=dt) for _ in range(4))
        mul, add, sub, tanh = np.multiply, np.add, np.subtract, np.tanh
        matmul, copyto = np.matmul, np.copyto
        add(dy[T - 1], d_final[0], dh_all[T - 1])  # dL/dh_T: output + final state
        for t in range(T - 1, -1, -1):
            dh, z = dh_all[t], Z[t]  # dL/dh_t is complete: step t+1 added it below
            tanh(Z[t + 1, 4], tanh_c)  # tanh(c_t), recomputed
            # each gate's slope times what it multiplies; σ' = σ(1-σ), tanh' = (1-g)(1+g)
            mul(z[1:3], z[3:5], ig_fc)  # i ⊙ g, f ⊙ c_{t-1}
            sub(1, z[:4], dA_t)  # 1 - [o, i, f, g]
            dA_if *= ig_fc  # i(1-i) ⊙ g = σ'(a_i) g;  f(1-f) ⊙ c_{t-1} = σ'(a_f) c_{t-1}
            add(z[1], ig, ipg)
            dA_g *= ipg  # i ⊙ (1+g)(1-g) = i ⊙ tanh'(a_g)
            mul(z[0], dh, odh)  # o ⊙ dh
            mul(odh, tanh_c, u)  # o ⊙ tanh(c_t) ⊙ dh
            dA_o *= u  # dL/da_o = dh ⊙ tanh(c_t) ⊙ σ'(a_o)
            mul(u, tanh_c, u)
            sub(odh, u, u)  # dh ⊙ o ⊙ (1 - tanh² c_t) = dh ⊙ dh_t/dc_t
            dc += u  # dL/dc_t = (from step t+1) + (through h_t)
            dA_ifg *= dc  # dL/da_i, dL/da_f, dL/da_g
            copyto(dA_rows[t], dA_t_rows)
            dc *= z[2]  # dL/dc_{t-1} = f ⊙ dL/dc_t, the cell path
            if t:  # dL/dh_{t-1} = dy_{t-1} + Σ_k dA_k W_hh,k, (B, H)
                matmul(dA_t, W_hh_k, rec)
                add(rec_oi, rec_fg, pair)  # [o + f, i + g]: the four summed in two adds
                dh_prev = dh_all[t - 1]
                add(pair0, pair1, dh_prev)
                dh_prev += dy[t - 1]
        dA2 = dA.reshape(T * B, 4 * H)  # columns o, i, f, g
        dh0 = dA2[:B] @ W_hh_k.reshape(4 * H, H)  # dL/dh_0, the initial state
        # every step's weight gradients in ONE product: Σ_t dA_tᵀ [x_t, 1, h_{t-1}]
        dW = dA2.T @ xh[:T].reshape(T * B, -1)  # [dW_ih | db | dW_hh], (4H, I+1+H), o, i, f, g
        dW = dW.reshape(4, H, -1)[TO_TORCH].reshape(4 * H, -1)  # rows back to i, f, g, o
        dx = (dA2 @ _gate_blocks(W_ih, H).reshape(4 * H, I)).reshape(T, B, I)  # dA_t W_ih
        dW_ih, db, dW_hh = dW[:, :I].copy(), dW[:, I].copy(), dW[:, I + 1 :].copy()
        return dx, (dh0, dc), (dW_ih, dW_hh, db, db.copy()), dh_all
