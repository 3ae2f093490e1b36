"""`rnncli memory`: train RNN, GRU and LSTM on long-memory tasks and report who solves them.

Parse -> rnncli.experiments.jobs.MemoryJob -> rnncli.experiments.train.iter_runs ->
rnncli.render.memory.  torch is imported only when training starts.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from rnncli import fileio
from rnncli.console import err, out, print_json, to_json
from rnncli.errors import RnncliError, short
from rnncli.experiments.inits import INITS
from rnncli.experiments.jobs import SIZE_OPTIONS, MemoryJob
from rnncli.experiments.tasks import TaskName, help_text
from rnncli.experiments.train import OPTIMIZERS, iter_runs
from rnncli.interrupt import keep_finished
from rnncli.options import JsonFlag, complete_torch_archs
from rnncli.render import memory as show
from rnncli.render.progress import TrainProgress

Optimizer = Enum("Optimizer", {n: n for n in OPTIMIZERS}, type=str)
InitName = Enum("InitName", {n: n for n in INITS}, type=str)
Init = typer.Option("--init", help="identity is the ReLU IRNN; forget-bias-1 applies to the "
                    "LSTM (the others keep the default).")


def memory(
    ctx: typer.Context,
    task: Annotated[TaskName, typer.Option("--task", help=help_text())] = "adding",
    seq_len: Annotated[str, typer.Option("--seq-len", help="Comma list of lengths T.")
                       ] = "50,100,200",
    arch: Annotated[str, typer.Option("--arch", help="Comma list of rnn, gru, lstm.",
                                      autocompletion=complete_torch_archs)] = "all",
    steps: Annotated[int, typer.Option(
        "--steps", "--max-steps", min=1,
        help="Budget: optimizer steps per run (fewer when solved).")
    ] = 5000,
    max_seconds: Annotated[float, typer.Option(
        "--max-seconds", "--budget-s", help="Safety cap per run, wall-clock seconds; a run it "
        "stops is marked.")] = 900.0,
    seed: Annotated[int, typer.Option("--seed", help="Seed for data and weights.")] = 0,
    hidden: Annotated[int, typer.Option("--hidden", min=1, help="Hidden size.")] = 64,
    batch: Annotated[int, typer.Option("--batch", min=1, help="Batch size (fresh data each "
                                       "step).")] = 64,
    lr: Annotated[float, typer.Option("--lr", help="Peak learning rate (after warm-up).")] = 1e-2,
    optimizer: Annotated[Optimizer, typer.Option("--optimizer", help="The optimizer.")
                         ] = "adam",
    clip: Annotated[float, typer.Option("--clip", help="Gradient-norm clip; 0 = off.")] = 1.0,
    init: Annotated[InitName, Init] = "default",
    radius: Annotated[float | None, typer.Option(
        "--radius", help="Rescale the recurrent weights to this spectral radius.")] = None,
    threads: Annotated[int, typer.Option(
        "--threads", help="torch CPU threads; the numbers depend on it.")] = 1,
    quick: Annotated[bool, typer.Option(
        "--quick", help="Adding, T=50,100, all archs, H=32, 2000 steps per run.")] = False,
    full: Annotated[bool, typer.Option(
        "--full", help="The full study (about 7 min of CPU): T=50,100,200, H=64, batch 64, "
        "lr 0.01, up to 5000 steps per run. A bare `rnncli memory` runs a first look "
        "(about 15 s): T=50, H=32, batch 32, lr 0.02, 2000 steps. Any size option runs the "
        "study's settings for the others.")] = False,
    force: Annotated[bool, typer.Option(
        "--force", help="Run even if the estimate exceeds an hour or 2 GiB.")] = False,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Also save the JSON result here (after printing).")] = None,
    json: JsonFlag = False,
) -> None:
    """Train each architecture on a long-memory task at each length, for a budget of
    optimizer steps; report the test metric beside the no-memory baseline, whether it is
    solved, steps and seconds, and each run's loss curve.

    Examples: `rnncli memory --quick`, `rnncli memory --task copy --seq-len 20,50`,
    `rnncli memory --arch rnn --seq-len 50 --optimizer sgd --lr 0.1 --clip 0`.
    Ctrl-C keeps the finished runs (printed and saved) and exits 130.
    """
    options = {k: v for k, v in locals().items() if k != "ctx"}
    options["given"] = [k for k in SIZE_OPTIONS  # typed on the command line (or env)
                        if getattr(ctx.get_parameter_source(k), "name", "") != "DEFAULT"]
    job = MemoryJob.from_options(options)
    if output is not None:
        fileio.check_writable(output, (".json",))
    err().print(f"memory: {job.task.name}, {job.n_runs} runs of up to {job.cfg.steps} steps "
                f"(each stops when solved); estimate {job.estimate().describe()}",
                soft_wrap=True)
    if job.first_look:
        err().print(show.first_look_line(job.full_study()), soft_wrap=True)
    results, interrupted = _run(job)
    data = job.data(results, interrupted)
    _show(job, data, json)
    if output is not None:
        _save(output, data)
    if interrupted:
        err().print(f"interrupted: kept {len(results)} of {job.n_runs} runs", soft_wrap=True)
        raise typer.Exit(130)


def _run(job) -> tuple[list[dict], bool]:
    """Train every run with a progress bar on stderr; Ctrl-C keeps the finished ones."""
    console = err()
    with TrainProgress(console, job.cfg.steps, job.n_runs) as bar:
        def finished(r) -> None:
            bar.done()
            console.print(f"{bar.run_label()}: {show.run_line(r)}", soft_wrap=True)

        runs = (r.as_dict() for r in iter_runs(job.task, job.arch_names, job.lengths, job.cfg,
                                                bar.callback))
        done = keep_finished(runs, finished)
    return done.items, done.interrupted


def _show(job, data: dict, as_json: bool) -> None:
    if as_json:
        print_json(data)
        return
    results = data["results"]
    if not results:
        return
    console = out()
    console.print(show.results_table(job.task.name, results, job.task.solved_rule))
    console.print(show.longer_line(results, job.task.longer_rule), markup=False)
    console.print("loss (log scale, first -> last step), spikes (> 2x running mean), "
                  "largest |gradient|, share of steps clipped:")
    for line in show.curve_lines(results):
        console.print(line, soft_wrap=True)
    for line in show.summary(results) + show.setting_lines(data):
        console.print(line, markup=False)


def _save(path: Path, data: dict) -> None:
    """Save after printing: a failed save keeps the printed result and exits 1."""
    try:
        fileio.write_text_atomic(path, to_json(data) + "\n")
    except OSError as exc:
        raise RnncliError(f"could not save {path}: {short(exc)}") from None
