"""One ``rnncli bench`` run from a list of cases to the report ``{meta, results, summary}``.

Order: judge the load (:func:`rnncli.machine.contention`: one thread, or more
rounds, on a busy machine), set the threads, measure the GEMM peak, then the rows (see
:mod:`rnncli.measure.engine`) with the peak measured again between the interleaved
rounds (or after the rows), then shares of peak, ratios, scaling fit, verdicts with
bootstrap intervals, warnings, and the optional baseline comparison.  The time budget
is the ``Budget`` the command planned.  Ctrl-C at any point after the start returns
the report of what was finished, with ``meta.interrupted = true``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from rnncli.measure import analysis, engine
from rnncli.measure.budget import PEAK_MIN_TIME, Budget
from rnncli.measure.spec import Case

#: Rounds taken on a busy machine when --rounds is not given.
BUSY_ROUNDS = 5


@dataclass
class Settings:
    threads: int | None = None  # None: torch's default
    flop_count: str = "full"
    peak: bool = True
    peak_n: int = 1024
    single: bool = False  # latency: every call timed on its own
    clock: str = "auto"  # "auto" (CPU time on a busy machine at 1 thread), "wall", "cpu"
    device: str = "cpu"
    rounds_given: bool = False
    options: dict = field(default_factory=dict)  # recorded in meta


def steps(n_cases: int, rounds: int) -> int:
    """Progress steps of a run: one per case, plus one per case and round when interleaved."""
    return n_cases if rounds == 1 else n_cases * (rounds + 1)


@dataclass
class _State:
    """What a run gathers; turned into the report at the end (also on Ctrl-C)."""

    threads: int
    contention: object
    peaks: object | None = None
    outcome: engine.RunOutcome = field(default_factory=lambda: engine.RunOutcome([]))
    interrupted: bool = False


def _threads(settings: Settings):  # -> machine.Contention
    import torch

    from rnncli import machine

    asked = settings.threads or torch.get_num_threads()
    c = machine.contention(asked, given=settings.threads is not None,
                           rounds_given=settings.rounds_given, clock=settings.clock,
                           device=settings.device)
    torch.set_num_threads(c.threads)
    return c


def _measure(cases: Sequence[Case], settings: Settings, budget: Budget, state: _State,
             on_step: Callable[[str], None] | None) -> None:
    from rnncli.measure import peak

    clock = state.contention.clock
    cfg = engine.RunConfig(min_time=budget.min_time, threads=state.threads,
                           flop_count=settings.flop_count, single=settings.single,
                           min_runs=budget.min_runs, clock=clock)
    keys = sorted({(c.dtype, c.device) for c in cases})
    if settings.peak:
        state.peaks = peak.Peaks(settings.peak_n, state.threads,
                                 min(PEAK_MIN_TIME, 2 * budget.min_time) / budget.rounds,
                                 clock)
        if on_step:
            on_step(f"peak: {settings.peak_n}² GEMM")
        state.peaks.measure(keys)
    again = (lambda r: state.peaks.measure(keys)) if state.peaks else None
    budget.start(clock)
    if budget.rounds > 1:
        state.outcome = engine.run_interleaved(cases, cfg, budget.rounds, on_step=on_step,
                                               stop_early=budget.over, between_rounds=again)
    else:
        runner = sequential(budget, len(cases), on_step)
        state.outcome = engine.run_cases(cases, cfg, runner=runner)
        if again and not state.outcome.interrupted:
            again(0)
    state.interrupted = state.outcome.interrupted


def run(cases: Sequence[Case], settings: Settings, budget: Budget, baseline: dict | None = None,
        on_step: Callable[[str], None] | None = None) -> dict:
    """Measure ``cases`` within ``budget``; returns the full report (partial if interrupted).

    With one round each case is built, timed and dropped in turn (later rows time less
    if the run falls behind the budget); with several, cases are timed in interleaved
    rounds (:func:`rnncli.measure.engine.run_interleaved`).
    """
    import torch

    from rnncli import machine

    before = torch.get_num_threads()
    contention = _threads(settings)
    if contention.busy and not settings.rounds_given:
        budget.rounds = max(budget.rounds, BUSY_ROUNDS)
    state = _State(contention.threads, contention)
    try:
        _measure(cases, settings, budget, state, on_step)
    except KeyboardInterrupt:
        state.interrupted = True
    finally:
        torch.set_num_threads(before)
    rows = state.outcome.rows
    peaks = state.peaks.as_list() if state.peaks else []
    meta = machine.meta(threads=state.threads, device=",".join(sorted({c.device for c in cases})
                                                              or ["cpu"]), extra={
        "peaks": peaks, "min_time_s": budget.min_time, "rounds": budget.rounds,
        "rounds_done": max((r.get("rounds", 1) for r in rows), default=0),
        "estimate_s": budget.seconds, "flop_count": settings.flop_count,
        "rows_planned": len(cases), "interrupted": state.interrupted,
        "contention": contention.as_dict(), "clock": contention.clock,
        "load_average_before": contention.load,
        "load_average_after": machine.load_average(),
        "options": settings.options,
    })
    if state.peaks:
        analysis.add_peak_fractions(rows, state.peaks.gflops())
    report = build_report(meta, rows, baseline)
    _runtime_summary(report, cases, state.outcome.not_timed)
    return report


def _runtime_summary(report: dict, cases: Sequence[Case], not_timed: list[dict]) -> None:
    """summary.runtimes: the honesty rules, the rows not timed (outputs differ), threads
    as set per runtime and the fastest runtime per shape (only with --runtime rows)."""
    from rnncli import runtimes
    from rnncli.measure import runtime_findings as found

    if not any(c.impl in runtimes.RUNTIMES for c in cases):
        return
    rows = report["results"]
    found.add_torch_ratios(rows, report["summary"]["comparisons"])
    report["summary"]["runtimes"] = {
        "rules": list(runtimes.RULES), "tolerance": runtimes.TOLERANCE,
        "not_timed": not_timed, "threads_as_set": found.threads_as_set(rows, report["meta"]),
        "fastest": found.fastest(rows), "findings": found.findings(rows)}


def sequential(budget: Budget, n: int, on_step: Callable[[str], None] | None = None):
    """A runner for ``engine.run_cases`` that fits each row into what the budget has left."""
    done = [0]

    def run_one(case: Case, c: engine.RunConfig) -> dict:
        if on_step:
            on_step(case.label)
        c = budget.fit(c, case, n - done[0])
        done[0] += 1
        return engine.run_case(case, c)  # looked up at call time (tests replace it)

    return run_one


def build_report(meta: dict, rows: list[dict], baseline: dict | None = None) -> dict:
    """Add ratios, scaling fit, verdicts, warnings and comparison to measured rows."""
    from rnncli.measure import baseline as base_mod

    analysis.add_ratios(rows)
    comparisons = analysis.comparisons(rows)
    summary: dict = {"verdict": analysis.verdict(rows, comparisons),
                     "comparisons": comparisons, "scaling": analysis.scaling(rows),
                     "noisy_rows": sum(bool(r.get("noisy")) for r in rows),
                     "warnings": analysis.warnings(rows, meta)}
    if baseline is not None:
        summary["compare"] = base_mod.apply(rows, baseline)
    return {"meta": meta, "results": rows, "summary": summary}
