"""``--runtime jax`` from the bench process: a worker (:mod:`rnncli.runtimes.jax_worker`)
per row, started with XLA's thread flags in its environment (they only hold when set
before JAX is first imported, which keeps this process free of JAX), fed the torch
weights and the input through a temporary ``.npz``.

The worker times itself (its own clock: the process CPU time under ``--clock cpu``);
``JaxTiming`` answers the two questions bench's timing asks of a block timer
(:class:`rnncli.measure.timing.RemoteTimer`) from the worker's numbers.
"""

from __future__ import annotations

import atexit
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from rnncli.errors import RnncliError


def xla_flags(threads: int) -> str:
    """XLA's CPU thread flags for ``threads`` (set before JAX is imported; they alone do
    not limit the threads: the worker's CPU affinity does, see ``jax_worker``)."""
    return f"--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads={threads}"


def worker_cpus(threads: int) -> list[int] | None:
    """The first ``threads`` CPUs this process may use: the worker's affinity (None where
    the OS has no CPU affinity, e.g. macOS: the threads are then not limited)."""
    if not hasattr(os, "sched_getaffinity"):
        return None
    return sorted(os.sched_getaffinity(0))[:threads]


class Worker:
    """One JAX worker process; closed at exit."""

    def __init__(self, threads: int) -> None:
        env = dict(os.environ, XLA_FLAGS=xla_flags(threads), JAX_PLATFORMS="cpu",
                   OMP_NUM_THREADS=str(threads))
        cpus = worker_cpus(threads)
        if cpus:
            env["RNNCLI_JAX_CPUS"] = ",".join(map(str, cpus))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "rnncli.runtimes.jax_worker"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
        self.tmp = tempfile.TemporaryDirectory(prefix="rnncli-jax-")
        atexit.register(self.close)

    def ask(self, **msg) -> dict:
        if self.proc.poll() is not None:
            raise RnncliError("the JAX worker stopped")
        self.proc.stdin.write(json.dumps(msg) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RnncliError("the JAX worker stopped without an answer")
        reply = json.loads(line)
        if "error" in reply:
            raise RnncliError(f"JAX worker: {reply['error']}")
        return reply

    def path(self, name: str) -> str:
        return str(Path(self.tmp.name) / name)

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write(json.dumps({"op": "quit"}) + "\n")
                self.proc.stdin.flush()
                self.proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired, ValueError):
                self.proc.kill()
        self.tmp.cleanup()


class JaxTiming:
    """Blocks timed in the worker: ``autorange(min_run_time) -> (raw block times, block
    size)`` by torch.utils.benchmark's block-size rule, ``timeit(n) -> seconds`` for one
    block of ``n`` calls (what :class:`rnncli.measure.timing.RemoteTimer` asks)."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker

    def autorange(self, min_run_time: float) -> tuple[list[float], int]:
        r = self.worker.ask(op="autorange", min_run_time=min_run_time)
        return r["raw"], r["number"]

    def timeit(self, number: int) -> float:
        return self.worker.ask(op="timeit", number=number)["raw"]


def _nonlinearity(module) -> str:
    return getattr(module, "nonlinearity", "tanh")


def prepare(module, x, case, threads: int, clock: str):
    """Start a worker for the row, load the weights, compile and time the first call."""
    import numpy as np

    from rnncli.machine import CLOCKS
    from rnncli.runtimes import Compiled

    t0 = CLOCKS["wall"]()
    worker = Worker(threads)
    weights = {k: v.detach().numpy() for k, v in module.state_dict().items()}
    np.savez(worker.path("in.npz"), x=x, **weights)
    loaded = worker.ask(op="load", npz=worker.path("in.npz"), arch=case.arch,
                        layers=case.num_layers, bidirectional=case.bidirectional,
                        nonlinearity=_nonlinearity(module), mode=case.mode, clock=clock)
    setup = CLOCKS["wall"]() - t0 - loaded["first_call_s"]

    def forward(inp):
        np.savez(worker.path("x.npz"), x=np.asarray(inp, np.float32))
        worker.ask(op="outputs", npz=worker.path("x.npz"), out=worker.path("y.npy"))
        return np.load(worker.path("y.npy"), allow_pickle=False)

    kernel = "XLA: jax.lax.scan under jit" + (" + jax.grad" if case.mode == "train" else "")
    pinned = loaded.get("cpus")
    threads_text = (f"pinned to CPU {','.join(map(str, pinned))} (affinity), "
                    if pinned and len(pinned) == threads else "NOT pinned (no CPU affinity "
                    "here: XLA may use every core), ") + f"XLA_FLAGS={xla_flags(threads)}"
    return Compiled(forward, max(setup, 0.0), threads_text,
                    f"jax {loaded['version']}", remote=JaxTiming(worker),
                    first_call_s=loaded["first_call_s"], kernel=kernel,
                    step=lambda: None)
