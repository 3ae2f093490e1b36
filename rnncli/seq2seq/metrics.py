"""Metrics and the baselines that need no recurrence.

- ``exact``: the share of outputs equal to the target, token for token (sequence
  accuracy, the measure Lake & Baroni 2018 report for SCAN).
- ``token_accuracy``: position by position against ``target + <eos>``; an output that
  stops early or runs on loses the positions it misses.
- ``by_length``: exact match per source length (the shape of Bahdanau et al. 2015,
  Figure 2, where the plain encoder-decoder falls off with sentence length).
- Baselines: ``copy`` (output the source), ``majority`` (the most frequent training
  target for everything) and ``lookup`` (a training pair's target when the test source
  occurs in training, else the majority target).  None of them looks at order.
- ``sacre_scores``: corpus BLEU and chrF from sacrebleu (optional extra ``mt``), of
  detokenised outputs against the raw reference lines (sacreBLEU's point: scores on
  untouched references); with word tokens (which lower-case) also the case-insensitive
  BLEU (sacrebleu ``lowercase=True``), so the share lost to case is visible.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

Tokens = Sequence[str]


def exact(preds: Sequence[Tokens], golds: Sequence[Tokens]) -> float:
    if not golds:
        return float("nan")
    return sum(list(p) == list(g) for p, g in zip(preds, golds, strict=True)) / len(golds)


def token_counts(pred: Tokens, gold: Tokens, ended: bool = True) -> tuple[int, int]:
    """(correct positions, positions) of one output against ``gold + <eos>``."""
    p = list(pred) + (["<eos>"] if ended else [])
    g = list(gold) + ["<eos>"]
    return sum(a == b for a, b in zip(p, g, strict=False)), len(g)


def token_accuracy(preds: Sequence[Tokens], golds: Sequence[Tokens],
                   ended: Sequence[bool] | None = None) -> float:
    ended = ended if ended is not None else [True] * len(golds)
    right = total = 0
    for p, g, e in zip(preds, golds, ended, strict=True):
        r, n = token_counts(p, g, e)
        right, total = right + r, total + n
    return right / total if total else float("nan")


def buckets(lengths: Sequence[int], n: int = 6) -> list[tuple[int, int]]:
    """Up to ``n`` contiguous (lo, hi) length ranges covering ``lengths``."""
    lo, hi = min(lengths), max(lengths)
    width = max(1, -(-(hi - lo + 1) // n))
    return [(a, min(hi, a + width - 1)) for a in range(lo, hi + 1, width)]


def by_length(lengths: Sequence[int], correct: Sequence[bool],
              ranges: Sequence[tuple[int, int]]) -> list[dict]:
    """Exact match per source-length range: [{lo, hi, n, exact}]."""
    out = []
    for lo, hi in ranges:
        hits = [c for n, c in zip(lengths, correct, strict=True) if lo <= n <= hi]
        out.append({"lo": lo, "hi": hi, "n": len(hits),
                    "exact": sum(hits) / len(hits) if hits else None})
    return out


def baselines(train: Sequence[tuple[Tokens, Tokens]], test: Sequence[tuple[Tokens, Tokens]]
              ) -> dict[str, float]:
    """Exact match of the copy, majority and lookup baselines on ``test``."""
    counts = Counter(tuple(t) for _, t in train)
    majority = list(counts.most_common(1)[0][0]) if counts else []
    table: dict[tuple, list] = {}
    for s, t in train:
        table.setdefault(tuple(s), list(t))
    golds = [list(t) for _, t in test]
    return {
        "copy": exact([list(s) for s, _ in test], golds),
        "majority": exact([majority] * len(test), golds),
        "lookup": exact([table.get(tuple(s), majority) for s, _ in test], golds),
    }


SACRE_HINT = "BLEU and chrF need sacrebleu: pip install 'rnncli[mt]'"


def sacre_scores(hyps: list[str], refs: list[str], lowercase_too: bool = False
                 ) -> dict[str, float] | None:
    """Corpus BLEU and chrF (sacrebleu's defaults), or None without sacrebleu.

    ``refs`` are the references as the user wrote them; ``lowercase_too`` adds
    ``bleu_lc``, BLEU with sacrebleu's ``lowercase=True``."""
    try:
        import sacrebleu
    except ImportError:
        return None
    out = {"bleu": float(sacrebleu.corpus_bleu(hyps, [refs]).score),
           "chrf": float(sacrebleu.corpus_chrf(hyps, [refs]).score)}
    if lowercase_too:
        out["bleu_lc"] = float(sacrebleu.corpus_bleu(hyps, [refs], lowercase=True).score)
    return out
