"""`rnncli bench`: parameters, speed and memory of RNN, GRU and LSTM on this machine.

Parse the options into a checked request (rnncli.measure.request), plan the grid
(grid) and its budget (budget, which refuses oversized runs), measure (session),
save and render (rnncli.render.bench).  See docs/bench.md.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer

from rnncli import archs
from rnncli.options import JsonFlag

Mode = Enum("Mode", {n: n for n in ("forward", "train", "both")}, type=str)
Device = Enum("Device", {n: n for n in ("cpu", "cuda")}, type=str)
Dtype = Enum("Dtype", {n: n for n in ("float32", "float64", "bfloat16")}, type=str)
Preset = Enum("Preset", {n: n for n in ("deepbench-train", "deepbench-inference", "small",
                                        "latency")}, type=str)
Clock = Enum("Clock", {n: n for n in ("auto", "wall", "cpu")}, type=str)
Flops = Enum("Flops", {n: n for n in ("full", "recurrent")}, type=str)
_ARCHS = ", ".join(archs.names())


def _value(x: object) -> object:
    return x.value if isinstance(x, Enum) else x


def bench(
    seq_len: Annotated[str | None, typer.Option("--seq-len", "-T", help="Sequence lengths, "
                       "comma list. (default 200)")] = None,
    batch: Annotated[str | None, typer.Option("--batch", "-B", help="Batch sizes. "
                     "(default 32)")] = None,
    input_size: Annotated[str | None, typer.Option("--input-size", "-I", help="Input sizes. "
                          "(default 64)")] = None,
    hidden: Annotated[str | None, typer.Option("--hidden", "-H", help="Hidden sizes. "
                      "(default 128)")] = None,
    layers: Annotated[str | None, typer.Option("--layers", "-L", help="Layer counts. "
                      "(default 1)")] = None,
    arch: Annotated[str, typer.Option(help=f"Architectures, comma list: {_ARCHS}, or all "
                    "(those the chosen --impl provide).")] = "all",
    mode: Annotated[Mode | None, typer.Option(help="forward (inference, no_grad), train "
                    "(forward + backward) or both. (default both; a preset's own)",
                    case_sensitive=False)] = None,
    impl: Annotated[str, typer.Option(help="Implementations, comma list: torch (fused), "
                    "cell (nn.*Cell loop), numpy (rnncli.scratch), reference (the readable "
                    "cells), naive (the lesson's per-sample loop, forward only) or "
                    "all.")] = "torch",
    device: Annotated[Device, typer.Option(case_sensitive=False)] = Device.cpu,
    dtype: Annotated[Dtype, typer.Option(help="bfloat16: torch/cell only.",
                                         case_sensitive=False)] = Dtype.float32,
    threads: Annotated[int | None, typer.Option(help="Threads for torch and NumPy's BLAS "
                       "(recorded). (default torch's; 1 on a busy machine)")] = None,
    preset: Annotated[Preset | None, typer.Option(help="DeepBench's published sizes, a "
                      "small laptop set, or latency (batch 1, p50/p99 per sequence).",
                      case_sensitive=False)] = None,
    flops: Annotated[Flops, typer.Option(help="FLOP count: full (input projection "
                     "included) or recurrent (DeepBench's W_hh-only count).",
                     case_sensitive=False)] = Flops.full,
    min_time: Annotated[float | None, typer.Option("--min-time", max=3600, help="Timed seconds per "
                        "row. (default 1 s, less for big grids)")] = None,
    rounds: Annotated[int | None, typer.Option(min=1, max=1000, help="Interleaved timing "
                      "rounds. (default 3 for grids up to 24 rows, else 1; 5 on a busy "
                      "machine)")] = None,
    no_peak: Annotated[bool, typer.Option("--no-peak", help="Skip the GEMM peak "
                       "(peak_fraction empty).")] = False,
    peak_n: Annotated[int, typer.Option("--peak-n", min=16, max=65_536, help="Side n of "
                      "the n × n GEMM that measures the peak.")] = 1024,
    force: Annotated[bool, typer.Option("--force", help="Run even if the estimate exceeds "
                     "10 minutes or the free memory.")] = False,
    weights: Annotated[str | None, typer.Option("--weights", help="Time YOUR model: a "
                       "checkpoint gates reads (arch and sizes come from it).")] = None,
    lengths: Annotated[str | None, typer.Option("--lengths", help="Variable lengths: "
                       "uniform:A-B (--batch sequences) or a file of lengths; times packed "
                       "against padded.")] = None,
    output: Annotated[str | None, typer.Option("--output", "-o", help="Save to FILE.json "
                      "or FILE.csv (atomic).")] = None,
    compare: Annotated[str | None, typer.Option("--compare", help="Earlier --output "
                       "FILE.json to compare with.")] = None,
    plot: Annotated[str | None, typer.Option(help="Save a plot (FILE.png, .svg, .pdf): "
                    "one panel per arch, error bars from the IQR.")] = None,
    clock: Annotated[Clock, typer.Option(help="auto: wall time, or the process's CPU time "
                     "on a busy machine at 1 thread; wall; cpu.",
                     case_sensitive=False)] = Clock.auto,
    markdown: Annotated[bool, typer.Option("--markdown", help="Print the tables as "
                        "Markdown.")] = False,
    json_out: JsonFlag = False,
) -> None:
    """Benchmark RNN, GRU and LSTM: parameters, time, throughput, share of peak, memory."""
    from rnncli.measure import request as rq

    values = {k: _value(v) for k, v in locals().items() if k != "rq"}
    values["json"] = values.pop("json_out")
    _blas_threads(threads)
    req = rq.build(rq.Options(**values))
    report = _measure(req)
    _finish(report, req)


def _blas_threads(threads: int | None) -> None:
    """Apply --threads to NumPy's OpenBLAS too: only possible before NumPy is loaded.

    Without --threads on a busy machine, one BLAS thread, as torch will get (see
    ``machine.contention``).
    """
    import os
    import sys

    from rnncli.measure import machine

    if threads is None and machine.contention(2, given=False).busy:
        threads = 1
    if threads and 0 < threads <= 4096 and "numpy" not in sys.modules:
        os.environ.setdefault("OPENBLAS_NUM_THREADS", str(threads))


def _measure(req) -> dict:
    from rnncli import console
    from rnncli.measure import baseline, grid, machine, session
    from rnncli.measure.budget import Budget
    from rnncli.render import bench as view

    base = baseline.load_baseline(req.compare) if req.compare else None
    the_plan = grid.plan(req)
    machine.check_device(req.device)
    budget = Budget.plan(the_plan.cases, min_time=req.min_time, rounds=req.rounds,
                         peak_n=req.peak_n if req.peak else None,
                         min_runs=100 if req.latency else 5)
    budget.check(req.force)
    err = console.err()
    err.print(view.estimate_line(len(the_plan.cases), budget, the_plan.skipped), soft_wrap=True)
    settings = session.Settings(threads=req.threads, flop_count=req.flop_count, peak=req.peak,
                                peak_n=req.peak_n, single=req.latency,
                                rounds_given=req.rounds is not None, options=req.options(),
                                clock=req.clock, device=req.device)
    with view.progress(session.steps(len(the_plan.cases), budget.rounds), err) as step:
        return session.run(the_plan.cases, settings, budget, base, on_step=step)


def _finish(report: dict, req) -> None:
    from rnncli import console
    from rnncli.measure import output as out_mod
    from rnncli.render import bench as view

    interrupted = report["meta"].get("interrupted")
    for line in report["summary"].get("warnings", []) + view.noisy_warnings(report["results"]):
        console.warn(line)
    failure = out_mod.save_report(report, req.output, interrupted, console.err())
    if req.plot and report["results"] and not interrupted:
        saved = view.plot(report, req.plot)
        console.err().print(f"saved plot to {saved}", soft_wrap=True, highlight=False)
    if req.json:
        console.print_json(report)
    elif req.markdown:
        console.out().print(view.markdown(report), soft_wrap=True, highlight=False, markup=False)
    else:
        view.render(report, console.out())
    if failure:
        raise failure
    if interrupted:
        raise typer.Exit(130)
