"""One ``rnncli sentiment`` run: every model on the same split, every seed, every probe set.

``run(req, corpus, progress)`` returns the plain-data result that the table, the verdict
lines, ``--json`` and ``--plot`` all show, plus the first seed's trained recurrent models
(for ``--save``). Models: Naive Bayes on unigrams + bigrams, a bag of embeddings, and one
recurrent classifier per architecture; all but Naive Bayes train with the same batches
and the same step budget (``train.fit``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

from rnncli import archs, trainkit
from rnncli.interrupt import keep_finished
from rnncli.sentiment import heldout
from rnncli.sentiment.data import Corpus
from rnncli.sentiment.models import BagOfEmbeddings, ModelConfig, build, lesson_logits
from rnncli.sentiment.probes import MEMORY_KS
from rnncli.sentiment.train import Encoded, FitConfig, accuracy, encode, fit, predict

NB, BOE = "NB uni+bigram", "bag of embeddings"
PAD_EXTRA = 10  # pad tokens appended in the padding test


@dataclass
class Request:
    archs: tuple[str, ...] = ("rnn", "gru", "lstm")
    model: ModelConfig = field(default_factory=ModelConfig)
    fit: FitConfig = field(default_factory=FitConfig)
    seeds: tuple[int, ...] = (0,)
    threads: int = 1
    vocab_size: int = 20000


def model_name(arch: str, cfg: ModelConfig) -> str:
    title = archs.get(arch).title
    return ("bi" + title if cfg.bidirectional else title) + (f"x{cfg.layers}"
                                                              if cfg.layers > 1 else "")


@dataclass
class _Sets:
    """Every evaluation set as token ids (``probe/...`` names for the probe sets)."""

    sets: dict[str, Encoded]
    kinds: dict[str, list[str]]
    first: dict[str, list[int | None]]


def _encode_sets(corpus: Corpus, vocab) -> _Sets:
    named = {"val": corpus.val, "test": corpus.test}
    for name, sents in (corpus.probes or {}).items():
        named[name] = sents
    sets = {k: encode(vocab, [s.text for s in v], [s.label for s in v]) for k, v in named.items()}
    kinds = {k: [s.kind for s in v] for k, v in named.items()}
    first = {k: [s.first for s in v] for k, v in named.items()}
    return _Sets(sets, kinds, first)


def _by_length(model, seqs, extra: int, readout=None) -> list[int]:
    """Predictions with batches of equal-length sequences (so only ``extra`` pads)."""
    groups: dict[int, list[int]] = {}
    for i, s in enumerate(seqs):
        groups.setdefault(len(s), []).append(i)
    out = [0] * len(seqs)
    for idx in groups.values():
        for i, p in zip(idx, predict(model, [seqs[i] for i in idx], extra_pad=extra,
                                     readout=readout), strict=True):
            out[i] = p
    return out


def _lesson(model, ids, lengths):
    return lesson_logits(model, ids)


def padding_check(model, data: Encoded) -> dict:
    """The packed read-out beside the lesson's ``output[:, -1]``, without and with pads."""
    packed0 = _by_length(model, data.ids, 0)
    packed1 = _by_length(model, data.ids, PAD_EXTRA)
    lesson0 = _by_length(model, data.ids, 0, _lesson)
    lesson1 = _by_length(model, data.ids, PAD_EXTRA, _lesson)
    n = len(data)

    def changed(a, b):
        return sum(x != y for x, y in zip(a, b, strict=True)) / max(n, 1)

    return {"pads": PAD_EXTRA, "n": n,
            "packed_acc": accuracy(packed0, data.labels)[0] / n,
            "packed_acc_padded": accuracy(packed1, data.labels)[0] / n,
            "packed_changed": changed(packed0, packed1),
            "lesson_acc": accuracy(lesson0, data.labels)[0] / n,
            "lesson_acc_padded": accuracy(lesson1, data.labels)[0] / n,
            "lesson_changed": changed(lesson0, lesson1)}


def _score(pred: list[int], sets: _Sets, name: str) -> dict:
    data = sets.sets[name]
    correct, total = accuracy(pred, data.labels)
    out = {"correct": correct, "total": total}
    if name == "contrast":
        follow = sum(p == f for p, f in zip(pred, sets.first[name], strict=True))
        out["first_clause"] = follow / max(total, 1)
    if name == "memory":
        out["by_k"] = {}
        for k in MEMORY_KS:
            idx = [i for i, kind in enumerate(sets.kinds[name]) if kind == f"memory/{k}"]
            out["by_k"][str(k)] = sum(pred[i] == data.labels[i] for i in idx) / max(len(idx), 1)
    return out


def _evaluate(predict_fn, sets: _Sets) -> dict:
    return {name: _score(predict_fn(data.ids), sets, name) for name, data in sets.sets.items()}


def _naive_bayes(corpus: Corpus, vocab, sets: _Sets, train: Encoded) -> dict:
    """Naive Bayes on the same vocabulary as the other models (capped words are <unk>)."""
    from rnncli.sentiment.baselines import NaiveBayes

    itos = vocab.itos

    def tokens(seqs):
        return [[itos[i] for i in s] for s in seqs]

    start = time.perf_counter()
    nb = NaiveBayes().fit(tokens(train.ids), train.labels, len(corpus.labels))
    seconds = time.perf_counter() - start
    scores = _evaluate(lambda seqs: nb.predict(tokens(seqs)), sets)
    return {"scores": scores, "seconds": seconds, "steps": 0,
            "params": len(nb.vocab) * len(corpus.labels)}


def _train_torch(model, train: Encoded, req: Request, seed: int, progress) -> dict:
    log = fit(model, train, replace(req.fit, seed=seed), progress)
    return {"seconds": log.seconds, "steps": log.steps, "stopped": log.stopped,
            "params": trainkit.param_count(model), "final_loss": log.losses[-1]}


@dataclass
class _Job:
    """What every torch model of a run shares."""

    req: Request
    vocab: object
    n_cls: int
    sets: _Sets
    train: Encoded
    progress: object


def _trained(job: _Job, name: str, model, seed: int) -> dict:
    """Train and score one model; a Ctrl-C inside training drops it (half-trained)."""
    res = _train_torch(model, job.train, job.req, seed, job.progress(name, seed))
    if res["stopped"] == "interrupted":
        raise KeyboardInterrupt
    res["scores"] = _evaluate(lambda seqs: predict(model, seqs), job.sets)
    if "order" in job.sets.sets and name != BOE:
        res["padding"] = padding_check(model, job.sets.sets["order"])
    return res


def _torch_models(job: _Job):
    """Yield ``(name, seed, result, arch, model)`` for every seed and torch model."""
    import torch

    req = job.req
    for seed in req.seeds:
        with trainkit.torch_session(seed, req.threads):
            boe = BagOfEmbeddings(len(job.vocab), job.n_cls, req.model.embed)
            yield BOE, seed, _trained(job, BOE, boe, seed), None, boe
            for arch in req.archs:
                torch.manual_seed(seed)
                model = build(replace(req.model, arch=arch), len(job.vocab), job.n_cls)
                name = model_name(arch, req.model)
                yield name, seed, _trained(job, name, model, seed), arch, model


def _gates(req: Request, models: dict, sets: _Sets) -> dict:
    from rnncli.sentiment.stats import gate_saturation

    out = {}
    for arch, model in models.items():
        stats = gate_saturation(model, arch, sets.sets["test"].ids)
        if stats is not None:
            stats.pop("final_hidden")
            out[model_name(arch, req.model)] = stats
    return out


def run(req: Request, corpus: Corpus, progress=None) -> tuple[dict, dict]:
    """``(result, {arch: first seed's model})``; ``progress(name, seed)`` returns a
    per-step callback (or None)."""
    from rnncli.tokens import Vocab, words

    progress = progress or (lambda name, seed: None)
    vocab = Vocab.build((words(s.text) for s in corpus.train), max_size=req.vocab_size)
    sets = _encode_sets(corpus, vocab)
    train = encode(vocab, [s.text for s in corpus.train], [s.label for s in corpus.train])
    per_seed: dict[str, list[dict]] = {NB: [_naive_bayes(corpus, vocab, sets, train)]}
    job = _Job(req, vocab, len(corpus.labels), sets, train, progress)
    done = keep_finished(_torch_models(job))
    first_models = {}
    for name, seed, res, arch, model in done.items:
        per_seed.setdefault(name, []).append(res)
        if arch is not None and seed == req.seeds[0]:
            first_models[arch] = model
    result = {
        "vocab_size": len(vocab),
        "sizes": {"train": len(train), **{k: len(v) for k, v in sets.sets.items()}},
        "models": [summarise(name, runs) for name, runs in per_seed.items()],
        "gate_stats": _gates(req, first_models, sets),
        "interrupted": done.interrupted,
    }
    return result, {"vocab": vocab, "models": first_models}


def _set_summary(scores: list[dict]) -> dict:
    accs = [s["correct"] / max(s["total"], 1) for s in scores]
    mean, sd = trainkit.mean_sd(accs)
    lo, hi = trainkit.wilson(sum(s["correct"] for s in scores),
                             sum(s["total"] for s in scores))
    entry = {"mean": mean, "sd": sd, "lo": lo, "hi": hi, "n": scores[0]["total"],
             "per_seed": accs}
    for extra in ("first_clause", "by_k"):
        if extra in scores[0]:
            entry[extra] = _mean_extra([s[extra] for s in scores])
    if "by_k" in scores[0]:  # each seed's curve: the plot's spread
        entry["by_k_per_seed"] = [s["by_k"] for s in scores]
    return entry


def summarise(name: str, runs: list[dict]) -> dict:
    """Mean ± sd over seeds of every set, the pooled Wilson interval, time, steps."""
    sets = {k: _set_summary([r["scores"][k] for r in runs]) for k in runs[0]["scores"]}
    out = {"name": name, "kind": "baseline" if name in (NB, BOE) else "recurrent",
           "seeds": len(runs), "params": runs[0]["params"], "steps": runs[0]["steps"],
           "seconds": trainkit.mean_sd([r["seconds"] for r in runs])[0],
           "stopped": sorted({r.get("stopped", "steps") for r in runs}), "sets": sets}
    if "padding" in runs[0]:
        out["padding"] = {k: trainkit.mean_sd([r["padding"][k] for r in runs])[0]
                          for k in runs[0]["padding"]}
    if heldout.applies([out]):
        out["generalisation"] = heldout.per_model(sets)
    return out


def _mean_extra(values: list):
    if isinstance(values[0], dict):
        return {k: trainkit.mean_sd([v[k] for v in values])[0] for k in values[0]}
    return trainkit.mean_sd(values)[0]

