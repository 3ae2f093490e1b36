"""The one verdict rule: when a command may say "beats", "faster", "solved" or "held".

Every command that compares (bench, compare --measure, sentiment, memory, race, advise)
turns its numbers into words here, so the same evidence gets the same word everywhere and
no verdict contradicts the numbers printed beside it. Pure Python (no torch, no numpy);
the intervals come from where they are computed: ``measure.stats.ratio`` (bootstrap of a
ratio of medians), ``trainkit.t_interval`` (Student t over seeds), ``trainkit.wilson``
(an accuracy), and :func:`accuracy_difference` below (Newcombe's hybrid score interval of
a difference of two accuracies, built from two Wilson intervals; Newcombe 1998, method 10).

The rule
--------
1. **Enough evidence, or a refusal naming the minimum.** Each kind of evidence has a named
   minimum: ``MIN_RUNS`` timed runs per row (bench, compare --measure), ``MIN_SEEDS`` seeds
   (a difference over seeds), ``MIN_EXAMPLES`` test examples (an accuracy). Below it the
   verdict is ``"too small"`` and its line says how many there were, how many are needed,
   the observed value (so a large effect is not hidden) and, when the caller gives one,
   how to get more.
2. **Ties are ties.** Two values that print the same (``shown``) are a tie, whatever the
   interval says.
3. **An interval that excludes "no difference".** A comparative word only when the 95%
   interval excludes the null (1 for a ratio, 0 for a difference); otherwise "not
   distinguishable". A threshold claim ("held", "solved") is decided the same way against
   the bar: the interval above it -> the claim; below it -> "not"; straddling it ->
   "not decided".
4. **The interval itself, never "± its larger side".** ``1.12× (95% 1.02–1.30)``.

API
---
``Evidence(estimate, lo, hi, n, minimum, unit)``: one estimate with its interval and the
    sample behind it; ``.enough``, ``.excludes(value)``. Built by the caller from
    ``measure.stats.ratio`` (bench), or by ``over_seeds(values)`` (t interval) and
    ``accuracy_evidence(value, n)`` (Wilson).
``span(lo, hi, f)`` -> ``"1.02–1.30"`` (``"-0.01 to 0.06"`` when a bound is negative);
``ratio_text(r, lo, hi)`` -> ``"1.12× (95% 1.02–1.30)"``.
``compare_ratio(fast, slow, ev, ...)`` -> :class:`Verdict`: ``"fast"`` faster than
    ``"slow"`` by a ratio of times (null 1).
``compare_difference(a, b, ev, ...)`` -> :class:`Verdict`: ``ev`` is ``a - b`` (null 0),
    with ``lower_is_better`` for errors (RMSE) and the word to use ("beats", "better
    than"); a decided line shows the difference as winner minus loser.
``accuracy_difference(a, b)`` -> :class:`Evidence` of ``acc_a - acc_b`` from two
    :class:`Accuracy` (mean accuracy and test-set size).
``compare_accuracies(a, b, ...)`` -> :class:`Verdict` (ties, too small, Newcombe interval).
``threshold(name, ev, bar, ...)`` -> :class:`Verdict` with outcome ``"held"``,
    ``"not held"``, ``"not decided"`` or ``"too small"`` (words configurable: "solved").
``Verdict``: ``outcome`` (``"a"``, ``"b"``, ``"tie"``, ``"not distinguishable"``,
    ``"too small"``; threshold: ``"held"``, ``"not held"``, ``"not decided"``),
    ``winner`` (a name or None), ``decided``, ``line`` (the sentence), ``as_dict()``.
``across(outcomes)`` -> :class:`Across`: does one winner hold over several cases (sizes,
    configurations)? ``kind`` is ``"every"``, ``"depends"`` (naming which case gives
    which winner), ``"partly"`` (one winner where decided) or ``"none"``.
``claim_over_cases(claimed, outcomes, claim)``: a claim ("GRU is faster") against
    per-case winners: matches / contradicts / holds only where decided / depends (naming
    the cases) / neither shown nor refuted. 0 wins is never "holds in some cases".
``ranking(by_config, tuned)`` -> :class:`Across` whose line says the ranking "holds in
    every configuration tried", holds "only at the tuned best", or "depends on the
    configuration" (naming which): for ``race``'s tuning sweep.
``scope(in_distribution, held_out, what)``: what a "held"/"solved" was shown for:
    ``NOT_SHOWN``, ``IN_DISTRIBUTION`` or ``generalises to held-out <what>``, from two
    threshold :class:`Verdict` (held-out None: not probed).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from rnncli import fmt, trainkit

LEVEL = 0.95
#: Timed runs per row before a speed verdict (bench, compare --measure).
MIN_RUNS = 5
#: Seeds per side before a verdict on a difference over seeds (a t interval of 2 values
#: spans +-12.7 standard errors: no evidence of anything).
MIN_SEEDS = 3
#: Test examples before an accuracy verdict: below 30 one example moves the accuracy by
#: more than 3 points and the 95% Wilson interval of 50% is wider than +-0.17.
MIN_EXAMPLES = 30

NOT_SHOWN = "not shown"
IN_DISTRIBUTION = "in distribution only"
GENERALISES = "generalises to held-out {what}"


@dataclass(frozen=True)
class Evidence:
    """An estimate, its 95% interval (None: no interval) and the sample behind it."""

    estimate: float
    lo: float | None
    hi: float | None
    n: int  # the smaller sample of the two sides (runs, seeds, examples)
    minimum: int
    unit: str  # singular: "timed run", "seed", "test example"

    @property
    def sample(self) -> str:
        """``"1 timed run"``, ``"3 seeds"``."""
        return f"{self.n} {self.unit}{'' if self.n == 1 else 's'}"

    @property
    def enough(self) -> bool:
        return self.n >= self.minimum and self.lo is not None and self.hi is not None

    def excludes(self, value: float) -> bool:
        return self.enough and (self.lo > value or self.hi < value)

    def as_dict(self) -> dict:
        return {"estimate": self.estimate, "lo": self.lo, "hi": self.hi, "n": self.n,
                "minimum": self.minimum, "unit": self.unit, "level": LEVEL}


def over_seeds(values: list[float] | tuple[float, ...], minimum: int = MIN_SEEDS) -> Evidence:
    """Mean of per-seed values (e.g. paired differences) with its Student t 95% interval
    (``trainkit.t_interval``)."""
    if not values:
        return Evidence(math.nan, None, None, 0, minimum, "seed")
    m, lo, hi = trainkit.t_interval(list(values))
    ok = len(values) > 1
    return Evidence(m, lo if ok else None, hi if ok else None, len(values), minimum, "seed")


def accuracy_evidence(value: float, n: int, minimum: int = MIN_EXAMPLES) -> Evidence:
    """An accuracy on ``n`` examples with its Wilson 95% interval (``trainkit.wilson``)."""
    if n <= 0:
        return Evidence(value, None, None, 0, minimum, "test example")
    lo, hi = trainkit.wilson(round(value * n), n)
    return Evidence(value, lo, hi, n, minimum, "test example")


@dataclass(frozen=True)
class Verdict:
    """A comparison's outcome and the sentence that says it."""

    outcome: str
    line: str
    winner: str | None = None
    evidence: Evidence | None = None

    @property
    def decided(self) -> bool:
        return self.winner is not None

    def as_dict(self) -> dict:
        return {"outcome": self.outcome, "winner": self.winner, "decided": self.decided,
                "line": self.line,
                "evidence": self.evidence.as_dict() if self.evidence else None}


def _bad(x: float | None) -> bool:
    return x is None or not math.isfinite(x)


def span(lo: float | None, hi: float | None, f: Callable = fmt.fixed) -> str:
    """An interval as its two bounds: ``1.02–1.30``; ``-0.01 to 0.06`` with a negative."""
    if _bad(lo) or _bad(hi):
        return "no interval"
    sep = " to " if min(lo, hi) < 0 else "–"
    return f"{f(lo)}{sep}{f(hi)}"


def _ratio_num(x: float) -> str:
    return fmt.ratio(x) if x >= 1 else f"{x:.2f}"


def ratio_text(r: float, lo: float | None, hi: float | None) -> str:
    """A ratio with its interval itself: ``1.12× (95% 1.02–1.30)``."""
    if _bad(lo) or _bad(hi):
        return f"{_ratio_num(r)}×"
    return f"{_ratio_num(r)}× (95% {span(lo, hi, _ratio_num)})"


def _too_small(a: str, b: str, ev: Evidence, observed: str, how: str) -> Verdict:
    hint = f"; {how}" if how else ""
    line = (f"{a} and {b} not compared: {ev.sample}, at least {ev.minimum} needed "
            f"(observed {observed}{hint})")
    return Verdict("too small", line, None, ev)


def compare_ratio(fast: str, slow: str, ev: Evidence, *, word: str = "faster",
                  how: str = "") -> Verdict:
    """``ev`` is time(slow) / time(fast) (>= 1 when ``fast`` is the faster one)."""
    observed = f"{fast} {_ratio_num(ev.estimate)}× {word}"
    if not ev.enough:
        return _too_small(fast, slow, ev, observed, how)
    if not ev.excludes(1.0):
        return Verdict("not distinguishable",
                       f"{fast} and {slow} not distinguishable here (ratio "
                       f"{_ratio_num(ev.estimate)}×, 95% {span(ev.lo, ev.hi, _ratio_num)} "
                       "includes 1)", None, ev)
    if ev.lo > 1.0:
        return Verdict("a", f"{fast} {ratio_text(ev.estimate, ev.lo, ev.hi)} {word} than "
                       f"{slow}", fast, ev)
    inv = ratio_text(1 / ev.estimate, 1 / ev.hi, 1 / ev.lo)
    return Verdict("b", f"{slow} {inv} {word} than {fast}", slow, ev)


def compare_difference(a: str, b: str, ev: Evidence, *, word: str = "beats",
                       lower_is_better: bool = False, f: Callable = fmt.sig,
                       shown: tuple[float, float] | None = None, how: str = "",
                       what: str = "difference") -> Verdict:
    """``ev`` is value(a) - value(b). ``shown``: the two values as printed, for ties."""
    if shown is not None and f(shown[0]) == f(shown[1]):
        return Verdict("tie", f"{a} and {b} tie ({f(shown[0])} each)", None, ev)
    observed = f"{what} {f(ev.estimate)}"
    if not ev.enough:
        return _too_small(a, b, ev, observed, how)
    if not ev.excludes(0.0):
        interval = f"{what} {f(ev.estimate)}, 95% {span(ev.lo, ev.hi, f)}"
        return Verdict("not distinguishable",
                       f"{a} and {b} not distinguishable here ({interval} includes 0)",
                       None, ev)
    a_wins = (ev.estimate < 0) == lower_is_better
    win, lose = (a, b) if a_wins else (b, a)
    # said as winner minus loser, so the sign matches the sentence
    d, lo, hi = (ev.estimate, ev.lo, ev.hi) if a_wins else (-ev.estimate, -ev.hi, -ev.lo)
    interval = f"{what} {f(d)}, 95% {span(lo, hi, f)}"
    return Verdict("a" if a_wins else "b", f"{win} {word} {lose} ({interval})", win, ev)


@dataclass(frozen=True)
class Accuracy:
    """One model's accuracy on a test set of ``n`` examples (mean over seeds)."""

    name: str
    value: float
    n: int


def accuracy_difference(a: Accuracy, b: Accuracy) -> Evidence:
    """acc_a - acc_b with Newcombe's hybrid score interval (method 10, from two Wilson
    intervals). Treats the two as independent samples: on one shared test set it is
    conservative (wider than a paired interval), so a decided verdict stands."""
    n = min(a.n, b.n)
    if n <= 0:
        return Evidence(a.value - b.value, None, None, 0, MIN_EXAMPLES, "test example")
    la, ua = trainkit.wilson(round(a.value * a.n), a.n)
    lb, ub = trainkit.wilson(round(b.value * b.n), b.n)
    d = a.value - b.value
    lo = d - math.sqrt((a.value - la) ** 2 + (ub - b.value) ** 2)
    hi = d + math.sqrt((ua - a.value) ** 2 + (b.value - lb) ** 2)
    return Evidence(d, lo, hi, n, MIN_EXAMPLES, "test example")


def compare_accuracies(a: Accuracy, b: Accuracy, *, word: str = "beats",
                       digits: int = 3, how: str = "") -> Verdict:
    """Is ``a``'s accuracy above ``b``'s? Ties (equal as printed), too-small test sets and
    overlapping evidence are said as such."""
    def f(x: float) -> str:
        return f"{x:.{digits}f}"

    ev = accuracy_difference(a, b)
    na, nb = f"{a.name} ({f(a.value)})", f"{b.name} ({f(b.value)})"
    return compare_difference(na, nb, ev, word=word, f=f, shown=(a.value, b.value),
                              how=how, what="accuracy difference")


_THRESHOLD_WORDS = ("held", "not held", "not decided")


def threshold(name: str, ev: Evidence, bar: float, *, higher_is_better: bool = True,
              words: tuple[str, str, str] = _THRESHOLD_WORDS, f: Callable = fmt.fixed,
              how: str = "") -> Verdict:
    """Does ``name`` clear ``bar``? Yes only when the whole interval is on the good side;
    no when it is all on the bad side; "not decided" when it straddles the bar."""
    yes, no, open_ = words
    value = f"{f(ev.estimate)}, 95% {span(ev.lo, ev.hi, f)}"
    if not ev.enough:
        line = (f"{name}: too small to decide: {ev.sample}, at least {ev.minimum} "
                f"needed (observed {f(ev.estimate)}{'; ' + how if how else ''})")
        return Verdict("too small", line, None, ev)
    good = ev.lo >= bar if higher_is_better else ev.hi <= bar
    bad = ev.hi < bar if higher_is_better else ev.lo > bar
    side = ">=" if higher_is_better else "<="
    outcome = yes if good else no if bad else open_
    line = f"{name}: {outcome} ({value}; the bar is {side} {f(bar)})"
    return Verdict(outcome, line, name if good else None, ev)


# ------------------------------------------------------------------ over several cases
@dataclass(frozen=True)
class Across:
    """One winner over several cases (sizes, configurations), or not."""

    kind: str  # every | depends | partly | none
    winner: str | None  # the one winner where decided (every, partly)
    by_winner: dict[str, list[str]] = field(default_factory=dict)  # winner -> cases
    undecided: list[str] = field(default_factory=list)
    line: str = ""

    def as_dict(self) -> dict:
        return {"kind": self.kind, "winner": self.winner, "by_winner": self.by_winner,
                "undecided": self.undecided, "line": self.line}


def _listing(by_winner: Mapping[str, list[str]], undecided: list[str]) -> str:
    parts = [f"{w} at {', '.join(cases)}" for w, cases in by_winner.items()]
    if undecided:
        parts.append(f"not distinguishable at {', '.join(undecided)}")
    return "; ".join(parts)


def across(outcomes: Mapping[str, str | None]) -> Across:
    """``outcomes``: case label -> the decided winner there (None: no decided winner)."""
    by: dict[str, list[str]] = {}
    for case, w in outcomes.items():
        if w is not None:
            by.setdefault(w, []).append(case)
    undecided = [c for c, w in outcomes.items() if w is None]
    if not by:
        return Across("none", None, by, undecided, "not decided in any case tried")
    if len(by) > 1:
        return Across("depends", None, by, undecided,
                      f"depends on the case: {_listing(by, undecided)}")
    (w, cases), = by.items()
    if not undecided:
        return Across("every", w, by, undecided, f"{w} in every case tried ({len(cases)})")
    return Across("partly", w, by, undecided, f"{w} where decided: {_listing(by, undecided)}")


def _all(n: int) -> str:
    return "in the one case tried" if n == 1 else f"in all {n} cases"


def claim_over_cases(claimed: str, outcomes: Mapping[str, str | None], claim: str) -> str:
    """The claim "``claimed`` wins" (worded ``claim``) against per-case winners (None:
    undecided there, whether not distinguishable or too small to compare)."""
    a = across(outcomes)
    n = len(outcomes)
    if a.kind == "none":
        return f"{claim} is neither shown nor refuted here (undecided in {n} of {n})"
    if a.kind == "depends":
        return f"{claim} depends on the case ({_listing(a.by_winner, a.undecided)})"
    wins = len(a.by_winner[a.winner])
    if a.winner == claimed:
        if a.kind == "every":
            return f"matches {claim} ({_all(n)})"
        return (f"{claim} holds in {wins} of {n} cases, undecided in "
                f"{len(a.undecided)}")
    if a.kind == "every":
        return f"contradicts {claim} ({a.winner} wins {_all(n)})"
    return (f"{claim} is not shown here: {a.winner} wins in {wins} of {n} cases, "
            f"undecided in {len(a.undecided)}")


def ranking(by_config: Mapping[str, str | None], tuned: str | None) -> Across:
    """A ranking (or winner) at the tuned best against the same at every configuration
    tried. ``by_config``: configuration label -> decided winner (or ranking as text)
    there, None where not decided; ``tuned``: the same at each architecture's best
    configuration. The line says: holds in every configuration tried / only at the tuned
    best / depends on the configuration (naming which)."""
    a = across(by_config)
    if tuned is None:
        line = ("no ranking: not distinguishable at the tuned best"
                + (f" ({_listing(a.by_winner, a.undecided)})" if a.by_winner else ""))
        return Across("none", None, a.by_winner, a.undecided, line)
    if a.kind == "every" and a.winner == tuned:
        return Across("every", tuned, a.by_winner, a.undecided,
                      f"{tuned}: holds in every configuration tried ({len(by_config)})")
    others = {w: c for w, c in a.by_winner.items() if w != tuned}
    if others:
        return Across("depends", tuned, a.by_winner, a.undecided,
                      f"{tuned} at the tuned best, but it depends on the configuration: "
                      f"{_listing(a.by_winner, a.undecided)}")
    return Across("partly", tuned, a.by_winner, a.undecided,
                  f"{tuned}: holds only at the tuned best"
                  + (f" ({_listing(a.by_winner, a.undecided)})" if by_config else ""))


def scope(in_distribution: Verdict, held_out: Verdict | None, what: str) -> str:
    """What a claim was shown for, from two :func:`threshold` verdicts (in-distribution
    probes; held-out probes, None when there are none): ``NOT_SHOWN`` unless the
    in-distribution claim held; ``generalises to held-out <what>`` when the held-out one
    held too; otherwise ``IN_DISTRIBUTION``."""
    if not in_distribution.decided:
        return NOT_SHOWN
    if held_out is not None and held_out.decided:
        return GENERALISES.format(what=what)
    return IN_DISTRIBUTION
