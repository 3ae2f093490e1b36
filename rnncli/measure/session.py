"""One ``rnncli bench`` run from a list of cases to the report ``{meta, results, summary}``.

Order: set the threads, measure the GEMM peak of every (dtype, device) in the grid,
then the rows (see :mod:`rnncli.measure.engine`), then ratios, scaling fit, verdict
and the optional baseline comparison.  Ctrl-C at any point after the start returns
the report of what was finished, with ``meta.interrupted = true``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from rnncli.measure import analysis, engine
from rnncli.measure.spec import Case

#: Timed seconds for the peak GEMM and, by default, per row (see auto_min_time).
PEAK_MIN_TIME = 0.5


def auto_min_time(n_rows: int) -> float:
    """Timed seconds per row: 1 s for a handful of rows, down to 0.2 s for big grids."""
    return max(0.2, min(1.0, 8.0 / max(n_rows, 1)))


@dataclass
class Settings:
    threads: int | None = None  # None: torch's default
    min_time: float | None = None  # None: auto_min_time
    flop_count: str = "full"
    peak: bool = True
    peak_n: int = 1024
    budget_s: float | None = None  # soft cap on the rows' time: later rows time less
    rounds: int | None = None  # None: choose_rounds
    options: dict = field(default_factory=dict)  # recorded in meta


def choose_rounds(cases: Sequence[Case], rounds: int | None) -> int:
    """Interleaved rounds: 3 for grids small enough to keep every model in memory at once."""
    if rounds:
        return rounds
    from rnncli.measure import grid

    if len(cases) > 24:
        return 1
    free = grid.free_memory_bytes(cases[0].device) if cases else None
    total = sum(grid.estimate_memory_bytes(c) for c in cases)
    return 3 if free is None or total < free / 2 else 1


def steps(n_cases: int, rounds: int) -> int:
    """Progress steps of a run: one per case, plus one per case and round when interleaved."""
    return n_cases if rounds == 1 else n_cases * (rounds + 1)


def run(cases: Sequence[Case], settings: Settings, baseline: dict | None = None,
        on_step: Callable[[str], None] | None = None) -> dict:
    """Measure ``cases``; returns the full report (partial if interrupted).

    With one round each case is built, timed and dropped in turn (and later rows get
    less time if the run falls behind ``settings.budget_s``); with several, cases are
    timed in interleaved rounds (:func:`rnncli.measure.engine.run_interleaved`).
    """
    import torch

    from rnncli.measure import machine, peak

    if settings.threads:
        torch.set_num_threads(settings.threads)
    threads = torch.get_num_threads()
    min_time = settings.min_time or auto_min_time(len(cases))
    rounds = choose_rounds(cases, settings.rounds)
    cfg = engine.RunConfig(min_time=min_time, threads=threads,
                           flop_count=settings.flop_count)
    devices = sorted({c.device for c in cases}) or ["cpu"]
    peaks: list[dict] = []
    interrupted = False
    outcome = engine.RunOutcome([])
    try:
        if settings.peak:
            for dtype, device in sorted({(c.dtype, c.device) for c in cases}):
                if on_step:
                    on_step(f"peak: {settings.peak_n}² GEMM {dtype}")
                p = peak.measure_peak(dtype, device, settings.peak_n,
                                      min_run_time=min(PEAK_MIN_TIME, 2 * min_time),
                                      threads=threads)
                cfg.peaks[(dtype, device)] = p.gflops
                peaks.append(p.as_dict())
        deadline = time.perf_counter() + settings.budget_s if settings.budget_s else None
        if rounds > 1:
            outcome = engine.run_interleaved(
                cases, cfg, rounds, on_step=on_step,
                stop_early=(lambda: time.perf_counter() > deadline) if deadline else None)
        else:
            outcome = engine.run_cases(cases, cfg, runner=_sequential(
                len(cases), deadline, on_step))
        interrupted = outcome.interrupted
    except KeyboardInterrupt:
        interrupted = True
    rows = outcome.rows
    meta = machine.meta(threads=threads, device=",".join(devices), extra={
        "peaks": peaks, "min_time_s": min_time, "rounds": rounds,
        "flop_count": settings.flop_count, "rows_planned": len(cases),
        "interrupted": interrupted, "options": settings.options,
    })
    return build_report(meta, rows, baseline)


def _sequential(n: int, deadline: float | None, on_step: Callable[[str], None] | None):  # noqa: ANN202
    done = [0]

    def run_one(case: Case, c: engine.RunConfig) -> dict:
        if on_step:
            on_step(f"{case.arch} {case.impl} {case.mode} T={case.seq_len} "
                    f"H={case.hidden_size}")
        if deadline is not None:
            c = shrink(c, deadline - time.perf_counter(), n - done[0])
        done[0] += 1
        return engine.run_case(case, c)  # looked up at call time (tests replace it)

    return run_one


def shrink(cfg: engine.RunConfig, seconds_left: float, rows_left: int) -> engine.RunConfig:
    """Per-row timing that keeps the remaining rows within ``seconds_left`` if it can.

    Only shortens: a row gets at most its share (half of it timed); the top-up to
    ``min_runs`` replicates stops at the share, so slow rows get fewer runs (and are
    flagged noisy when fewer than 3).
    """
    share = max(seconds_left, 0.0) / max(rows_left, 1)
    if share >= 3 * cfg.min_time:
        return cfg
    return replace(cfg, min_time=max(0.02, min(cfg.min_time, share / 2)),
                   max_time=max(0.05, share))


def build_report(meta: dict, rows: list[dict], baseline: dict | None = None) -> dict:
    """Add ratios, scaling fit, verdict and comparison to measured rows."""
    from rnncli.measure import compare

    analysis.add_ratios(rows)
    summary: dict = {"verdict": analysis.verdict(rows), "scaling": analysis.scaling(rows),
                     "noisy_rows": sum(bool(r.get("noisy")) for r in rows)}
    if baseline is not None:
        summary["compare"] = compare.apply(rows, baseline)
    return {"meta": meta, "results": rows, "summary": summary}
