"""`rnncli gradients`: how the gradient of a last-step loss shrinks (or grows) going back.

Parse -> rnncli.experiments.jobs.GradientsJob -> rnncli.experiments.gradients ->
rnncli.render.gradients.  NumPy and torch are imported only once the options are valid.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rnncli.console import err, print_json
from rnncli.experiments.inits import INITS
from rnncli.experiments.jobs import GradientsJob
from rnncli.experiments.tasks import TaskName
from rnncli.fileio import check_writable
from rnncli.interrupt import keep_finished
from rnncli.options import JsonFlag, complete_list, complete_torch_archs
from rnncli.render.memory import run_line
from rnncli.render.progress import TrainProgress
from rnncli.report import wants_figures

INIT_HELP = "Comma list of default, orthogonal, identity (IRNN), forget-bias-1 (LSTM only)."


def gradients(
    seq_len: Annotated[int, typer.Option("--seq-len", min=2, help="Sequence length T.")] = 100,
    arch: Annotated[str, typer.Option("--arch", help="Comma list of rnn, gru, lstm.",
                                      autocompletion=complete_torch_archs)] = "all",
    hidden: Annotated[int, typer.Option("--hidden", min=1, help="Hidden size.")] = 64,
    seeds: Annotated[int, typer.Option("--seeds", min=1, help="Weight/input seeds to average.")
                     ] = 5,
    init: Annotated[str, typer.Option("--init", help=INIT_HELP,
                                      autocompletion=complete_list(INITS))] = "default",
    radius: Annotated[float | None, typer.Option(
        "--radius", help="Rescale the recurrent weights to this spectral radius (> 1: "
        "exploding gradients).")] = None,
    after_training: Annotated[TaskName | None, typer.Option(
        "--after-training", help="Also measure after training on this memory task.")] = None,
    steps: Annotated[int, typer.Option(
        "--steps", min=1, help="Training budget in optimizer steps (--after-training).")] = 1000,
    max_seconds: Annotated[float, typer.Option(
        "--max-seconds", "--budget-s", help="Safety cap per training run, seconds.")] = 300.0,
    plot: Annotated[Path | None, typer.Option(
        "--plot", help="Save a semilog plot (.png, .pdf, .svg).")] = None,
    force: Annotated[bool, typer.Option(
        "--force", help="Run even if the estimate exceeds an hour or 2 GiB.")] = False,
    json: JsonFlag = False,
) -> None:
    """Measure ‖∂L/∂h_t‖ at every step t for a loss on the last step, and the LSTM's
    ‖∂L/∂c_t‖ (NumPy BPTT, cross-checked against torch autograd), at log-spaced
    distances, with the fitted decay per step and a one-line reading.

    Examples: `rnncli gradients --seq-len 100`, `rnncli gradients --init forget-bias-1`,
    `rnncli gradients --arch rnn --init identity --radius 1.1` (exploding),
    `rnncli gradients --arch lstm --after-training adding --seq-len 50`.
    """
    job = GradientsJob.from_options(dict(locals()))
    if plot is not None:
        check_writable(plot, (".png", ".pdf", ".svg"))
    if job.n_trained:
        err().print(f"training {job.n_trained} runs on {job.probe.task.name}, "
                    f"{job.train_cfg.steps} steps each at most", soft_wrap=True)
    results, interrupted = _run(job)
    data = job.data(results, interrupted)
    if json:
        print_json(data)
    elif results:
        from rnncli.console import out
        from rnncli.render.gradients import render

        render(out(), results, job.probe.seq_len, job.skipped())
    if wants_figures(plot) and results:
        from rnncli.render.gradients import plot as save_plot

        save_plot(results, job.probe.seq_len, plot)
    if interrupted:
        raise typer.Exit(130)


def _run(job) -> tuple[list[dict], bool]:
    """Measure with progress on stderr; Ctrl-C keeps the finished measurements."""
    from rnncli.experiments.gradients import iter_measurements

    console = err()
    total = job.train_cfg.steps if job.train_cfg is not None else 1
    with TrainProgress(console, total, job.n_runs) as bar:
        def finished(r: dict) -> None:
            bar.done()
            if "training" in r:
                console.print(f"{bar.run_label()}: "
                              + run_line({"arch": r["arch"], **r["training"]}), soft_wrap=True)

        measured = (r.as_dict() for r in iter_measurements(
            job.arch_names, job.inits, job.probe, job.train_cfg, bar.job, bar.callback))
        done = keep_finished(measured, finished)
    return done.items, done.interrupted
