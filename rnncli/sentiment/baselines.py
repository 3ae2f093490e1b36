"""Naive Bayes on unigrams + bigrams: the baseline that needs no recurrence and no torch.

Multinomial Naive Bayes with add-one (Laplace) smoothing over word and word-pair counts,
as in Wang & Manning (2012, "Baselines and bigrams"), whose MNB-bigram model is a strong
baseline on short snippets. Bigrams see *adjacent* word order ("not bad" differs from
"bad not"), so this baseline is not entirely order-blind; with ``bigrams=False`` it is,
and it then scores exactly 50% on the probe ``order`` set. Ties go to the lowest class.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence


def features(tokens: Sequence[str], bigrams: bool = True) -> list[str]:
    feats = list(tokens)
    if bigrams:
        feats += [f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)]
    return feats


class NaiveBayes:
    def __init__(self, bigrams: bool = True, alpha: float = 1.0):
        self.bigrams, self.alpha = bigrams, alpha
        self.log_prior: list[float] = []
        self.log_lik: list[dict[str, float]] = []
        self.log_unseen: list[float] = []

    def fit(self, token_lists: Sequence[Sequence[str]], labels: Sequence[int],
            num_classes: int) -> NaiveBayes:
        counts = [Counter() for _ in range(num_classes)]
        docs = Counter(labels)
        for toks, y in zip(token_lists, labels, strict=True):
            counts[y].update(features(toks, self.bigrams))
        vocab = set().union(*counts)
        n = len(labels)
        for c in range(num_classes):
            total = sum(counts[c].values()) + self.alpha * (len(vocab) + 1)
            self.log_prior.append(math.log(max(docs[c], 1) / n))
            self.log_lik.append({f: math.log((k + self.alpha) / total)
                                 for f, k in counts[c].items()})
            self.log_unseen.append(math.log(self.alpha / total))
        self.vocab = vocab
        return self

    def scores(self, tokens: Sequence[str]) -> list[float]:
        feats = [f for f in features(tokens, self.bigrams) if f in self.vocab]
        return [prior + sum(lik.get(f, unseen) for f in feats)
                for prior, lik, unseen in zip(self.log_prior, self.log_lik, self.log_unseen,
                                              strict=True)]

    def predict(self, token_lists: Sequence[Sequence[str]]) -> list[int]:
        out = []
        for toks in token_lists:
            s = self.scores(toks)
            out.append(max(range(len(s)), key=s.__getitem__))
        return out
