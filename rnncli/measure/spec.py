"""The vocabulary of a benchmark: one ``Case`` per row, and the accepted choices.

No torch here: the command validates options with these before importing anything heavy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

ARCHS = ("rnn", "gru", "lstm")
IMPLS = ("torch", "cell", "numpy", "naive")
MODES = ("forward", "train")
DTYPES = ("float32", "float64", "bfloat16")
DEVICES = ("cpu", "cuda")
FLOP_COUNTS = ("full", "recurrent")
DTYPE_BYTES = {"float32": 4, "float64": 8, "bfloat16": 2}

#: Fields that identify a row (used to match rows against a baseline file).
KEY_FIELDS = ("arch", "impl", "mode", "seq_len", "batch", "input_size", "hidden_size",
              "num_layers", "dtype", "device")


@dataclass(frozen=True)
class Case:
    """One benchmark row: what to build and how to run it."""

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

    def key(self) -> tuple:
        return tuple(getattr(self, f) for f in KEY_FIELDS)

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def tokens(self) -> int:
        return self.seq_len * self.batch


def row_key(row: dict) -> tuple:
    """The identifying key of a result row (dict), comparable with ``Case.key()``."""
    return tuple(row.get(f) for f in KEY_FIELDS)


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
