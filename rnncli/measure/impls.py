"""THE IMPLEMENTATION REGISTRY: what ``rnncli bench`` can time, what each supports, how
it builds a row (``build``) and what the time budget assumes it costs (``cost``).

Adding one: an ``Impl`` in ``IMPLS`` with its builder (usually in :mod:`.workloads`);
``--impl``'s help and choices, the budget and the tests read ``IMPLS``.  The runtimes of
``--runtime`` (:mod:`rnncli.runtimes`) become ``Impl`` rows here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from rnncli import archs
from rnncli.measure import workloads
from rnncli.measure.spec import DEVICES, DTYPES, MODES, Case, Workload
from rnncli.runtimes import RUNTIME_ARCHS, RUNTIMES


@dataclass(frozen=True)
class Cost:
    """The budget's rough model: seconds of fixed overhead per step and layer, by mode,
    and the GFLOP/s reached (calibrated on a 2-core x86 CPU; see :mod:`.budget`)."""

    forward_s: float
    train_s: float
    gflops: float
    setup_s: float = 0.0  # before the first call: export, compile, a worker


#: The slowest of the known implementations: what an Impl without a cost gets.
DEFAULT_COST = Cost(60e-6, 200e-6, 5.0)


def _scratch_archs() -> tuple[str, ...]:
    """The architectures ``rnncli.scratch`` provides (NumPy; no torch)."""
    from rnncli.scratch import CLASSES

    return tuple(a for a in archs.names() if a in CLASSES)


def _reference_archs() -> tuple[str, ...]:
    """The architectures of ``rnncli/scratch/reference.py`` (every registered one)."""
    from rnncli.scratch.convert import REFERENCE_CLASSES

    return tuple(a for a in archs.names() if a in REFERENCE_CLASSES)


def _naive_archs() -> tuple[str, ...]:
    from rnncli.scratch.naive import GATES  # numpy: imported when asked

    return tuple(a for a in archs.names() if a in GATES)


def _local(build: Callable[[Case], Workload]) -> Callable[[Case, int, str], Workload]:
    """A builder run in this process (threads: the session's torch setting; its clock)."""
    return lambda case, threads, clock: build(case)


@dataclass(frozen=True)
class Impl:
    """One implementation a row can time, and what it supports."""

    name: str
    help: str
    provides: Callable[[], tuple[str, ...]]  # architectures it can build
    build: Callable[[Case, int, str], Workload]  # (case, threads, clock) -> the row's step
    cost: Cost = DEFAULT_COST
    modes: tuple[str, ...] = MODES
    dtypes: tuple[str, ...] = DTYPES
    devices: tuple[str, ...] = DEVICES
    why_not: dict[str, str] = field(default_factory=dict)  # what -> reason text
    runtime: bool = False  # chosen with --runtime (rnncli.runtimes), not --impl

    def archs(self) -> tuple[str, ...]:
        return self.provides()


_NUMPY_WHY = {"dtype": "NumPy has no bfloat16 type; use float32",
              "device": "runs on the CPU only"}
_NUMPY = {"dtypes": ("float32", "float64"), "devices": ("cpu",), "why_not": _NUMPY_WHY}

IMPLS: dict[str, Impl] = {i.name: i for i in (
    Impl("torch", "fused nn.RNN/GRU/LSTM", lambda: archs.names(torch_only=True),
         _local(workloads.torch_workload), Cost(15e-6, 60e-6, 20.0)),
    Impl("cell", "nn.*Cell stepped in a Python loop", lambda: archs.names(torch_only=True),
         _local(workloads.torch_workload), Cost(40e-6, 160e-6, 15.0)),
    Impl("numpy", "rnncli.scratch, hand-written backward", _scratch_archs,
         _local(workloads.numpy_workload), Cost(40e-6, 150e-6, 10.0), **_NUMPY),
    Impl("reference", "the readable cells (scratch/reference.py)", _reference_archs,
         _local(workloads.numpy_workload), **_NUMPY),
    Impl("naive", "the lesson's per-sample loop, forward only", _naive_archs,
         _local(workloads.naive_workload),
         **{**_NUMPY, "modes": ("forward",), "why_not": {
             **_NUMPY_WHY, "mode": "is forward-only (the lesson's loop has no backward)"}}),
    *(Impl(r.name, r.help, lambda: RUNTIME_ARCHS, workloads.runtime_workload,
           Cost(*r.cost, setup_s=r.setup_s), modes=r.modes(), dtypes=("float32",),
           devices=("cpu",), runtime=True,
           why_not={"mode": "is inference only (training rows: torch, jax, numpy)",
                    "dtype": "is compared with torch in float32 only",
                    "device": "runs on the CPU only here"}) for r in RUNTIMES.values()),
)}
#: What --impl accepts (the runtimes come with --runtime).
IMPL_NAMES = tuple(n for n, i in IMPLS.items() if not i.runtime)


def unsupported(c: Case) -> str | None:
    """Why ``c`` cannot run (None when it can)."""
    impl = IMPLS.get(c.impl)
    if impl is None:
        return f"unknown implementation {c.impl!r}; accepted: {', '.join(IMPLS)}"
    if c.arch not in impl.archs():
        return f"--impl {c.impl} has no {archs.get(c.arch).title}"
    for what, value, allowed in (("mode", c.mode, impl.modes), ("dtype", c.dtype, impl.dtypes),
                                 ("device", c.device, impl.devices)):
        if value not in allowed:
            flag = "--runtime" if impl.runtime else "--impl"
            return f"{flag} {c.impl} {impl.why_not.get(what, f'has no {what} {value}')}"
    return _user_input(c, impl)


def _user_input(c: Case, impl: Impl) -> str | None:
    """--lengths: torch only; --weights: torch and the runtimes (same weights)."""
    if impl.runtime:
        return (f"--runtime {c.impl}: variable lengths (--lengths) are timed with torch only"
                if c.batching != "fixed" else None)
    if c.impl != "torch" and (c.batching != "fixed" or c.weights):
        what = "variable lengths (--lengths)" if c.batching != "fixed" else "--weights"
        return f"--impl {c.impl}: {what} are timed with --impl torch only"
    return None


def build(case: Case, threads: int = 1, clock: str = "wall") -> Workload:
    """A fresh model and input for ``case``: the step to time, built by its Impl."""
    return IMPLS[case.impl].build(case, threads, clock)
