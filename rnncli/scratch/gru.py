"""Efficient implementation of ``reference.gru_step`` / ``reference.gru_bptt``; tested equal.

GRU in NumPy, two variants, forward and hand-written BPTT, laid out for speed;
``reference.py`` has the equations one per line, and tests/test_reference.py checks that
this file computes the same numbers (1e-12 in float64: outputs, states, every gradient).

``variant="pytorch"`` (default) computes exactly ``torch.nn.GRU`` (gate order r, z, n;
both bias vectors; source: torch-gru)::

    r_t = σ(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)           reset gate   (0, 1)
    z_t = σ(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)           update gate  (0, 1)
    n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t-1} + b_hn)) candidate    (-1, 1)
    h_t = (1 - z_t) ⊙ n_t + z_t ⊙ h_{t-1}                    hidden       (-1, 1)

``variant="cho2014"`` applies the reset gate BEFORE the recurrent product, as Cho et al.
(2014, eq. 5-8; source: cho2014) and the lesson's GRUFromScratch do::

    n_t = tanh(W_in x_t + b_in + W_hn (r_t ⊙ h_{t-1}) + b_hn)

Everything else (parameter names, shapes, gate order r, z, n, r_t, z_t and h_t) is the same
in both variants, so a PyTorch state dict loads into either; only where r_t acts differs.

Which way the update gate points:

- PyTorch and Cho et al. (2014) both write h_t = z ⊙ h_{t-1} + (1 - z) ⊙ h̃_t: z ≈ 1 KEEPS
  the old state, z ≈ 0 takes the new candidate. Both variants here use this convention.
- The lesson's GRUFromScratch (and some textbooks) write h_t = (1 - z) ⊙ h_{t-1} + z ⊙ h̃_t:
  there z ≈ 1 takes the new candidate. That is the same model with z renamed to 1 - z (the
  update-gate weights and biases change sign); it is not a different architecture, but a
  reader comparing gate values across the two conventions must flip them.

Layout, for speed (the same reasons as in lstm.py; measurements in benchmarks/README.md): the
input part of every gate for every step comes from one batched product before the time loop,
stored gate-major per step, G[t] = [r, z, n] as three contiguous (B, H) blocks; the recurrent
products are three (B, H) @ (H, H) products in one batched call; every per-step element-wise
call works on contiguous same-shape arrays (NumPy's fast path). Backward writes each step's
pre-activation gradients into one contiguous block, copies it into a (T, B, ·) array, and gets
all weight gradients from single products after the loop.
"""

from __future__ import annotations

import numpy as np

from rnncli.scratch.base import aligned_empty
from rnncli.scratch.reference_cells import ReferenceGRU

NRZ = [2, 0, 1]  # backward keeps the input-path gradients as [n, r, z] (PyTorch: r, z, n)
RZN = [1, 2, 0]  # ... and PyTorch's gate j is block RZN[j] there


class GRU(ReferenceGRU):
    """Gated recurrent unit; ``variant="pytorch"`` equals ``torch.nn.GRU`` (time-major).

    ``GRU(input_size, hidden_size, num_layers=1, *, variant="pytorch"|"cho2014",
    dtype=np.float64, seed=None, rng=None)``. Trace keys: reset, update, candidate, hidden.
    Update gate: h_t = (1 - z) ⊙ n + z ⊙ h_{t-1} in both variants (z ≈ 1 keeps the old
    state); the variants differ only in where the reset gate acts (see the module docstring).
    """

    impl = "fast"

    # ------------------------------------------------------------------ forward
    @np.errstate(over="ignore", under="ignore")  # e^-a -> inf or 0 gives σ = 0 or 1, exactly
    def _layer_forward(self, p, x, state0):
        W_ih, W_hh, b_ih, b_hh = p
        T, B, I = x.shape
        H, dt = self.hidden_size, self.dtype
        cho = self.variant == "cho2014"
        # Wx[k] = [W_ik^T; bias_k], (3, I+1, H), k = r, z, n, acting on [x_t, 1]. The recurrent
        # biases of r and z (and for cho2014 of n, which sits outside r there) are folded in;
        # pytorch keeps b_hn inside r ⊙ (W_hn h + b_hn). σ(a) = 1 / (1 + e^-a): the r and z
        # weights are negated once, so the products give -a and one exp serves both gates.
        bias = b_ih + b_hh
        if not cho:
            bias[2 * H :] = b_ih[2 * H :]
        Wx = np.empty((3, I + 1, H), dtype=dt)
        Wx[:, :I] = W_ih.reshape(3, H, I).transpose(0, 2, 1)
        Wx[:, I] = bias.reshape(3, H)
        Wx[:2] *= -1
        W_hh_k = aligned_empty((3, H, H), dt)  # W_hh,k^T: h_{t-1} @ W_hh_k[k] = W_hk h_{t-1}
        W_hh_k[:] = W_hh.reshape(3, H, H).transpose(0, 2, 1)
        W_hh_k[:2] *= -1
        x1 = np.empty((T, B, I + 1), dtype=dt)  # [x_t, 1]
        x1[..., :I], x1[..., I] = x, 1
        G = np.empty((T, 3, B, H), dtype=dt)  # G[t] = [r, z, n], input parts to start with
        np.matmul(x1[:, None], Wx[None], out=G)  # W_i x_t + b for every step and gate
        hs = np.empty((T + 1, B, H), dtype=dt)  # h_0 .. h_T
        hs[0] = state0[0]
        # pytorch: W_hn h_{t-1} + b_hn; cho2014: r ⊙ h_{t-1}. (T, B, H), kept for backward
        inner = np.empty((T, B, H), dtype=dt)
        b_hn = None if cho else np.broadcast_to(b_hh[2 * H :], (B, H)).copy()  # same shape
        rec = np.empty((3, B, H), dtype=dt)
        rec_rz, rec_n = rec[:2], rec[2]
        W_rz, W_n = W_hh_k[:2], W_hh_k[2]
        matmul, tanh, mul, add, sub = np.matmul, np.tanh, np.multiply, np.add, np.subtract
        exp, reciprocal = np.exp, np.reciprocal
        for t in range(T):
            h, g, h_new = hs[t], G[t], hs[t + 1]
            rz, n = g[:2], g[2]
            if cho:
                matmul(h, W_rz, rec_rz)  # W_h{r,z} h_{t-1} (negated), (2, B, H)
            else:
                matmul(h, W_hh_k, rec)  # W_h{r,z,n} h_{t-1}, (3, B, H)
            rz += rec_rz  # [-a_r, -a_z]
            exp(rz, rz)
            rz += 1
            reciprocal(rz, rz)  # r, z = σ(a) = 1 / (1 + e^-a)
            if cho:
                mul(g[0], h, inner[t])  # r ⊙ h_{t-1}
                matmul(inner[t], W_n, rec_n)
                n += rec_n  # a_n = W_in x + b_in + W_hn (r ⊙ h_{t-1}) + b_hn
            else:
                add(rec_n, b_hn, inner[t])  # W_hn h_{t-1} + b_hn
                mul(g[0], inner[t], rec_n)
                n += rec_n  # a_n = W_in x + b_in + r ⊙ (W_hn h_{t-1} + b_hn)
            tanh(n, n)  # n_t = tanh(a_n)
            sub(h, n, h_new)  # h_{t-1} - n
            h_new *= g[1]
            h_new += n  # h_t = n + z ⊙ (h_{t-1} - n) = (1 - z) ⊙ n + z ⊙ h_{t-1}
        cache = (x1, hs, inner, G)
        return hs[1:], (hs[T],), cache

    def _layer_trace(self, cache):
        _, hs, _, G = cache
        return {"reset": G[:, 0], "update": G[:, 1], "candidate": G[:, 2], "hidden": hs[1:]}

    # ------------------------------------------------------------------ backward
    @np.errstate(under="ignore")  # a product of a tiny gate rounding to 0 is the right answer
    def _layer_backward(self, p, cache, dy, d_final):
        W_ih, W_hh, _, _ = p
        x1, hs, inner, G = cache
        T, B, H = dy.shape
        I, dt = x1.shape[2] - 1, self.dtype
        cho = self.variant == "cho2014"
        W_hh_k = aligned_empty((3, H, H), dt)  # W_hh,k (out, in): dL/dh_{t-1} += dA_k W_hh,k
        W_hh_k[:] = W_hh.reshape(3, H, H)
        W_rz, W_n = W_hh_k[:2], W_hh_k[2]
        # per step, contiguous: E = [da_n, da_r, da_z] (+ r ⊙ da_n for pytorch, the gradient
        # of W_hn h + b_hn); D stores every step's E as rows, for the products after the loop
        nb = 3 if cho else 4
        D = self._buffer("dA", (T, B, nb * H))
        D_rows = D.reshape(T, B, nb, H)
        E = np.empty((nb, B, H), dtype=dt)
        E_rows = E.transpose(1, 0, 2)
        dn, dr, dz = E[0], E[1], E[2]
        d_rz = E[1:3]
        slope = np.empty((2, B, H), dtype=dt)  # σ'(a_r), σ'(a_z)
        rec = np.empty((nb - 1, B, H), dtype=dt)
        direct, tanh_d, d_inner, s01 = (np.empty((B, H), dtype=dt) for _ in range(4))
        dh_all = np.empty_like(dy)  # total dL/dh_t, (T, B, H)
        matmul, mul, add, sub, copyto = np.matmul, np.multiply, np.add, np.subtract, np.copyto
        add(dy[T - 1], d_final[0], dh_all[T - 1])  # dL/dh_T: output + final state
        for t in range(T - 1, -1, -1):
            dh, g, h = dh_all[t], G[t], hs[t]  # dL/dh_t (complete), [r, z, n], h_{t-1}
            r, z, n = g
            sub(1, g[:2], slope)
            slope *= g[:2]  # σ' = σ(1 - σ) on r, z
            mul(z, dh, direct)  # z ⊙ dh: h_t = ... + z ⊙ h_{t-1}
            sub(dh, direct, dn)  # dL/dn = dh ⊙ (1 - z)
            mul(n, n, tanh_d)
            sub(1, tanh_d, tanh_d)
            dn *= tanh_d  # dL/da_n = dL/dn ⊙ (1 - n²)
            if cho:
                matmul(dn, W_n, d_inner)  # dL/d(r ⊙ h_{t-1}) = da_n W_hn
                mul(d_inner, h, dr)  # dL/dr = dL/d(r ⊙ h) ⊙ h_{t-1}
            else:
                mul(dn, inner[t], dr)  # dL/dr = da_n ⊙ (W_hn h_{t-1} + b_hn)
                mul(r, dn, E[3])  # dL/d(W_hn h_{t-1} + b_hn) = r ⊙ da_n
            sub(h, n, dz)
            dz *= dh  # dL/dz = dh ⊙ (h_{t-1} - n)
            d_rz *= slope  # through σ: da_r, da_z
            copyto(D_rows[t], E_rows)
            if cho:
                d_inner *= r
                direct += d_inner  # r ⊙ dL/d(r ⊙ h) flows into h_{t-1} too
                matmul(d_rz, W_rz, rec)  # [da_r W_hr, da_z W_hz]
                add(rec[0], rec[1], s01)
            else:
                matmul(E[1:], W_hh_k, rec)  # [da_r W_hr, da_z W_hz, (r ⊙ da_n) W_hn]
                add(rec[0], rec[1], s01)
                s01 += rec[2]
            if t:  # dL/dh_{t-1} = dy_{t-1} + direct + Σ_k (...) W_hh,k
                dh_prev = dh_all[t - 1]
                add(s01, direct, dh_prev)
                dh_prev += dy[t - 1]
        dh0 = s01 + direct  # dL/dh_0, the initial state
        D2 = D.reshape(T * B, nb * H)
        dA = D2[:, : 3 * H]  # input path: [da_n, da_r, da_z]
        # every step's weight gradients in ONE product each: [dW_ih | db_ih] = Σ_t dA_t^T [x_t, 1]
        dWx = (dA.T @ x1.reshape(T * B, I + 1)).reshape(3, H, I + 1)[RZN].reshape(3 * H, -1)
        dW_ih, db_ih = dWx[:, :I].copy(), dWx[:, I].copy()
        dx = (dA @ W_ih.reshape(3, H, I)[NRZ].reshape(3 * H, I)).reshape(T, B, I)
        h_prev = hs[:-1].reshape(T * B, H)
        if cho:
            dW_hh = np.empty_like(W_hh)
            dW_hh[: 2 * H] = D2[:, H : 3 * H].T @ h_prev  # W_h{r,z} multiply h_{t-1}
            dW_hh[2 * H :] = D2[:, :H].T @ inner.reshape(T * B, H)  # W_hn: r ⊙ h_{t-1}
            db_hh = db_ih.copy()  # every b_h* sits beside its b_i*
        else:
            dAh = D2[:, H:]  # [da_r, da_z, r ⊙ da_n]: the gradient of W_hh h_{t-1} + b_hh
            dW_hh = dAh.T @ h_prev  # (3H, H)
            db_hh = dAh.sum(axis=0)  # (3H,)
        return dx, (dh0,), (dW_ih, dW_hh, db_ih, db_hh), dh_all
