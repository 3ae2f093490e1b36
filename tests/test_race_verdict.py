"""rnncli.race.verdict: paired differences over seeds and the sentences they support."""

from __future__ import annotations

import numpy as np
import pytest

from rnncli.race import verdict
from rnncli.race.baselines import Score
from rnncli.race.train import RunResult


def _runs(rmse: dict[str, list[float]]) -> list[RunResult]:
    return [RunResult(arch=a, seed=s, hidden=8, params=100, rmse=v, mae=v, steps=10,
                      train_s=1.0, latency_ms=0.1, stopped="steps", best_step=10, curve=[],
                      pred=np.zeros(3)) for a, vals in rmse.items() for s, v in enumerate(vals)]


def _verdict(rmse, persistence=1.0, linear=0.9):
    runs = _runs(rmse)
    scores = [Score("persistence", persistence, persistence), Score("linear AR", linear, linear)]
    rows = verdict.summarise(runs, persistence)
    pairs = verdict.pairs(runs, [r["arch"] for r in rows])
    return (verdict.lines(runs, rows, pairs, scores),
            verdict.outcome(runs, rows, pairs, scores), pairs)


def test_a_consistent_difference_is_named_with_its_interval():
    lines, out, pairs = _verdict({"gru": [0.50, 0.52, 0.49, 0.51, 0.50],
                                  "lstm": [0.40, 0.43, 0.38, 0.41, 0.40]})
    assert lines[0].startswith("LSTM beats every baseline")
    assert lines[1] == "LSTM better than GRU (RMSE difference -0.1, 95% -0.109 to -0.0912)"
    diffs = np.array([0.10, 0.09, 0.11, 0.10, 0.10])
    half = 2.776 * diffs.std(ddof=1) / np.sqrt(5)  # t(0.975, 4 df)
    assert pairs[0]["mean"] == pytest.approx(0.1) and pairs[0]["hi"] - pairs[0]["lo"] == \
        pytest.approx(2 * half)
    assert out == {"best": "lstm", "best_baseline": "linear AR", "beats_baselines": True,
                   "tied_with_best": []}


def test_differences_within_the_seed_spread_are_indistinguishable():
    lines, out, _ = _verdict({"gru": [0.50, 0.40, 0.55], "lstm": [0.45, 0.52, 0.47]})
    assert "GRU and LSTM not distinguishable here" in lines[1] and "includes 0" in lines[1]
    assert out["best"] == "lstm" and out["tied_with_best"] == ["gru"]  # means 0.480, 0.483


def test_nothing_beats_persistence_and_baseline_wins():
    lines, out, _ = _verdict({"lstm": [1.2, 1.1, 1.3]}, linear=1.5)
    assert lines[0].startswith("nothing beats persistence") and not out["beats_baselines"]
    lines, _, _ = _verdict({"lstm": [0.95, 0.96, 0.97]}, linear=0.5)
    assert lines[0].startswith("the linear AR baseline beats every recurrent model")


def test_too_few_seeds_are_refused_naming_the_minimum():
    lines, out, _ = _verdict({"gru": [0.5], "lstm": [0.4]})
    assert "not compared: 1 seed, at least 3 needed" in lines[0]
    assert "not compared: 1 seed, at least 3 needed" in lines[1] and "--seeds" in lines[1]
    assert out["beats_baselines"] is False
    lines, _, _ = _verdict({"gru": [0.5, 0.52], "lstm": [0.4, 0.41]})
    assert "2 seeds, at least 3 needed" in lines[1]


def test_means_that_print_the_same_are_a_tie():
    lines, out, _ = _verdict({"gru": [0.40, 0.41, 0.42], "lstm": [0.4001, 0.4101, 0.4201]})
    assert "GRU and LSTM tie (0.41 each)" in lines[1] and out["tied_with_best"] == ["lstm"]


def test_within_the_spread_of_the_best_baseline_is_said_once():
    lines, out, _ = _verdict({"lstm": [0.80, 0.95, 0.90]}, linear=0.9)
    assert lines[0].startswith("LSTM and the linear AR baseline not distinguishable here")
    assert lines[0].endswith("; RMSE 0.883 against 0.9") and not out["beats_baselines"]
