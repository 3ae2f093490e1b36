"""`rnncli seq2seq`: train encoder-decoders (RNN, GRU, LSTM; with and without attention)
on a generated task, SCAN or the user's pairs, and take them apart; `rnncli seq2seq
translate` uses a saved model.

Parse into a ``rnncli.seq2seq.experiment.Request`` -> rnncli.seq2seq.session (outputs
checked, data prepared, cost refused, runs, best saved) -> rnncli.render.seq2seq.
torch is imported only once training starts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rnncli.console import err, out, print_json, warn
from rnncli.errors import BadInput
from rnncli.fileio import save_figure_atomic
from rnncli.options import (
    JsonFlag,
    choice_enum,
    choice_list,
    complete_list,
    complete_torch_archs,
    int_list,
    torch_arch_list,
    value,
)
from rnncli.render import seq2seq as view
from rnncli.report import wants_figures
from rnncli.seq2seq import ATTENTIONS, experiment, scan, session, tasks
from rnncli.seq2seq.experiment import Request
from rnncli.seq2seq.use import translate_texts
from rnncli.tokens import TOKENIZERS

TaskName = choice_enum("TaskName", tasks.TASKS)
Split = choice_enum("Split", scan.SPLITS)
Tokens = choice_enum("Tokens", TOKENIZERS)


app = typer.Typer(no_args_is_help=False, add_completion=False)


@app.callback(invoke_without_command=True)
def seq2seq(
    ctx: typer.Context,
    task: Annotated[TaskName, typer.Option("--task", help="Generated task.")] = "reverse",
    split: Annotated[Split, typer.Option("--split", help="SCAN split (--task scan).")
                     ] = "simple",
    data: Annotated[Path | None, typer.Option(
        "--data", help="Your pairs: source<TAB>target lines, or SCAN's 'IN: ... OUT: ...'.")
    ] = None,
    test: Annotated[Path | None, typer.Option(
        "--test", help="Test pairs for --data (default: a seeded 20% of --data).")] = None,
    tokens: Annotated[Tokens | None, typer.Option(
        "--tokens", help="Tokenizer (default: char for the generated tasks, space for SCAN "
        "files, word for other --data).")] = None,
    arch: Annotated[str, typer.Option("--arch", help="Comma list of rnn, gru, lstm or all.",
                                      autocompletion=complete_torch_archs)
                    ] = "all",
    attention: Annotated[str, typer.Option(
        "--attention", help="Comma list of none, additive (Bahdanau's score), dot (Luong's).",
        autocompletion=complete_list(ATTENTIONS))
    ] = "none,dot",
    hidden: Annotated[int, typer.Option("--hidden", min=1, help="Hidden (and embedding) size.")
                      ] = 64,
    layers: Annotated[int, typer.Option("--layers", min=1, help="Recurrent layers.")] = 1,
    bidirectional: Annotated[bool, typer.Option(
        "--bidirectional-encoder", help="Read the source both ways.")] = False,
    reverse_source: Annotated[bool, typer.Option(
        "--reverse-source", help="Feed the source reversed (Sutskever et al. 2014).")] = False,
    teacher_forcing: Annotated[float, typer.Option(
        "--teacher-forcing", help="Chance of feeding the true previous token, in [0, 1]; "
        "below 1 it falls linearly from 1 to this value (scheduled sampling).")] = 1.0,
    beam: Annotated[int, typer.Option("--beam", min=1, help="1 greedy, else the beam width.")] = 1,
    max_len: Annotated[int | None, typer.Option(
        "--max-len", min=1, help="Longest output (default: the longest target in the data).")
    ] = None,
    steps: Annotated[int | None, typer.Option(
        "--steps", min=1, help="Optimizer steps per model (default depends on the task).")] = None,
    batch: Annotated[int, typer.Option("--batch", min=1, help="Batch size.")] = 64,
    lr: Annotated[float, typer.Option("--lr", help="Adam learning rate.")] = 3e-3,
    seeds: Annotated[str, typer.Option("--seeds", help="Comma list of seeds.")] = "0",
    threads: Annotated[int, typer.Option("--threads", help="torch CPU threads.")] = 1,
    example: Annotated[int | None, typer.Option(
        "--example", min=0, help="Test example for the attention map (default: a long one).")
    ] = None,
    save: Annotated[Path | None, typer.Option(
        "--save", help="Save the best model (.pt) for `seq2seq translate`.")] = None,
    plot: Annotated[Path | None, typer.Option(
        "--plot", help="Accuracy by source length and the attention map (.png/.svg/.pdf).")
    ] = None,
    export_data: Annotated[Path | None, typer.Option(
        "--export-data", help="Write the pairs (source, target, train|test) as TSV; no "
        "training.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Run even when the estimate is "
                                        "over 30 min or 4 GiB.")] = False,
    json: JsonFlag = False,
) -> None:
    """Train encoder-decoders and take them apart; `translate` uses a saved one.

    Shows exact match, teacher-forced against free-running accuracy (exposure bias),
    accuracy by source length with and without attention (the bottleneck), an attention
    map and baselines that need no recurrence.

    Examples: `rnncli seq2seq`, `rnncli seq2seq --task scan --split length --arch lstm`,
    `rnncli seq2seq --data pairs.tsv --tokens word --save model.pt`.
    """
    if ctx.invoked_subcommand is not None:
        return

    req = Request(
        task=value(task), split=value(split), data=data, test=test,
        tokens=value(tokens), archs=_archs(arch),
        attentions=_attentions(attention), hidden=hidden, layers=layers,
        bidirectional=bidirectional, reverse_source=reverse_source,
        teacher_forcing=teacher_forcing, beam=beam, max_len=max_len, steps=steps,
        batch=batch, lr=lr, seeds=_seeds(seeds), example=example, force=force)
    _train(req, threads, save, plot, export_data, json)


def _archs(text: str) -> list[str]:
    return torch_arch_list(text)


def _attentions(text: str) -> list[str]:
    return choice_list(text, "--attention", ATTENTIONS)


def _seeds(text: str) -> list[int]:
    seeds = int_list(text, "--seeds", minimum=0)
    if max(seeds) > 2**32 - 1:
        raise BadInput(f"--seeds: seeds are 0 .. 2**32-1, got {max(seeds)}")
    if len(seeds) > 100:
        raise BadInput(f"--seeds: {len(seeds)} seeds; at most 100 in one run")
    return seeds


def _train(req, threads: int, save: Path | None, plot: Path | None,
           export_data: Path | None, json: bool) -> None:
    session.check_outputs(save, plot, export_data)
    prep = experiment.prepare(req)
    _warn_unknown(prep.corpus.unknown)
    if export_data is not None:
        session.export(prep, export_data)
        return
    est = experiment.estimate(prep, req)
    experiment.refuse_if_oversized(est, req.force, prep, req)
    done = _run(session, prep, req, threads, est)
    if save is not None and done.best_model is not None:
        session.save_best(save, done.best_model, prep, req, done.report)
    if json:
        print_json(done.report)
    else:
        view.render(out(), done.report)
    if wants_figures(plot) and done.report["runs"]:  # after the tables (--html order)
        save_figure_atomic(view.figure(done.report), plot)
    if done.interrupted:
        raise typer.Exit(130)


def _warn_unknown(unknown: list[str]) -> None:
    if unknown:
        warn(f"{len(unknown)} test token(s) never seen in training are read as <unk>: "
             + ", ".join(repr(t) for t in unknown[:8]))


def _run(session, prep, req, threads: int, est):
    """Every run with progress on stderr and one line per finished run."""
    console = err()
    console.print(f"seq2seq: {prep.name}, {est.runs} run(s) of {prep.steps} steps, "
                  f"estimated ~{est.seconds:.0f} s (rough)", soft_wrap=True)
    with view.RunProgress(console, prep.steps, est.runs) as bar:
        def finished(result: dict) -> None:
            bar.done()
            console.print(f"{bar.run_label()}: {view.run_line(result)}", soft_wrap=True)

        done = session.run(prep, req, threads, bar.callback, finished)
    if done.interrupted:
        console.print(f"interrupted: kept {done.kept} of {est.runs} runs", soft_wrap=True)
    return done


@app.command("translate")
def translate(
    text: Annotated[list[str], typer.Argument(help="Source text(s) to translate.")],
    weights: Annotated[Path, typer.Option("--weights", help="A `seq2seq --save` file.")],
    beam: Annotated[int, typer.Option("--beam", min=1, help="1 greedy, else the beam width.")] = 1,
    max_len: Annotated[int | None, typer.Option(
        "--max-len", min=1, help="Longest output (default: the saved model's).")] = None,
    threads: Annotated[int, typer.Option("--threads", help="torch CPU threads.")] = 1,
    force: Annotated[bool, typer.Option("--force", help="Decode even when the estimate "
                                        "(from the saved sizes) is over the limits.")] = False,
    json: JsonFlag = False,
) -> None:
    """Decode text with a saved model: `rnncli seq2seq translate --weights model.pt
    "3rd of March 2021" --beam 4`."""
    result = translate_texts(weights, text, beam, max_len, threads, force)
    if result["unknown"]:
        shown = ", ".join(repr(t) for t in result["unknown"][:10])
        warn(f"{len(result['unknown'])} token(s) the model never saw, read as <unk>: {shown}")
    for t in result["translations"]:
        if t.get("unfamiliar"):
            warn(f"{t['source'][:40]!r} is outside the training data ("
                 f"{'; '.join(t['unfamiliar'])}): expect a confident guess, not a translation")
    if json:
        print_json(result)
        return
    out().print(view.translations(result))
