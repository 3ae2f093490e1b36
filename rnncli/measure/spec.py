"""The vocabulary of a benchmark: one ``Case`` per row, the implementations, the choices.

No torch here: the command validates options with these before importing anything heavy.
Architectures come from the registry (:mod:`rnncli.archs`); implementations from
``IMPLS`` below (adding one: an ``Impl`` here, a builder in ``workloads.build``, and
optionally a cost entry in ``budget.COSTS``; the tests iterate over ``IMPLS``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from rnncli import archs

MODES = ("forward", "train")
DTYPES = ("float32", "float64", "bfloat16")
DEVICES = ("cpu", "cuda")
FLOP_COUNTS = ("full", "recurrent")
DTYPE_BYTES = {"float32": 4, "float64": 8, "bfloat16": 2}


def _scratch_archs() -> tuple[str, ...]:
    """The architectures ``rnncli.scratch`` provides (NumPy; no torch)."""
    from rnncli.scratch import CLASSES

    return tuple(a for a in archs.names() if a in CLASSES)


def _reference_archs() -> tuple[str, ...]:
    """The architectures of ``rnncli/scratch/reference.py`` (every registered one)."""
    from rnncli.scratch.convert import REFERENCE_CLASSES

    return tuple(a for a in archs.names() if a in REFERENCE_CLASSES)


def _naive_archs() -> tuple[str, ...]:
    from rnncli.measure.naive import GATES

    return tuple(a for a in archs.names() if a in GATES)


@dataclass(frozen=True)
class Impl:
    """One implementation a row can time, and what it supports."""

    name: str
    help: str
    provides: Callable[[], tuple[str, ...]]  # architectures it can build
    modes: tuple[str, ...] = MODES
    dtypes: tuple[str, ...] = DTYPES
    devices: tuple[str, ...] = DEVICES
    why_not: dict[str, str] = field(default_factory=dict)  # what -> reason text

    def archs(self) -> tuple[str, ...]:
        return self.provides()


IMPLS: dict[str, Impl] = {
    "torch": Impl("torch", "fused nn.RNN/GRU/LSTM",
                  lambda: archs.names(torch_only=True)),
    "cell": Impl("cell", "nn.*Cell stepped in a Python loop",
                 lambda: archs.names(torch_only=True)),
    "numpy": Impl("numpy", "rnncli.scratch, hand-written backward", _scratch_archs,
                  dtypes=("float32", "float64"), devices=("cpu",),
                  why_not={"dtype": "NumPy has no bfloat16 type; use float32",
                           "device": "runs on the CPU only"}),
    "reference": Impl("reference", "rnncli/scratch/reference.py, the readable equations",
                      _reference_archs, dtypes=("float32", "float64"), devices=("cpu",),
                      why_not={"dtype": "NumPy has no bfloat16 type; use float32",
                               "device": "runs on the CPU only"}),
    "naive": Impl("naive", "the lesson's per-sample loop, forward only", _naive_archs,
                  modes=("forward",), dtypes=("float32", "float64"), devices=("cpu",),
                  why_not={"mode": "is forward-only (the lesson's loop has no backward)",
                           "dtype": "NumPy has no bfloat16 type; use float32",
                           "device": "runs on the CPU only"}),
}

#: Fields that identify a row (used to match rows against a baseline file).
KEY_FIELDS = ("arch", "impl", "mode", "seq_len", "batch", "input_size", "hidden_size",
              "num_layers", "dtype", "device", "batching")


@dataclass(frozen=True)
class Case:
    """One benchmark row: what to build and how to run it.

    ``batching``: ``fixed`` (every sequence ``seq_len`` long), or, with ``lengths``
    (one per sequence; ``seq_len`` is then the longest), ``padded`` (the batch padded
    to the longest and run whole) or ``packed`` (``pack_padded_sequence``).
    ``weights``: a checkpoint whose recurrent weights the model loads (``--weights``);
    ``bidirectional`` when that model runs both directions.
    """

    arch: str
    impl: str
    mode: str
    seq_len: int
    batch: int
    input_size: int
    hidden_size: int
    num_layers: int
    dtype: str = "float32"
    device: str = "cpu"
    batching: str = "fixed"
    lengths: tuple[int, ...] | None = None
    weights: str | None = None
    bidirectional: bool = False  # from --weights: both directions, as the file holds

    @property
    def directions(self) -> int:
        return 2 if self.bidirectional else 1

    def layer_inputs(self) -> list[int]:
        """Input size of each layer (a bidirectional layer feeds 2H to the next)."""
        return [self.input_size] + [self.directions * self.hidden_size] * (self.num_layers - 1)

    def key(self) -> tuple:
        return tuple(getattr(self, f) for f in KEY_FIELDS)

    def as_dict(self) -> dict:
        d = asdict(self)
        d["lengths"] = list(self.lengths) if self.lengths else None
        return d

    @property
    def tokens(self) -> int:
        """Real (unpadded) tokens one call processes."""
        return sum(self.lengths) if self.lengths else self.seq_len * self.batch

    @property
    def label(self) -> str:
        extra = "" if self.batching == "fixed" else f" {self.batching}"
        return (f"{self.arch} {self.impl} {self.mode}{extra} T={self.seq_len} "
                f"H={self.hidden_size}")


def row_key(row: dict) -> tuple:
    """The identifying key of a result row (dict), comparable with ``Case.key()``."""
    defaults = {"batching": "fixed"}
    return tuple(row.get(f, defaults.get(f)) for f in KEY_FIELDS)


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
            return f"--impl {c.impl} {impl.why_not.get(what, f'has no {what} {value}')}"
    if c.impl != "torch" and (c.batching != "fixed" or c.weights):
        what = "variable lengths (--lengths)" if c.batching != "fixed" else "--weights"
        return f"--impl {c.impl}: {what} are timed with --impl torch only"
    return None


@dataclass
class Workload:
    """One step to time, plus what we learnt while building it."""

    step: Callable[[], object]
    params_module: int  # parameters counted on the built module
    sync: Callable[[], None] | None = None
    batch_timed: int | None = None  # naive: the subset of the batch actually run
    memory: Callable[[], int] | None = None  # measures the step's memory (bytes), once
    memory_how: str = ""
    note: str = ""
    kernel: Callable[[], str] | str = ""  # which code path ran (a callable probes after timing)
