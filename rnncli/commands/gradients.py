"""`rnncli gradients`: how the gradient of a last-step loss shrinks going back in time.

Parse -> rnncli.experiments.gradients.iter_measurements -> rnncli.render.gradients.
NumPy and torch are imported only once the options are valid.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rnncli.options import JsonFlag

INIT_HELP = "Comma list of default, orthogonal, identity (IRNN), forget-bias-1 (LSTM only)."


def gradients(
    seq_len: Annotated[int, typer.Option("--seq-len", help="Sequence length T (>= 2).")] = 100,
    arch: Annotated[str, typer.Option("--arch", help="Comma list of rnn, gru, lstm.")] = "all",
    hidden: Annotated[int, typer.Option("--hidden", help="Hidden size.")] = 64,
    seeds: Annotated[int, typer.Option("--seeds", help="Weight/input seeds to average.")] = 5,
    init: Annotated[str, typer.Option("--init", help=INIT_HELP)] = "default",
    after_training: Annotated[
        str | None,
        typer.Option("--after-training", help="Also measure after training on this memory task."),
    ] = None,
    budget_s: Annotated[
        float, typer.Option("--budget-s", help="Training budget per run (--after-training).")
    ] = 30.0,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Save a semilog plot (.png, .pdf, .svg).")
    ] = None,
    json: JsonFlag = False,
) -> None:
    """Measure ‖∂L/∂h_t‖ at every step t for a loss on the last step (NumPy BPTT,
    cross-checked against torch autograd), at log-spaced distances, with the fitted
    decay per step.

    Examples: `rnncli gradients --seq-len 100`, `rnncli gradients --init default,orthogonal`,
    `rnncli gradients --arch lstm --after-training adding --seq-len 50`.
    """
    from rnncli.console import err, out, print_json
    from rnncli.errors import BadInput
    from rnncli.experiments.inits import INITS, applies
    from rnncli.experiments.tasks import get_task
    from rnncli.experiments.train import TrainConfig
    from rnncli.fileio import check_writable
    from rnncli.options import ARCHS, choice_list, positive_int

    positive_int(seq_len, "--seq-len", minimum=2)
    positive_int(hidden, "--hidden")
    positive_int(seeds, "--seeds")
    archs = choice_list(arch, "--arch", ARCHS)
    inits = choice_list(init, "--init", INITS)
    if not any(applies(i, a) for i in inits for a in archs):
        raise BadInput("--init forget-bias-1 applies to the LSTM only; add lstm to --arch")
    task = get_task(after_training or "adding")
    task.check_len(seq_len)
    if not budget_s > 0:
        raise BadInput(f"--budget-s must be a positive number, got {budget_s}")
    if plot is not None:
        check_writable(plot, (".png", ".pdf", ".svg"))
    train_cfg = TrainConfig(budget_s=budget_s, lr=1e-2) if after_training else None
    if train_cfg is not None:
        n = sum(applies(i, a) for i in inits for a in archs)
        err().print(f"training {n} runs on {task.name}, up to {budget_s:g} s each", soft_wrap=True)

    results, interrupted = _run(archs, inits, task, seq_len, hidden, seeds, train_cfg)
    skipped = [a for a in archs if a != "lstm"] if "forget-bias-1" in inits else []
    data = {"seq_len": seq_len, "steps": task.seq_steps(seq_len), "hidden": hidden,
            "seeds": seeds, "probe_task": task.name,
            "interrupted": interrupted, "results": results}
    if plot is not None and results:
        from rnncli.render.gradients import plot as save_plot

        save_plot(results, seq_len, plot)
    if json:
        print_json(data)
    else:
        _render(out(), results, seq_len, skipped)
    if interrupted:
        raise typer.Exit(130)


def _run(archs, inits, task, seq_len, hidden, seeds, train_cfg):  # noqa: ANN001, ANN202
    from rnncli.console import err
    from rnncli.experiments.gradients import iter_measurements
    from rnncli.render.memory import TrainProgress, run_line

    console, results = err(), []
    budget = train_cfg.budget_s if train_cfg is not None else 1.0
    try:
        with TrainProgress(console, budget) as bar:
            for r in iter_measurements(archs, inits, task, seq_len, hidden, seeds, train_cfg,
                                       bar.callback):
                results.append(r.as_dict())
                if "training" in results[-1]:
                    bar.done()
                    console.print(run_line({"arch": r.arch, **results[-1]["training"]}),
                                  soft_wrap=True)
    except KeyboardInterrupt:
        return results, True
    return results, False


def _render(console, results: list[dict], seq_len: int, skipped: list[str]) -> None:  # noqa: ANN001
    from rnncli.render.gradients import FOOTNOTE, lines, table

    if not results:
        return
    groups: dict[tuple, list[dict]] = {}
    for r in results:
        groups.setdefault((r["init"], r.get("phase", "init")), []).append(r)
    for (init, phase), rs in groups.items():
        when = "at initialisation" if phase == "init" else "after training"
        console.print(f"‖∂L/∂h_t‖, T={seq_len}, init {init}, {when}", soft_wrap=True)
        console.print(table(rs))
        console.print("log scale, left = first step, right = last; fitted decay per step:")
        for line in lines(rs):
            console.print(line, soft_wrap=True)
        console.print()
    console.print(FOOTNOTE, soft_wrap=False)
    err = max((r["crosscheck"]["max_rel_err"] or 0.0) for r in results)
    console.print(f"NumPy BPTT vs torch autograd (seed 0): max relative error {err:.1e}")
    if skipped:
        console.print(f"forget-bias-1 applies to the LSTM only: {', '.join(skipped)} skipped")
