"""`rnncli race --tune`: the grid, selection on validation only, the three robustness
verdicts, the JSON layout, the one-configuration note and bad grids (one line, exit 2)."""

from __future__ import annotations

import numpy as np
import pytest

from rnncli.errors import BadInput
from rnncli.race import run, tune, verdict
from rnncli.race.train import RaceConfig, RunResult

TINY = ["--length", "300", "--steps", "8", "--hidden", "4", "--batch", "8",
        "--seeds", "0,1", "--threads", "1", "--arch", "rnn,gru"]
A, B = tune.Config(12, 0.01), tune.Config(50, 0.01)


def _run(arch, seed, config, rmse, val=0.5) -> RunResult:
    return RunResult(arch=arch, seed=seed, hidden=4, params=10, rmse=rmse, mae=rmse,
                     steps=1, train_s=0.0, latency_ms=0.0, stopped="steps", best_step=1,
                     curve=[], pred=np.zeros(2), val_mse=val, window=config.window,
                     lr=config.lr)


def test_grid_is_every_combination_and_keeps_untuned_values():
    assert tune.grid(None, 50, 0.01) == [tune.Config(50, 0.01)]
    assert tune.grid(["window=12,50", "lr=0.003,0.01"], 50, 0.01) == [
        tune.Config(12, 0.003), tune.Config(12, 0.01), tune.Config(50, 0.003),
        tune.Config(50, 0.01)]
    assert tune.grid(["lr=0.003, 0.03,0.003"], 20, 0.01) == [tune.Config(20, 0.003),
                                                              tune.Config(20, 0.03)]


def test_selection_uses_validation_only():
    """B has the better test RMSE and the worse validation MSE: A must be chosen."""
    runs = [_run("gru", s, A, rmse=0.9, val=0.10) for s in (0, 1)]
    runs += [_run("gru", s, B, rmse=0.01, val=0.20) for s in (0, 1)]
    assert tune.select(runs, [A, B], "gru") == A
    assert tune.select(runs, [B, A], "gru") == A
    view = tune.sensitivity(runs, [A, B], ["gru"], {"gru": A})
    assert [c["models"]["gru"]["selected"] for c in view] == [True, False]
    assert view[1]["models"]["gru"]["rmse_mean"] == pytest.approx(0.01)


def _robustness(per_config: dict) -> dict:
    """RMSEs per (config, arch) over 4 seeds -> the robustness of the tuned ranking (each
    architecture tuned at the configuration with its lowest validation MSE, given here
    as its mean RMSE), through the same functions as ``run.execute``."""
    noise = np.array([0.0, 0.002, -0.001, 0.001])
    runs = [_run(a, s, c, rmse=v + noise[(s + k) % 4], val=v)
            for c, row in per_config.items() for k, (a, v) in enumerate(row.items())
            for s in range(4)]
    configs, order = list(per_config), ["rnn", "gru"]
    chosen = {a: tune.select(runs, configs, a) for a in order}
    best = [r for r in runs if r.config == chosen[r.arch]]

    def ranked(mine):
        return verdict.decided_ranking(verdict.summarise(mine, 1.0),
                                       verdict.decisions(verdict.pairs(mine, order)))
    return verdict.robustness(ranked(best), {c.label: ranked([r for r in runs
                                                              if r.config == c])
                                             for c in configs})


def test_ranking_holds_in_every_configuration():
    r = _robustness({A: {"rnn": 0.02, "gru": 0.05}, B: {"rnn": 0.03, "gru": 0.06}})
    assert r["kind"] == "holds"
    assert r["line"] == "RNN > GRU: holds in every configuration tried (2)"


def test_ranking_depends_on_the_configuration_names_which():
    """The issue's case: GRU best at window 12, RNN at window 50."""
    r = _robustness({A: {"rnn": 0.015, "gru": 0.010}, B: {"rnn": 0.020, "gru": 0.056}})
    assert r["kind"] == "depends"
    assert r["line"] == ("GRU > RNN at the tuned best, but it depends on the configuration: "
                         "GRU > RNN at window=12 lr=0.01; RNN > GRU at window=50 lr=0.01")


def test_ranking_only_at_the_tuned_best():
    """GRU wins at its best configuration; at window 50 the two are within the spread."""
    r = _robustness({A: {"rnn": 0.030, "gru": 0.010}, B: {"rnn": 0.0401, "gru": 0.0400}})
    assert r["kind"] == "tuned-best-only" and r["undecided"] == ["window=50 lr=0.01"]
    assert r["line"].startswith("GRU > RNN: holds only at the tuned best")
    assert verdict.robustness("GRU > RNN", {"x": "GRU > RNN"})["kind"] == "one-config"


def test_ranking_text_lists_exactly_the_decided_pairs():
    rows = [{"arch": a} for a in ("rnn", "gru", "lstm")]
    # Mackey-Glass at the tuned best: RNN ~ GRU, RNN ~ LSTM, LSTM better than GRU
    dec = {("rnn", "gru"): "tie", ("rnn", "lstm"): "tie", ("gru", "lstm"): "lstm"}
    assert verdict.ranking_text(rows, dec) == "LSTM > GRU"
    dec = {("rnn", "gru"): "gru", ("rnn", "lstm"): "lstm", ("gru", "lstm"): "lstm"}
    assert verdict.ranking_text(rows, dec) == "LSTM > RNN, GRU; GRU > RNN"
    ties = {k: "tie" for k in dec}
    assert verdict.decided_ranking(rows, ties) is None
    assert verdict.ranking_text(rows, ties).startswith("no pair separated")


@pytest.mark.parametrize("item, fragment", [
    ("window=0,12", "'--tune': window: values must be integers from 1"),
    ("lr=0", "'--tune': lr: values must be in (0, 1]"),
    ("lr=nan", "'--tune': lr: values must be in (0, 1]"),
    ("lr=fast", "'fast' is not a number"),
    ("window=1.5", "'1.5' is not an integer"),
    ("hidden=8,16", "KEY one of window, lr"),
    ("window", "expected KEY=V1,V2"),
    ("window=12,,50", "comma-separated"),
    ("window=1,2,3,4,5,6,7", "at most 6 values"),
])
def test_bad_grids_exit_2_in_one_line(cli, item, fragment):
    res = cli("race", "--series", "sine", *TINY, "--tune", item)
    assert res.exit_code == 2 and fragment in res.stderr, res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and not res.stdout


def test_grid_given_twice_or_too_big_or_too_long_windows(cli):
    res = cli("race", "--series", "sine", *TINY, "--tune", "lr=0.01", "--tune", "lr=0.1")
    assert res.exit_code == 2 and "given twice" in res.stderr
    with pytest.raises(BadInput, match="at most 16"):
        tune.grid(["window=1,2,3,4,5", "lr=0.1,0.2,0.3,0.4"], 5, 0.1)
    res = cli("race", "--series", "sine", *TINY, "--tune", "window=5,250")
    assert res.exit_code == 2 and "window 250: the data are too short" in res.stderr
    res = cli("race", "--series", "sine", *TINY, "--tune", "window=5,300")
    assert res.exit_code == 2 and "too few for --window 300" in res.stderr


def _tiny_request(csv: str) -> run.Request:
    cfg = RaceConfig(["rnn", "gru"], hidden_base=4, steps=8, batch=8, seeds=[0, 1])
    return run.Request(csv=csv, config=cfg, tune=["window=4,8", "lr=0.003,0.03"])


@pytest.mark.slow  # trains or measures end to end (~0.4-0.6 s CPU)
def test_test_period_cannot_change_the_selection(tmp_path):
    """Rewrite the test period's targets: every validation score, every selection (the
    models' and the AR's window) must stay; only test errors may move."""
    t = np.arange(260)
    y = np.sin(t / 5) + 0.3 * np.sin(t / 2.3)
    path = tmp_path / "s.csv"
    path.write_text("y\n" + "".join(f"{v:.6f}\n" for v in y))
    first, _ = run.execute(run.plan(_tiny_request(str(path))))
    y[-39:] = 50 * np.cos(t[-39:])   # the test targets are the last 39 rows
    path.write_text("y\n" + "".join(f"{v:.6f}\n" for v in y))
    second, _ = run.execute(run.plan(_tiny_request(str(path))))
    assert first["data"]["split"]["test_targets"] == 39
    assert first["tuning"]["selected"] == second["tuning"]["selected"]
    assert first["data"]["window"] == second["data"]["window"]
    assert [r["val_mse"] for r in first["runs"]] == [r["val_mse"] for r in second["runs"]]
    assert [r["rmse"] for r in first["runs"]] != [r["rmse"] for r in second["runs"]]
    for arch, chosen in first["tuning"]["selected"].items():   # the argmin of validation
        means = {c["label"]: c["models"][arch]["val_mse"] for c in first["tuning"]["configs"]}
        assert chosen["label"] == min(means, key=means.get)


@pytest.mark.slow
def test_json_layout_of_a_tuned_race(cli):
    d = cli.json("race", "--series", "sine", *TINY, "--window", "10",
                 "--tune", "window=6,10", "--tune", "lr=0.003,0.03")
    g = d["tuning"]
    assert g["grid"] == {"window": [6, 10], "lr": [0.003, 0.03]}
    assert g["selected_on"].startswith("validation")
    assert set(g["sources"]) == {"melis2018", "greff2017"}
    assert [c["label"] for c in g["configs"]] == [
        "window=6 lr=0.003", "window=6 lr=0.03", "window=10 lr=0.003", "window=10 lr=0.03"]
    for c in g["configs"]:
        assert set(c["models"]) == {"rnn", "gru"}
        assert set(c["models"]["rnn"]) == {"val_mse", "rmse_mean", "rmse_sd", "seeds",
                                           "selected"}
    assert g["robustness"]["kind"] in ("holds", "tuned-best-only", "depends", "no-ranking")
    assert d["outcome"]["robustness"] == g["robustness"]["kind"]
    for m in d["models"]:
        assert m["config"] == g["selected"][m["arch"]] and len(m["rmse"]) == 2
    assert len(d["runs"]) == 4 * 2 * 2
    assert {(r["window"], r["lr"]) for r in d["runs"]} == {(6, 0.003), (6, 0.03),
                                                           (10, 0.003), (10, 0.03)}
    assert d["verdict"][1].startswith("ranking: ")
    text = cli("race", "--series", "sine", *TINY, "--tune", "window=6,10").stdout
    assert "sensitivity: test RMSE per configuration" in " ".join(text.split())
    assert "*" in text
    assert max(len(line) for line in text.splitlines()) <= 80


def test_one_configuration_says_so_and_how_to_check_more(cli):
    d = cli.json("race", "--series", "sine", *TINY, "--window", "10")
    assert d["tuning"]["robustness"]["kind"] == "one-config"
    line = d["verdict"][1]
    assert "this ranking is for one configuration (window=10 lr=0.01)" in line
    assert "rnncli race --series sine --tune window=12,50 --tune lr=0.003,0.01" in line
