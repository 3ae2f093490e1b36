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

Held-out compositions (``HELD_OUT``), in the spirit of SCAN's add-primitive split (Lake
& Baroni 2018: "jump" is trained only in isolation and tested in every composition).
The sets above come from the same templates and words as training, so a high score
there shows a pattern is learnable, not that a model composes it. ``held_out(seed)``
picks, per probe seed:

- ``bare``: 2 positive and 2 negative adjectives that training shows only bare: never
  in a sentence with "not" or an intensifier ("really", "very", "quite");
- ``pairs``: opposite-polarity pairs of the other adjectives that no training sentence
  holds together (each word is seen in "X but Y" with other partners).

Each composition has an in-distribution set (the same template on words and pairs as
trained) beside its held-out set: ``negation/seen`` vs ``negation/held-out`` ("not X"
for a bare X), ``contrast/seen`` vs ``contrast/held-out`` ("X but Y" for a held-out
pair), ``intensifier/seen`` vs ``intensifier/held-out`` ("very X" for a bare X). The
training set, validation and test sets and the other probe sets never break the split.
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
INTENSIFIERS = ("really", "very", "quite")
NEGATORS = ("not",)
COMPOSITIONS = ("negation", "contrast", "intensifier")  # each has /seen and /held-out
HELD_OUT_BARE = 2  # adjectives of each polarity shown only bare in training
HELD_OUT_PAIRS = 12  # of the 64 opposite-polarity pairs of the remaining 16 adjectives
LABELS = ("negative", "positive")


@dataclass
class Sentence:
    text: str
    label: int
    kind: str                 # template name ("negation/double", "memory/20" ...)
    first: int | None = None  # polarity of the first clause, for contrast sentences


@dataclass(frozen=True)
class HeldOut:
    """What training never shows: ``bare`` words composed, ``pairs`` together."""

    bare: tuple[str, ...]
    pairs: tuple[tuple[str, str], ...]  # (positive, negative)

    def allows(self, text: str) -> bool:
        """Whether a training sentence keeps the split (see the module docstring)."""
        toks = text.split()
        composed = any(t in NEGATORS or t in INTENSIFIERS for t in toks)
        if composed and any(t in self.bare for t in toks):
            return False
        return not any(p in toks and n in toks for p, n in self.pairs)


def held_out(seed: int) -> HeldOut:
    """The held-out words and pairs for probe seed ``seed`` (deterministic)."""
    r = random.Random(f"held-out {seed}")
    bare = tuple(r.sample(POSITIVE, HELD_OUT_BARE) + r.sample(NEGATIVE, HELD_OUT_BARE))
    pairs = [(p, n) for p in POSITIVE for n in NEGATIVE if p not in bare and n not in bare]
    return HeldOut(bare, tuple(sorted(r.sample(pairs, HELD_OUT_PAIRS))))


@dataclass
class ProbeCorpus:
    train: list[Sentence]
    val: list[Sentence]
    test: list[Sentence]
    probes: dict[str, list[Sentence]] = field(default_factory=dict)
    held_out: HeldOut | None = None


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

    def negated(self, a: str | None = None) -> Sentence:
        a = a or self.adj()
        return Sentence(self.lead(self.clause("not " + a)), 1 - _pol(a), "negation/simple")

    def intensified(self, a: str | None = None) -> Sentence:
        a = a or self.adj()
        adv = self.r.choice(INTENSIFIERS)
        return Sentence(self.lead(self.clause(f"{adv} {a}")), _pol(a), "intensifier")

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


def _order_pairs(g: _Grammar, n: int, seen: set[str], held: HeldOut) -> list[Sentence]:
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
        if one.text in seen or two.text in seen or not (held.allows(one.text)
                                                         and held.allows(two.text)):
            continue
        seen.update((one.text, two.text))
        one.kind = two.kind = "order/" + one.kind.split("/")[-1]
        out += [one, two]
    return out


def _fresh(make, n: int, seen: set[str], keep=None) -> list[Sentence]:
    """Up to ``n`` sentences from ``make()`` not in ``seen`` (nor repeated) that pass
    ``keep(text)`` (in-distribution sets pass ``HeldOut.allows``)."""
    out: list[Sentence] = []
    for _ in range(50 * n):
        if len(out) >= n:
            break
        s = make()
        if s.text not in seen and (keep is None or keep(s.text)):
            seen.add(s.text)
            out.append(s)
    return out


def _training(g: _Grammar, held: HeldOut) -> Sentence:
    """A training sentence that keeps the held-out split (redrawn until it does)."""
    while True:
        s = g.training_sentence()
        if held.allows(s.text):
            return s


def _held_out_sets(g: _Grammar, held: HeldOut, n: int, seen: set[str]) -> dict:
    """Each composition in distribution (``/seen``) and on held-out words or pairs."""
    keep = held.allows

    def held_pair():
        a, b = g.r.choice(held.pairs)
        return g.but(*((a, b) if g.r.randrange(2) else (b, a)))

    return {
        "negation/seen": _fresh(g.negated, n, seen, keep),
        "negation/held-out": _fresh(lambda: g.negated(g.r.choice(held.bare)), n, seen),
        "contrast/seen": _fresh(g.but, n, seen, keep),
        "contrast/held-out": _fresh(held_pair, n, seen),
        "intensifier/seen": _fresh(g.intensified, n, seen, keep),
        "intensifier/held-out": _fresh(lambda: g.intensified(g.r.choice(held.bare)), n, seen),
    }


def build(seed: int = 0, n_train: int = 4000, n_probe: int = 200) -> ProbeCorpus:
    """The whole corpus, deterministic from ``seed``."""
    g = _Grammar(random.Random(seed))
    held = held_out(seed)
    keep = held.allows
    train = [_training(g, held) for _ in range(n_train)]
    seen = {s.text for s in train}
    val = _fresh(g.training_sentence, n_probe, seen, keep)
    test = _fresh(g.training_sentence, 2 * n_probe, seen, keep)
    per = max(1, n_probe // 3)
    probes = {
        "order": _order_pairs(g, n_probe, seen, held),
        "negation": (_fresh(g.negated, per, seen, keep) + _fresh(g.double_negated, per, seen,
                                                                  keep)
                     + _fresh(g.scope, n_probe - 2 * per, seen, keep)),
        "contrast": _fresh(g.but, n_probe, seen, keep),
        "override": _fresh(lambda: g.although(pad=g.r.randint(2, 8)), n_probe, seen, keep),
        "memory": [s for k in MEMORY_KS for s in _fresh(lambda k=k: g.memory(k),
                                                        max(20, n_probe // 4), seen, keep)],
        **_held_out_sets(g, held, n_probe, seen),
    }
    return ProbeCorpus(train, val, test, probes, held)
