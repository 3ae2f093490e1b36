"""`rnncli sentiment`: the lesson's sentiment classifier trained and probed claim by claim.

Parse -> rnncli.sentiment (data, budget, run, claims) -> rnncli.render.sentiment.
torch is imported only when training starts.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from rnncli import datasets
from rnncli.console import err, out, print_json
from rnncli.options import JsonFlag, complete_torch_archs
from rnncli.render import sentiment as r
from rnncli.render.sentiment import Progress
from rnncli.report import wants_figures

Dataset = Enum("Dataset", {n: n for n in ("probes", *datasets.names())}, type=str)
PROBE_STEPS = 300  # as rnncli.sentiment.cli_plan (not imported here: --help stays light)
EPOCHS = 4


def sentiment(
    dataset: Annotated[Dataset, typer.Option(
        "--dataset", help="probes (generated, offline) or a registered data set.")
    ] = Dataset.probes,
    data: Annotated[Path | None, typer.Option(
        "--data", help="Your own TSV/CSV: a text and a label column, header optional.")] = None,
    test: Annotated[Path | None, typer.Option(
        "--test", help="A test file for --data (else 10% of --data is held out).")] = None,
    text_col: Annotated[str | None, typer.Option(
        "--text-col", help="Text column of --data: index from 0 or header name.")] = None,
    label_col: Annotated[str | None, typer.Option(
        "--label-col", help="Label column of --data: index from 0 or header name.")] = None,
    data_dir: Annotated[Path | None, typer.Option(
        "--data-dir", help="Cache folder for downloaded data sets (default: user cache).")
    ] = None,
    arch: Annotated[str, typer.Option(
        "--arch", help="Comma list of rnn, gru, lstm (or all).",
        autocompletion=complete_torch_archs)] = "all",
    embed: Annotated[int, typer.Option("--embed", min=1, help="Embedding size.")] = 32,
    hidden: Annotated[int, typer.Option("--hidden", min=1, help="Hidden size.")] = 32,
    layers: Annotated[int, typer.Option("--layers", min=1, help="Recurrent layers.")] = 1,
    bidirectional: Annotated[bool, typer.Option(
        "--bidirectional", help="Read the sentence both ways.")] = False,
    steps: Annotated[int | None, typer.Option(
        "--steps", min=1, help=f"Optimizer steps per model (default {PROBE_STEPS} on probes, "
        f"{EPOCHS} epochs on real data).")] = None,
    batch: Annotated[int | None, typer.Option(
        "--batch", min=1, help="Sentences per step (default 32 on probes, 64 on real data).")
    ] = None,
    lr: Annotated[float, typer.Option("--lr", help="Adam's peak learning rate.")] = 3e-3,
    seeds: Annotated[str, typer.Option(
        "--seeds", help="Comma list of training seeds (mean ± sd over them).")] = "0",
    seed: Annotated[int, typer.Option(
        "--seed", help="Seed of the generated probes and of every train/val/test split.")] = 0,
    threads: Annotated[int, typer.Option(
        "--threads", help="torch CPU threads.")] = 1,
    vocab_size: Annotated[int, typer.Option(
        "--vocab-size", min=1, help="Vocabulary cap (rarer words become <unk>).")] = 20000,
    save: Annotated[Path | None, typer.Option(
        "--save", help="Save the last --arch model (first seed) for `gates --weights`.")
    ] = None,
    show_code: Annotated[bool, typer.Option(
        "--show-code", help="Print the model class as code you can copy, and stop.")] = False,
    plot: Annotated[Path | None, typer.Option(
        "--plot", help="Save a figure (.png/.svg/.pdf; needs the plot extra).")] = None,
    force: Annotated[bool, typer.Option(
        "--force", help="Run even if the size/time estimate is over the limits.")] = False,
    json: JsonFlag = False,
) -> None:
    """Train RNN, GRU and LSTM classifiers beside Naive Bayes (unigrams + bigrams) and a bag
    of embeddings, then judge the lesson's claims (word order, negation, contrast, long
    range, padding) on probe sets that isolate each one.

    Examples: `rnncli sentiment`, `rnncli sentiment --dataset rt-polarity`,
    `rnncli sentiment --data reviews.tsv --save model.pt` then
    `rnncli gates --weights model.pt --text "not bad at all"`.
    """
    if show_code:
        from rnncli.sentiment.show import model_source

        out().print(model_source(), markup=False, highlight=False, soft_wrap=True)
        return
    from rnncli.sentiment import cli_plan

    prep = cli_plan.prepare(cli_plan.Plan(
        dataset=dataset.value, data=data, test=test, text_col=text_col, label_col=label_col,
        data_dir=data_dir, arch=arch, embed=embed, hidden=hidden, layers=layers,
        bidirectional=bidirectional, steps=steps, batch=batch, lr=lr, seeds=seeds, seed=seed,
        threads=threads, vocab_size=vocab_size, save=save, plot=plot, force=force))
    err().print(f"sentiment: {prep.corpus.name}; {prep.estimate.line()}", soft_wrap=True,
                markup=False)
    runs = (len(prep.request.archs) + 1) * len(prep.request.seeds)  # + bag of embeddings
    with Progress(err(), prep.request.fit.steps, runs) as bar:
        result, trained = cli_plan.execute(prep, bar.callback)
    if save is not None and not cli_plan.save_model(save, trained, prep):
        save = None
    _show(result, json, save, plot)
    if wants_figures(plot):  # after the tables: an --html page reads in that order
        from rnncli.render.sentiment import plot as draw

        draw(result, plot)
    if result["interrupted"]:
        err().print("interrupted: kept the models that finished", markup=False)
        raise typer.Exit(130)


def _show(result: dict, json: bool, save: Path | None, plot: Path | None) -> None:
    if json:
        print_json(result)
        return
    console = out()
    for item in r.report(result):
        if isinstance(item, str):
            console.print(item, markup=False)
        else:
            console.print(item)
