"""`rnncli race`: JSON schema, deterministic reproduction, equal-parameter widths, --save
and --plot, Ctrl-C, and every bad input of the issue as one line, exit 2, nothing written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rnncli.race import models, run, train
from rnncli.race.train import RaceConfig

TINY = ["--length", "300", "--window", "10", "--steps", "15", "--hidden", "4",
        "--batch", "8", "--seeds", "0,1", "--threads", "1"]
ROOT = Path(__file__).resolve().parents[1]


def _numbers(data: dict) -> list:
    """Everything a run computed except timings (which depend on the machine)."""
    return [(r["arch"], r["seed"], r["rmse"], r["mae"], r["steps"], r["best_step"],
             [c["val_loss"] for c in r["curve"]]) for r in data["runs"]]


@pytest.mark.slow
def test_json_schema_and_baselines(cli):
    data = cli.json("race", "--series", "sine", *TINY)
    assert [b["name"] for b in data["baselines"]] == ["persistence", "seasonal", "linear AR"]
    assert data["data"]["period"] == 20 and data["data"]["target"] == "x"
    assert [m["arch"] for m in data["models"]] == ["rnn", "gru", "lstm"]
    for m in data["models"]:
        assert len(m["rmse"]) == 2 and m["rmse_mean"] == pytest.approx(np.mean(m["rmse"]))
        persist = data["baselines"][0]["rmse"]
        assert m["skill"] == pytest.approx(1 - m["rmse_mean"] / persist)
        assert m["params"] == models.param_total(m["arch"], 1, 4, 1) and m["latency_ms"] > 0
    assert len(data["pairs"]) == 3 and len(data["runs"]) == 6
    assert data["verdict"] and data["interrupted"] is False
    split = data["data"]["split"]
    assert split["train_targets"] + split["val_targets"] + split["test_targets"] == 300 - 10


@pytest.mark.slow
def test_same_seed_and_threads_reproduce(cli):
    a = cli.json("race", "--series", "narma10", "--arch", "gru,lstm", *TINY)
    b = cli.json("race", "--series", "narma10", "--arch", "gru,lstm", *TINY)
    assert _numbers(a) == _numbers(b)
    assert a["data"]["features"] == ["u", "y"]


def test_training_learns_beyond_persistence():
    # a clean sine is easy: a small LSTM must beat the last value clearly within 150 steps
    req = run.Request(series="sine", length=600, window=20,
                      config=RaceConfig(["lstm"], hidden_base=16, steps=150, seeds=[0]))
    result, runs = run.execute(run.plan(req))
    assert runs[0].rmse < 0.7 * result["baselines"][0]["rmse"], result["verdict"]


def test_random_walk_verdict_names_persistence(cli):
    data = cli.json("race", "--series", "random-walk", "--arch", "lstm", *TINY,
                    "--seeds", "0,1,2")
    assert data["verdict"][0].startswith("nothing beats persistence")


def test_equal_params_widths():
    sizes = models.equal_params_hidden(["rnn", "gru", "lstm"], 2, 32, 1)
    assert sizes["lstm"] == 32 and sizes["rnn"] > sizes["gru"] > 32
    totals = [models.param_total(a, 2, h, 1) for a, h in sizes.items()]
    assert max(totals) / min(totals) < 1.03


def test_equal_params_through_the_command(cli):
    data = cli.json("race", "--series", "narma10", "--equal", "params", "--arch", "rnn,lstm",
                    *TINY[:-6], "--seeds", "0", "--threads", "1")
    assert data["config"]["hidden"] == models.equal_params_hidden(["rnn", "lstm"], 2, 4, 1)
    params = [m["params"] for m in data["models"]]
    assert max(params) / min(params) < 1.15  # tiny widths: the nearest integer size


@pytest.mark.slow  # trains or measures end to end (~0.4-0.6 s CPU)
def test_equal_time_warns(cli):
    data = cli.json("race", "--series", "sine", "--arch", "rnn", "--equal", "time",
                    "--time-s", "0.2", *TINY)
    assert "do not reproduce" in data["config"]["warning"]
    assert data["runs"][0]["stopped"] == "wall-cap"


@pytest.mark.slow
def test_save_and_plot(cli, tmp_path):
    pytest.importorskip("matplotlib")
    torch = pytest.importorskip("torch")
    out, png = tmp_path / "out", tmp_path / "race.png"
    res = cli("race", "--series", "sine", "--arch", "lstm", *TINY, "--save", str(out),
              "--plot", str(png))
    assert res.exit_code == 0, res.output
    assert png.stat().st_size > 1000
    saved = json.loads((out / "race.json").read_text())
    assert saved["models"][0]["arch"] == "lstm"
    lines = (out / "predictions.csv").read_text().splitlines()
    assert lines[0].startswith("target_row,truth,persistence") and len(lines) > 20
    blob = torch.load(out / "lstm-seed1.pt", weights_only=True)
    assert blob["meta"]["window"] == 10 and "rnn.weight_hh_l0" in blob["state_dict"]
    assert "verdict:" in res.stdout


def test_ctrl_c_keeps_finished_runs(monkeypatch):
    real = train.train_one
    calls = []

    def flaky(*args, **kw):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(*args, **kw)

    monkeypatch.setattr(train, "train_one", flaky)
    req = run.Request(series="sine", length=300, window=10,
                      config=RaceConfig(["rnn", "lstm"], hidden_base=4, steps=5, seeds=[0, 1]))
    result, runs = run.execute(run.plan(req))
    assert result["interrupted"] and [(r.arch, r.seed) for r in runs] == [("rnn", 0), ("lstm", 0)]


def _write(tmp_path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def _good_rows(n: int) -> str:
    return "\n".join(f"2021-{i},{np.sin(i / 3):.4f},{i % 7}" for i in range(n)) + "\n"


@pytest.mark.parametrize("args,fragment", [
    (["--target", "date"], "column 'date' is not numeric"),
    (["--target", "price"], "unknown column 'price'; available: date, value, weekday"),
    (["--features", "value,volume"], "unknown column 'volume'; available: date, value"),
    (["--window", "0"], "--window must be at least 1"),
    (["--horizon", "500"], "--horizon 500 is larger than the data (200 rows)"),
    (["--window", "160"], "200 rows are too few for --window 160"),
    (["--arch", "transformer"], "--arch: unknown value 'transformer'"),
    (["--seeds", "a"], "--seeds: 'a' is not an integer"),
    (["--steps", "10", "--hidden", "100000"], "estimated at"),
])
def test_bad_input_is_one_line_exit_2_nothing_written(cli, tmp_path, args, fragment):
    csv = _write(tmp_path, "s.csv", "date,value,weekday\n" + _good_rows(200))
    save, png = tmp_path / "saved", tmp_path / "p.png"
    res = cli("race", "--data", csv, *args, "--save", str(save), "--plot", str(png))
    assert res.exit_code == 2, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], lines
    assert not save.exists() and not png.exists()


@pytest.mark.parametrize("text,fragment", [
    ("x\n" + "3\n" * 200, "target 'x' is constant"),
    ("x\n" + "".join(f"{i}\n" for i in range(40)), "40 rows are too few"),
    ("x\n1\n\n3\nNA\n" + "".join(f"{i}\n" for i in range(200)), "2 missing values (x 2); "
     "choose --fill ffill"),
])
def test_bad_files(cli, tmp_path, text, fragment):
    res = cli("race", "--data", _write(tmp_path, "f.csv", text))
    assert res.exit_code == 2 and fragment in res.stderr, res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_data_or_series_exactly_one_and_length_bounded(cli):
    res = cli("race")
    assert res.exit_code == 2 and "exactly one of --data" in res.stderr
    res = cli("race", "--series", "narma10", "--length", "2000000000")
    assert res.exit_code == 2 and "raise --max-rows" in res.stderr


@pytest.mark.slow
def test_statsmodels_series_hint_or_run(cli):
    try:
        import statsmodels  # noqa: F401
    except ImportError:
        res = cli("race", "--series", "sunspots")
        assert res.exit_code == 1 and "rnncli[data]" in res.stderr
        return
    data = cli.json("race", "--series", "co2", "--arch", "rnn", *TINY)
    assert any("carried forward" in n for n in data["data"]["notes"])
    assert data["data"]["period"] == 52


@pytest.mark.slow
def test_real_subprocess_smoke():
    proc = subprocess.run(
        [sys.executable, "-m", "rnncli", "race", "--series", "sine", "--arch", "rnn", *TINY],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
        env={"PYTHONPATH": str(ROOT), "COLUMNS": "80", "NO_COLOR": "1",
             "OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    assert "persistence" in proc.stdout and "verdict:" in proc.stdout
    assert "\x1b[" not in proc.stdout
    assert max(len(line) for line in proc.stdout.splitlines()) <= 80
