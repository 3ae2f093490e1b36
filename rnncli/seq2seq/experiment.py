"""What ``rnncli seq2seq`` runs: pairs -> corpus -> estimate -> one model per
(seed, architecture, attention) -> a report dict the renderer and ``--json`` share.

The command parses options into a ``Request``; ``prepare`` makes the data (a generated
task or the user's files), ``estimate`` says what the runs will cost before anything is
allocated, ``run_all`` trains and measures, ``report`` puts it together.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rnncli import archs
from rnncli.errors import BadInput
from rnncli.limits import refuse_oversized
from rnncli.seq2seq import ATTENTIONS, metrics, scan, tasks
from rnncli.seq2seq import data as sdata
from rnncli.seq2seq.data import Corpus

SIZES = {"reverse": (5000, 500), "sort": (5000, 500), "addition": (20000, 1000),
         "dates": (10000, 1000)}
STEPS = {"reverse": 600, "sort": 600, "addition": 2000, "dates": 1500, "scan": 2000,
         "data": 1000}
LIMIT_S = 30 * 60           # refuse longer runs without --force
LIMIT_BYTES = 4 * 2**30     # and more memory
MAX_BEAM = 100
DECODING_NOTE = (
    "decoding starts from <sos>, stops at <eos> and is capped at --max-len tokens; the "
    "lesson's Seq2SeqLSTM starts from token 0 (here <pad>) and always runs 50 steps "
    "with no end token, so every output is 50 tokens long")


@dataclass
class Request:
    task: str = "reverse"
    split: str = "simple"
    data: Path | None = None
    test: Path | None = None
    tokens: str | None = None
    archs: list[str] = field(default_factory=lambda: list(archs.names(torch_only=True)))
    attentions: list[str] = field(default_factory=lambda: ["none", "dot"])
    hidden: int = 64
    layers: int = 1
    bidirectional: bool = False
    reverse_source: bool = False
    teacher_forcing: float = 1.0
    beam: int = 1
    max_len: int | None = None
    steps: int | None = None
    batch: int = 64
    lr: float = 3e-3
    seeds: list[int] = field(default_factory=lambda: [0])
    example: int | None = None
    force: bool = False

    def check(self) -> None:
        if not 0.0 <= self.teacher_forcing <= 1.0:
            raise BadInput(f"--teacher-forcing must be in [0, 1], got {self.teacher_forcing}")
        if not self.lr > 0:
            raise BadInput(f"--lr must be positive, got {self.lr}")
        if self.beam > MAX_BEAM:
            raise BadInput(f"--beam {self.beam} is over {MAX_BEAM}; a beam that wide only "
                           "costs time")
        for a in self.attentions:
            if a not in ATTENTIONS:
                raise BadInput(f"--attention: unknown {a!r}; choose from {', '.join(ATTENTIONS)}")

    @property
    def source_name(self) -> str:
        return "data" if self.data is not None else self.task


@dataclass
class Prepared:
    name: str             # task name or the data file's name
    split: str | None
    corpus: Corpus
    steps: int
    source: str = ""


def _user_pairs(req: Request) -> tuple[list, list]:
    """(train, test) from --data [--test]: a --test file, else the rows marked test,
    else a seeded 80/20 split."""
    main, marked = sdata.read_pairs(req.data)
    if req.test is not None:
        test_main, test_marked = sdata.read_pairs(req.test, "--test")
        return main, test_main + test_marked
    if marked:
        return main, marked
    return sdata.split_pairs(main, req.seeds[0])


def _task_pairs(req: Request) -> tuple[list, list, tasks.Task]:
    task = tasks.get(req.task)
    if req.test is not None:
        raise BadInput("--test needs --data (the generated tasks make their own test set)")
    if req.split != "simple" and not task.splits:
        raise BadInput(f"--split applies to --task scan only, not {task.name}")
    n_train, n_test = SIZES.get(task.name, (0, 0))
    train, test = task.make(seed=req.seeds[0], n_train=n_train, n_test=n_test,
                            split=req.split)
    return train, test, task


def load_pairs(req: Request) -> tuple[list, list, str, str]:
    """(train, test, tokens, source) for the request."""
    if req.data is not None:
        train, test = _user_pairs(req)
        return train, test, req.tokens or _guess_tokens(req.data), ""
    train, test, task = _task_pairs(req)
    return train, test, req.tokens or task.tokens, task.source


def _guess_tokens(path: Path) -> str:
    """SCAN-format files are pre-tokenised (space); other files default to words."""
    with open(path, encoding="utf-8", errors="replace") as fh:
        first = fh.readline()
    return "space" if first.startswith("IN:") else "word"


def prepare(req: Request) -> Prepared:
    req.check()
    train, test, tokens, source = load_pairs(req)
    if not test:
        raise BadInput("the test set is empty; give a --test file or more pairs")
    corpus = sdata.build_corpus(train, test, tokens, req.max_len, req.reverse_source)
    name = Path(req.data).name if req.data is not None else req.task
    split = req.split if req.data is None and req.task == "scan" else None
    steps = req.steps if req.steps is not None else STEPS[req.source_name]
    pick_example(corpus, req.example)  # an out-of-range --example fails before training
    return Prepared(name, split, corpus, steps, source)


@dataclass(frozen=True)
class Estimate:
    seconds: float
    memory_bytes: int
    runs: int


def estimate(prep: Prepared, req: Request) -> Estimate:
    """Rough cost of every run: FLOPs at 10 GFLOP/s (about one thread of a recent x86
    core; the default run measured ~12 ms per step) plus per-step and per-time-step
    overheads. The point is to refuse the absurd, not to predict."""
    c = prep.corpus
    s = sum(len(x) for x in c.train_src) / len(c.train_src)
    t = sum(len(x) for x in c.train_tgt) / len(c.train_tgt) + 1
    h, b, layers = req.hidden, req.batch, req.layers
    runs = len(req.seeds) * len(req.archs) * len(req.attentions)
    total_s, peak = 0.0, 0
    for arch in req.archs:
        g = archs.get(arch).gate_blocks
        dirs = 2 if req.bidirectional else 1
        rec = 2 * b * (s * dirs + t) * g * h * 2 * h * layers
        head = 2 * b * t * h * (len(c.tgt_vocab) + 2 * s + 2 * h)
        step_s = 0.003 + 3 * (rec + head) / 1e10
        if req.teacher_forcing < 1:
            step_s += t * 4e-4
        decode_s = len(c.test_src) * (c.max_len + 1) * (rec + head) / b / t / 1e10 * req.beam
        total_s += (prep.steps * step_s + decode_s + 0.5) * len(req.seeds) * len(req.attentions)
        acts = b * (s * dirs + t) * h * layers * (g + 3) * 4 * 2
        attn = b * t * s * h * 4 * 3 if "additive" in req.attentions else b * t * s * 4 * 3
        vocab = (len(c.src_vocab) + len(c.tgt_vocab)) * h * 4 * 4
        peak = max(peak, int(acts + attn + vocab + 16 * (g * 4 * h * h * layers)))
    return Estimate(total_s, peak, runs)


def refuse_if_oversized(est: Estimate, force: bool, prep: Prepared | None = None,
                        req: Request | None = None) -> None:
    """Refuse over the limits, naming (given ``prep`` and ``req``) the options that
    dominate the estimate and the largest value of each that fits."""
    knobs = () if prep is None or req is None else _knobs(prep, req)
    refuse_oversized(f"training {est.runs} model(s)", seconds=est.seconds,
                     nbytes=est.memory_bytes, max_seconds=LIMIT_S, max_bytes=LIMIT_BYTES,
                     force=force, lower="lower --steps, --batch, --hidden or the runs",
                     knobs=knobs)


def _knobs(prep: Prepared, req: Request) -> list:
    from dataclasses import replace

    from rnncli.limits import Knob

    def at(**change) -> tuple[float, int]:
        steps = change.pop("steps", prep.steps)
        est = estimate(replace(prep, steps=steps), replace(req, **change))
        return est.seconds, est.memory_bytes

    return [Knob("--hidden", req.hidden, lambda v: at(hidden=v)),
            Knob("--batch", req.batch, lambda v: at(batch=v)),
            Knob("--layers", req.layers, lambda v: at(layers=v)),
            Knob("--steps", prep.steps, lambda v: at(steps=v))]


def run_all(prep: Prepared, req: Request, threads: int,
            progress: Callable[[str], Callable[[int, float], None] | None]
            ) -> Iterator[tuple[dict, object]]:
    """Train and evaluate every (seed, arch, attention); yields (result, model)."""
    from rnncli.seq2seq.models import ModelConfig
    from rnncli.seq2seq.train import TrainConfig, encode_corpus, run_one
    from rnncli.trainkit import torch_session

    c = prep.corpus
    cfg = TrainConfig(steps=prep.steps, batch=req.batch, lr=req.lr,
                      teacher_forcing=req.teacher_forcing, beam=req.beam)
    with torch_session(req.seeds[0], threads):
        encoded = encode_corpus(c)
        for seed in req.seeds:
            for arch in req.archs:
                for att in req.attentions:
                    mcfg = ModelConfig(arch, len(c.src_vocab), len(c.tgt_vocab),
                                       hidden=req.hidden, embed=req.hidden,
                                       layers=req.layers, attention=att,
                                       bidirectional=req.bidirectional)
                    label = f"{arch} {att} seed {seed}"
                    trained = run_one(c, mcfg, cfg, seed, progress(label), encoded)
                    yield trained.result, trained.model


def pick_example(corpus: Corpus, example: int | None) -> int:
    """The test example to show: the one asked for, else the longest of the first 100."""
    n = len(corpus.test_src)
    if example is not None:
        if not 0 <= example < n:
            raise BadInput(f"--example must be in 0..{n - 1}, got {example}")
        return example
    head = range(min(n, 100))
    return max(head, key=lambda i: (len(corpus.test_src[i]), -i))


def heatmap(model, corpus: Corpus, index: int, output: list[str]) -> dict | None:
    """Attention weights of one test example as the model decoded it."""
    import torch

    from rnncli.seq2seq.decode import attention_map

    src = corpus.test_src[index]
    ids = torch.tensor([corpus.src_vocab.encode(src)])
    out_ids = corpus.tgt_vocab.encode(output)
    weights = attention_map(model, ids, torch.tensor([len(src)]), out_ids)
    if weights is None:
        return None
    return {"index": index, "source": src, "output": output + ["<eos>"],
            "target": corpus.test_tgt[index], "weights": weights}


def baselines(corpus: Corpus) -> dict[str, float]:
    train = list(zip(corpus.train_src, corpus.train_tgt, strict=True))
    test = list(zip(corpus.test_src, corpus.test_tgt, strict=True))
    return metrics.baselines(train, test)


def published(prep: Prepared) -> dict | None:
    if prep.name == "scan" and prep.split in scan.PUBLISHED:
        return {"source": "Lake & Baroni 2018 (ICML), exact match, mean of 5 runs",
                "split": prep.split, "figure": scan.PUBLISHED[prep.split],
                "note": scan.PUBLISHED_NOTE}
    return None


def summary_stats(results: list[dict]) -> list[dict]:
    """Mean and sd of exact match per (arch, attention) over seeds."""
    from rnncli.trainkit import mean_sd

    groups: dict[tuple[str, str], list[float]] = {}
    for r in results:
        groups.setdefault((r["arch"], r["attention"]), []).append(r["exact"])
    out = []
    for (arch, att), vals in groups.items():
        m, sd = mean_sd(vals)
        out.append({"arch": arch, "attention": att, "seeds": len(vals), "exact_mean": m,
                    "exact_sd": sd if len(vals) > 1 else math.nan})
    return out


def _examples(corpus: Corpus, outputs: list[list[str]], n: int = 3) -> list[dict]:
    from rnncli.seq2seq.data import detokenize

    k = corpus.tokens
    pairs = corpus.test_pairs
    return [{"source": pairs[i][0],
             "target": detokenize(corpus.test_tgt[i], k),
             "output": detokenize(outputs[i], k)} for i in range(min(n, len(outputs)))]


def _best_heat(c: Corpus, req: Request, best_attention: tuple[dict, object] | None
               ) -> dict | None:
    if best_attention is None:
        return None
    r, model = best_attention
    index = pick_example(c, req.example)
    heat = heatmap(model, c, index, r["outputs"][index])
    if heat is not None:
        heat["model"] = f"{r['arch']} {r['attention']} seed {r['seed']}"
    return heat


def _per_run_extras(c: Corpus, req: Request, results: list[dict]) -> str | None:
    """Examples for every run, BLEU/chrF for the user's pairs; the sacrebleu hint or None."""
    hint = None
    for r in results:
        r["examples"] = _examples(c, r["outputs"])
        if req.data is not None:
            scores = _mt_scores(c, r["outputs"])
            r.update(scores or {})
            hint = None if scores else metrics.SACRE_HINT
    return hint


def _mt_scores(corpus: Corpus, outputs: list[list[str]]) -> dict | None:
    """sacrebleu on the detokenised outputs against the test targets as the file has them
    (case and spacing untouched), so the numbers compare with published sacreBLEU."""
    from rnncli.seq2seq.data import detokenize

    hyps = [detokenize(o, corpus.tokens) for o in outputs]
    refs = corpus.test_refs or [detokenize(t, corpus.tokens) for t in corpus.test_tgt]
    return metrics.sacre_scores(hyps, refs, lowercase_too=corpus.tokens == "word")


def assemble(prep: Prepared, req: Request, results: list[dict],
             best: tuple[dict, object] | None, best_attention: tuple[dict, object] | None,
             threads: int) -> dict:
    """The report dict that ``--json`` prints and the renderer shows."""
    c = prep.corpus
    heat = _best_heat(c, req, best_attention)
    mt_hint = _per_run_extras(c, req, results)
    report = {
        "task": prep.name, "split": prep.split, "source": prep.source,
        "tokens": c.tokens, "train_pairs": len(c.train_src), "test_pairs": len(c.test_src),
        "src_vocab": len(c.src_vocab), "tgt_vocab": len(c.tgt_vocab), "max_len": c.max_len,
        "unknown_test_tokens": c.unknown,
        "settings": {"hidden": req.hidden, "layers": req.layers, "batch": req.batch,
                     "lr": req.lr, "steps": prep.steps, "teacher_forcing": req.teacher_forcing,
                     "beam": req.beam, "bidirectional_encoder": req.bidirectional,
                     "reverse_source": req.reverse_source, "seeds": req.seeds,
                     "threads": threads},
        "baselines": baselines(c),
        "published": published(prep),
        "decoding": DECODING_NOTE,
        "mt_hint": mt_hint,
        "runs": results,
        "summary": summary_stats(results) if len(req.seeds) > 1 else [],
        "best": None if best is None else {k: best[0][k] for k in
                                           ("arch", "attention", "seed", "exact")},
        "interrupted": False,
        "attention_map": heat,
    }
    for r in results:
        r.pop("outputs", None)
    return report
