"""The shared verdict rule (rnncli/verdict.py): each case of issue 19 section 3 fed to it.

Every command's own test (bench, compare, sentiment, memory, gates) checks that it prints
the line this rule returns; here the rule itself.
"""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from rnncli import trainkit
from rnncli import verdict as v


def runs(r: float, lo: float | None, hi: float | None, n: int = 10) -> v.Evidence:
    return v.Evidence(r, lo, hi, n, v.MIN_RUNS, "timed run")


def test_ratio_prints_the_interval_itself_not_a_plus_minus():
    line = v.compare_ratio("GRU", "LSTM", runs(1.12, 1.02, 1.30)).line
    assert line == "GRU 1.12× (95% 1.02–1.30) faster than LSTM"
    assert "±" not in line


def test_asymmetric_interval_above_one_is_faster_and_shown_as_is():
    # the old "7.29 ± 7.41× faster" read as an interval containing 0
    ver = v.compare_ratio("NumPy ref", "NumPy naive", runs(7.29, 2.1, 14.7))
    assert ver.winner == "NumPy ref"
    assert "(95% 2.10–14.7)" in ver.line and "±" not in ver.line


def test_ratio_interval_containing_one_is_not_distinguishable():
    ver = v.compare_ratio("GRU", "LSTM", runs(1.12, 0.9, 1.3))
    assert ver.outcome == "not distinguishable" and not ver.decided
    assert "faster" not in ver.line and "0.90–1.30 includes 1" in ver.line


def test_ratio_below_one_turns_the_pair_round():
    ver = v.compare_ratio("A", "B", runs(0.8, 0.7, 0.9))
    assert ver.winner == "B" and ver.line.startswith("B 1.25× (95% 1.11–1.43) faster than A")


def test_too_few_runs_refused_with_minimum_and_observed_size():
    # packed LSTM ~5x slower than padded, but 1 run: say so, with the minimum and a hint
    ver = v.compare_ratio("padded", "packed", runs(5.1, None, None, n=1),
                          how="raise --min-time")
    assert ver.outcome == "too small" and not ver.decided
    assert "1 timed run," in ver.line and f"at least {v.MIN_RUNS} needed" in ver.line
    assert "5.10× faster" in ver.line and "raise --min-time" in ver.line


def test_accuracies_too_small_split_is_refused_not_beaten():
    # "the baseline bag of embeddings (1.000) beats ... LSTM (1.000)" on a 2/0/1 split
    ver = v.compare_accuracies(v.Accuracy("bag of embeddings", 1.0, 1),
                               v.Accuracy("LSTM", 0.0, 1))
    assert ver.outcome == "too small" and "beats" not in ver.line
    assert f"at least {v.MIN_EXAMPLES} needed" in ver.line and "1 test example," in ver.line


def test_equal_as_printed_is_a_tie():
    ver = v.compare_accuracies(v.Accuracy("GRU", 1.0, 500), v.Accuracy("LSTM", 0.99996, 500))
    assert ver.outcome == "tie" and ver.winner is None
    assert ver.line == "GRU (1.000) and LSTM (1.000) tie (1.000 each)"


def test_overlapping_accuracies_are_not_a_win():
    # "NB (0.769) beats LSTM (0.742)" with overlapping 95% intervals (rt-polarity test)
    ver = v.compare_accuracies(v.Accuracy("NB", 0.769, 1066), v.Accuracy("LSTM", 0.742, 1066))
    assert ver.outcome == "not distinguishable" and "beats" not in ver.line
    assert "includes 0" in ver.line


def test_clear_accuracy_difference_is_a_win_with_its_interval():
    ver = v.compare_accuracies(v.Accuracy("GRU", 0.9, 500), v.Accuracy("LSTM", 0.8, 500))
    assert ver.winner == "GRU (0.900)"
    assert ver.line.startswith("GRU (0.900) beats LSTM (0.800) (accuracy difference 0.100, 95% ")


@given(st.integers(1, 400), st.integers(1, 400), st.data())
def test_newcombe_interval_contains_the_difference_and_is_wider_than_either_wilson(
        na, nb, data):
    ca, cb = data.draw(st.integers(0, na)), data.draw(st.integers(0, nb))
    a, b = v.Accuracy("a", ca / na, na), v.Accuracy("b", cb / nb, nb)
    ev = v.accuracy_difference(a, b)
    assert ev.lo - 1e-12 <= ev.estimate <= ev.hi + 1e-12
    assert -1 - 1e-12 <= ev.lo and ev.hi <= 1 + 1e-12
    la, ua = trainkit.wilson(ca, na)
    assert ev.hi - ev.lo >= (ua - la) - 1e-12


def test_newcombe_matches_the_published_example():
    # Newcombe (1998), Table II example (56/70 vs 48/80): method 10 gives 0.0524 to 0.3339
    ev = v.accuracy_difference(v.Accuracy("a", 56 / 70, 70), v.Accuracy("b", 48 / 80, 80))
    assert math.isclose(ev.lo, 0.0524, abs_tol=5e-4) and math.isclose(ev.hi, 0.3339, abs_tol=5e-4)


def test_differences_over_seeds_need_the_minimum_and_an_interval_off_zero():
    two = v.compare_difference("RNN", "GRU", v.over_seeds([-0.03, -0.035]),
                               lower_is_better=True, word="better than")
    assert two.outcome == "too small" and f"at least {v.MIN_SEEDS} needed" in two.line
    three = v.compare_difference("RNN", "GRU", v.over_seeds([-0.03, -0.035, -0.031]),
                                 lower_is_better=True, word="better than", what="RMSE difference")
    assert three.winner == "RNN" and three.line.startswith("RNN better than GRU (RMSE difference")
    mixed = v.compare_difference("RNN", "GRU", v.over_seeds([-0.03, 0.02, 0.001]))
    assert mixed.outcome == "not distinguishable"


def test_threshold_held_only_when_the_whole_interval_clears_the_bar():
    assert v.threshold("negation", v.accuracy_evidence(0.99, 200), 0.85).outcome == "held"
    straddle = v.threshold("negation", v.accuracy_evidence(0.86, 100), 0.85)
    assert straddle.outcome == "not decided" and not straddle.decided
    assert v.threshold("negation", v.accuracy_evidence(0.5, 200), 0.85).outcome == "not held"
    small = v.threshold("negation", v.accuracy_evidence(1.0, 3), 0.85)
    assert small.outcome == "too small" and "3 test examples" in small.line
    solved = v.threshold("rnn T=50", v.over_seeds([0.01, 0.02, 0.015]), 0.1,
                         higher_is_better=False, words=("solved", "not solved", "not decided"))
    assert solved.outcome == "solved"


def test_lesson_claim_with_zero_wins_is_never_holds_in_some_cases():
    # "GRU faster in 0, LSTM faster in 1, not distinguishable in 1 of 2: holds only in some"
    line = v.claim_over_cases("GRU", {"T=50": "LSTM", "T=200": None}, "'GRU is faster'")
    assert "holds" not in line and "not shown" in line and "LSTM wins in 1 of 2" in line
    assert "undecided in 1" in line
    assert v.claim_over_cases("GRU", {"a": "GRU", "b": "GRU"}, "X").startswith("matches X")
    assert v.claim_over_cases("GRU", {"a": "LSTM", "b": "LSTM"}, "X").startswith("contradicts X")
    assert v.claim_over_cases("GRU", {"a": "LSTM"}, "X") == \
        "contradicts X (LSTM wins in the one case tried)"
    assert "depends" in v.claim_over_cases("GRU", {"a": "LSTM", "b": "GRU"}, "X")
    assert "neither shown nor refuted" in v.claim_over_cases("GRU", {"a": None}, "X")
    assert "holds in 1 of 2" in v.claim_over_cases("GRU", {"a": "GRU", "b": None}, "X")


def test_ranking_over_configurations():
    every = v.ranking({"w=50": "RNN", "w=20": "RNN"}, "RNN")
    assert every.kind == "every" and "holds in every configuration tried (2)" in every.line
    flip = v.ranking({"w=12": "GRU", "w=20": "RNN", "w=50": "RNN"}, "RNN")
    assert flip.kind == "depends" and "GRU at w=12" in flip.line
    assert "RNN at w=20, w=50" in flip.line
    only = v.ranking({"w=12": None, "w=20": None}, "RNN")
    assert only.kind == "partly" and "only at the tuned best" in only.line
    none = v.ranking({"w=12": "GRU"}, None)
    assert none.kind == "none" and none.winner is None


def test_scope_words():
    held = v.threshold("x", v.accuracy_evidence(1.0, 200), 0.85)
    failed = v.threshold("x", v.accuracy_evidence(0.5, 200), 0.85)
    assert v.scope(failed, held, "compositions") == v.NOT_SHOWN
    assert v.scope(held, None, "compositions") == v.IN_DISTRIBUTION
    assert v.scope(held, failed, "compositions") == v.IN_DISTRIBUTION
    assert v.scope(held, held, "lengths") == "generalises to held-out lengths"


def test_span_and_ratio_text():
    assert v.span(-0.01, 0.06) == "-0.01 to 0.06"
    assert v.span(None, 1.0) == "no interval"
    assert v.ratio_text(1.12, 1.02, 1.30) == "1.12× (95% 1.02–1.30)"
    assert v.ratio_text(3.0, None, None) == "3.00×"
