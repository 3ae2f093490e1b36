"""One ``rnncli bench`` run from a list of cases to the report ``{meta, results, summary}``.

Order: set the threads, measure the GEMM peak of every (dtype, device) in the grid,
then the rows (see :mod:`rnncli.measure.engine`), then ratios, scaling fit, verdict
and the optional baseline comparison.  Ctrl-C at any point after the start returns
the report of what was finished, with ``meta.interrupted = true``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

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

        def started(case: Case, c: engine.RunConfig) -> dict:
            if on_start:
                on_start(case)
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


def build_report(meta: dict, rows: list[dict], baseline: dict | None = None) -> dict:
    """Add ratios, scaling fit, verdict and comparison to measured rows."""
    from rnncli.measure import compare

    analysis.add_ratios(rows)
    summary: dict = {"verdict": analysis.verdict(rows), "scaling": analysis.scaling(rows),
                     "noisy_rows": sum(bool(r.get("noisy")) for r in rows)}
    if baseline is not None:
        summary["compare"] = compare.apply(rows, baseline)
    return {"meta": meta, "results": rows, "summary": summary}
