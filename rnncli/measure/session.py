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
    options: dict = field(default_factory=dict)  # recorded in meta


def run(cases: Sequence[Case], settings: Settings, baseline: dict | None = None,
        on_start: Callable[[Case], None] | None = None,
        on_done: Callable[[Case, dict], None] | None = None,
        runner: Callable[[Case, engine.RunConfig], dict] | None = None) -> dict:
    """Measure ``cases``; returns the full report (partial if interrupted).

    ``runner`` measures one case (default :func:`rnncli.measure.engine.run_case`, looked
    up at call time so tests can replace it).
    """
    import torch

    from rnncli.measure import machine, peak

    if settings.threads:
        torch.set_num_threads(settings.threads)
    threads = torch.get_num_threads()
    min_time = settings.min_time or auto_min_time(len(cases))
    cfg = engine.RunConfig(min_time=min_time, threads=threads,
                           flop_count=settings.flop_count)
    devices = sorted({c.device for c in cases}) or ["cpu"]
    peaks: list[dict] = []
    interrupted = False
    outcome = engine.RunOutcome([])
    try:
        if settings.peak:
            for dtype, device in sorted({(c.dtype, c.device) for c in cases}):
                p = peak.measure_peak(dtype, device, settings.peak_n,
                                      min_run_time=min(PEAK_MIN_TIME, 2 * min_time),
                                      threads=threads)
                cfg.peaks[(dtype, device)] = p.gflops
                peaks.append(p.as_dict())

        deadline = time.perf_counter() + settings.budget_s if settings.budget_s else None
        done_rows = [0]

        def started(case: Case, c: engine.RunConfig) -> dict:
            if on_start:
                on_start(case)
            if deadline is not None:
                c = shrink(c, deadline - time.perf_counter(), len(cases) - done_rows[0])
            done_rows[0] += 1
            return (runner or engine.run_case)(case, c)

        outcome = engine.run_cases(cases, cfg, on_done=on_done, runner=started)
        interrupted = outcome.interrupted
    except KeyboardInterrupt:
        interrupted = True
    rows = outcome.rows
    meta = machine.meta(threads=threads, device=",".join(devices), extra={
        "peaks": peaks, "min_time_s": min_time, "flop_count": settings.flop_count,
        "rows_planned": len(cases), "interrupted": interrupted, "options": settings.options,
    })
    return build_report(meta, rows, baseline)


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
