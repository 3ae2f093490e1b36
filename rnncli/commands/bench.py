"""`rnncli bench`: parameters, speed and memory of RNN, GRU and LSTM on this machine.

Parse the options, plan the grid (rnncli.measure.grid), refuse it if the estimate
is too big, measure (rnncli.measure.session), render (rnncli.render.bench).
See docs/bench.md.
"""

from __future__ import annotations

from typing import Annotated

import typer

from rnncli import console
from rnncli.errors import BadInput
from rnncli.options import JsonFlag, choice, choice_list, int_list, positive_int

_SIZES = {"seq_len": ("--seq-len", "200"), "batch": ("--batch", "32"),
          "input_size": ("--input-size", "64"), "hidden": ("--hidden", "128"),
          "layers": ("--layers", "1")}


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
    arch: Annotated[str, typer.Option(help="Architectures: rnn, gru, lstm or all.")] = "all",
    mode: Annotated[str | None, typer.Option(help="forward (inference, no_grad), train "
                    "(forward + backward) or both. (default both; a preset's own)")] = None,
    impl: Annotated[str, typer.Option(help="Implementations, comma list: torch (fused), "
                    "cell (nn.*Cell loop), numpy (rnncli.scratch), naive (the lesson's "
                    "per-sample loop, forward only) or all.")] = "torch",
    device: Annotated[str, typer.Option(help="cpu or cuda.")] = "cpu",
    dtype: Annotated[str, typer.Option(help="float32, float64 or bfloat16 (torch/cell "
                     "only).")] = "float32",
    threads: Annotated[int | None, typer.Option(help="Threads for torch and NumPy's BLAS "
                       "(recorded). (default torch's)")] = None,
    preset: Annotated[str | None, typer.Option(help="deepbench-train, deepbench-inference "
                      "(DeepBench's published sizes) or small.")] = None,
    flops: Annotated[str, typer.Option(help="FLOP count: full (input projection "
                     "included) or recurrent (DeepBench's W_hh-only count).")] = "full",
    min_time: Annotated[float | None, typer.Option("--min-time", help="Timed seconds per "
                        "row. (default 1 s, less for big grids)")] = None,
    rounds: Annotated[int | None, typer.Option(help="Interleaved timing rounds (load "
                      "spikes then hit every row alike). (default 3 for grids up to 24 rows, "
                      "else 1)")] = None,
    no_peak: Annotated[bool, typer.Option("--no-peak", help="Skip the GEMM peak "
                       "(peak_fraction empty).")] = False,
    peak_n: Annotated[int, typer.Option("--peak-n", help="Side n of the n × n GEMM that "
                      "measures the peak.")] = 1024,
    force: Annotated[bool, typer.Option("--force", help="Run even if the estimate exceeds "
                     "10 minutes or the free memory.")] = False,
    output: Annotated[str | None, typer.Option("--output", "-o", help="Save to FILE.json "
                      "or FILE.csv (atomic).")] = None,
    compare: Annotated[str | None, typer.Option("--compare", help="Earlier --output "
                       "FILE.json to compare with.")] = None,
    plot: Annotated[str | None, typer.Option(help="Save time-against-size plot "
                    "(FILE.png).")] = None,
    json_out: JsonFlag = False,
) -> None:
    """Benchmark RNN, GRU and LSTM: parameters, time, throughput, share of peak, memory."""
    _blas_threads(threads)
    from rnncli import fileio
    from rnncli.measure import compare as cmp
    from rnncli.measure import grid, machine, session, spec
    from rnncli.measure import output as out_mod
    from rnncli.render import bench as view

    given = {"seq_len": seq_len, "batch": batch, "input_size": input_size, "hidden": hidden,
             "layers": layers}
    preset_name = choice(preset, "--preset", grid.PRESETS) if preset is not None else None
    if preset_name and any(v is not None for v in given.values()):
        flag = next(_SIZES[k][0] for k, v in given.items() if v is not None)
        raise BadInput(f"--preset {preset_name} sets the sizes; drop {flag}")
    sizes = {k: int_list(v if v is not None else _SIZES[k][1], _SIZES[k][0])
             for k, v in given.items()}
    archs = choice_list(arch, "--arch", spec.ARCHS)
    impls = choice_list(impl, "--impl", spec.IMPLS)
    mode_default = {"deepbench-train": "train", "deepbench-inference": "forward"}
    mode_name = choice(mode or mode_default.get(preset_name or "", "both"), "--mode",
                       ("forward", "train", "both"))
    modes = list(spec.MODES) if mode_name == "both" else [mode_name]
    device_name = choice(device, "--device", spec.DEVICES)
    dtype_name = choice(dtype, "--dtype", spec.DTYPES)
    flop_count = choice(flops, "--flops", spec.FLOP_COUNTS)
    if threads is not None:
        positive_int(threads, "--threads")
    positive_int(peak_n, "--peak-n", minimum=16)
    if rounds is not None:
        positive_int(rounds, "--rounds")
    if min_time is not None and not min_time > 0:
        raise BadInput(f"--min-time must be a positive number of seconds, got {min_time}")
    if output:
        fileio.check_writable(output, out_mod.SUFFIXES)
    if plot:
        fileio.check_writable(plot, (".png", ".svg", ".pdf"))
    baseline = cmp.load_baseline(compare) if compare else None

    the_plan = grid.plan(archs, impls, modes, sizes["seq_len"], sizes["batch"],
                         sizes["input_size"], sizes["hidden"], sizes["layers"], dtype_name,
                         device_name, preset_name)
    machine.check_device(device_name)
    per_row = min_time or session.auto_min_time(len(the_plan.cases))
    est = grid.estimate(the_plan.cases, per_row)
    grid.check(est, force)
    err = console.err()
    err.print(view.estimate_line(len(the_plan.cases), est.seconds, est.memory_bytes,
                                 the_plan.skipped), soft_wrap=True)
    busy = machine.busy_warning(threads)
    if busy:
        console.warn(busy)

    settings = session.Settings(threads=threads, min_time=min_time, flop_count=flop_count,
                                peak=not no_peak, peak_n=peak_n,
                                budget_s=max(15.0, 1.5 * est.seconds), options={
                                    "preset": preset_name, "archs": archs, "impls": impls,
                                    "modes": modes, "force": force})
    settings.rounds = session.choose_rounds(the_plan.cases, rounds)
    total = session.steps(len(the_plan.cases), settings.rounds)
    with view.progress(total, err) as step:
        report = session.run(the_plan.cases, settings, baseline, on_step=step)
    _finish(report, output, plot, json_out)


def _blas_threads(threads: int | None) -> None:
    """Apply --threads to NumPy's OpenBLAS too: only possible before NumPy is loaded."""
    import os
    import sys

    if threads and threads > 0 and "numpy" not in sys.modules:
        os.environ.setdefault("OPENBLAS_NUM_THREADS", str(threads))


def _finish(report: dict, output: str | None, plot: str | None, json_out: bool) -> None:
    from rnncli.measure import output as out_mod
    from rnncli.render import bench as view

    interrupted = report["meta"].get("interrupted")
    for line in view.noisy_warnings(report["results"]):
        console.warn(line)
    save_to = output
    if interrupted and not output and report["results"]:
        save_to = "rnncli-bench-partial.json"
    if save_to:
        try:
            out_mod.save(report, save_to)
            what = "partial result, " if interrupted else ""
            console.err().print(f"saved {what}{len(report['results'])} rows, to {save_to}",
                                soft_wrap=True)
        except OSError as e:
            console.warn(f"could not save {save_to}: {e}")
    if plot and report["results"] and not interrupted:
        view.plot(report, plot)
    if json_out:
        console.print_json(report)
    else:
        view.render(report, console.out())
    if interrupted:
        raise typer.Exit(130)
