"""Timing one callable the way torch.utils.benchmark does: warm-up apart, median and IQR.

``torch.utils.benchmark.Timer.blocked_autorange`` picks a block size so that the
timer's own overhead is negligible, then repeats blocks until ``min_run_time`` has
passed; its ``Measurement`` gives the median and the inter-quartile range (IQR)
of the per-call times and flags rows whose IQR exceeds 10 % of the median
(the same threshold we use, following pyperf and torch.utils.benchmark).
Slow calls leave too few blocks for an IQR, so we top up with blocks of the same size
until ``min_runs`` replicates exist or the time cap is reached, as later rounds do.
Those blocks are timed as Timer times one (``timeit.Timer.timeit(n)``), not through
``Timer.timeit(n)``, which first makes ``max(n // 100, 2)`` untimed warm-up calls:
two untimed calls per timed one for a slow row (bench took up to 3× its estimate).

Source: PyTorch documentation, "torch.utils.benchmark" (Timer, Measurement); the
Timer's source in torch 2.13 (``timeit``, ``_estimate_block_size``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rnncli.machine import CLOCKS

#: A row is noisy when IQR / median exceeds this (torch.utils.benchmark's threshold).
NOISY_IQR_RATIO = 0.10


@dataclass
class Timing:
    """Per-call statistics of one measured callable (seconds)."""

    median_s: float
    iqr_s: float
    runs: int  # replicates behind the median (each replicate may average a block of calls)
    calls: int  # total calls timed, warm-up excluded
    warmup_calls: int
    noisy: bool
    best_s: float  # the fastest replicate (used for the GEMM peak: a limit is a best case)
    q1_s: float = 0.0
    q3_s: float = 0.0
    p99_s: float | None = None  # with 100 or more replicates




def time_first_call(fn: Callable[[], object], sync: Callable[[], None] | None = None,
                    clock: str = "wall") -> float:
    """Time of one call (used on a freshly built module: the first-call cost)."""
    now = CLOCKS[clock]
    if sync:
        sync()
    t0 = now()
    fn()
    if sync:
        sync()
    return now() - t0


@dataclass
class Block:
    """Timed blocks of ``number_per_run`` calls (what :func:`timed_round` reads of a
    torch.utils.benchmark ``Measurement``)."""

    raw_times: list[float]
    number_per_run: int

    @property
    def times(self) -> list[float]:
        return [t / self.number_per_run for t in self.raw_times]


class BlockTimer:
    """``blocked_autorange`` by torch.utils.benchmark's Timer, and ``timeit(n)``: one
    block of ``n`` calls on the same statement, clock and threads, without warm-up calls.

    torch's Timer would otherwise force ONE thread.  ``clock="cpu"`` times with
    ``time.process_time`` (the CPU time of the process: time spent waiting for a core is
    not counted; equal to the work's time only with one thread on the CPU, where no
    worker spins or runs in parallel).  ``sync`` (a GPU's synchronize) runs before every
    clock reading, as torch's default timer does on an accelerator and a clock we pass
    would not.
    """

    def __init__(self, fn: Callable[[], object], num_threads: int, clock: str = "wall",
                 sync: Callable[[], None] | None = None) -> None:
        import timeit

        from torch.utils import benchmark

        now = CLOCKS[clock]
        if sync is not None:  # a GPU: read the clock once the queued kernels have finished
            def now() -> float:
                sync()
                return CLOCKS[clock]()
        self.threads = num_threads
        self.timer = benchmark.Timer(stmt="fn()", globals={"fn": fn}, num_threads=num_threads,
                                     label="rnncli bench", timer=now)
        self.plain = timeit.Timer("fn()", globals={"fn": fn}, timer=now)

    def blocked_autorange(self, min_run_time: float = 0.2):
        return self.timer.blocked_autorange(min_run_time=min_run_time)

    def timeit(self, number: int = 1) -> Block:
        from torch.utils.benchmark.utils.common import set_torch_threads

        with set_torch_threads(self.threads):  # as Timer.timeit does
            return Block([max(self.plain.timeit(number), 1e-9)], number)


class RemoteTimer:
    """The same two calls, for blocks timed in another process (``remote``: ``autorange``
    -> (raw block times, block size) and ``timeit(n)`` -> seconds; the JAX worker)."""

    def __init__(self, remote) -> None:
        self.remote = remote

    def blocked_autorange(self, min_run_time: float = 0.2) -> Block:
        return Block(*self.remote.autorange(min_run_time))

    def timeit(self, number: int = 1) -> Block:
        return Block([self.remote.timeit(number)], number)


def timed_round(timer, *, min_run_time: float, min_runs: int = 5,
                max_run_time: float | None = None,
                number: int | None = None) -> tuple[list[float], int, int]:
    """One round of timing: per-call times, calls made, and the block size used.

    Without ``number``: ``blocked_autorange`` (its block-size estimate calls ``fn`` once
    more, untimed: a warm-up), topped up with single calls until ``min_runs``
    replicates.  With ``number`` (the block size of an earlier round): blocks of that
    size, no estimate, until ``min_run_time`` has passed and ``min_runs`` blocks exist.
    Either way the loop stops at ``max_run_time`` (default 3 × min_run_time).
    """
    cap = max_run_time if max_run_time is not None else 3 * min_run_time
    times: list[float] = []
    calls = spent = 0
    if number is None:
        m = timer.blocked_autorange(min_run_time=min_run_time)
        times = list(m.times)  # per call (block totals divided by the block size)
        number = m.number_per_run
        calls = number * len(m.raw_times)
        spent = sum(m.raw_times)
    while (len(times) < min_runs or spent < min_run_time) and spent < cap:
        extra = timer.timeit(number)
        times += extra.times
        calls += extra.number_per_run * len(extra.raw_times)
        spent += sum(extra.raw_times)
    return times, calls, number


def summarize(times: list[float], calls: int, warmup_calls: int) -> Timing:
    """Median and IQR of per-call times, computed by torch.utils.benchmark.Measurement."""
    import numpy as np
    from torch.utils import benchmark

    m = benchmark.Measurement(number_per_run=1, raw_times=list(times),
                              task_spec=benchmark.TaskSpec(stmt="fn()", setup="pass"))
    median, iqr = float(m.median), float(m.iqr)
    runs = len(times)
    # too few replicates for a spread: flag it rather than show an IQR of 0
    noisy = (median > 0 and iqr / median > NOISY_IQR_RATIO) or runs < 3
    q1, q3, p99 = (float(v) for v in np.percentile(times, [25, 75, 99]))
    return Timing(median_s=median, iqr_s=iqr, runs=runs, calls=calls,
                  warmup_calls=warmup_calls, noisy=noisy, best_s=float(min(times)),
                  q1_s=q1, q3_s=q3, p99_s=p99 if runs >= 100 else None)


def single_calls(timer, *, min_run_time: float, min_runs: int = 100,
                 max_run_time: float | None = None) -> tuple[list[float], int]:
    """Every call timed on its own (latency: p50 and p99 need single calls, not blocks).

    ``min_runs`` calls always (the budget counts them), then until ``min_run_time`` has
    passed or the cap (default 3 × min_run_time).
    """
    cap = max_run_time if max_run_time is not None else 3 * min_run_time
    times: list[float] = []
    spent = 0.0
    while len(times) < min_runs or (spent < min_run_time and spent < cap):
        t = timer.timeit(1).times[0]
        times.append(t)
        spent += t
    return times, len(times)


def measure(fn: Callable[[], object], *, min_run_time: float, num_threads: int,
            warmup_calls: int = 1, min_runs: int = 5, max_run_time: float | None = None,
            clock: str = "wall") -> Timing:
    """Time ``fn()`` with torch.utils.benchmark after ``warmup_calls`` untimed calls."""
    for _ in range(warmup_calls):
        fn()
    timer = BlockTimer(fn, num_threads, clock)
    times, calls, _ = timed_round(timer, min_run_time=min_run_time, min_runs=min_runs,
                                  max_run_time=max_run_time)
    return summarize(times, calls, warmup_calls)
