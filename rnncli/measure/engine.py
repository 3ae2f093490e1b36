"""Run benchmark cases and turn each into a result row.

For every case: build a fresh model, time its very first call (the first-call cost:
allocation, lazy initialisation, oneDNN primitive creation), then time it properly
with :func:`rnncli.measure.timing.measure`, then measure its memory once.  FLOPs and
parameters come from :mod:`rnncli.formulas`; the parameter count is also taken from
the built module and the two must agree (they do for every impl; the naive loop has
its own layout, one bias per gate, counted by :func:`rnncli.measure.naive.param_count`).

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
    peaks: dict[tuple[str, str], float] = field(default_factory=dict)  # (dtype, device) -> GF/s


def formula_params(case: Case) -> int:
    if case.impl == "naive":
        from rnncli.measure import naive

        return naive.param_count(case.arch, case.input_size, case.hidden_size, case.num_layers)
    return formulas.param_count(case.arch, case.input_size, case.hidden_size, case.num_layers)


def case_flops(case: Case, flop_count: str = "full") -> int:
    """Analytic FLOPs of one step of ``case`` (forward, or forward + backward)."""
    fn = formulas.forward_flops if case.mode == "forward" else formulas.train_flops
    return fn(case.arch, case.input_size, case.hidden_size, case.num_layers, case.seq_len,
              case.batch, include_input=(flop_count == "full"))


def formula_memory(case: Case) -> int | None:
    """Activation bytes training keeps by formula (``formulas.activation_bytes``)."""
    if case.mode != "train":
        return None
    return formulas.activation_bytes(case.arch, case.hidden_size, case.num_layers,
                                     case.seq_len, case.batch, DTYPE_BYTES[case.dtype])


@dataclass
class Prepared:
    """A built case: its workload, first-call time, Timer and the times collected so far."""

    case: Case
    wl: object
    first_s: float
    timer: object
    times: list[float] = field(default_factory=list)
    calls: int = 0
    rounds: int = 0
    number: int | None = None  # block size found by the first round


def prepare(case: Case, cfg: RunConfig) -> Prepared:
    """Build a fresh model, time its first call, make the warm-up calls and a Timer."""
    from rnncli.measure import timing, workloads

    wl = workloads.build(case)
    first = timing.time_first_call(wl.step, wl.sync)
    for _ in range(cfg.warmup_calls):
        wl.step()
    return Prepared(case, wl, first, timing.make_timer(wl.step, cfg.threads))


def time_round(p: Prepared, cfg: RunConfig, min_time: float | None = None) -> None:
    """One timing round of ``p`` (``min_time`` seconds, default cfg.min_time)."""
    from rnncli.measure import timing

    times, calls, p.number = timing.timed_round(
        p.timer, min_run_time=min_time or cfg.min_time, min_runs=cfg.min_runs,
        max_run_time=cfg.max_time, number=p.number)
    p.times += times
    p.calls += calls
    p.rounds += 1


def finish(p: Prepared, cfg: RunConfig) -> dict:
    """Statistics, FLOPs, memory and the rest: the result row of a timed case."""
    from rnncli.measure import timing

    case, wl = p.case, p.wl
    t = timing.summarize(p.times, p.calls, cfg.warmup_calls)
    scale = case.batch / wl.batch_timed if wl.batch_timed else 1.0
    median, iqr, first = t.median_s * scale, t.iqr_s * scale, p.first_s * scale
    flops = case_flops(case, cfg.flop_count)
    gflops = flops / median / 1e9 if median > 0 else None
    peak = cfg.peaks.get((case.dtype, case.device))
    measured_mem = wl.memory() if (cfg.measure_memory and wl.memory) else None
    formula_mem = formula_memory(case)
    row = case.as_dict()
    row.update(
        params=wl.params_module,
        params_formula=formula_params(case),
        median_s=median,
        iqr_s=iqr,
        noisy=t.noisy,
        runs=t.runs,
        rounds=p.rounds,
        threads=cfg.threads,
        first_call_s=first,
        tokens_per_s=case.tokens / median if median > 0 else None,
        flops=flops,
        flop_count=cfg.flop_count,
        gflops=gflops,
        peak_fraction=(gflops / peak) if (peak and gflops) else None,
        memory_bytes=measured_mem if measured_mem is not None else formula_mem,
        memory_measured_bytes=measured_mem,
        memory_formula_bytes=formula_mem,
        memory_how=wl.memory_how or ("formula" if formula_mem is not None else None),
        batch_timed=wl.batch_timed,
        kernel=wl.kernel() if callable(wl.kernel) else wl.kernel,
        note=wl.note,
    )
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


def run_cases(cases: Sequence[Case], cfg: RunConfig,
              on_done: Callable[[Case, dict], None] | None = None,
              runner: Callable[[Case, RunConfig], dict] = run_case) -> RunOutcome:
    """Run ``cases`` in order; on Ctrl-C return what finished, flagged ``interrupted``."""
    rows: list[dict] = []
    try:
        for case in cases:
            row = runner(case, cfg)
            rows.append(row)
            if on_done:
                on_done(case, row)
    except KeyboardInterrupt:
        return RunOutcome(rows, interrupted=True)
    return RunOutcome(rows)


def run_interleaved(cases: Sequence[Case], cfg: RunConfig, rounds: int,
                    on_step: Callable[[str], None] | None = None,
                    stop_early: Callable[[], bool] | None = None) -> RunOutcome:
    """Build every case, then time them in ``rounds`` interleaved rounds.

    Load from other processes then falls on every row alike instead of on whichever
    row ran during a spike (the idea of pyperf's interleaved runs).  Each round times
    a case for ``cfg.min_time / rounds`` seconds; the median and IQR pool all rounds.
    On Ctrl-C, or when ``stop_early()`` says the time budget is spent, cases with at
    least one finished round become rows (``rounds`` in the row says how many).
    """
    prepared: list[Prepared] = []
    interrupted = False
    per_round = max(0.02, cfg.min_time / rounds)
    round_cfg = replace(cfg, min_runs=max(2, -(-cfg.min_runs // rounds)),
                        max_time=(cfg.max_time / rounds) if cfg.max_time else None)
    try:
        for case in cases:
            if on_step:
                on_step(f"build {case.arch} {case.impl} {case.mode} T={case.seq_len} "
                        f"H={case.hidden_size}")
            prepared.append(prepare(case, cfg))
        late_cfg = replace(round_cfg, min_runs=1, max_time=1e-9)  # one block each
        for r in range(rounds):
            if r > 0 and stop_early and stop_early():
                break
            for p in prepared:
                if on_step:
                    on_step(f"round {r + 1}/{rounds} {p.case.arch} {p.case.impl} "
                            f"{p.case.mode} T={p.case.seq_len} H={p.case.hidden_size}")
                late = stop_early is not None and stop_early()
                time_round(p, late_cfg if late else round_cfg, per_round)
    except KeyboardInterrupt:
        interrupted = True
    rows: list[dict] = []
    for p in prepared:
        if not p.times:
            continue
        try:
            rows.append(finish(p, cfg))
        except KeyboardInterrupt:  # a second Ctrl-C: keep what is finished
            interrupted = True
            break
    return RunOutcome(rows, interrupted=interrupted)
