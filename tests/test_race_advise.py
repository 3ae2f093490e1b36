"""`rnncli advise --data FILE / --series NAME`: a short race folded into the score."""

from __future__ import annotations

import numpy as np
import pytest

from rnncli.knowledge import advice
from rnncli.race import evidence


@pytest.fixture
def short(monkeypatch):
    monkeypatch.setattr(evidence, "SHORT_STEPS", 10)
    monkeypatch.setattr(evidence, "SHORT_SEEDS", [0, 1])


def _race_result(best: str, beats: bool, tied: list[str], robust: str = "holds") -> dict:
    rows = [{"arch": a, "title": a.upper(), "rmse_mean": 0.1 + i / 100}
            for i, a in enumerate(["rnn", "gru", "lstm"])]
    return {"data": {"source": "s.csv: 300 rows", "target": "y"},
            "config": {"seeds": [0, 1, 2]}, "models": rows,
            "baselines": [{"name": "persistence", "rmse": 0.3}],
            "verdict": ["nothing beats persistence: ..."],
            "tuning": {"grid": {"window": [12, 50]},
                       "robustness": {"kind": robust, "line": "the ranking depends on the "
                                      "configuration: GRU better at window 12"}},
            "outcome": {"best": best, "beats_baselines": beats, "tied_with_best": tied,
                        "robustness": robust}}


def test_reason_points_follow_the_outcome():
    r = evidence.reason(_race_result("lstm", True, []))
    assert r["points"] == {"rnn": 0, "gru": 0, "lstm": 2} and r["favours"] == ["lstm"]
    assert r["evidence"] == "measured" and r["answer"] == "s.csv"
    r = evidence.reason(_race_result("gru", True, ["lstm"]))
    assert r["points"] == {"rnn": 0, "gru": 2, "lstm": 2}
    r = evidence.reason(_race_result("gru", False, ["lstm"]))
    assert r["points"] == {"rnn": 0, "gru": 0, "lstm": 0} and "no cell earns points" in r["why"]


@pytest.mark.parametrize("kind", ["depends", "tuned-best-only"])
def test_a_ranking_that_changes_with_the_configuration_earns_no_points(kind):
    r = evidence.reason(_race_result("lstm", True, [], robust=kind))
    assert r["points"] == {"rnn": 0, "gru": 0, "lstm": 0} and r["favours"] == []
    assert "a ranking that changes" in r["why"] and "windows 12/50" in r["why"]
    assert evidence.request(None, "narma10").tune == evidence.SHORT_TUNE


def test_fold_rescores_and_reranks():
    answers = {**advice.DEFAULTS, "seq_len": 50, "latency_ms": None, "params_max": None}
    base = advice.advise(dict(answers))
    assert base["recommendation"] == "gru"
    folded = evidence.fold(base, _race_result("lstm", True, []), dict(answers))
    assert folded["scores"]["lstm"] == base["scores"]["lstm"] + 2
    assert folded["reasons"][-1]["question"] == "race" and "race" in folded
    assert folded["ranking"] == advice.ranking(folded["scores"])


@pytest.mark.slow
def test_advise_series_runs_a_short_race(cli, short):
    d = cli.json("advise", "--series", "random-walk", "--seq-len", "50")
    race = [r for r in d["reasons"] if r["question"] == "race"]
    assert len(race) == 1 and race[0]["answer"] == "random-walk"
    assert race[0]["points"] == {"rnn": 0, "gru": 0, "lstm": 0}
    assert "no cell earns points" in race[0]["why"] and "windows 12/50" in race[0]["why"]
    assert d["race"]["outcome"]["beats_baselines"] is False


@pytest.mark.slow
def test_advise_data_file_and_bad_files(cli, short, tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("t,v\n" + "".join(f"{i},{np.sin(i / 4):.5f}\n" for i in range(300)))
    d = cli.json("advise", "--data", str(path))
    assert d["race"]["data"]["target"] == "v" and d["answers"]["data"] == "small"
    assert cli.json("advise", "--data", "LARGE")["answers"]["data"] == "large"
    for args, fragment in ((["--data", str(tmp_path / "none.csv")], "neither small/large"),
                           (["--data", str(path), "--seq-len", "0"], "--seq-len"),
                           (["--series", "nope"], "nope")):
        res = cli("advise", *args)
        assert res.exit_code == 2 and fragment in res.stderr, res.stderr
        assert len(res.stderr.strip().splitlines()) == 1
    path.write_text("t,v\n" + "".join(f"{i},\n" for i in range(300)))
    res = cli("advise", "--data", str(path))
    assert res.exit_code == 2 and "missing values" in res.stderr
