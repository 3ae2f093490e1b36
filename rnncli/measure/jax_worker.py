"""The JAX side of ``rnncli bench --runtime jax``: a worker process (``python -m
rnncli.measure.jax_worker``) started by :mod:`rnncli.measure.jaxrun` with XLA's thread
flags in its environment, so that they hold before JAX is first imported.

The cells are the torch equations in PyTorch's gate order (LSTM i, f, g, o; GRU r, z,
n with the reset gate applied to ``W_hn h + b_hn``; tanh or ReLU RNN), the input
projection of every step done at once before a ``jax.lax.scan`` over time, under
``jax.jit``.  Weights and input come in a ``.npz`` (``allow_pickle=False``).

Protocol: one JSON object per line on stdin, one per line on stdout.
``{"op": "load", "npz": PATH, "arch", "layers", "bidirectional", "nonlinearity", "mode",
"clock"}`` -> ``{"first_call_s"}`` (compile + first run); ``{"op": "outputs", "npz": IN,
"out": OUT}`` writes ``y`` for the input ``x`` of IN; ``{"op": "timeit", "number": n}`` ->
``{"raw": seconds for n calls}``; ``{"op": "autorange", "min_run_time": s}`` ->
``{"number", "raw": [...]}`` (torch.utils.benchmark's block-size rule); ``{"op": "quit"}``.
"""

from __future__ import annotations

import json
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np


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


class Worker:
    def __init__(self) -> None:
        self.fn = self.forward = None
        self.params = self.x = None
        self.now = time.perf_counter

    def load(self, msg: dict) -> dict:
        data = np.load(msg["npz"], allow_pickle=False)
        self.params = {k: jnp.asarray(data[k]) for k in data.files if k != "x"}
        self.x = jnp.asarray(data["x"])
        self.now = time.process_time if msg.get("clock") == "cpu" else time.perf_counter
        forward = make_forward(msg["arch"], msg["layers"], msg["bidirectional"],
                               msg.get("nonlinearity", "tanh"))
        self.forward = jax.jit(forward)
        if msg["mode"] == "train":  # loss = sum of the outputs; grads for weights AND input
            grad = jax.jit(jax.grad(lambda p, x: forward(p, x).sum(), argnums=(0, 1)))
            self.fn = lambda: grad(self.params, self.x)
        else:
            self.fn = lambda: self.forward(self.params, self.x)
        t0 = self.now()
        jax.block_until_ready(self.fn())
        return {"first_call_s": self.now() - t0, "version": jax.__version__,
                "devices": [str(d) for d in jax.devices()]}

    def outputs(self, msg: dict) -> dict:
        x = jnp.asarray(np.load(msg["npz"], allow_pickle=False)["x"])
        np.save(msg["out"], np.asarray(self.forward(self.params, x)), allow_pickle=False)
        return {}

    def timeit(self, msg: dict) -> dict:
        fn, n = self.fn, int(msg["number"])
        t0 = self.now()
        for _ in range(n):
            out = fn()
        jax.block_until_ready(out)
        return {"raw": self.now() - t0}

    def autorange(self, msg: dict) -> dict:
        """torch.utils.benchmark's rule: grow the block tenfold until it lasts at least
        min_run_time / 1000, then blocks until min_run_time has passed."""
        min_run = float(msg["min_run_time"])
        number = 1
        while True:
            t = self.timeit({"number": number})["raw"]
            if t >= min_run / 1000 or t > min_run:
                break
            number *= 10
        raw: list[float] = []
        while sum(raw) < min_run:
            raw.append(self.timeit({"number": number})["raw"])
        return {"number": number, "raw": raw}


def main() -> None:
    worker = Worker()
    for line in sys.stdin:
        msg = json.loads(line)
        if msg["op"] == "quit":
            break
        try:
            reply = getattr(worker, msg["op"])(msg)
        except Exception as e:  # noqa: BLE001 - reported to the parent as one line
            reply = {"error": f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
