"""`rnncli memory`: the training loop learns, bad input exits 2, JSON schema, Ctrl-C keeps runs."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from rnncli.experiments import train
from rnncli.experiments.tasks import TASKS
from rnncli.experiments.train import TrainConfig, train_one

TINY = ["--hidden", "8", "--batch", "16", "--budget-s", "1", "--max-steps", "30", "--threads", "1"]
KEYS = {"arch", "seq_len", "metric_name", "metric", "baseline", "solved", "steps", "seconds"}


def test_training_learns_the_adding_task_at_an_easy_length():
    # bounded by steps, not seconds, so a busy machine cannot change the outcome
    cfg = TrainConfig(hidden=16, batch=32, lr=1e-2, budget_s=120, max_steps=400,
                      test_size=500, threads=1)
    r = train_one(TASKS["adding"], "lstm", 5, cfg)
    # predicting the mean scores the baseline 0.167; learning must beat it by far
    assert r.metric < 0.3 * r.baseline, r
    assert 0 < r.steps <= 400 and r.stopped in {"solved", "max-steps"}
    assert r.solved == (r.metric < 0.1 * r.baseline)


def test_budget_stops_a_run():
    cfg = TrainConfig(hidden=4, batch=4, budget_s=0.2, eval_every=10**9)
    r = train_one(TASKS["temporal-order"], "rnn", 10, cfg)
    assert r.stopped == "budget" and r.seconds < 3


def test_warm_up_and_plateau_decay():
    lrs = []
    cfg = TrainConfig(hidden=4, batch=8, lr=0.01, warmup=10, max_steps=60, eval_every=1,
                      patience=1, budget_s=60, test_size=50, val_size=50, min_lr=1e-9)
    r = train_one(TASKS["temporal-order"], "rnn", 10, cfg,
                  lambda step, loss, lr, elapsed: lrs.append(lr))
    assert lrs[0] == pytest.approx(0.001) and lrs[9] == pytest.approx(0.01)  # linear warm-up
    assert lrs == sorted(lrs[:10]) + lrs[10:] and max(lrs) <= 0.01
    assert r.extra["final_lr"] < 0.01  # halved at least once when validation stalled
    assert min(lrs[10:]) < 0.01


def test_json_schema(cli):
    data = cli.json("memory", "--seq-len", "4,6", "--arch", "gru,lstm", *TINY)
    assert data["task"] == "adding" and data["interrupted"] is False
    assert [(r["seq_len"], r["arch"]) for r in data["results"]] == [
        (4, "gru"), (4, "lstm"), (6, "gru"), (6, "lstm"),
    ]
    for r in data["results"]:
        assert KEYS <= set(r)
        assert r["metric_name"] == "mse" and r["baseline"] == pytest.approx(1 / 6)
        assert isinstance(r["solved"], bool) and r["steps"] >= 1


@pytest.mark.parametrize(
    ("task", "T", "metric", "extra"),
    [("copy", 2, "cross-entropy", "recall_accuracy"), ("counting", 6, "accuracy", "generalisation"),
     ("temporal-order", 10, "accuracy", None)],
)
def test_other_tasks_report_their_metric_and_baseline(cli, task, T, metric, extra):
    data = cli.json("memory", "--task", task, "--seq-len", str(T), "--arch", "lstm", *TINY)
    (r,) = data["results"]
    assert r["metric_name"] == metric
    assert r["baseline"] == pytest.approx(TASKS[task].baseline(T))
    if extra:
        assert extra in r
    if task == "counting":
        assert r["generalisation"]["n_range"] == [4, 6]


def test_init_applies_where_it_means_something(cli):
    data = cli.json("memory", "--seq-len", "4", "--arch", "rnn,lstm", "--init", "forget-bias-1",
                    *TINY)
    assert [r["init"] for r in data["results"]] == ["default", "forget-bias-1"]
    assert data["config"]["init"] == "forget-bias-1"


def test_output_file_matches_stdout(cli, tmp_path):
    path = tmp_path / "mem.json"
    res = cli("memory", "--seq-len", "4", "--arch", "rnn", *TINY, "--output", str(path), "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(path.read_text()) == json.loads(res.stdout)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--task", "parity"], "unknown task"),
        (["--arch", "transformer"], "--arch"),
        (["--seq-len", "0"], "--seq-len"),
        (["--seq-len", "10,-5"], "--seq-len"),
        (["--budget-s", "0"], "--budget-s"),
        (["--budget-s", "-3"], "--budget-s"),
        (["--task", "counting", "--seq-len", "3"], "counting needs a length >= 4"),
        (["--task", "temporal-order", "--seq-len", "9"], ">= 10"),
        (["--task", "copy", "--quick"], "--quick"),
        (["--optimizer", "sgd"], "--optimizer"),
        (["--init", "xavier"], "--init"),
        (["--output", "/nonexistent-dir/x.json"], "does not exist"),
        (["--output", "results.txt"], ".json"),
    ],
)
def test_bad_input_exits_2_with_one_line(cli, args, needle):
    res = cli("memory", *args)
    assert res.exit_code == 2
    assert "rnncli: error:" in res.output and needle in res.output
    assert "Traceback" not in res.output


def test_ctrl_c_keeps_finished_runs(cli, tmp_path, monkeypatch):
    real, calls = train.train_one, []

    def interrupted_on_second(*args, **kw):
        calls.append(args[1])
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kw)

    monkeypatch.setattr(train, "train_one", interrupted_on_second)
    path = tmp_path / "partial.json"
    res = cli("memory", "--seq-len", "4", *TINY, "--output", str(path), "--json")
    assert res.exit_code == 130
    saved = json.loads(path.read_text())
    assert saved["interrupted"] is True
    assert [r["arch"] for r in saved["results"]] == ["rnn"]
    assert json.loads(res.stdout) == saved


def test_smoke_subprocess():
    cmd = [sys.executable, "-m", "rnncli", "memory", "--seq-len", "4", "--arch", "lstm", *TINY]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "lstm" in proc.stdout and "baseline" in proc.stdout
    assert "runs" in proc.stderr  # the duration estimate goes to stderr
