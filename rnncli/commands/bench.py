"""`rnncli bench`: parameters, speed and memory of RNN, GRU and LSTM on this machine.

Parse the options into a ``request.Options`` and check it into a ``Request``
(rnncli.measure.request), plan the grid (grid) and its budget (budget, which refuses
oversized runs), measure (session), save and render (rnncli.render.bench).
See docs/bench.md.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from rnncli import archs, console, machine
from rnncli.measure import baseline, grid, request, spec
from rnncli.measure import output as out_mod
from rnncli.measure.budget import Budget
from rnncli.measure.impls import IMPL_NAMES, IMPLS
from rnncli.options import JsonFlag, choice_enum, complete_list, value
from rnncli.render import bench as view
from rnncli.render import runtimes as runtimes_view
from rnncli.report import wants_figures
from rnncli.runtimes import NAMES as RUNTIME_NAMES
from rnncli.runtimes import RUNTIMES

Mode = choice_enum("Mode", spec.MODE_CHOICES)
Device = choice_enum("Device", spec.DEVICES)
Dtype = choice_enum("Dtype", spec.DTYPES)
Preset = choice_enum("Preset", grid.PRESETS)
Clock = choice_enum("Clock", spec.CLOCKS)
Flops = choice_enum("Flops", spec.FLOP_COUNTS)
_IMPL_HELP = "; ".join(f"{n}: {IMPLS[n].help}" for n in IMPL_NAMES)
_RUNTIME_HELP = "; ".join(f"{r.name}: {r.help} (extra {r.extra})" for r in RUNTIMES.values()
                          if r.extra != "torch")


def _opt(*names: str, help: str | None = None, **kw):
    return typer.Option(*names, help=help, case_sensitive=False, **kw)


def bench(
    seq_len: Annotated[str | None, _opt("--seq-len", "-T", help="Sequence lengths, comma "
                                        "list. (default 200)")] = None,
    batch: Annotated[str | None, _opt("--batch", "-B", help="Batch sizes. (default 32)")
                     ] = None,
    input_size: Annotated[str | None, _opt("--input-size", "-I", help="Input sizes. "
                                           "(default 64)")] = None,
    hidden: Annotated[str | None, _opt("--hidden", "-H", help="Hidden sizes. (default 128)")
                      ] = None,
    layers: Annotated[str | None, _opt("--layers", "-L", help="Layer counts. (default 1)")
                      ] = None,
    arch: Annotated[str, _opt(help=f"Architectures, comma list: {', '.join(archs.names())}, "
                              "or all (those the chosen --impl provide).",
                              autocompletion=complete_list(archs.names))] = "all",
    mode: Annotated[Mode | None, _opt(help="forward (inference, no_grad), train (forward + "
                                      "backward) or both. (default both; a preset's own)")
                    ] = None,
    impl: Annotated[str, _opt(help=f"Implementations, comma list ({_IMPL_HELP}) or all.",
                              autocompletion=complete_list(IMPL_NAMES))] = "torch",
    runtime: Annotated[str | None, _opt("--runtime", help="Runtimes on the same weights, "
                                        f"comma list: torch; {_RUNTIME_HELP}; torch-compile; "
                                        "or all (those installed, torch-compile apart). "
                                        "Outputs checked against torch first.",
                                        autocompletion=complete_list(RUNTIME_NAMES))] = None,
    device: Annotated[Device, _opt()] = "cpu",
    dtype: Annotated[Dtype, _opt(help="bfloat16: torch/cell only.")] = "float32",
    threads: Annotated[int | None, _opt(help="Threads for torch and NumPy's BLAS (recorded). "
                                        "(default torch's; 1 on a busy machine)")] = None,
    preset: Annotated[Preset | None, _opt(help="DeepBench's published sizes, a small laptop "
                                          "set, or latency (batch 1, p50/p99 per sequence).")
                      ] = None,
    flops: Annotated[Flops, _opt(help="FLOP count: full (input projection included) or "
                                 "recurrent (DeepBench's W_hh-only count).")] = "full",
    min_time: Annotated[float | None, _opt("--min-time", max=3600, help="Timed seconds per "
                                           "row. (default 1 s, less for big grids)")] = None,
    rounds: Annotated[int | None, _opt(min=1, max=1000, help="Interleaved timing rounds. "
                                       "(default 3 for grids up to 24 rows, else 1; 5 on a "
                                       "busy machine)")] = None,
    peak_n: Annotated[int, _opt("--peak-n", min=0, max=65_536, help="Side n (>= 16) of the "
                                "n × n GEMM that measures the peak; 0 skips it "
                                "(peak_fraction empty).")] = 1024,
    force: Annotated[bool, _opt("--force", help="Run even if the estimate exceeds 10 minutes "
                                "or the free memory.")] = False,
    weights: Annotated[str | None, _opt("--weights", help="Time YOUR model: a checkpoint "
                                        "gates reads (arch and sizes come from it).")] = None,
    lengths: Annotated[str | None, _opt("--lengths", help="Variable lengths: uniform:A-B "
                                        "(--batch sequences) or a file of lengths; times "
                                        "packed against padded.")] = None,
    output: Annotated[str | None, _opt("--output", "-o", help="Save to FILE.json or FILE.csv "
                                       "(atomic).")] = None,
    compare: Annotated[str | None, _opt("--compare", help="Earlier --output FILE.json to "
                                        "compare with; several, comma list: merge them "
                                        "into one table (machines named), no new run.")
                       ] = None,
    plot: Annotated[str | None, _opt(help="Save a plot (FILE.png, .svg, .pdf): one panel per "
                                     "arch, error bars from the IQR.")] = None,
    clock: Annotated[Clock, _opt(help="auto: wall time, or the process's CPU time on a busy "
                                 "machine at 1 thread; wall; cpu.")] = "auto",
    markdown: Annotated[bool, _opt("--markdown", help="Print the tables as Markdown.")
                        ] = False,
    json_out: JsonFlag = False,
) -> None:
    """Benchmark RNN, GRU and LSTM: parameters, time, throughput, share of peak, memory."""
    options = request.Options(
        seq_len=seq_len, batch=batch, input_size=input_size, hidden=hidden, layers=layers,
        arch=arch, mode=value(mode), impl=impl, device=value(device), dtype=value(dtype),
        threads=threads, preset=value(preset), flops=value(flops), min_time=min_time,
        rounds=rounds, peak_n=peak_n, force=force, weights=weights, lengths=lengths,
        output=output, compare=compare, plot=plot, clock=value(clock), markdown=markdown,
        json=json_out, runtime=runtime)
    if compare and len(baseline.split_files(compare)) > 1:  # merge files, measure nothing
        merged = baseline.merge(baseline.split_files(compare))
        if json_out:
            console.print_json(merged)
        else:
            runtimes_view.render_merged(merged, console.out(), markdown)
        return
    _blas_threads(threads)
    req = request.build(options)
    report = _measure(req)
    _finish(report, req)


def _blas_threads(threads: int | None) -> None:
    """Apply --threads to NumPy's OpenBLAS too: only possible before NumPy is loaded.

    Without --threads on a busy machine, one BLAS thread, as torch will get (see
    ``machine.contention``).
    """
    if threads is None and machine.contention(2, given=False).busy:
        threads = 1
    if threads and "numpy" not in sys.modules:
        os.environ.setdefault("OPENBLAS_NUM_THREADS", str(threads))


def _measure(req: request.Request) -> dict:
    from rnncli.measure import session  # NumPy

    base = baseline.load_baseline(req.compare) if req.compare else None
    the_plan = grid.plan(req)
    machine.check_device(req.device)
    plan = {"min_time": req.min_time, "rounds": req.rounds,
            "peak_n": req.peak_n if req.peak else None, "min_runs": 100 if req.latency else 5}
    budget = Budget.plan(the_plan.cases, **plan)
    budget.check(req.force, the_plan.cases, req.free_sizes(), **plan)
    err = console.err()
    err.print(view.estimate_line(len(the_plan.cases), budget, the_plan.skipped), soft_wrap=True)
    settings = session.Settings(threads=req.threads, flop_count=req.flops, peak=req.peak,
                                peak_n=req.peak_n, single=req.latency,
                                rounds_given=req.rounds is not None, options=req.options(),
                                clock=req.clock, device=req.device)
    with view.progress(session.steps(len(the_plan.cases), budget.rounds), err,
                       len(the_plan.cases)) as step:
        return session.run(the_plan.cases, settings, budget, base, on_step=step)


def _finish(report: dict, req: request.Request) -> None:
    interrupted = report["meta"].get("interrupted")
    for line in report["summary"].get("warnings", []) + view.noisy_warnings(report["results"]):
        console.warn(line)
    failure = out_mod.save_report(report, req.output, interrupted, console.err())
    if req.json:
        console.print_json(report)
    elif req.markdown:
        console.out().print(view.markdown(report), soft_wrap=True, highlight=False, markup=False)
    else:
        view.render(report, console.out())
    if wants_figures(req.plot) and report["results"] and not interrupted:
        view.plot(report, req.plot)  # after the tables: an --html page reads in that order
    if failure:
        raise failure
    if interrupted:
        raise typer.Exit(130)
