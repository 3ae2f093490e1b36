"""Training and evaluating one encoder-decoder (torch), on a budget of optimizer steps.

``train`` draws batches (with replacement, from a seeded generator) and takes ``steps``
Adam steps through ``rnncli.trainkit.run_steps``; the same seed and thread count give
identical numbers on the same machine (within the seed spread on another CPU). Teacher
forcing 1.0 feeds the true previous token at every step (one call of the decoder's
recurrent layer for the whole target). Below 1.0 it is scheduled sampling (Bengio et al.
2015): each step feeds the true token with a probability that falls linearly from 1 at
the first optimizer step to the given ratio at the last, and the model's own previous
choice otherwise (a Python loop over steps).

``evaluate`` measures the same test set twice: teacher-forced (every step sees the true
prefix) and free-running (the model reads its own outputs, as at use).  The gap in
token accuracy is exposure bias.  Teacher-forced exact match equals greedy exact match
by construction (if every step is right given a right prefix, greedy reproduces the
target), so the gap shows in token accuracy and in where errors start, not there.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch.nn import functional as F

from rnncli.seq2seq import metrics
from rnncli.seq2seq.data import Corpus, Encoded, encode
from rnncli.seq2seq.decode import decode
from rnncli.seq2seq.models import ModelConfig, Seq2Seq, build
from rnncli.tokens import PAD_ID
from rnncli.trainkit import param_count, run_steps, set_lr, warmup_lr

EVAL_BATCH = 512


@dataclass(frozen=True)
class TrainConfig:
    steps: int = 800
    batch: int = 64
    lr: float = 3e-3
    clip: float = 1.0
    warmup: int = 50
    teacher_forcing: float = 1.0
    beam: int = 1
    cap_s: float | None = None     # wall-clock safety net only


def loss_of(model: Seq2Seq, batch, p_gold: float = 1.0,
            gen: torch.Generator | None = None) -> torch.Tensor:
    """Mean cross-entropy over the non-padding target positions of one batch."""
    src, src_len, dec_in, dec_out = batch
    if p_gold >= 1.0:
        logits, _ = model(src, src_len, dec_in)
    else:
        logits = _sampled_logits(model, src, src_len, dec_in, p_gold, gen)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), dec_out.reshape(-1),
                           ignore_index=PAD_ID)


def _sampled_logits(model, src, src_len, dec_in, p_gold, gen):
    """Scheduled sampling: feed the true token with probability ``p_gold``."""
    memory, mask, state = model.encode(src, src_len)
    token, steps = dec_in[:, 0], []
    for t in range(dec_in.shape[1]):
        logits, state, _ = model.step(token, state, memory, mask)
        steps.append(logits)
        if t + 1 < dec_in.shape[1]:
            gold = torch.rand(token.shape[0], generator=gen) < p_gold
            token = torch.where(gold, dec_in[:, t + 1], logits.argmax(-1).detach())
    return torch.stack(steps, 1)


def gold_probability(step: int, steps: int, ratio: float) -> float:
    """Chance of feeding the true token at ``step``: 1 -> ``ratio`` linearly."""
    if ratio >= 1.0:
        return 1.0
    return 1.0 - (1.0 - ratio) * step / max(1, steps - 1)


def train(model: Seq2Seq, data: Encoded, cfg: TrainConfig, seed: int,
          progress: Callable[[int, float], None] | None = None):
    """Take ``cfg.steps`` optimizer steps; returns trainkit's StepLog (Ctrl-C re-raised)."""
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    model.train()

    def step(i: int) -> float:
        set_lr(opt, warmup_lr(i, cfg.lr, cfg.warmup))
        idx = torch.randint(len(data), (cfg.batch,), generator=gen)
        loss = loss_of(model, data.batch(idx), gold_probability(i, cfg.steps,
                                                                cfg.teacher_forcing), gen)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.clip)
        opt.step()
        return loss.item()

    log = run_steps(step, cfg.steps, cap_s=cfg.cap_s, progress=progress)
    if log.stopped == "interrupted":  # a half-trained model is not a result: pass Ctrl-C on
        raise KeyboardInterrupt
    model.eval()
    return log


@torch.no_grad()
def teacher_forced(model: Seq2Seq, data: Encoded) -> dict:
    """Token accuracy and all-positions-right rate with the true prefix at every step."""
    right = total = seqs = 0
    for lo in range(0, len(data), EVAL_BATCH):
        idx = torch.arange(lo, min(lo + EVAL_BATCH, len(data)))
        src, src_len, dec_in, dec_out = data.batch(idx)
        logits, _ = model(src, src_len, dec_in)
        keep = dec_out != PAD_ID
        hit = (logits.argmax(-1) == dec_out) & keep
        right += int(hit.sum())
        total += int(keep.sum())
        seqs += int((hit | ~keep).all(1).sum())
    return {"token_accuracy": right / total, "exact": seqs / len(data)}


@torch.no_grad()
def free_running(model: Seq2Seq, data: Encoded, corpus: Corpus, beam: int
                 ) -> tuple[list[list[str]], list[bool]]:
    """Decoded test outputs (tokens) and whether each ended with <eos>."""
    outs: list[list[str]] = []
    ended: list[bool] = []
    for lo in range(0, len(data), EVAL_BATCH):
        idx = torch.arange(lo, min(lo + EVAL_BATCH, len(data)))
        src, src_len, _, _ = data.batch(idx)
        ids, done = decode(model, src, src_len, corpus.max_len, beam)
        outs.extend(corpus.tgt_vocab.decode(r) for r in ids)
        ended.extend(done)
    return outs, ended


def evaluate(model: Seq2Seq, corpus: Corpus, test: Encoded, beam: int,
             ranges: list[tuple[int, int]]) -> dict:
    golds = corpus.test_tgt
    outs, ended = free_running(model, test, corpus, beam)
    correct = [o == g for o, g in zip(outs, golds, strict=True)]
    return {
        "exact": sum(correct) / len(golds),
        "token_accuracy": metrics.token_accuracy(outs, golds, ended),
        "teacher_forced": teacher_forced(model, test),
        "no_eos": sum(not e for e in ended),
        "length_ratio": sum(map(len, outs)) / max(1, sum(map(len, golds))),
        "by_length": metrics.by_length([len(s) for s in corpus.test_src], correct, ranges),
        "outputs": outs,
    }


@dataclass
class Trained:
    """One trained model and what it measured."""

    model: Seq2Seq
    result: dict


def run_one(corpus: Corpus, mcfg: ModelConfig, cfg: TrainConfig, seed: int,
            progress: Callable[[int, float], None] | None = None,
            encoded: tuple[Encoded, Encoded] | None = None) -> Trained:
    """Build, train and evaluate one model (torch seeded with ``seed`` by the caller)."""
    train_data, test_data = encoded or encode_corpus(corpus)
    torch.manual_seed(seed)
    model = build(mcfg)
    log = train(model, train_data, cfg, seed, progress)
    ranges = metrics.buckets([len(s) for s in corpus.test_src])
    ev = evaluate(model, corpus, test_data, cfg.beam, ranges)
    tail = log.losses[-20:]
    result = {"arch": mcfg.arch, "attention": mcfg.attention, "seed": seed,
              "params": param_count(model), "steps": log.steps,
              "seconds": round(log.seconds, 2), "stopped": log.stopped,
              "final_loss": sum(tail) / len(tail) if tail else math.nan, **ev}
    return Trained(model, result)


def encode_corpus(corpus: Corpus) -> tuple[Encoded, Encoded]:
    return (encode(corpus.train_src, corpus.train_tgt, corpus.src_vocab, corpus.tgt_vocab),
            encode(corpus.test_src, corpus.test_tgt, corpus.src_vocab, corpus.tgt_vocab))
