"""Efficient implementation of ``reference.rnn_step`` / ``reference.rnn_bptt``; tested equal.

Vanilla (Elman) RNN in NumPy: the equations of ``torch.nn.RNN``, forward and BPTT, laid out
for speed; tests/test_reference.py checks it against ``reference.py`` (1e-12 in float64).
One layer, one step (sources: torch-rnn, elman1990)::

    h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)     (-1, 1)
    h_t = relu(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)     [0, ∞) with nonlinearity="relu"

The input part W_ih x_t + b_ih + b_hh of all T steps is one matrix product before the loop.
"""

from __future__ import annotations

import numpy as np

from rnncli.scratch.reference_cells import ReferenceRNN


class RNN(ReferenceRNN):
    """Elman RNN, the same numbers as ``torch.nn.RNN`` (time-major). Trace key: hidden.

    ``RNN(input_size, hidden_size, num_layers=1, *, nonlinearity="tanh"|"relu",
    dtype=np.float64, seed=None, rng=None)``.
    """

    impl = "fast"

    def _layer_forward(self, p, x, state0):
        W_ih, W_hh, b_ih, b_hh = p
        T, B, _ = x.shape
        H = self.hidden_size
        hs = np.empty((T + 1, B, H), dtype=self.dtype)  # h_0 .. h_T
        hs[0] = state0[0]
        # (T, B, H): W_ih x_t + b_ih + b_hh for every step in one product, written into hs[1:]
        input_projection(x, W_ih, b_ih + b_hh, out=hs[1:])
        W_hhT = np.ascontiguousarray(W_hh.T)  # (H, H), C order: a faster product
        rec = np.empty((B, H), dtype=self.dtype)  # W_hh h_{t-1}, reused every step
        relu = self.nonlinearity == "relu"
        for t in range(T):
            a = hs[t + 1]  # (B, H), becomes h_t in place
            np.matmul(hs[t], W_hhT, out=rec)
            a += rec  # a_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh
            if relu:
                np.maximum(a, 0, out=a)  # h_t = relu(a_t)
            else:
                np.tanh(a, out=a)  # h_t = tanh(a_t)
        return hs[1:], (hs[T],), (x, hs)

    def _layer_trace(self, cache):
        return {"hidden": cache[1][1:]}

    def _layer_backward(self, p, cache, dy, d_final):
        W_ih, W_hh, _, _ = p
        x, hs = cache
        T = dy.shape[0]
        h_all = hs[1:]
        # local slope, all steps at once: tanh' = 1 - h², relu' = [h > 0]
        slope = self._buffer("slope", dy.shape)
        if self.nonlinearity == "relu":
            np.greater(h_all, 0, out=slope)
        else:
            np.multiply(h_all, h_all, out=slope)
            np.subtract(1, slope, out=slope)
        dA = self._buffer("dA", dy.shape)  # dL/da_t, (T, B, H)
        dh_all = np.empty_like(dy)  # total dL/dh_t, (T, B, H)
        np.add(dy[T - 1], d_final[0], out=dh_all[T - 1])  # dL/dh_T: output + final state
        for t in reversed(range(T)):
            np.multiply(dh_all[t], slope[t], out=dA[t])  # dL/da_t = dL/dh_t ⊙ f'(a_t)
            if t:  # dL/dh_{t-1} = dy_{t-1} + dA_t W_hh, (B, H)
                np.matmul(dA[t], W_hh, out=dh_all[t - 1])
                dh_all[t - 1] += dy[t - 1]
        dh0 = dA[0] @ W_hh  # dL/dh_0, the initial state
        dW_ih, dW_hh, db, dx = weight_grads(dA, x, hs[:-1], W_ih)
        return dx, (dh0,), (dW_ih, dW_hh, db, db.copy()), dh_all


def input_projection(x, W_ih, bias, out) -> np.ndarray:
    """W_ih x_t + bias for ALL steps in one matrix product (PyTorch's CPU path does the same).

    x (T, B, I), W_ih (H, I), bias (H,) -> out (T, B, H). The bias rides in the product as an
    extra input fixed at 1 ([x_t, 1] times [W_ihᵀ; bias]), which is cheaper than adding it to
    the (T, B, H) result afterwards.
    """
    T, B, n_in = x.shape
    W = np.empty((n_in + 1, W_ih.shape[0]), dtype=x.dtype)  # [W_ihᵀ; bias]
    W[:n_in] = W_ih.T
    W[n_in] = bias
    x1 = np.empty((T * B, n_in + 1), dtype=x.dtype)  # [x_t, 1]
    x1[:, :n_in] = x.reshape(T * B, n_in)
    x1[:, n_in] = 1
    np.matmul(x1, W, out=out.reshape(T * B, -1))
    return out


def weight_grads(dA: np.ndarray, x: np.ndarray, h_prev: np.ndarray, W_ih: np.ndarray):
    """The batched end of BPTT: every step's weight gradient in ONE matrix product each.

    dA (T, B, H) holds dL/d(pre-activation) of every step; x (T, B, I) the layer's inputs;
    h_prev (T, B, H) the states h_{t-1}. Returns dW_ih = Σ_t dA_tᵀ x_t,
    dW_hh = Σ_t dA_tᵀ h_{t-1}, db = Σ_t Σ_b dA_t and dx_t = dA_t W_ih.
    """
    T, B, H = dA.shape
    dA2 = dA.reshape(T * B, H)
    dW_ih = dA2.T @ x.reshape(T * B, -1)  # (H, I)
    dW_hh = dA2.T @ h_prev.reshape(T * B, -1)  # (H, H)
    db = dA2.sum(axis=0)  # (H,)
    dx = (dA2 @ W_ih).reshape(T, B, -1)  # (T, B, I)
    return dW_ih, dW_hh, db, dx
