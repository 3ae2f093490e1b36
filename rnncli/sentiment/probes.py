"""The generated probe corpus: a small grammar over a sentiment lexicon, built so that each
of the lesson's claims has a test set that isolates it.

Training sentences come from the same templates as the probes (simple, negated, "X but
Y", "X , not Y", "although ... , overall Y", a verdict followed by neutral filler words);
probe sentences that occur verbatim in the training set are dropped, so a probe is never
answered by memorising a whole sentence. Labels: 0 negative, 1 positive.

Probe sets (``PROBES``):

- ``order``: pairs with the same words and opposite labels ("the film was good but the
  plot was boring" / "... was boring but ... was good"; "good , not bad" / "bad , not
  good"; "although ... good , overall ... boring" / swapped). A model that ignores word
  order gives both members of a pair the same answer, so it scores exactly 50%.
  The lesson's pair "not good" / "good not" is replaced: "good not" is not English (an
  English "not" comes before what it negates), so no review contains it and a model
  trained on reviews learns nothing about it; "good , not bad" / "bad , not good" is
  the same idea in sentences people write.
- ``negation``: "not bad" (positive), "not good" (negative), double negation ("i would
  not say the film was not good", positive) and negation scope ("not only good but
  great": the "not" negates nothing).
- ``contrast``: "X but Y" with opposite clauses, labelled by Y; the share of answers that
  follow the first clause instead is reported.
- ``override``: the lesson's "Although ... overall great": the deciding word comes last,
  after a clause of the opposite polarity. This tests overriding, not memory.
- ``memory``: the deciding clause comes first and k neutral filler words follow,
  k = 0 ... 100 (training sentences have at most ``TRAIN_FILLER_MAX`` fillers).
- ``padding`` is not a sentence set: the ``order`` sentences with pad tokens appended.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

POSITIVE = ("good", "great", "fine", "excellent", "wonderful", "superb", "brilliant",
            "lovely", "enjoyable", "moving")
NEGATIVE = ("bad", "boring", "awful", "terrible", "dull", "poor", "weak", "dreadful",
            "tedious", "bland")
SUBJECTS = ("the film", "the movie", "the plot", "the acting", "the story", "the cast",
            "the script", "the music", "the ending", "the dialogue")
PREFIXES = ("", "i thought", "honestly ,", "in my view", "frankly ,", "to me")
FILLERS = ("we", "watched", "it", "on", "a", "tuesday", "with", "two", "friends", "and",
           "then", "walked", "home", "through", "the", "park", "after", "dinner", "in",
           "town", "near", "station", "later", "that", "evening", "bus", "took", "us",
           "back", "to", "house", "where", "kitchen", "table", "stood", "by", "window",
           "my", "brother", "said", "nothing")
MEMORY_KS = (0, 5, 10, 20, 50, 100)
TRAIN_FILLER_MAX = 20
PROBES = ("order", "negation", "contrast", "override", "memory")
LABELS = ("negative", "positive")


@dataclass
class Sentence:
    text: str
    label: int
    kind: str                 # template name ("negation/double", "memory/20" ...)
    first: int | None = None  # polarity of the first clause, for contrast sentences


@dataclass
class ProbeCorpus:
    train: list[Sentence]
    val: list[Sentence]
    test: list[Sentence]
    probes: dict[str, list[Sentence]] = field(default_factory=dict)


def _pol(word: str) -> int:
    return 1 if word in POSITIVE else 0


class _Grammar:
    """Sentence templates drawn with one seeded ``random.Random``."""

    def __init__(self, rng: random.Random):
        self.r = rng

    def adj(self, polarity: int | None = None) -> str:
        if polarity is None:
            polarity = self.r.randrange(2)
        return self.r.choice(POSITIVE if polarity else NEGATIVE)

    def clause(self, adj: str, verb: str | None = None) -> str:
        return f"{self.r.choice(SUBJECTS)} {verb or self.r.choice(('was', 'is'))} {adj}"

    def lead(self, text: str) -> str:
        return " ".join(t for t in (self.r.choice(PREFIXES), text) if t)

    def simple(self) -> Sentence:
        a = self.adj()
        adv = self.r.choice(("", "really ", "very ", "quite "))
        return Sentence(self.lead(self.clause(adv + a)), _pol(a), "simple")

    def negated(self) -> Sentence:
        a = self.adj()
        return Sentence(self.lead(self.clause("not " + a)), 1 - _pol(a), "negation/simple")

    def double_negated(self) -> Sentence:
        a = self.adj()
        return Sentence(f"i would not say {self.clause('not ' + a)}", _pol(a),
                        "negation/double")

    def scope(self) -> Sentence:
        p = self.r.randrange(2)
        a, b = self.r.sample(POSITIVE if p else NEGATIVE, 2)
        return Sentence(self.lead(self.clause(f"not only {a} but {b}")), p, "negation/scope")

    def but(self, a: str | None = None, b: str | None = None) -> Sentence:
        p = self.r.randrange(2)
        a, b = a or self.adj(p), b or self.adj(1 - p)
        text = f"{self.clause(a)} but {self.clause(b)}"
        return Sentence(text, _pol(b), "contrast", first=_pol(a))

    def comma_not(self, a: str | None = None, b: str | None = None) -> Sentence:
        p = self.r.randrange(2)
        a, b = a or self.adj(p), b or self.adj(1 - p)
        return Sentence(self.lead(self.clause(f"{a} , not {b}")), _pol(a), "order/comma-not")

    def although(self, a: str | None = None, b: str | None = None, pad: int = 0) -> Sentence:
        p = self.r.randrange(2)
        a, b = a or self.adj(p), b or self.adj(1 - p)
        middle = " ".join(self.r.choice(FILLERS) for _ in range(pad))
        first = f"although {self.clause(a)}" + (f" and {middle}" if middle else "")
        return Sentence(f"{first} , overall it was {b}", _pol(b), "override", first=_pol(a))

    def memory(self, k: int) -> Sentence:
        a = self.adj()
        tail = " ".join(self.r.choice(FILLERS) for _ in range(k))
        text = f"{self.clause(a)} ." + (f" {tail}" if tail else "")
        return Sentence(text, _pol(a), f"memory/{k}")

    def training_sentence(self) -> Sentence:
        kind = self.r.choices(
            ("simple", "neg", "double", "scope", "but", "comma", "although", "memory"),
            weights=(3, 3, 1, 1, 3, 2, 2, 3))[0]
        if kind == "memory":
            return self.memory(self.r.randint(0, TRAIN_FILLER_MAX))
        if kind == "although":
            return self.although(pad=self.r.randint(0, 4))
        return {"simple": self.simple, "neg": self.negated, "double": self.double_negated,
                "scope": self.scope, "but": self.but, "comma": self.comma_not}[kind]()


def _order_pairs(g: _Grammar, n: int, seen: set[str]) -> list[Sentence]:
    """``n`` sentences as pairs (same words, swapped adjectives, opposite labels)."""
    out: list[Sentence] = []
    makers = (g.but, g.comma_not, g.although)
    for _ in range(50 * n):
        if len(out) >= n:
            break
        p = g.r.randrange(2)
        a, b = g.adj(p), g.adj(1 - p)
        make = g.r.choice(makers)
        state = g.r.getstate()
        one = make(a, b)
        g.r.setstate(state)  # the same subjects and verbs for the swapped member
        two = make(b, a)
        if one.text in seen or two.text in seen:
            continue
        seen.update((one.text, two.text))
        one.kind = two.kind = "order/" + one.kind.split("/")[-1]
        out += [one, two]
    return out


def _fresh(make, n: int, seen: set[str]) -> list[Sentence]:
    """Up to ``n`` sentences from ``make()`` not in ``seen`` (nor repeated)."""
    out: list[Sentence] = []
    for _ in range(50 * n):
        if len(out) >= n:
            break
        s = make()
        if s.text not in seen:
            seen.add(s.text)
            out.append(s)
    return out


def build(seed: int = 0, n_train: int = 4000, n_probe: int = 200) -> ProbeCorpus:
    """The whole corpus, deterministic from ``seed``."""
    g = _Grammar(random.Random(seed))
    train = [g.training_sentence() for _ in range(n_train)]
    seen = {s.text for s in train}
    val = _fresh(g.training_sentence, n_probe, seen)
    test = _fresh(g.training_sentence, 2 * n_probe, seen)
    per = max(1, n_probe // 3)
    probes = {
        "order": _order_pairs(g, n_probe, seen),
        "negation": (_fresh(g.negated, per, seen) + _fresh(g.double_negated, per, seen)
                     + _fresh(g.scope, n_probe - 2 * per, seen)),
        "contrast": _fresh(g.but, n_probe, seen),
        "override": _fresh(lambda: g.although(pad=g.r.randint(2, 8)), n_probe, seen),
        "memory": [s for k in MEMORY_KS for s in _fresh(lambda k=k: g.memory(k),
                                                        max(20, n_probe // 4), seen)],
    }
    return ProbeCorpus(train, val, test, probes)
