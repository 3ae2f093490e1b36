"""`rnncli memory`: train RNN, GRU and LSTM on long-memory tasks and report who solves them.

Parse -> rnncli.experiments.train.iter_runs -> rnncli.render.memory.  torch is
imported only when training starts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rnncli.options import JsonFlag

# --quick: tuned so that GRU and LSTM solve adding at T=100 in ~1000 steps (a few seconds
# on 2 cores, measured); the tanh RNN uses its whole budget: 2 x 25 s.
QUICK = {"seq_len": "50,100", "budget_s": 25.0, "hidden": 32, "batch": 32, "lr": 2e-2}


def memory(
    task: Annotated[
        str, typer.Option("--task", help="adding, copy, temporal-order or counting.")
    ] = "adding",
    seq_len: Annotated[
        str, typer.Option("--seq-len", help="Comma list of sequence lengths T.")
    ] = "50,100,200",
    arch: Annotated[str, typer.Option("--arch", help="Comma list of rnn, gru, lstm.")] = "all",
    budget_s: Annotated[
        float, typer.Option("--budget-s", help="Wall-clock budget per run, seconds.")
    ] = 90.0,
    seed: Annotated[int, typer.Option("--seed", help="Seed for data and weights.")] = 0,
    hidden: Annotated[int, typer.Option("--hidden", help="Hidden size.")] = 64,
    batch: Annotated[int, typer.Option("--batch", help="Batch size (fresh data each step).")] = 64,
    lr: Annotated[float, typer.Option("--lr", help="Peak learning rate (after warm-up).")] = 1e-2,
    optimizer: Annotated[str, typer.Option("--optimizer", help="adam or rmsprop.")] = "adam",
    clip: Annotated[float, typer.Option("--clip", help="Gradient-norm clip.")] = 1.0,
    max_steps: Annotated[int, typer.Option("--max-steps", help="Step cap per run.")] = 100_000,
    init: Annotated[
        str,
        typer.Option("--init", help="default, orthogonal, identity (IRNN) or forget-bias-1 "
                     "(LSTM only; the others keep the default)."),
    ] = "default",
    threads: Annotated[
        int, typer.Option("--threads", help="torch CPU threads (0: torch's default).")
    ] = 1,
    quick: Annotated[
        bool,
        typer.Option("--quick", help="Adding, T=50,100, all archs, H=32, 25 s per run (< 3 min)."),
    ] = False,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Also save the JSON result here.")
    ] = None,
    json: JsonFlag = False,
) -> None:
    """Train each architecture on a long-memory task at each length; report the test
    metric beside the no-memory baseline, whether it is solved, steps and seconds.

    Examples: `rnncli memory --quick`, `rnncli memory --task copy --seq-len 20,50`.
    Ctrl-C keeps the finished runs (printed and saved) and exits 130.
    """
    from rnncli.console import err, out, print_json, to_json
    from rnncli.errors import BadInput
    from rnncli.experiments.inits import INITS
    from rnncli.experiments.tasks import get_task
    from rnncli.experiments.train import TrainConfig
    from rnncli.fileio import check_writable, write_text_atomic
    from rnncli.options import ARCHS, choice, choice_list, int_list, positive_int

    the_task = get_task(task)
    if quick:
        if the_task.name != "adding":
            raise BadInput("--quick runs the adding task; drop --quick or --task")
        arch, seq_len, budget_s = "all", QUICK["seq_len"], QUICK["budget_s"]
        hidden, batch, lr = QUICK["hidden"], QUICK["batch"], QUICK["lr"]
    lengths = [the_task.check_len(T) for T in int_list(seq_len, "--seq-len")]
    archs = choice_list(arch, "--arch", ARCHS)
    for name, value in (("--budget-s", budget_s), ("--lr", lr), ("--clip", clip)):
        if not value > 0:
            raise BadInput(f"{name} must be a positive number, got {value}")
    cfg = TrainConfig(
        hidden=positive_int(hidden, "--hidden"), batch=positive_int(batch, "--batch"), lr=lr,
        optimizer=choice(optimizer, "--optimizer", ("adam", "rmsprop")), clip=clip,
        max_steps=positive_int(max_steps, "--max-steps"), budget_s=budget_s, seed=seed,
        threads=positive_int(threads, "--threads", minimum=0),
        init=choice(init, "--init", INITS),
    )
    if output is not None:
        check_writable(output, (".json",))

    n_runs = len(lengths) * len(archs)
    err().print(
        f"memory: {the_task.name}, {n_runs} runs, each stops when solved or after "
        f"{budget_s:g} s: at most ~{_duration(n_runs * budget_s)} (plus test sets)",
        soft_wrap=True,
    )
    results, interrupted = _run(the_task, archs, lengths, cfg)
    data = {
        "task": the_task.name,
        "solved_rule": the_task.solved_rule,
        "source": the_task.source,
        "config": {k: getattr(cfg, k) for k in ("hidden", "batch", "lr", "optimizer", "clip",
                                                "warmup", "budget_s", "seed", "threads", "init")},
        "interrupted": interrupted,
        "results": results,
    }
    if output is not None:
        write_text_atomic(output, to_json(data) + "\n")
    if json:
        print_json(data)
    elif results:
        from rnncli.render.memory import results_table, summary

        console = out()
        console.print(results_table(the_task.name, results, the_task.solved_rule))
        for line in summary(results):
            console.print(line, soft_wrap=True)
    if interrupted:
        err().print(f"interrupted: kept {len(results)} of {n_runs} runs", soft_wrap=True)
        raise typer.Exit(130)


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"


def _run(task, archs: list[str], lengths: list[int], cfg) -> tuple[list[dict], bool]:  # noqa: ANN001
    """Train every run with a progress bar on stderr; Ctrl-C keeps the finished ones."""
    from rnncli.console import err
    from rnncli.experiments.train import iter_runs
    from rnncli.render.memory import TrainProgress, run_line

    console = err()
    results: list[dict] = []
    interrupted = False
    with TrainProgress(console, cfg.budget_s) as bar:
        try:
            for r in iter_runs(task, archs, lengths, cfg, bar.callback):
                results.append(r.as_dict())
                bar.done()
                console.print(run_line(results[-1]), soft_wrap=True)
        except KeyboardInterrupt:
            interrupted = True
    return results, interrupted
