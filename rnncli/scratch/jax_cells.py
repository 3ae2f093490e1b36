"""The torch cells in JAX for ``rnncli bench --runtime jax`` (imported by the worker
process only, :mod:`rnncli.runtimes.jax_worker`).

PyTorch's gate order and equations: LSTM i, f, g, o (c = f·c + i·g, h = o·tanh c); GRU
r, z, n with the reset gate applied to ``W_hn h + b_hn`` (h = (1 − z)·n + z·h); the
tanh (or ReLU) RNN.  The input projection of every step is one matrix product before a
``jax.lax.scan`` over time (the recurrence is the only sequential part).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp


def _lstm(p, xp, h, c):
    gates = xp + h @ p["weight_hh"].T + p["bias_hh"]
    i, f, g, o = jnp.split(gates, 4, axis=-1)
    i, f, g, o = jax.nn.sigmoid(i), jax.nn.sigmoid(f), jnp.tanh(g), jax.nn.sigmoid(o)
    c = f * c + i * g
    h = o * jnp.tanh(c)
    return h, c


def _gru(p, xp, h, c):
    gi_r, gi_z, gi_n = jnp.split(xp, 3, axis=-1)
    gh_r, gh_z, gh_n = jnp.split(h @ p["weight_hh"].T + p["bias_hh"], 3, axis=-1)
    r = jax.nn.sigmoid(gi_r + gh_r)
    z = jax.nn.sigmoid(gi_z + gh_z)
    n = jnp.tanh(gi_n + r * gh_n)
    h = (1 - z) * n + z * h
    return h, c


def _rnn(act):
    def cell(p, xp, h, c):
        return act(xp + h @ p["weight_hh"].T + p["bias_hh"]), c
    return cell


def _direction(cell, p, x, reverse: bool):
    """One direction of one layer over x (T, B, I): outputs (T, B, H)."""
    hidden = p["weight_hh"].shape[1]
    zeros = jnp.zeros((x.shape[1], hidden), x.dtype)
    xp = x @ p["weight_ih"].T + p["bias_ih"]  # every step's input projection at once

    def body(carry, xt):
        h, c = cell(p, xt, *carry)
        return (h, c), h

    _, ys = jax.lax.scan(body, (zeros, zeros), xp, reverse=reverse)
    return ys


def make_forward(arch: str, layers: int, bidirectional: bool, nonlinearity: str = "tanh"):
    cell = {"lstm": _lstm, "gru": _gru}.get(arch) or _rnn(
        jax.nn.relu if nonlinearity == "relu" else jnp.tanh)
    suffixes = ["", "_reverse"] if bidirectional else [""]

    def forward(params, x):
        for layer in range(layers):
            outs = []
            for s in suffixes:
                p = {k: params[f"{k}_l{layer}{s}"]
                     for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
                outs.append(_direction(cell, p, x, reverse=bool(s)))
            x = jnp.concatenate(outs, axis=-1) if len(outs) > 1 else outs[0]
        return x

    return forward
