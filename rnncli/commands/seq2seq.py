"""`rnncli seq2seq`: train encoder-decoders (RNN, GRU, LSTM; with and without attention)
on a generated task, SCAN or the user's pairs, and take them apart; `rnncli seq2seq
translate` uses a saved model.

Parse -> rnncli.seq2seq.experiment (prepare, estimate, run_all) -> rnncli.render.seq2seq.
torch is imported only once training starts.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from rnncli.options import JsonFlag, complete_list, complete_torch_archs

PLOT_SUFFIXES = (".png", ".svg", ".pdf")


class TaskName(str, Enum):
    reverse = "reverse"
    sort = "sort"
    addition = "addition"
    dates = "dates"
    scan = "scan"


class Split(str, Enum):
    simple = "simple"
    length = "length"
    addprim_jump = "addprim-jump"


class Tokens(str, Enum):
    char = "char"
    word = "word"
    space = "space"


app = typer.Typer(no_args_is_help=False, add_completion=False)


@app.callback(invoke_without_command=True)
def seq2seq(
    ctx: typer.Context,
    task: Annotated[TaskName, typer.Option("--task", help="Generated task.")] = TaskName.reverse,
    split: Annotated[Split, typer.Option("--split", help="SCAN split (--task scan).")
                     ] = Split.simple,
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
        autocompletion=complete_list(("none", "additive", "dot")))
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
    from rnncli.seq2seq.experiment import Request

    req = Request(
        task=task.value, split=split.value, data=data, test=test,
        tokens=tokens.value if tokens else None, archs=_archs(arch),
        attentions=_attentions(attention), hidden=hidden, layers=layers,
        bidirectional=bidirectional, reverse_source=reverse_source,
        teacher_forcing=teacher_forcing, beam=beam, max_len=max_len, steps=steps,
        batch=batch, lr=lr, seeds=_seeds(seeds), example=example, force=force)
    _train(req, threads, save, plot, export_data, json)


def _archs(text: str) -> list[str]:
    from rnncli import archs
    from rnncli.options import choice_list

    return choice_list(text, "--arch", archs.names(torch_only=True))


def _attentions(text: str) -> list[str]:
    from rnncli.options import choice_list
    from rnncli.seq2seq.models import ATTENTIONS

    return choice_list(text, "--attention", ATTENTIONS)


def _seeds(text: str) -> list[int]:
    from rnncli.errors import BadInput
    from rnncli.options import int_list

    seeds = int_list(text, "--seeds", minimum=0)
    if max(seeds) > 2**32 - 1:
        raise BadInput(f"--seeds: seeds are 0 .. 2**32-1, got {max(seeds)}")
    if len(seeds) > 100:
        raise BadInput(f"--seeds: {len(seeds)} seeds; at most 100 in one run")
    return seeds


def _train(req, threads: int, save: Path | None, plot: Path | None,
           export_data: Path | None, json: bool) -> None:
    from rnncli.console import print_json
    from rnncli.seq2seq import experiment

    _check_outputs(save, plot, export_data)
    prep = experiment.prepare(req)
    _warn_unknown(prep.corpus.unknown)
    if export_data is not None:
        _export(prep, export_data)
        return
    est = experiment.estimate(prep, req)
    experiment.refuse_if_oversized(est, req.force)
    report, best_model, interrupted = _run(prep, req, threads, est)
    if save is not None and best_model is not None:
        _save(save, best_model, prep, req, report)
    if plot is not None and report["runs"]:
        from rnncli.fileio import save_figure_atomic
        from rnncli.render.seq2seq import figure

        save_figure_atomic(figure(report), plot)
    if json:
        print_json(report)
    else:
        from rnncli.console import out
        from rnncli.render.seq2seq import render

        render(out(), report)
    if interrupted:
        raise typer.Exit(130)


def _check_outputs(save: Path | None, plot: Path | None, export_data: Path | None) -> None:
    """Every output path and extra is checked before any work."""
    from rnncli.fileio import check_writable

    for path, suffixes in ((save, (".pt",)), (plot, PLOT_SUFFIXES),
                           (export_data, (".tsv",))):
        if path is not None:
            check_writable(path, suffixes)
    if plot is not None:
        _need_matplotlib()


def _warn_unknown(unknown: list[str]) -> None:
    if unknown:
        from rnncli.console import warn

        warn(f"{len(unknown)} test token(s) never seen in training are read as <unk>: "
             + ", ".join(repr(t) for t in unknown[:8]))


def _export(prep, path: Path) -> None:
    from rnncli.console import err
    from rnncli.fileio import write_text_atomic
    from rnncli.seq2seq.data import export_text

    c = prep.corpus
    write_text_atomic(path, export_text(c.train_pairs, c.test_pairs))
    err().print(f"wrote {len(c.train_src)} training and {len(c.test_src)} test pairs "
                f"to {path}", soft_wrap=True)


def _need_matplotlib() -> None:
    from rnncli.errors import MissingExtra

    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise MissingExtra("matplotlib", "plot") from None


def _run(prep, req, threads: int, est):
    """Every run with progress on stderr; (report, best model, interrupted)."""
    from rnncli.console import err
    from rnncli.interrupt import keep_finished
    from rnncli.render.seq2seq import RunProgress, run_line
    from rnncli.seq2seq.experiment import assemble, run_all

    console = err()
    console.print(f"seq2seq: {prep.name}, {est.runs} run(s) of {prep.steps} steps, "
                  f"estimated ~{est.seconds:.0f} s (rough)", soft_wrap=True)
    kept = {"best": None, "attention": None}

    def finished(item) -> None:
        result, model = item
        bar.done()
        console.print(run_line(result), soft_wrap=True)
        kept["best"] = _better(kept["best"], result, model)
        if result["attention"] != "none":
            kept["attention"] = _better(kept["attention"], result, model)

    with RunProgress(console, prep.steps) as bar:
        done = keep_finished(run_all(prep, req, threads, bar.callback), finished)
    if done.interrupted:
        console.print(f"interrupted: kept {len(done.items)} of {est.runs} runs", soft_wrap=True)
    results = [r for r, _ in done.items]
    report = assemble(prep, req, results, kept["best"], kept["attention"], threads)
    report["interrupted"] = done.interrupted
    best = kept["best"]
    return report, None if best is None else best[1], done.interrupted


def _better(best, result: dict, model):
    return (result, model) if best is None or result["exact"] > best[0]["exact"] else best


def _save(path: Path, model, prep, req, report: dict) -> None:
    from rnncli.console import err
    from rnncli.seq2seq import checkpoint

    c = prep.corpus
    settings = {"task": prep.name, "split": prep.split, "max_len": c.max_len,
                "reverse_source": req.reverse_source, "steps": prep.steps,
                "exact": report["best"]["exact"]}
    checkpoint.save(path, checkpoint.pack(model, c.src_vocab, c.tgt_vocab, c.tokens,
                                          settings))
    b = report["best"]
    err().print(f"saved {b['arch']} {b['attention']} (seed {b['seed']}, exact "
                f"{b['exact']:.1%}) to {path}", soft_wrap=True)


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
    from rnncli.console import out, print_json, warn
    from rnncli.seq2seq.use import translate_texts

    result = translate_texts(weights, text, beam, max_len, threads, force)
    if result["unknown"]:
        shown = ", ".join(repr(t) for t in result["unknown"][:10])
        warn(f"{len(result['unknown'])} token(s) the model never saw, read as <unk>: {shown}")
    if json:
        print_json(result)
        return
    from rnncli.render.seq2seq import translations

    out().print(translations(result))
