"""Training and evaluating the classifiers on token ids, step by step.

- ``Encoded``: a set of sentences as token id lists and labels.
- ``batch_plan(n, batch, steps, seed)``: which examples each step sees (a fresh
  permutation every epoch); the same plan feeds ``fit`` and the plain-loop benchmark.
- ``fit(model, data, cfg)``: Adam with linear warm-up, cross-entropy, gradient-norm
  clipping, a budget of optimizer steps (``rnncli.trainkit.run_steps``).
- ``predict``: class predictions, batched, in eval mode.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn

from rnncli import trainkit
from rnncli.tokens import PAD_ID, UNK_ID, Vocab, words


@dataclass
class Encoded:
    ids: list[list[int]]
    labels: list[int]

    def __len__(self) -> int:
        return len(self.labels)


@dataclass(frozen=True)
class FitConfig:
    steps: int = 300
    batch: int = 32
    lr: float = 3e-3
    warmup: int = 30
    clip: float = 1.0
    seed: int = 0
    cap_s: float | None = 1800.0  # wall-clock safety net only; reported when hit


def encode(vocab: Vocab, texts: Sequence[str], labels: Sequence[int]) -> Encoded:
    """Token ids of each text (a text with no tokens becomes one <unk>)."""
    return Encoded([vocab.encode(words(t)) or [UNK_ID] for t in texts], list(labels))


def pad_batch(seqs: Sequence[Sequence[int]], extra: int = 0) -> tuple[torch.Tensor,
                                                                       torch.Tensor]:
    """(B, T) ids padded with <pad> (``extra`` more pads after the longest) and lengths."""
    lengths = torch.tensor([len(s) for s in seqs])
    T = int(lengths.max()) + extra
    ids = torch.full((len(seqs), T), PAD_ID, dtype=torch.long)
    for row, s in enumerate(seqs):
        ids[row, : len(s)] = torch.tensor(s, dtype=torch.long)
    return ids, lengths


def batch_plan(n: int, batch: int, steps: int, seed: int) -> list[list[int]]:
    rng = random.Random(seed)
    order: list[int] = []
    plan = []
    for _ in range(steps):
        if len(order) < batch:
            perm = list(range(n))
            rng.shuffle(perm)
            order += perm
        plan.append(order[:batch])
        del order[:batch]
    return plan


def make_batches(data: Encoded, plan: list[list[int]]):
    """Lazily, the (ids, lengths, labels) tensors of every planned step."""
    for idx in plan:
        ids, lengths = pad_batch([data.ids[j] for j in idx])
        yield ids, lengths, torch.tensor([data.labels[j] for j in idx])


def fit(model: nn.Module, data: Encoded, cfg: FitConfig, progress=None):
    """Train ``model`` for ``cfg.steps`` optimizer steps; returns the trainkit.StepLog."""
    batches = make_batches(data, batch_plan(len(data), cfg.batch, cfg.steps, cfg.seed))
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    loss_fn = nn.CrossEntropyLoss()
    model.train()

    def step(i: int) -> float:
        trainkit.set_lr(opt, trainkit.warmup_lr(i, cfg.lr, cfg.warmup))
        ids, lengths, y = next(batches)
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(ids, lengths), y)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), cfg.clip)
        opt.step()
        return loss.item()

    log = trainkit.run_steps(step, cfg.steps, cap_s=cfg.cap_s, progress=progress)
    model.eval()
    return log


@torch.no_grad()
def predict(model: nn.Module, seqs: Sequence[Sequence[int]], batch: int = 256,
            extra_pad: int = 0, readout=None) -> list[int]:
    """Predicted classes; ``readout(model, ids, lengths)`` replaces ``model(ids, lengths)``."""
    model.eval()
    out: list[int] = []
    for start in range(0, len(seqs), batch):
        ids, lengths = pad_batch(seqs[start:start + batch], extra_pad)
        logits = readout(model, ids, lengths) if readout else model(ids, lengths)
        out += logits.argmax(-1).tolist()
    return out


def accuracy(pred: Sequence[int], labels: Sequence[int]) -> tuple[int, int]:
    return sum(int(p == y) for p, y in zip(pred, labels, strict=True)), len(labels)
