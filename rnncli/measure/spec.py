"""The vocabulary of a benchmark: one ``Case`` per row, one ``Workload`` per built row,
and each closed choice of ``rnncli bench`` declared once (the command builds its Enums
from these tuples; typer checks them).  The implementations are in :mod:`.impls`.

No torch here, and no import of the rest of ``rnncli.measure``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

from rnncli import machine

MODES = ("forward", "train")  # what one row runs
MODE_CHOICES = (*MODES, "both")  # --mode
DTYPES = ("float32", "float64", "bfloat16")
DEVICES = ("cpu", "cuda")
FLOP_COUNTS = ("full", "recurrent")
CLOCKS = ("auto", *machine.CLOCKS)  # --clock
DTYPE_BYTES = {"float32": 4, "float64": 8, "bfloat16": 2}


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


def row_key(row: dict, *without: str) -> tuple:
    """The identifying key of a result row (dict) over ``KEY_FIELDS`` except ``without``
    (rows that differ only in those fields share it)."""
    defaults = {"batching": "fixed"}
    return tuple(row.get(f, defaults.get(f)) for f in KEY_FIELDS if f not in without)


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
    remote: object | None = None  # blocks timed in another process (timing.RemoteTimer)
    first_call_s: float | None = None  # measured where ``remote`` times
    extra: dict | None = None  # runtime rows: runtime, threads as set, agreement, setup_s
