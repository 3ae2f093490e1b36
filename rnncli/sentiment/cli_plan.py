"""From the command's options to a run: validate everything before any work, load the
corpus, estimate (and refuse) the cost, run, assemble the result, save the model.

``prepare(plan)`` -> ``Prepared`` (corpus, request, estimate); ``execute(prepared,
progress)`` -> ``(result, trained)``; ``save_model(path, trained, prepared)``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path

from rnncli.errors import BadInput
from rnncli.options import int_list, torch_arch_list
from rnncli.sentiment import budget
from rnncli.sentiment.data import Corpus, TableSpec, from_dataset, from_file, from_probes
from rnncli.sentiment.models import ModelConfig
from rnncli.sentiment.train import FitConfig

PROBE_STEPS, PROBE_BATCH = 300, 32
EPOCHS, DATA_BATCH = 4, 64  # real data: 4 passes over the training set by default


@dataclass
class Plan:
    dataset: str = "probes"
    data: Path | None = None
    test: Path | None = None
    text_col: str | None = None
    label_col: str | None = None
    data_dir: Path | None = None
    arch: str = "all"
    embed: int = 32
    hidden: int = 32
    layers: int = 1
    bidirectional: bool = False
    steps: int | None = None
    batch: int | None = None
    lr: float = 3e-3
    seeds: str = "0"
    seed: int = 0
    threads: int = 1
    vocab_size: int = 20000
    save: Path | None = None
    plot: Path | None = None
    force: bool = False


@dataclass
class Prepared:
    plan: Plan
    corpus: Corpus
    request: object  # run.Request
    estimate: budget.Estimate


def _check_options(plan: Plan) -> None:
    if not plan.lr > 0:
        raise BadInput(f"--lr must be a positive number, got {plan.lr}")
    if plan.test is not None and plan.data is None:
        raise BadInput("--test needs --data (the training file)")
    if plan.data is not None and plan.dataset != "probes":
        raise BadInput("--data and --dataset are two sources; pass one")
    _check_outputs(plan)


def _check_outputs(plan: Plan) -> None:
    """Output paths are checked before any work, so a bad one costs nothing."""
    from rnncli.fileio import check_writable

    if plan.save is not None:
        check_writable(plan.save, (".pt",))
    if plan.plot is not None:
        check_writable(plan.plot, (".png", ".svg", ".pdf"))


def _corpus(plan: Plan) -> Corpus:
    if plan.data is not None:
        test = (TableSpec(plan.test, plan.text_col, plan.label_col, "--test") if plan.test
                else None)
        return from_file(TableSpec(plan.data, plan.text_col, plan.label_col), test, plan.seed)
    if plan.text_col or plan.label_col:
        raise BadInput("--text-col and --label-col apply to --data files")
    if plan.dataset == "probes":
        return from_probes(plan.seed)
    return from_dataset(plan.dataset, plan.data_dir, plan.seed)


def prepare(plan: Plan) -> Prepared:
    from rnncli.sentiment.run import Request

    _check_options(plan)
    arch_list = tuple(torch_arch_list(plan.arch))
    seeds = tuple(int_list(plan.seeds, "--seeds", minimum=0))
    corpus = _corpus(plan)
    batch = plan.batch or (PROBE_BATCH if corpus.probes else DATA_BATCH)
    steps = plan.steps or (PROBE_STEPS if corpus.probes else
                           math.ceil(EPOCHS * len(corpus.train) / batch))
    cfg = ModelConfig(arch=arch_list[-1], embed=plan.embed, hidden=plan.hidden,
                      layers=plan.layers, bidirectional=plan.bidirectional)
    words = {w for s in corpus.train for w in s.text.lower().split()}
    lengths = sorted(len(s.text.split()) for s in corpus.train)
    vocab = min(plan.vocab_size, len(words) + 4)
    p90 = lengths[int(0.9 * (len(lengths) - 1))]

    def cost(cfg=cfg, vocab=vocab, batch=batch, steps=steps):
        return budget.estimate(arch_list, vocab, cfg, batch, steps, p90, len(seeds),
                               len(corpus.labels))

    est = cost()
    budget.check(est, plan.force, _knobs(cost, cfg, vocab, batch, steps))
    req = Request(archs=arch_list, model=cfg,
                  fit=FitConfig(steps=steps, batch=batch, lr=plan.lr),
                  seeds=seeds, threads=plan.threads, vocab_size=plan.vocab_size)
    return Prepared(plan, corpus, req, est)


def _knobs(cost, cfg: ModelConfig, vocab: int, batch: int, steps: int) -> list:
    """The sizes of a sentiment run as ``rnncli.limits.Knob`` s over ``cost``."""
    from dataclasses import replace

    from rnncli.limits import Knob

    return [Knob("--hidden", cfg.hidden, lambda v: cost(cfg=replace(cfg, hidden=v))),
            Knob("--embed", cfg.embed, lambda v: cost(cfg=replace(cfg, embed=v))),
            Knob("--layers", cfg.layers, lambda v: cost(cfg=replace(cfg, layers=v))),
            Knob("--vocab-size", vocab, lambda v: cost(vocab=v), minimum=5),
            Knob("--batch", batch, lambda v: cost(batch=v)),
            Knob("--steps", steps, lambda v: cost(steps=v))]


def execute(prep: Prepared, progress=None) -> tuple[dict, dict]:
    from rnncli.sentiment import claims, heldout, probes, run

    result, trained = run.run(prep.request, prep.corpus, progress)
    c = prep.corpus
    result["dataset"] = {"name": c.name, "labels": c.labels, "info": c.info,
                         "sizes": {"train": len(c.train), "val": len(c.val),
                                   "test": len(c.test)},
                         "skipped": [list(x) for x in c.skipped]}
    result["settings"] = {"archs": list(prep.request.archs),
                          "model": asdict(prep.request.model),
                          "fit": asdict(prep.request.fit), "seeds": list(prep.request.seeds),
                          "threads": prep.request.threads, "seed": prep.plan.seed,
                          "vocab_size": prep.request.vocab_size}
    result["estimate"] = asdict(prep.estimate)
    result["verdicts"] = claims.verdicts(result["models"])
    result["outcome"] = claims.outcome(result["models"])
    if heldout.applies(result["models"]):
        held = probes.held_out(prep.plan.seed)  # the split from_probes(plan.seed) built
        result["held_out"] = {**heldout.describe(held),
                              "verdicts": heldout.verdicts(result["models"], held)}
    return result, trained


def save_model(path: Path, trained: dict, prep: Prepared) -> Path | None:
    """The last architecture's first-seed model, in the ``rnncli.tokens`` layout (None
    when it did not finish: Ctrl-C)."""
    from dataclasses import replace

    from rnncli.fileio import save_torch_atomic
    from rnncli.sentiment.models import pack

    arch = prep.request.archs[-1]
    if arch not in trained["models"]:
        return None
    cfg = replace(prep.request.model, arch=arch)
    settings = {"dataset": prep.corpus.name, "steps": prep.request.fit.steps,
                "seed": prep.request.seeds[0]}
    obj = pack(trained["models"][arch], cfg, trained["vocab"], prep.corpus.labels, settings)
    return save_torch_atomic(path, obj, f"the {arch} model")
