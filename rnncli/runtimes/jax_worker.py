"""The JAX side of ``rnncli bench --runtime jax``: a worker process (``python -m
rnncli.runtimes.jax_worker``) started by :mod:`rnncli.runtimes.jaxrun`.

Threads: XLA sizes its CPU thread pools from the process's CPU affinity mask, the one
setting that limits JAX's threads (JAX maintainer, jax-ml/jax#1539).  ``XLA_FLAGS``'
``intra_op_parallelism_threads`` does not: a GRU (H=512, B=64) under
``--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1`` used 1.8 cores of
2 here, against 1.0 pinned to one core.  So the worker pins itself to the CPUs in
``RNNCLI_JAX_CPUS`` BEFORE it imports JAX, and reports the mask it got.

The cells (:mod:`rnncli.scratch.jax_cells`) are the torch equations in PyTorch's gate
order, run by ``jax.lax.scan`` under ``jax.jit``.  Weights and input come in a ``.npz``
(``allow_pickle=False``).

Protocol: one JSON object per line on stdin, one per line on stdout.
``{"op": "load", "npz": PATH, "arch", "layers", "bidirectional", "nonlinearity", "mode",
"clock"}`` -> ``{"first_call_s", "version", "cpus"}`` (compile + first run; the CPUs it
may run on); ``{"op": "outputs", "npz": IN,
"out": OUT}`` writes ``y`` for the input ``x`` of IN; ``{"op": "timeit", "number": n}`` ->
``{"raw": seconds for n calls}``; ``{"op": "autorange", "min_run_time": s}`` ->
``{"number", "raw": [...]}`` (torch.utils.benchmark's block-size rule); ``{"op": "quit"}``.
"""

from __future__ import annotations

import json
import os
import sys
import time

if os.environ.get("RNNCLI_JAX_CPUS") and hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {int(c) for c in os.environ["RNNCLI_JAX_CPUS"].split(",")})

import jax  # noqa: E402 - after the CPU affinity, which sizes XLA's thread pools
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

from rnncli.scratch.jax_cells import make_forward  # noqa: E402


def cpus() -> list[int] | None:
    """The CPUs this process may run on (None where the OS does not say)."""
    return sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None


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
                "devices": [str(d) for d in jax.devices()], "cpus": cpus()}

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
