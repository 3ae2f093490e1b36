"""The one place that decides how much time a benchmark run may take.

A ``Budget`` is made once per run (:meth:`Budget.plan`) from the cases and the options,
and then answers every timing question the run asks:

- the estimate (seconds and the largest row's bytes, GEMM peak included) and the
  refusal of a run over ``MAX_SECONDS`` or the free memory (:meth:`Budget.check`);
- timed seconds per row (``min_time``: 1 s for a handful of rows, less for big grids)
  and the number of interleaved rounds;
- while running, the soft cap (``soft_s``, 1.5 × the estimate): :meth:`Budget.fit`
  shortens the timing of later rows when the run falls behind, and :meth:`Budget.over`
  tells the interleaved loop to stop adding rounds.  The cap is counted on the clock
  the rows are timed with: with the CPU clock (a busy machine) the run's own CPU time,
  so that other programs' load does not cut rounds short; a wall-clock safety net of
  ``WALL_FACTOR`` × the cap still ends a run that waits too long for a core.

The cost model is deliberately rough (fixed per-step overhead plus FLOPs at an assumed
rate per implementation, ``Impl.cost``, calibrated on a 2-core x86 CPU): it exists to
refuse runs that would take far too long or too much memory, not to predict timings.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

from rnncli import archs, formulas, machine
from rnncli.limits import Knob, refuse_oversized
from rnncli.machine import CLOCKS
from rnncli.measure.impls import DEFAULT_COST, IMPLS, Cost
from rnncli.measure.spec import DTYPE_BYTES, Case

MAX_SECONDS = 600.0
#: With the CPU clock, the run also stops adding rounds after this many times the soft
#: cap in wall time (a safety net against a machine that gives us almost no CPU).
WALL_FACTOR = 8.0
#: Timed seconds of one GEMM peak measurement.
PEAK_MIN_TIME = 0.5


def cost(impl: str) -> Cost:
    """The implementation's cost (``impls.DEFAULT_COST`` for a name not registered)."""
    return IMPLS[impl].cost if impl in IMPLS else DEFAULT_COST


def call_s(case: Case) -> float:
    """Rough seconds for one timed call of ``case``."""
    if case.impl == "naive":
        from rnncli.measure.workloads import naive_batch, naive_sample_s

        return naive_sample_s(case) * naive_batch(case)
    flops = formulas.forward_flops(case.arch, case.input_size, case.hidden_size,
                                   case.num_layers, case.seq_len, case.batch)
    flops *= case.directions * (3 if case.mode == "train" else 1)
    c = cost(case.impl)
    overhead = (c.forward_s if case.mode == "forward" else c.train_s) * case.seq_len
    overhead *= case.num_layers * case.directions * (2 if case.batching == "packed" else 1)
    if archs.get(case.arch).gate_blocks > 1 and case.impl != "torch":
        overhead *= 2  # more element-wise calls per step
    rate = c.gflops * (0.5 if case.dtype == "float64" else 1.0)
    if case.device == "cuda":
        rate *= 50
    return overhead + flops / (rate * 1e9)


def row_s(case: Case, min_time: float, min_runs: int = 5) -> float:
    """Rough seconds one row costs: build, first call, warm-up, timed runs."""
    call = call_s(case)
    c = cost(case.impl)
    setup = c.setup_s + (3 * call if c.setup_s else 0.0)
    return 2 * call + max(min_time, min_runs * call) + 0.05 + setup


def memory_bytes(case: Case) -> int:
    """Rough peak bytes of one row: weights (+ grads), input, outputs, kept activations."""
    b = DTYPE_BYTES[case.dtype]
    params = formulas.param_count(case.arch, case.input_size, case.hidden_size, case.num_layers)
    x = case.seq_len * case.batch * case.input_size
    out = case.seq_len * case.batch * case.hidden_size * case.num_layers
    kept = 0
    if case.mode == "train":
        g = archs.get(case.arch).gate_blocks
        # autograd keeps roughly the gate pre-activations and activations of every step
        kept = 2 * (g + 2) * case.seq_len * case.batch * case.hidden_size * case.num_layers
    return b * case.directions * (2 * params + 2 * x + 2 * out + kept)


def peak_call_s(n: int, dtype: str, device: str) -> float:
    """Rough seconds of one n × n GEMM (2·n³ FLOPs) at the torch rate."""
    rate = cost("torch").gflops * (0.5 if dtype == "float64" else 1.0)
    return 2 * n**3 / (rate * (50 if device == "cuda" else 1) * 1e9)


def peak_bytes(n: int, dtype: str) -> int:
    """Three n × n matrices (a, b and the product)."""
    return 3 * n * n * DTYPE_BYTES[dtype]


def auto_min_time(n_rows: int) -> float:
    """Timed seconds per row: 1 s for a handful of rows, down to 0.2 s for big grids."""
    return max(0.2, min(1.0, 8.0 / max(n_rows, 1)))


def choose_rounds(cases: Sequence[Case], rounds: int | None) -> int:
    """Interleaved rounds: 3 for grids small enough to keep every model in memory at once."""
    if rounds:
        return rounds
    if len(cases) > 24:
        return 1
    free = machine.free_memory_bytes(cases[0].device) if cases else None
    total = sum(memory_bytes(c) for c in cases)
    return 3 if free is None or total < free / 2 else 1


@dataclass
class Budget:
    """How long the run may take, and how each row is timed to stay within it."""

    min_time: float  # timed seconds per row (split over the rounds)
    rounds: int
    seconds: float  # the estimate of the whole run
    memory_bytes: int  # the largest row (or the peak GEMM)
    free_bytes: int | None
    min_runs: int = 5
    soft_s: float | None = None  # later rows time less when the run passes this
    started: float | None = None
    clock: str = "wall"  # what the cap is counted in: "wall" or "cpu" (process CPU time)
    started_wall: float | None = None

    @classmethod
    def plan(cls, cases: Sequence[Case], *, min_time: float | None = None,
             rounds: int | None = None, peak_n: int | None = None,
             min_runs: int = 5) -> Budget:
        """The budget of a run over ``cases`` (``peak_n``: a GEMM peak per dtype/device)."""
        per_row = min_time or auto_min_time(len(cases))
        n_rounds = choose_rounds(cases, rounds)
        seconds = 2.0 + sum(row_s(c, per_row, min_runs) for c in cases)
        mem = max((memory_bytes(c) for c in cases), default=0)
        if peak_n:
            for dtype, device in sorted({(c.dtype, c.device) for c in cases}):
                call = peak_call_s(peak_n, dtype, device)
                # two warm-up calls, then at least 5 runs, once per round and once more
                seconds += (n_rounds + 1) * (2 * call + max(PEAK_MIN_TIME / n_rounds, 5 * call))
                mem = max(mem, peak_bytes(peak_n, dtype))
        device = cases[0].device if cases else "cpu"
        return cls(per_row, n_rounds, seconds, mem, machine.free_memory_bytes(device), min_runs,
                   soft_s=max(15.0, 1.5 * seconds))

    def check(self, force: bool, cases: Sequence[Case], sizes: Sequence[str] = (),
              **plan) -> None:
        """Refuse a run over ``MAX_SECONDS`` or over the free memory, unless ``force``
        (the project's one refusal: :func:`rnncli.limits.refuse_oversized`), naming the
        largest value of each size option in ``sizes`` that fits (the run re-planned with
        that size capped, the others and ``plan``'s options as given)."""
        n = len(cases)
        refuse_oversized(f"this run of {n} row{'s' if n != 1 else ''}",
                         seconds=self.seconds, nbytes=self.memory_bytes,
                         max_seconds=MAX_SECONDS, max_bytes=self.free_bytes or math.inf,
                         force=force, lower="shrink the grid (fewer sizes, --arch)",
                         knobs=[_knob(o, cases, plan) for o in sizes if o in SIZE_FIELDS
                                and n <= KNOB_ROWS],
                         also="lowering --min-time or --peak-n also shortens it")

    def _now(self) -> float:
        return CLOCKS[self.clock]()

    def start(self, clock: str | None = None) -> None:
        self.clock = clock or self.clock
        self.started = self._now()
        self.started_wall = time.perf_counter()

    def left_s(self) -> float | None:
        if self.soft_s is None or self.started is None:
            return None
        return self.soft_s - (self._now() - self.started)

    def wall_spent(self) -> bool:
        """The wall-clock safety net (CPU clock only) is spent."""
        if self.clock != "cpu" or self.started_wall is None or self.soft_s is None:
            return False
        return time.perf_counter() - self.started_wall > WALL_FACTOR * self.soft_s

    def over(self) -> bool:
        """The soft cap is spent (the interleaved loop stops adding rounds)."""
        left = self.left_s()
        return (left is not None and left < 0) or self.wall_spent()

    def fit(self, cfg, case: Case, rows_left: int):  # -> engine.RunConfig
        """``cfg`` shortened so the remaining rows fit what is left of the soft cap.

        Only shortens: a row gets at most its share (build and warm-up calls taken
        off, half of the rest timed); slow rows then get fewer runs (flagged when
        fewer than 3).
        """
        left = self.left_s()
        if left is None:
            return cfg
        share = max(left, 0.0) / max(rows_left, 1)
        if share >= 3 * cfg.min_time + 2 * call_s(case):
            return cfg
        timed = max(0.02, min(cfg.min_time, 0.5 * share - 2 * call_s(case)))
        return replace(cfg, min_time=timed, max_time=max(timed, 0.6 * share, 0.05))


#: Above this many rows the grid itself is what to shrink: no search for a size that fits.
KNOB_ROWS = 2000
#: bench's size options and the Case field each sets (what a refusal may ask to lower).
SIZE_FIELDS = {"--seq-len": "seq_len", "--batch": "batch", "--input-size": "input_size",
               "--hidden": "hidden_size", "--layers": "num_layers"}


def _knob(option: str, cases: Sequence[Case], plan: dict) -> Knob:
    """``option``'s largest value in the grid, and the run's estimate with it capped."""
    name = SIZE_FIELDS[option]
    values = {getattr(c, name) for c in cases}

    def cost(v: int) -> tuple[float, int]:
        capped = [replace(c, **{name: min(getattr(c, name), v)}) for c in cases]
        b = Budget.plan(capped, **plan)
        return b.seconds, b.memory_bytes

    return Knob(option, max(values), cost, prefix="up to " if len(values) > 1 else "")
