"""The reference cells: RNN, GRU, LSTM, peephole LSTM and MGU, one equation per line.

This is what rnncli teaches and what ``rnncli gates`` traces. Each architecture is two plain
functions over ONE layer: a forward step (one time step, a batch of B sequences) and a
backpropagation through time (BPTT) over the whole sequence, written from the chain rule
step by step. The fast cells in ``rnn.py``, ``gru.py`` and ``lstm.py`` compute the same
numbers (tests/test_reference.py checks it to 1e-12 in float64); ``reference_cells.py``
runs these functions behind the class API (multi-layer, state handling, ``Gradients``);
tests/test_every_arch.py checks every BPTT here against finite differences of its step.

Conventions, PyTorch's (sources: torch-rnn, torch-gru, torch-lstm):

- ``p`` holds one layer's parameters under PyTorch's names without the layer suffix:
  ``weight_ih`` (G·H, I), ``weight_hh`` (G·H, H), ``bias_ih``, ``bias_hh`` (G·H,), with the
  G gate blocks stacked in PyTorch's order: LSTM i, f, g, o; GRU r, z, n; MGU f, n. The
  peephole LSTM adds ``weight_ci``, ``weight_cf``, ``weight_co`` (H,) each.
- x is (B, I), every state and gate (B, H). A step returns a dict of what it computed, under
  the names ``gates`` shows (input, forget, candidate, output, cell, hidden; reset, update).
- Names: ``<arch>_step`` and ``<arch>_bptt`` for every registry name (rnn, gru, lstm,
  peephole, mgu): the registry's ``ArchSpec.step`` / ``ArchSpec.bptt`` name them
  (``explain --code`` prints the step's source).
- The BPTT functions get dL/d(output) for every step (``dys``, (T, B, H)) and dL/d(final
  state), and return the parameter gradients (``p``'s names), dL/dx (T, B, I), dL/d(initial
  state) and the total dL/dh_t of every step (T, B, H).
"""

from __future__ import annotations

import numpy as np


def sigmoid(a: np.ndarray) -> np.ndarray:
    """σ(a) = 1 / (1 + e^-a), from e^-|a| so it never overflows and keeps relative precision
    (a few ulp, down to where σ(a) leaves the normal floating-point range).

    The lesson clips a to ±500 before exp instead: that keeps float64 from overflowing but
    not float32 (e^89 is already inf there, with a warning), and it changes σ below -500.
    """
    with np.errstate(under="ignore"):  # e^-|a| -> 0 for |a| > 745 is the right answer
        e = np.exp(-np.abs(a))  # e^-|a| in (0, 1]
        return np.where(a >= 0, 1 / (1 + e), e / (1 + e))  # a < 0: σ(a) = e^a / (1 + e^a)


def _hidden_states(h0: np.ndarray, steps: list[dict]) -> list[np.ndarray]:
    """[h_0, h_1, ..., h_T]: step t received ``hs[t]`` and made ``hs[t + 1]``."""
    return [h0] + [s["hidden"] for s in steps]


# ------------------------------------------------------------------------------ vanilla RNN
def rnn_step(p: dict, x: np.ndarray, h_prev: np.ndarray, nonlinearity: str = "tanh") -> dict:
    """One step of ``torch.nn.RNN`` (Elman 1990)."""
    a = x @ p["weight_ih"].T + p["bias_ih"] + h_prev @ p["weight_hh"].T + p["bias_hh"]
    # a_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh
    if nonlinearity == "relu":
        h = np.maximum(a, 0)  # h_t = relu(a_t)
    else:
        h = np.tanh(a)  # h_t = tanh(a_t)
    return {"hidden": h}


def rnn_bptt(p, xs, h0, steps, dys, dh_last, nonlinearity="tanh"):
    """BPTT of ``rnn_step`` over T steps: (grads, dL/dx, (dL/dh_0,), dL/dh_t of every step)."""
    grads = {name: np.zeros_like(value) for name, value in p.items()}
    hs = _hidden_states(h0, steps)
    dxs, dhs = np.zeros_like(xs), np.zeros_like(dys)
    dh_next = dh_last  # dL/dh_T from the final state
    for t in reversed(range(len(xs))):
        h = hs[t + 1]
        dh = dys[t] + dh_next  # dL/dh_t = from the output at t + from step t+1
        dhs[t] = dh
        if nonlinearity == "relu":
            da = dh * (h > 0)  # relu'(a) = 1 where a > 0
        else:
            da = dh * (1 - h * h)  # tanh'(a) = 1 - tanh²(a) = 1 - h_t²
        grads["weight_ih"] += da.T @ xs[t]  # ∂a_t/∂W_ih = x_t
        grads["weight_hh"] += da.T @ hs[t]  # ∂a_t/∂W_hh = h_{t-1}
        grads["bias_ih"] += da.sum(axis=0)
        grads["bias_hh"] += da.sum(axis=0)
        dxs[t] = da @ p["weight_ih"]  # dL/dx_t = da_t W_ih
        dh_next = da @ p["weight_hh"]  # dL/dh_{t-1} through the recurrence = da_t W_hh
    return grads, dxs, (dh_next,), dhs


# ------------------------------------------------------------------------------ GRU
def gru_step(p: dict, x: np.ndarray, h_prev: np.ndarray, variant: str = "pytorch") -> dict:
    """One step of ``torch.nn.GRU`` (``variant="pytorch"``) or of Cho et al. 2014 eq. 5-8.

    The variants differ only in where the reset gate acts: PyTorch resets W_hn h_{t-1} + b_hn,
    Cho et al. reset h_{t-1} before the product. z near 1 keeps the old state in both.
    """
    W_ir, W_iz, W_in = np.split(p["weight_ih"], 3)
    W_hr, W_hz, W_hn = np.split(p["weight_hh"], 3)
    b_ir, b_iz, b_in = np.split(p["bias_ih"], 3)
    b_hr, b_hz, b_hn = np.split(p["bias_hh"], 3)
    # r_t = σ(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)                 reset gate
    r = sigmoid(x @ W_ir.T + b_ir + h_prev @ W_hr.T + b_hr)
    # z_t = σ(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)                 update gate
    z = sigmoid(x @ W_iz.T + b_iz + h_prev @ W_hz.T + b_hz)
    if variant == "cho2014":
        # n_t = tanh(W_in x_t + b_in + W_hn (r_t ⊙ h_{t-1}) + b_hn)   candidate, Cho et al.
        n = np.tanh(x @ W_in.T + b_in + (r * h_prev) @ W_hn.T + b_hn)
    else:
        # n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t-1} + b_hn))   candidate, PyTorch
        n = np.tanh(x @ W_in.T + b_in + r * (h_prev @ W_hn.T + b_hn))
    h = (1 - z) * n + z * h_prev  # h_t = (1 - z_t) ⊙ n_t + z_t ⊙ h_{t-1}
    return {"reset": r, "update": z, "candidate": n, "hidden": h}


def gru_bptt(p, xs, h0, steps, dys, dh_last, variant="pytorch"):
    """BPTT of ``gru_step`` over T steps: (grads, dL/dx, (dL/dh_0,), dL/dh_t of every step)."""
    W_hr, W_hz, W_hn = np.split(p["weight_hh"], 3)
    b_hn = np.split(p["bias_hh"], 3)[2]
    grads = {name: np.zeros_like(value) for name, value in p.items()}
    hs = _hidden_states(h0, steps)
    dxs, dhs = np.zeros_like(xs), np.zeros_like(dys)
    dh_next = dh_last  # dL/dh_T from the final state
    for t in reversed(range(len(xs))):
        r, z, n, h_prev = steps[t]["reset"], steps[t]["update"], steps[t]["candidate"], hs[t]
        dh = dys[t] + dh_next  # dL/dh_t = from the output at t + from step t+1
        dhs[t] = dh
        dn = dh * (1 - z)  # h_t = (1 - z) ⊙ n + z ⊙ h_{t-1}
        dz = dh * (h_prev - n)
        dh_prev = dh * z  # the direct path h_{t-1} -> h_t
        da_n = dn * (1 - n * n)  # tanh'(a_n) = 1 - n²
        if variant == "cho2014":
            d_rh = da_n @ W_hn  # dL/d(r ⊙ h_{t-1}), (B, H)
            dr = d_rh * h_prev
            dh_prev = dh_prev + d_rh * r
            reset_in = r * h_prev  # what W_hn multiplies
        else:
            dr = da_n * (h_prev @ W_hn.T + b_hn)  # a_n = ... + r ⊙ (W_hn h_{t-1} + b_hn)
            reset_in = h_prev
        da_r = dr * r * (1 - r)  # σ'(a) = σ(a)(1 - σ(a))
        da_z = dz * z * (1 - z)
        da_in = np.concatenate([da_r, da_z, da_n], axis=-1)  # dL/d(W_ih x_t + b_ih), (B, 3H)
        # dL/d(W_hh h + b_hh) in the rows r, z; the n rows see r (pytorch) or nothing (cho2014)
        da_hn = da_n if variant == "cho2014" else da_n * r
        grads["weight_ih"] += da_in.T @ xs[t]
        grads["bias_ih"] += da_in.sum(axis=0)
        grads["weight_hh"] += np.concatenate([da_r.T @ h_prev, da_z.T @ h_prev, da_hn.T @ reset_in])
        grads["bias_hh"] += np.concatenate([da_r, da_z, da_hn], axis=-1).sum(axis=0)
        dxs[t] = da_in @ p["weight_ih"]  # dL/dx_t
        dh_prev = dh_prev + da_r @ W_hr + da_z @ W_hz
        if variant != "cho2014":
            dh_prev = dh_prev + da_hn @ W_hn
        dh_next = dh_prev  # dL/dh_{t-1} from step t
    return grads, dxs, (dh_next,), dhs


# ------------------------------------------------------------------------------ LSTM
def lstm_step(p: dict, x: np.ndarray, h_prev: np.ndarray, c_prev: np.ndarray) -> dict:
    """One step of ``torch.nn.LSTM`` (Hochreiter & Schmidhuber 1997, forget gate Gers 2000)."""
    a = x @ p["weight_ih"].T + p["bias_ih"] + h_prev @ p["weight_hh"].T + p["bias_hh"]
    # a_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh, (B, 4H)
    a_i, a_f, a_g, a_o = np.split(a, 4, axis=-1)
    i = sigmoid(a_i)  # i_t = σ(a_i)           input gate
    f = sigmoid(a_f)  # f_t = σ(a_f)           forget gate
    g = np.tanh(a_g)  # g_t = tanh(a_g)        candidate
    o = sigmoid(a_o)  # o_t = σ(a_o)           output gate
    c = f * c_prev + i * g  # c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t
    h = o * np.tanh(c)  # h_t = o_t ⊙ tanh(c_t)
    return {"input": i, "forget": f, "candidate": g, "output": o, "cell": c, "hidden": h}


def lstm_bptt(p, xs, h0, c0, steps, dys, dh_last, dc_last):
    """BPTT of ``lstm_step``: (grads, dL/dx, (dL/dh_0, dL/dc_0), dL/dh_t of every step)."""
    grads = {name: np.zeros_like(value) for name, value in p.items()}
    hs = _hidden_states(h0, steps)
    cs = [c0] + [s["cell"] for s in steps]  # c_0 .. c_T
    dxs, dhs = np.zeros_like(xs), np.zeros_like(dys)
    dh_next, dc = dh_last, dc_last  # dL/dh_T, dL/dc_T from the final state
    for t in reversed(range(len(xs))):
        s = steps[t]
        i, f, g, o = s["input"], s["forget"], s["candidate"], s["output"]
        dh = dys[t] + dh_next  # dL/dh_t = from the output at t + from step t+1
        dhs[t] = dh
        tanh_c = np.tanh(cs[t + 1])
        do = dh * tanh_c  # h_t = o ⊙ tanh(c_t)
        dc = dc + dh * o * (1 - tanh_c * tanh_c)  # dL/dc_t = from step t+1 + through h_t
        di = dc * g  # c_t = f ⊙ c_{t-1} + i ⊙ g
        df = dc * cs[t]
        dg = dc * i
        da = np.concatenate(
            [di * i * (1 - i), df * f * (1 - f), dg * (1 - g * g), do * o * (1 - o)], axis=-1
        )  # dL/da_t, (B, 4H), order i, f, g, o; σ' = σ(1 - σ), tanh' = 1 - tanh²
        grads["weight_ih"] += da.T @ xs[t]  # ∂a_t/∂W_ih = x_t
        grads["weight_hh"] += da.T @ hs[t]  # ∂a_t/∂W_hh = h_{t-1}
        grads["bias_ih"] += da.sum(axis=0)
        grads["bias_hh"] += da.sum(axis=0)
        dxs[t] = da @ p["weight_ih"]  # dL/dx_t = da_t W_ih
        dh_next = da @ p["weight_hh"]  # dL/dh_{t-1} = da_t W_hh
        dc = dc * f  # dL/dc_{t-1} through the cell path
    return grads, dxs, (dh_next, dc), dhs


# ------------------------------------------------------------------------------ peephole LSTM
def peephole_step(p: dict, x: np.ndarray, h_prev: np.ndarray, c_prev: np.ndarray) -> dict:
    """One step of the LSTM with peephole connections (Gers & Schmidhuber 2000; Gers,
    Schraudolph & Schmidhuber 2002): diagonal weights let the input and forget gates see
    c_{t-1} and the output gate see c_t. With w_ci = w_cf = w_co = 0 it is ``lstm_step``."""
    a = x @ p["weight_ih"].T + p["bias_ih"] + h_prev @ p["weight_hh"].T + p["bias_hh"]
    # a_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh, (B, 4H)
    a_i, a_f, a_g, a_o = np.split(a, 4, axis=-1)
    i = sigmoid(a_i + p["weight_ci"] * c_prev)  # i_t = σ(a_i + w_ci ⊙ c_{t-1})
    f = sigmoid(a_f + p["weight_cf"] * c_prev)  # f_t = σ(a_f + w_cf ⊙ c_{t-1})
    g = np.tanh(a_g)  # g_t = tanh(a_g)
    c = f * c_prev + i * g  # c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t
    o = sigmoid(a_o + p["weight_co"] * c)  # o_t = σ(a_o + w_co ⊙ c_t)
    h = o * np.tanh(c)  # h_t = o_t ⊙ tanh(c_t)
    return {"input": i, "forget": f, "candidate": g, "output": o, "cell": c, "hidden": h}


def peephole_bptt(p, xs, h0, c0, steps, dys, dh_last, dc_last):
    """BPTT of ``peephole_step``: (grads, dL/dx, (dL/dh_0, dL/dc_0), dL/dh_t of every step)."""
    grads = {name: np.zeros_like(value) for name, value in p.items()}
    hs = _hidden_states(h0, steps)
    cs = [c0] + [s["cell"] for s in steps]  # c_0 .. c_T
    dxs, dhs = np.zeros_like(xs), np.zeros_like(dys)
    dh_next, dc = dh_last, dc_last  # dL/dh_T, dL/dc_T from the final state
    for t in reversed(range(len(xs))):
        s = steps[t]
        i, f, g, o = s["input"], s["forget"], s["candidate"], s["output"]
        dh = dys[t] + dh_next  # dL/dh_t = from the output at t + from step t+1
        dhs[t] = dh
        tanh_c = np.tanh(cs[t + 1])
        da_o = dh * tanh_c * o * (1 - o)  # h_t = o ⊙ tanh(c_t), o = σ(a_o + w_co ⊙ c_t)
        dc = dc + dh * o * (1 - tanh_c * tanh_c) + da_o * p["weight_co"]
        # dL/dc_t = from step t+1 + through tanh(c_t) + through the output peephole
        da_i = dc * g * i * (1 - i)  # c_t = f ⊙ c_{t-1} + i ⊙ g
        da_f = dc * cs[t] * f * (1 - f)
        da_g = dc * i * (1 - g * g)
        da = np.concatenate([da_i, da_f, da_g, da_o], axis=-1)  # dL/da_t, (B, 4H)
        grads["weight_ih"] += da.T @ xs[t]
        grads["weight_hh"] += da.T @ hs[t]
        grads["bias_ih"] += da.sum(axis=0)
        grads["bias_hh"] += da.sum(axis=0)
        grads["weight_ci"] += (da_i * cs[t]).sum(axis=0)  # ∂/∂w_ci of w_ci ⊙ c_{t-1}
        grads["weight_cf"] += (da_f * cs[t]).sum(axis=0)
        grads["weight_co"] += (da_o * cs[t + 1]).sum(axis=0)  # ∂/∂w_co of w_co ⊙ c_t
        dxs[t] = da @ p["weight_ih"]
        dh_next = da @ p["weight_hh"]  # dL/dh_{t-1} = da_t W_hh
        dc = dc * f + da_i * p["weight_ci"] + da_f * p["weight_cf"]
        # dL/dc_{t-1}: the cell path and the input and forget peepholes
    return grads, dxs, (dh_next, dc), dhs


# ------------------------------------------------------------------------------ MGU
def mgu_step(p: dict, x: np.ndarray, h_prev: np.ndarray) -> dict:
    """One step of the minimal gated unit (Zhou, Wu, Zhang & Zhou 2016): one gate, f, both
    resets the past inside the candidate and mixes old state and candidate. Blocks in the
    order f, n; two bias vectors per block, as PyTorch's cells (the paper has one)."""
    W_if, W_in = np.split(p["weight_ih"], 2)
    W_hf, W_hn = np.split(p["weight_hh"], 2)
    b_if, b_in = np.split(p["bias_ih"], 2)
    b_hf, b_hn = np.split(p["bias_hh"], 2)
    # f_t = σ(W_if x_t + b_if + W_hf h_{t-1} + b_hf)                  forget gate
    f = sigmoid(x @ W_if.T + b_if + h_prev @ W_hf.T + b_hf)
    # n_t = tanh(W_in x_t + b_in + W_hn (f_t ⊙ h_{t-1}) + b_hn)       candidate (paper: h̃_t)
    n = np.tanh(x @ W_in.T + b_in + (f * h_prev) @ W_hn.T + b_hn)
    h = (1 - f) * h_prev + f * n  # h_t = (1 - f_t) ⊙ h_{t-1} + f_t ⊙ n_t
    return {"forget": f, "candidate": n, "hidden": h}


def mgu_bptt(p, xs, h0, steps, dys, dh_last):
    """BPTT of ``mgu_step`` over T steps: (grads, dL/dx, (dL/dh_0,), dL/dh_t of every step)."""
    W_hf, W_hn = np.split(p["weight_hh"], 2)
    grads = {name: np.zeros_like(value) for name, value in p.items()}
    hs = _hidden_states(h0, steps)
    dxs, dhs = np.zeros_like(xs), np.zeros_like(dys)
    dh_next = dh_last  # dL/dh_T from the final state
    for t in reversed(range(len(xs))):
        f, n, h_prev = steps[t]["forget"], steps[t]["candidate"], hs[t]
        dh = dys[t] + dh_next  # dL/dh_t = from the output at t + from step t+1
        dhs[t] = dh
        dn = dh * f  # h_t = (1 - f) ⊙ h_{t-1} + f ⊙ n
        df = dh * (n - h_prev)
        dh_prev = dh * (1 - f)  # the direct path h_{t-1} -> h_t
        da_n = dn * (1 - n * n)  # tanh'(a_n) = 1 - n²
        d_fh = da_n @ W_hn  # dL/d(f ⊙ h_{t-1}), (B, H)
        df = df + d_fh * h_prev  # f also resets the past inside the candidate
        dh_prev = dh_prev + d_fh * f
        da_f = df * f * (1 - f)  # σ'(a) = σ(a)(1 - σ(a))
        da = np.concatenate([da_f, da_n], axis=-1)  # dL/d(W_ih x_t + b_ih), (B, 2H)
        grads["weight_ih"] += da.T @ xs[t]
        grads["bias_ih"] += da.sum(axis=0)
        grads["weight_hh"] += np.concatenate([da_f.T @ h_prev, da_n.T @ (f * h_prev)])
        grads["bias_hh"] += da.sum(axis=0)
        dxs[t] = da @ p["weight_ih"]  # dL/dx_t
        dh_next = dh_prev + da_f @ W_hf  # dL/dh_{t-1} from step t
    return grads, dxs, (dh_next,), dhs
