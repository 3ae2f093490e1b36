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
from rnncli.scratch.base import Recurrent, sigmoid, weight_grads

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
        # (T, B, 3H): W_ih x_t + b_ih for every step in one product; the recurrent biases of
        # r and z (and, for cho2014, of n, which sits outside r there) are folded in too
        gates = (x.reshape(T * B, -1) @ W_ih.T).reshape(T, B, 3 * H)
        gates += b_ih
        gates[..., : 2 * H] += b_hh[: 2 * H]
        if cho:
            gates[..., 2 * H :] += b_hh[2 * H :]
        hs = np.empty((T + 1, B, H), dtype=self.dtype)  # h_0 .. h_T
        hs[0] = state0[0]
        # pytorch: W_hn h_{t-1} + b_hn; cho2014: r ⊙ h_{t-1}. (T, B, H), kept for backward
        inner = np.empty((T, B, H), dtype=self.dtype)
        W_rzT, W_hnT, b_hn = W_hh[: 2 * H].T, W_hh[2 * H :].T, b_hh[2 * H :]
        W_hhT = W_hh.T
        for t in range(T):
            h = hs[t]
            a = gates[t]  # (B, 3H), becomes [r, z, n] in place
            rz = a[:, : 2 * H]
            n = a[:, 2 * H :]
            if cho:
                rz += h @ W_rzT  # [a_r, a_z] += W_h{r,z} h_{t-1}
                sigmoid(rz, out=rz)  # r, z = σ(a_r), σ(a_z)
                r, z = rz[:, :H], rz[:, H:]
                np.multiply(r, h, out=inner[t])  # r ⊙ h_{t-1}
                n += inner[t] @ W_hnT  # a_n = W_in x + b_in + W_hn (r ⊙ h_{t-1}) + b_hn
            else:
                hh = h @ W_hhT  # W_hh h_{t-1}, (B, 3H)
                rz += hh[:, : 2 * H]
                sigmoid(rz, out=rz)  # r, z = σ(a_r), σ(a_z)
                r, z = rz[:, :H], rz[:, H:]
                np.add(hh[:, 2 * H :], b_hn, out=inner[t])  # W_hn h_{t-1} + b_hn
                n += r * inner[t]  # a_n = W_in x + b_in + r ⊙ (W_hn h_{t-1} + b_hn)
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
        slope = gates * (1 - gates)  # σ' = σ(1 - σ) for r, z
        n_all = gates[..., 2 * H :]
        slope[..., 2 * H :] = 1 - n_all * n_all  # tanh' = 1 - n²
        dA = np.empty_like(gates)  # dL/d[a_r, a_z, a_n] (the input path), (T, B, 3H)
        # pytorch: dL/d(W_hh h_{t-1} + b_hh) = [da_r, da_z, r ⊙ da_n], (T, B, 3H)
        # cho2014: dL/d(r ⊙ h_{t-1}) in the last H columns
        dAh = np.empty_like(gates)
        dh_all = np.empty_like(dy)
        W_rz, W_hn = W_hh[: 2 * H], W_hh[2 * H :]
        dh = np.array(d_final[0], dtype=self.dtype)
        for t in reversed(range(T)):
            h = hs[t]
            dh += dy[t]  # dL/dh_t: from the output at t and from step t+1
            dh_all[t] = dh
            r, z, n = gates[t, :, :H], gates[t, :, H : 2 * H], gates[t, :, 2 * H :]
            dr, dz, dn = dA[t, :, :H], dA[t, :, H : 2 * H], dA[t, :, 2 * H :]
            d_rz, d_inner = dAh[t, :, : 2 * H], dAh[t, :, 2 * H :]
            np.subtract(dh, dh * z, out=dn)  # dL/dn = dh ⊙ (1 - z)
            np.subtract(h, n, out=dz)
            dz *= dh  # dL/dz = dh ⊙ (h_{t-1} - n)
            dn *= slope[t, :, 2 * H :]  # dL/da_n = dL/dn ⊙ (1 - n²)
            dh_prev = dh * z  # the direct path z ⊙ h_{t-1}
            if cho:
                np.matmul(dn, W_hn, out=d_inner)  # dL/d(r ⊙ h) = da_n W_hn
                np.multiply(d_inner, h, out=dr)  # dL/dr = dL/d(r ⊙ h) ⊙ h_{t-1}
                dh_prev += d_inner * r  # r ⊙ dL/d(r ⊙ h) flows into h_{t-1}
                dA[t, :, : 2 * H] *= slope[t, :, : 2 * H]  # through σ: da_r, da_z
                dh_prev += dA[t, :, : 2 * H] @ W_rz  # through W_h{r,z} h_{t-1}
            else:
                np.multiply(dn, inner[t], out=dr)  # dL/dr = da_n ⊙ (W_hn h + b_hn)
                np.multiply(dn, r, out=d_inner)  # dL/d(W_hn h + b_hn) = r ⊙ da_n
                np.multiply(dA[t, :, : 2 * H], slope[t, :, : 2 * H], out=d_rz)  # da_r, da_z
                dA[t, :, : 2 * H] = d_rz
                dh_prev += dAh[t] @ W_hh  # through W_hh h_{t-1}, one product
            dh = dh_prev  # dL/dh_{t-1} (before the output's share is added)
        dW_ih, dW_hh, db_ih, dx = weight_grads(dA, x, hs[:-1] if cho else None, W_ih)
        if cho:
            db_hh = db_ih.copy()  # b_hn sits beside b_in inside the tanh
            # the n rows of W_hh multiply r ⊙ h_{t-1}, not h_{t-1}
            dn_all = dA[..., 2 * H :].reshape(T * B, H)
            dW_hh[2 * H :] = dn_all.T @ inner.reshape(T * B, H)
        else:
            dAh2 = dAh.reshape(T * B, 3 * H)
            dW_hh = dAh2.T @ hs[:-1].reshape(T * B, H)  # (3H, H)
            db_hh = dAh2.sum(axis=0)  # (3H,)
        return dx, (dh,), (dW_ih, dW_hh, db_ih, db_hh), dh_all
