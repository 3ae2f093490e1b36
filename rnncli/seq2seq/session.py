"""One ``rnncli seq2seq`` run, from a checked ``Request`` to its report: every output path
checked before any work, the data prepared, the cost estimated (and refused), every
model trained (Ctrl-C keeps the finished ones), the best kept, the report assembled, the
best model saved.  The command parses, calls these and renders; nothing here prints.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rnncli.errors import MissingExtra
from rnncli.fileio import check_writable, write_text_atomic
from rnncli.interrupt import keep_finished
from rnncli.seq2seq import experiment
from rnncli.seq2seq.experiment import Prepared, Request

PLOT_SUFFIXES = (".png", ".svg", ".pdf")


def check_outputs(save: Path | None, plot: Path | None, export_data: Path | None) -> None:
    """Every output path and extra is checked before any work."""
    for path, suffixes in ((save, (".pt",)), (plot, PLOT_SUFFIXES),
                           (export_data, (".tsv",))):
        if path is not None:
            check_writable(path, suffixes)
    if plot is not None:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            raise MissingExtra("matplotlib", "plot") from None


def export(prep: Prepared, path: Path) -> None:
    """Write the pairs as TSV (``--export-data``; announced as every written file is)."""
    from rnncli.seq2seq.data import export_text

    c = prep.corpus
    write_text_atomic(path, export_text(c.train_pairs, c.test_pairs),
                      f"{len(c.train_src)} training and {len(c.test_src)} test pairs")


@dataclass
class Outcome:
    """What a run produced: the report, the best model (or None), whether Ctrl-C ended it."""

    report: dict
    best_model: object | None
    interrupted: bool
    kept: int  # finished runs


def run(prep: Prepared, req: Request, threads: int,
        progress: Callable[[str], Callable[[int, float], None] | None],
        finished: Callable[[dict], None]) -> Outcome:
    """Train every (seed, arch, attention); ``finished(result)`` after each run."""
    kept = {"best": None, "attention": None}

    def keep(item) -> None:
        result, model = item
        finished(result)
        kept["best"] = _better(kept["best"], result, model)
        if result["attention"] != "none":
            kept["attention"] = _better(kept["attention"], result, model)

    done = keep_finished(experiment.run_all(prep, req, threads, progress), keep)
    results = [r for r, _ in done.items]
    report = experiment.assemble(prep, req, results, kept["best"], kept["attention"], threads)
    report["interrupted"] = done.interrupted
    best = kept["best"]
    return Outcome(report, None if best is None else best[1], done.interrupted,
                   len(done.items))


def _better(best, result: dict, model):
    return (result, model) if best is None or result["exact"] > best[0]["exact"] else best


def save_best(path: Path, model, prep: Prepared, req: Request, report: dict) -> None:
    """Save the best model for ``seq2seq translate`` (announced as every written file is)."""
    from rnncli.seq2seq import checkpoint

    c, b = prep.corpus, report["best"]
    from rnncli.seq2seq.use import training_profile

    settings = {"task": prep.name, "split": prep.split, "max_len": c.max_len,
                "reverse_source": req.reverse_source, "steps": prep.steps,
                "exact": b["exact"], **training_profile(c)}
    checkpoint.save(path, checkpoint.pack(model, c.src_vocab, c.tgt_vocab, c.tokens,
                                          settings),
                    f"{b['arch']} {b['attention']}, seed {b['seed']}, exact {b['exact']:.1%}")
