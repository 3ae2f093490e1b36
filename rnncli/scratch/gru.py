"""GRU in NumPy, two variants, forward and hand-written BPTT.

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
"""

from __future__ import annotations

import numpy as np

from rnncli.errors import BadInput
from rnncli.scratch.base import Recurrent, input_projection, weight_grads

VARIANTS = ("pytorch", "cho2014")


class GRU(Recurrent):
    """Gated recurrent unit; ``variant="pytorch"`` equals ``torch.nn.GRU`` (time-major).

    ``GRU(input_size, hidden_size, num_layers=1, *, variant="pytorch"|"cho2014",
    dtype=np.float64, seed=None, rng=None)``. Trace keys: reset, update, candidate, hidden.
    Update gate: h_t = (1 - z) ⊙ n + z ⊙ h_{t-1} in both variants (z ≈ 1 keeps the old
    state); the variants differ only in where the reset gate acts (see the module docstring).
    """

    arch = "gru"
    gates = 3
    n_states = 1
    trace_names = ("reset", "update", "candidate", "hidden")

    def __init__(self, input_size, hidden_size, num_layers=1, *, variant="pytorch", **kw):
        if variant not in VARIANTS:
            raise BadInput(f"GRU variant must be one of {', '.join(VARIANTS)}, got {variant!r}")
        self.variant = variant
        super().__init__(input_size, hidden_size, num_layers, **kw)

    def _extra_repr(self):
        return {"variant": self.variant}

    # ------------------------------------------------------------------ forward
    def _layer_forward(self, p, x, state0):
        W_ih, W_hh, b_ih, b_hh = p
        T, B, _ = x.shape
        H = self.hidden_size
        cho = self.variant == "cho2014"
        # σ(a) = ½ tanh(a/2) + ½: the r and z columns of the weights are halved ONCE here
        # (s = ½ there, 1 on n) so each step needs a single tanh for both gates.
        s = np.ones(3 * H, dtype=self.dtype)
        s[: 2 * H] = 0.5
        W_hhT = np.multiply(W_hh.T, s, order="C")  # (H, 3H), C order: a faster product
        # (T, B, 3H): W_ih x_t + b_ih for every step in one product; the recurrent biases of
        # r and z (and, for cho2014, of n, which sits outside r there) are folded in too
        bias = b_ih + b_hh
        if not cho:
            bias[2 * H :] = b_ih[2 * H :]  # pytorch: b_hn stays inside r ⊙ (W_hn h + b_hn)
        gates = input_projection(x, W_ih, bias, scale=s)  # (T, B, 3H), r and z halved
        hs = np.empty((T + 1, B, H), dtype=self.dtype)  # h_0 .. h_T
        hs[0] = state0[0]
        # pytorch: W_hn h_{t-1} + b_hn; cho2014: r ⊙ h_{t-1}. (T, B, H), kept for backward
        inner = np.empty((T, B, H), dtype=self.dtype)
        if cho:  # two products per step: W_h{r,z} h_{t-1}, then W_hn (r ⊙ h_{t-1})
            W_rzT = np.ascontiguousarray(W_hhT[:, : 2 * H])  # (H, 2H)
            W_hnT = np.ascontiguousarray(W_hhT[:, 2 * H :])  # (H, H)
        b_hn = b_hh[2 * H :]
        rec = np.empty((B, 2 * H if cho else 3 * H), dtype=self.dtype)  # reused every step
        rec_n = np.empty((B, H), dtype=self.dtype)
        for t in range(T):
            h = hs[t]
            a = gates[t]  # (B, 3H), becomes [r, z, n] in place
            rz, n = a[:, : 2 * H], a[:, 2 * H :]
            r, z = a[:, :H], a[:, H : 2 * H]
            if cho:
                np.matmul(h, W_rzT, out=rec)
                rz += rec  # [a_r, a_z] = W_i{r,z} x + b_i{r,z} + W_h{r,z} h_{t-1} + b_h{r,z}
                np.tanh(rz, out=rz)
                rz *= 0.5
                rz += 0.5  # r, z = σ(a_r), σ(a_z)
                np.multiply(r, h, out=inner[t])  # r ⊙ h_{t-1}
                np.matmul(inner[t], W_hnT, out=rec_n)
                n += rec_n  # a_n = W_in x + b_in + W_hn (r ⊙ h_{t-1}) + b_hn
            else:
                np.matmul(h, W_hhT, out=rec)  # W_hh h_{t-1}, (B, 3H)
                rz += rec[:, : 2 * H]  # [a_r, a_z] (halved)
                np.tanh(rz, out=rz)
                rz *= 0.5
                rz += 0.5  # r, z = σ(a_r), σ(a_z)
                np.add(rec[:, 2 * H :], b_hn, out=inner[t])  # W_hn h_{t-1} + b_hn
                np.multiply(r, inner[t], out=rec_n)
                n += rec_n  # a_n = W_in x + b_in + r ⊙ (W_hn h_{t-1} + b_hn)
            np.tanh(n, out=n)  # n_t = tanh(a_n)
            h_new = hs[t + 1]
            np.subtract(h, n, out=h_new)  # h_{t-1} - n
            h_new *= z
            h_new += n  # h_t = n + z ⊙ (h_{t-1} - n) = (1 - z) ⊙ n + z ⊙ h_{t-1}
        cache = (x, hs, inner, gates)
        return hs[1:], (hs[T],), cache

    def _layer_trace(self, cache):
        _, hs, _, gates = cache
        H = self.hidden_size
        return {
            "reset": gates[..., :H],
            "update": gates[..., H : 2 * H],
            "candidate": gates[..., 2 * H :],
            "hidden": hs[1:],
        }

    # ------------------------------------------------------------------ backward
    def _layer_backward(self, p, cache, dy, d_final):
        W_ih, W_hh, _, _ = p
        x, hs, inner, gates = cache
        T, B, H = dy.shape
        cho = self.variant == "cho2014"
        W_rz, W_hn = W_hh[: 2 * H], W_hh[2 * H :]  # (2H, H), (H, H)
        slope = np.empty((B, 3 * H), dtype=self.dtype)  # this step's σ' and tanh'
        dA = self._buffer("dA", gates.shape)  # dL/d[a_r, a_z, a_n] (input path), (T, B, 3H)
        # pytorch only: dL/d(W_hh h_{t-1} + b_hh) = [da_r, da_z, r ⊙ da_n], (T, B, 3H)
        dAh = None if cho else self._buffer("dAh", gates.shape)
        d_inner = np.empty((B, H), dtype=self.dtype)  # cho2014: dL/d(r ⊙ h_{t-1})
        direct = np.empty((B, H), dtype=self.dtype)  # the part of dL/dh_{t-1} not via W_hh
        dh_all = np.empty_like(dy)  # total dL/dh_t, (T, B, H)
        np.add(dy[T - 1], d_final[0], out=dh_all[T - 1])  # dL/dh_T: output + final state
        for t in reversed(range(T)):
            h, dh = hs[t], dh_all[t]  # h_{t-1}; dL/dh_t, complete
            a = gates[t]
            r, z, n = a[:, :H], a[:, H : 2 * H], a[:, 2 * H :]
            dr, dz, dn = dA[t, :, :H], dA[t, :, H : 2 * H], dA[t, :, 2 * H :]
            np.subtract(1, a, out=slope)
            slope *= a  # σ' = σ(1 - σ) on r, z
            np.multiply(n, n, out=slope[:, 2 * H :])
            np.subtract(1, slope[:, 2 * H :], out=slope[:, 2 * H :])  # tanh' = 1 - n² on n
            np.multiply(dh, z, out=direct)  # z ⊙ dh: h_t = ... + z ⊙ h_{t-1}
            np.subtract(dh, direct, out=dn)  # dL/dn = dh ⊙ (1 - z)
            np.subtract(h, n, out=dz)
            dz *= dh  # dL/dz = dh ⊙ (h_{t-1} - n)
            dn *= slope[:, 2 * H :]  # dL/da_n = dL/dn ⊙ (1 - n²)
            if cho:
                np.matmul(dn, W_hn, out=d_inner)  # dL/d(r ⊙ h) = da_n W_hn
                np.multiply(d_inner, h, out=dr)  # dL/dr = dL/d(r ⊙ h) ⊙ h_{t-1}
                d_inner *= r
                direct += d_inner  # ... and r ⊙ dL/d(r ⊙ h) flows into h_{t-1}
                dA[t, :, : 2 * H] *= slope[:, : 2 * H]  # through σ: da_r, da_z
                d_rec, W_rec = dA[t, :, : 2 * H], W_rz  # the product W_h{r,z} h_{t-1}
            else:
                np.multiply(dn, inner[t], out=dr)  # dL/dr = da_n ⊙ (W_hn h + b_hn)
                dA[t, :, : 2 * H] *= slope[:, : 2 * H]  # through σ: da_r, da_z
                dAh[t, :, : 2 * H] = dA[t, :, : 2 * H]
                np.multiply(dn, r, out=dAh[t, :, 2 * H :])  # dL/d(W_hn h + b_hn) = r ⊙ da_n
                d_rec, W_rec = dAh[t], W_hh  # the product W_hh h_{t-1}, (B, 3H)
            if t:  # dL/dh_{t-1} = dy_{t-1} + direct + d_rec W_rec
                np.matmul(d_rec, W_rec, out=dh_all[t - 1])
                dh_all[t - 1] += direct
                dh_all[t - 1] += dy[t - 1]
        dh0 = d_rec @ W_rec + direct  # dL/dh_0, the initial state
        dW_ih, dW_hh, db_ih, dx = weight_grads(dA, x, None, W_ih)
        h_prev = hs[:-1].reshape(T * B, H)
        if cho:
            dW_hh = np.empty_like(W_hh)
            dA2 = dA.reshape(T * B, 3 * H)
            dW_hh[: 2 * H] = dA2[:, : 2 * H].T @ h_prev  # W_h{r,z} multiply h_{t-1}
            dW_hh[2 * H :] = dA2[:, 2 * H :].T @ inner.reshape(T * B, H)  # W_hn: r ⊙ h_{t-1}
            db_hh = db_ih.copy()  # every b_h* sits beside its b_i*
        else:
            dAh2 = dAh.reshape(T * B, 3 * H)
            dW_hh = dAh2.T @ h_prev  # (3H, H)
            db_hh = dAh2.sum(axis=0)  # (3H,)
        return dx, (dh0,), (dW_ih, dW_hh, db_ih, db_hh), dh_all
