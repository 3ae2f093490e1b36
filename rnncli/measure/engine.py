"""Run benchmark cases and turn each into a result row.

For every case: build a fresh model, time its very first call (the first-call cost:
allocation, lazy initialisation, oneDNN primitive creation), then time it properly
with :func:`rnncli.measure.timing.measure`, then measure its memory once.  FLOPs and
parameters come from :mod:`rnncli.formulas`; the parameter count is also taken from
the built module and the two must agree (they do for every impl; the naive loop has
its own layout, one bias per gate, counted by :func:`rnncli.scratch.naive.param_count`).

The share of the GEMM peak is added by the session once every row and every peak
measurement is done (:func:`rnncli.measure.analysis.add_peak_fractions`).

Ctrl-C: :func:`run_cases` stops at once and returns the rows finished so far with
``interrupted=True``; the command prints and saves them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from rnncli import formulas
from rnncli.measure.spec import DTYPE_BYTES, Case


@dataclass
class RunConfig:
    """How hard to measure: ``min_time`` seconds of timed calls per row, and the rest."""

    min_time: float = 1.0
    max_time: float | None = None  # per-row cap on the top-up loop (default 3 × min_time)
    min_runs: int = 5
    warmup_calls: int = 0  # beyond the two built in: the first call and the block estimate
    threads: int = 1
    flop_count: str = "full"  # "full" (input projection included) or "recurrent"
    measure_memory: bool = True
    single: bool = False  # time every call on its own (latency: p50/p99), no blocks
    clock: str = "wall"  # "wall" or "cpu" (thread CPU time: one thread on a busy machine)


def formula_params(case: Case) -> int:
    if case.impl == "naive":
        from rnncli.scratch.naive import param_count

        return param_count(case.arch, case.input_size, case.hidden_size, case.num_layers)
    return case.directions * sum(formulas.param_count(case.arch, i, case.hidden_size, 1)
                                 for i in case.layer_inputs())


def case_flops(case: Case, flop_count: str = "full") -> int:
    """Analytic FLOPs of one step of ``case`` (forward, or forward + backward)."""
    fn = formulas.forward_flops if case.mode == "forward" else formulas.train_flops
    full = case.batching != "padded"  # packed: only the real tokens; padded: all of them
    steps, batch = (1, case.tokens) if case.lengths and full else (case.seq_len, case.batch)
    return case.directions * sum(fn(case.arch, i, case.hidden_size, 1, steps, batch,
                                    include_input=(flop_count == "full"))
                                 for i in case.layer_inputs())


def formula_memory(case: Case) -> int | None:
    """Activation bytes training keeps by formula (``formulas.activation_bytes``)."""
    if case.mode != "train":
        return None
    return case.directions * formulas.activation_bytes(
        case.arch, case.hidden_size, case.num_layers, case.seq_len, case.batch,
        DTYPE_BYTES[case.dtype])


@dataclass
class Prepared:
    """A built case: its workload, first-call time, Timer and the times collected so far."""

    case: Case
    wl: object
    first_s: float
    timer: object
    times: list[float] = field(default_factory=list)
    by_round: list[list[float]] = field(default_factory=list)  # per-call times, each round
    calls: int = 0
    number: int | None = None  # block size found by the first round

    @property
    def rounds(self) -> int:
        return len(self.by_round)


def prepare(case: Case, cfg: RunConfig) -> Prepared:
    """Build a fresh model, time its first call, make the warm-up calls and a Timer."""
    from rnncli.measure import timing

    wl = build_workload(case, cfg)
    if wl.remote is not None:  # timed in another process (JAX): its first call was too
        return Prepared(case, wl, wl.first_call_s or 0.0, timing.RemoteTimer(wl.remote))
    first = timing.time_first_call(wl.step, wl.sync, cfg.clock)
    for _ in range(cfg.warmup_calls):
        wl.step()
    return Prepared(case, wl, first, timing.BlockTimer(wl.step, cfg.threads, cfg.clock, wl.sync))


def time_round(p: Prepared, cfg: RunConfig, min_time: float | None = None) -> None:
    """One timing round of ``p`` (``min_time`` seconds, default cfg.min_time)."""
    from rnncli.measure import timing

    if cfg.single:
        times, calls = timing.single_calls(p.timer, min_run_time=min_time or cfg.min_time,
                                           min_runs=cfg.min_runs, max_run_time=cfg.max_time)
    else:
        times, calls, p.number = timing.timed_round(
            p.timer, min_run_time=min_time or cfg.min_time, min_runs=cfg.min_runs,
            max_run_time=cfg.max_time, number=p.number)
    p.times += times
    p.by_round.append(list(times))
    p.calls += calls


def build_workload(case: Case, cfg: RunConfig | None = None):
    """``impls.build`` with every failure of an absurd size as one short line.

    ``--force`` lets a huge grid through the estimate; torch then fails deep inside an
    allocator or a kernel with a message of many lines (C++ frames included).
    """
    from rnncli.errors import RnncliError, short
    from rnncli.measure import impls

    try:
        return impls.build(case, cfg.threads if cfg else 1, cfg.clock if cfg else "wall")
    except (RuntimeError, MemoryError, OverflowError, ValueError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise RnncliError(f"cannot build {case.label}: {short(first)}") from None


def _timing_fields(p: Prepared, cfg: RunConfig) -> dict:
    from rnncli.measure import timing

    t = timing.summarize(p.times, p.calls, cfg.warmup_calls)
    scale = p.case.batch / p.wl.batch_timed if p.wl.batch_timed else 1.0
    median = t.median_s * scale
    # fewer than 3 runs have no spread: null in JSON, "1 run" / "2 runs" in the table
    iqr = t.iqr_s * scale if t.runs >= 3 else None
    return dict(median_s=median, iqr_s=iqr, q1_s=t.q1_s * scale,
                q3_s=t.q3_s * scale, p99_s=t.p99_s * scale if t.p99_s else None,
                best_s=t.best_s * scale, noisy=t.noisy, runs=t.runs, rounds=p.rounds,
                first_call_s=p.first_s * scale,
                samples_s=[[v * scale for v in r] for r in p.by_round])


def _memory_fields(p: Prepared, cfg: RunConfig) -> dict:
    wl = p.wl
    measured = wl.memory() if (cfg.measure_memory and wl.memory) else None
    formula = formula_memory(p.case)
    return dict(memory_bytes=measured if measured is not None else formula,
                memory_measured_bytes=measured, memory_formula_bytes=formula,
                memory_how=wl.memory_how or ("formula" if formula is not None else None))


def finish(p: Prepared, cfg: RunConfig) -> dict:
    """Statistics, FLOPs, memory and the rest: the result row of a timed case."""
    case, wl = p.case, p.wl
    row = case.as_dict()
    row.update(params=wl.params_module, params_formula=formula_params(case))
    row.update(_timing_fields(p, cfg))
    median = row["median_s"]
    flops = case_flops(case, cfg.flop_count)
    row.update(threads=cfg.threads, tokens_per_s=case.tokens / median if median > 0 else None,
               flops=flops, flop_count=cfg.flop_count,
               gflops=flops / median / 1e9 if median > 0 else None, peak_fraction=None)
    row.update(_memory_fields(p, cfg))
    row.update(batch_timed=wl.batch_timed,
               kernel=wl.kernel() if callable(wl.kernel) else wl.kernel, note=wl.note)
    if wl.extra:  # a runtime row: which runtime, threads as set, agreement, setup time
        row.update(wl.extra)
    return row


def run_case(case: Case, cfg: RunConfig) -> dict:
    """Measure one case from start to end; returns its result row (JSON-ready)."""
    p = prepare(case, cfg)
    time_round(p, cfg)
    return finish(p, cfg)


@dataclass
class RunOutcome:
    rows: list[dict]
    interrupted: bool = False
    not_timed: list[dict] = field(default_factory=list)  # runtimes that disagreed with torch


def _refused(case: Case, e) -> dict:
    """The report of a runtime row whose outputs differ from torch's (not timed)."""
    return {**case.as_dict(), "runtime": case.impl, "reason": str(e), "agreement": e.record}


def run_cases(cases: Sequence[Case], cfg: RunConfig,
              runner: Callable[[Case, RunConfig], dict] = run_case) -> RunOutcome:
    """Run ``cases`` in order; on Ctrl-C return what finished, flagged ``interrupted``
    (``rnncli.interrupt.keep_finished``, the project's one keep-finished helper)."""
    from rnncli.interrupt import keep_finished
    from rnncli.runtimes import Disagreement

    refused: list[dict] = []

    def each():
        for case in cases:
            try:
                yield runner(case, cfg)
            except Disagreement as e:
                refused.append(_refused(case, e))

    done = keep_finished(each())
    return RunOutcome(done.items, interrupted=done.interrupted, not_timed=refused)


def _build_all(cases: Sequence[Case], cfg: RunConfig, on_step: Callable[[str], None] | None,
               refused: list[dict]) -> list[Prepared]:
    from rnncli.runtimes import Disagreement

    prepared = []
    for case in cases:
        if on_step:
            on_step(f"build {case.label}")
        try:
            prepared.append(prepare(case, cfg))
        except Disagreement as e:
            refused.append(_refused(case, e))
    return prepared


def _one_round(prepared: list[Prepared], cfgs: tuple[RunConfig, RunConfig], per_round: float,
               label: str, on_step: Callable[[str], None] | None,
               over: Callable[[], bool] | None) -> None:
    normal, late = cfgs
    for p in prepared:
        if on_step:
            on_step(f"{label} {p.case.label}")
        time_round(p, late if (over is not None and over()) else normal, per_round)


def _rows(prepared: list[Prepared], cfg: RunConfig) -> tuple[list[dict], bool]:
    rows: list[dict] = []
    for p in prepared:
        if not p.times:
            continue
        try:
            rows.append(finish(p, cfg))
        except KeyboardInterrupt:  # a second Ctrl-C: keep what is finished
            return rows, True
    return rows, False


def run_interleaved(cases: Sequence[Case], cfg: RunConfig, rounds: int,
                    on_step: Callable[[str], None] | None = None,
                    stop_early: Callable[[], bool] | None = None,
                    between_rounds: Callable[[int], None] | None = None) -> RunOutcome:
    """Build every case, then time them in ``rounds`` interleaved rounds.

    Load from other processes then falls on every row alike instead of on whichever
    row ran during a spike (the idea of pyperf's interleaved runs).  Each round times
    a case for ``cfg.min_time / rounds`` seconds; the median and IQR pool all rounds,
    and each row keeps its per-round times (``samples_s``: the bootstrap of the ratio
    resamples rounds).  ``between_rounds(r)`` runs after round r (the GEMM peak is
    measured there, interleaved with the rows).  On Ctrl-C, or when ``stop_early()``
    says the time budget is spent, cases with at least one finished round become rows.
    """
    prepared: list[Prepared] = []
    refused: list[dict] = []
    interrupted = False
    per_round = max(0.02, cfg.min_time / rounds)
    round_cfg = replace(cfg, min_runs=max(2, -(-cfg.min_runs // rounds)),
                        max_time=(cfg.max_time / rounds) if cfg.max_time else None)
    late_cfg = replace(round_cfg, min_runs=1, max_time=1e-9)  # one block each
    try:
        prepared = _build_all(cases, cfg, on_step, refused)
        for r in range(rounds):
            if r > 0 and stop_early and stop_early():
                break
            _one_round(prepared, (round_cfg, late_cfg), per_round, f"round {r + 1}/{rounds}",
                       on_step, stop_early)
            if between_rounds:
                between_rounds(r)
    except KeyboardInterrupt:
        interrupted = True
    rows, again = _rows(prepared, cfg)
    return RunOutcome(rows, interrupted=interrupted or again, not_timed=refused)
