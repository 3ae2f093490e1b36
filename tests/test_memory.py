"""`rnncli memory`: the training loop learns, bad input exits 2, JSON schema, Ctrl-C keeps runs."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from rnncli.errors import BadInput
from rnncli.experiments import tasks, train
from rnncli.experiments.tasks import TASKS
from rnncli.experiments.train import TrainConfig, train_one

TINY = ["--hidden", "8", "--batch", "16", "--steps", "30", "--threads", "1"]
KEYS = {"arch", "seq_len", "metric_name", "metric", "baseline", "solved", "longer", "verdict",
        "steps", "seconds"}
LONGER_KEYS = {"test", "seq_len", "metric", "baseline", "solved"}


@pytest.mark.slow
def test_training_learns_the_adding_task_at_an_easy_length():
    # bounded by steps, not seconds, so a busy machine cannot change the outcome
    cfg = TrainConfig(hidden=16, batch=32, lr=1e-2, steps=400, test_size=500, threads=1)
    r = train_one(TASKS["adding"], "lstm", 5, cfg)
    # predicting the mean scores the baseline 0.167; learning must beat it by far
    assert r.metric < 0.3 * r.baseline, r
    assert 0 < r.steps <= 400 and r.stopped in {"solved", "steps"}
    assert r.solved == (r.metric < 0.1 * r.baseline)


def test_the_step_budget_stops_a_run_and_the_time_cap_is_reported():
    cfg = TrainConfig(hidden=4, batch=4, steps=7, eval_every=10**9, test_size=20)
    r = train_one(TASKS["temporal-order"], "rnn", 10, cfg)
    assert (r.steps, r.stopped, r.as_dict()["wall_cap_hit"]) == (7, "steps", False)
    capped = TrainConfig(hidden=4, batch=4, steps=10**9, max_seconds=0.2, eval_every=10**9)
    r = train_one(TASKS["temporal-order"], "rnn", 10, capped)
    assert r.stopped == "wall-cap" and r.as_dict()["wall_cap_hit"] and r.seconds < 3
    assert 1 <= r.steps < 10**9


def _without_seconds(data: dict) -> dict:
    return {**data, "results": [{k: v for k, v in r.items() if k != "seconds"}
                                for r in data["results"]]}


def test_same_seed_and_threads_give_the_same_numbers(cli):
    args = ["memory", "--seq-len", "6", "--arch", "rnn,lstm", *TINY, "--seed", "3"]
    first, second = cli.json(*args), cli.json(*args)
    assert _without_seconds(first) == _without_seconds(second)
    other = cli.json(*args[:-1], "4")
    assert _without_seconds(other)["results"] != _without_seconds(first)["results"]


@pytest.mark.slow  # trains or measures end to end (~0.4-0.6 s CPU)
def test_time_cap_is_shown_in_table_and_json(cli, monkeypatch):
    data = cli.json("memory", "--seq-len", "4", "--arch", "rnn", "--hidden", "4",
                    "--steps", "100000", "--max-seconds", "0.3")
    (r,) = data["results"]
    assert r["stopped"] == "wall-cap" and r["wall_cap_hit"] and data["wall_cap_hit"] == 1
    res = cli("memory", "--seq-len", "4", "--arch", "rnn", "--hidden", "4",
              "--steps", "100000", "--max-seconds", "0.3")
    assert res.exit_code == 0, res.output
    text = " ".join(res.stdout.split())  # the caption wraps with the table's width
    assert "wall-clock cap stopped the run" in text and "cap hit" in text


def test_clipping_is_recorded_and_can_be_turned_off():
    task = TASKS["adding"]
    base = dict(hidden=8, batch=16, steps=40, eval_every=10**9, test_size=50, warmup=1)
    on = train_one(task, "rnn", 20, TrainConfig(**base, clip=1e-3)).as_dict()
    off = train_one(task, "rnn", 20, TrainConfig(**base, clip=0)).as_dict()
    assert on["clipped_fraction"] == 1.0 and off["clipped_fraction"] == 0.0
    assert on["grad_norm_max"] > 1e-3 and off["grad_norm_max"] > 0
    assert len(on["loss_curve"]) == 40 and on["loss_spikes"] >= 0
    assert on["train_loss"] != off["train_loss"]  # clipping changed the trajectory


def test_loss_summary_counts_spikes_after_warm_up():
    s = train.loss_summary([5.0, 1.0, 1.0, 1.0, 10.0, 1.0, 1.0], [2.0] * 7, clip=1.0, warmup=2)
    assert s["loss_spikes"] == 1 and s["clipped_fraction"] == 1.0 and s["grad_norm_max"] == 2.0
    assert s["loss_curve"] == [5.0, 1.0, 1.0, 1.0, 10.0, 1.0, 1.0]
    assert train.loss_summary([], [], 1.0, 0)["loss_curve"] == []


def test_radius_and_sgd(cli):
    data = cli.json("memory", "--seq-len", "4", "--arch", "rnn", *TINY, "--optimizer", "sgd",
                    "--radius", "1.5", "--clip", "0")
    assert data["config"]["radius"] == 1.5 and data["config"]["optimizer"] == "sgd"
    assert data["results"][0]["clipped_fraction"] == 0.0


def test_diverged_run_is_reported_not_scored(cli):
    data = cli.json("memory", "--seq-len", "4", "--arch", "rnn", *TINY, "--optimizer", "sgd",
                    "--lr", "10", "--clip", "0", "--radius", "3")
    (r,) = data["results"]
    assert r["stopped"] == "diverged" and r["metric"] is None and r["solved"] is False


def test_warm_up_and_plateau_decay():
    lrs = []
    cfg = TrainConfig(hidden=4, batch=8, lr=0.01, warmup=10, steps=60, eval_every=1,
                      patience=1, test_size=50, val_size=50, min_lr=1e-9)
    real = train.set_lr
    train.set_lr = lambda opt, lr: (lrs.append(lr), real(opt, lr))
    try:
        r = train_one(TASKS["temporal-order"], "rnn", 10, cfg)
    finally:
        train.set_lr = real
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
        assert KEYS <= set(r) and LONGER_KEYS <= set(r["longer"])
        assert r["verdict"] in tasks.SCOPES
        assert r["metric_name"] == "mse" and r["baseline"] == pytest.approx(1 / 6)
        assert isinstance(r["solved"], bool) and r["steps"] >= 1


@pytest.mark.parametrize(
    ("task", "T", "metric", "extra"),
    [("copy", 2, "cross-entropy", "recall_accuracy"), ("counting", 6, "accuracy", "longer"),
     ("temporal-order", 10, "accuracy", None)],
)
def test_other_tasks_report_their_metric_and_baseline(cli, task, T, metric, extra):
    data = cli.json("memory", "--task", task, "--seq-len", str(T), "--arch", "lstm", *TINY)
    (r,) = data["results"]
    assert r["metric_name"] == metric
    assert r["baseline"] == pytest.approx(TASKS[task].baseline(T))
    if extra:
        assert extra in r
    assert LONGER_KEYS <= set(r["longer"]) and r["longer"]["seq_len"] > T
    if task == "counting":
        assert r["longer"]["n_range"] == [4, 6] and r["longer"]["test"] == "n 4-6"
    else:
        assert r["longer"]["test"] == f"T={2 * T}"
    assert r["verdict"] == tasks.scope(r["solved"], r["longer"]["solved"])


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
        (["--task", "parity"], "--task"),
        (["--arch", "transformer"], "--arch"),
        (["--seq-len", "0"], "--seq-len"),
        (["--seq-len", "10,-5"], "--seq-len"),
        (["--max-seconds", "0"], "--max-seconds"),
        (["--budget-s", "-3"], "--max-seconds"),
        (["--steps", "0"], "--steps"),
        (["--lr", "inf"], "--lr"),
        (["--lr", "nan"], "--lr"),
        (["--clip", "-1"], "--clip"),
        (["--radius", "0"], "--radius"),
        (["--seed", "-1"], "--seed"),
        (["--seed", "1" * 20], "--seed"),
        (["--threads", "100000"], "--threads"),
        (["--threads", "-1"], "--threads"),
        (["--seq-len", "1000000000"], "--force"),
        (["--hidden", "1000000"], "--force"),
        (["--batch", "1000000000"], "--force"),
        (["--steps", "100000000"], "--force"),
        (["--task", "counting", "--seq-len", "3"], "counting needs a length >= 4"),
        (["--task", "temporal-order", "--seq-len", "9"], ">= 10"),
        (["--task", "copy", "--quick"], "--quick"),
        (["--optimizer", "lbfgs"], "--optimizer"),
        (["--init", "xavier"], "--init"),
        (["--output", "/nonexistent-dir/x.json"], "does not exist"),
        (["--output", "results.txt"], ".json"),
    ],
)
def test_bad_input_exits_2_with_one_line(cli, args, needle):
    res = cli("memory", *args)
    assert res.exit_code == 2, res.output
    assert "rnncli: error:" in res.output and needle in res.output
    assert "Traceback" not in res.output and len(res.output.strip().splitlines()) == 1


def test_estimate_refuses_oversized_work_fast_and_force_lifts_it():
    from rnncli.experiments import budget
    from rnncli.experiments.jobs import MemoryJob

    opts = dict(task="adding", quick=False, seq_len="50", arch="all", steps=5000,
                max_seconds=900.0, seed=0, hidden=64, batch=64, lr=0.01, optimizer="adam",
                clip=1.0, init="default", radius=None, threads=1, force=False)
    job = MemoryJob.from_options(opts)  # the defaults pass
    assert job.estimate().seconds < budget.MAX_SECONDS
    huge = {**opts, "hidden": 100_000}
    with pytest.raises(BadInput, match="GiB.*--force"):
        MemoryJob.from_options(huge)
    assert MemoryJob.from_options({**huge, "force": True}).cfg.hidden == 100_000


def test_prints_before_saving_and_a_failed_save_exits_1(cli, tmp_path, monkeypatch):
    import rnncli.fileio

    def full_disk(path, text):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(rnncli.fileio, "write_text_atomic", full_disk)
    res = cli("memory", "--seq-len", "4", "--arch", "rnn", *TINY, "-o", str(tmp_path / "m.json"),
              "--json")
    assert res.exit_code == 1
    assert json.loads(res.stdout)["results"][0]["arch"] == "rnn"  # the result was printed
    assert "could not save" in res.stderr and "No space left" in res.stderr


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


@pytest.mark.slow
def test_smoke_subprocess():
    cmd = [sys.executable, "-m", "rnncli", "memory", "--seq-len", "4", "--arch", "lstm", *TINY]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "lstm" in proc.stdout and "baseline" in proc.stdout
    assert "runs" in proc.stderr  # the duration estimate goes to stderr


def test_a_run_smaller_than_the_study_says_its_not_solved_is_for_its_setting(cli):
    # `memory --quick` (H=32, 2,000 steps) fails the tanh RNN at T=50 while the default
    # study (H=64, 5,000 steps) solves it: the output itself must say the setting differs
    from rnncli.experiments.jobs import STUDY, MemoryJob
    from rnncli.render.memory import setting_lines

    res = cli("memory", "--seq-len", "4", "--arch", "rnn", *TINY)
    assert res.exit_code == 0
    data = cli.json("memory", "--seq-len", "4", "--arch", "rnn", *TINY)
    assert data["differs_from_study"]["hidden"][1] == STUDY["hidden"]
    caveat = "holds for this size and budget only" in res.stdout
    assert caveat == (not data["results"][0]["solved"])
    assert "setting: H=" in res.stdout and "(one seed)" in res.stdout
    # the --quick job names how it differs from the study; a solved run needs no caveat
    quick = MemoryJob.from_options(dict(
        task="adding", quick=True, seq_len="50", arch="all", steps=5000, max_seconds=900.0,
        seed=0, hidden=64, batch=64, lr=1e-2, optimizer="adam", clip=1.0, init="default",
        radius=None, threads=1, force=False))
    diff = quick.differs_from_study()
    quick_preset = TASKS["adding"].quick
    assert diff["hidden"] == (quick_preset["hidden"], STUDY["hidden"])
    assert diff["steps"] == (quick_preset["steps"], STUDY["steps"])
    fake = {"config": quick.config(), "differs_from_study": diff,
            "results": [{"solved": False}]}
    lines = setting_lines(fake)
    assert "hidden 32 vs 64" in lines[1] and "steps 2000 vs 5000" in lines[1]
    assert len(setting_lines({**fake, "results": [{"solved": True}]})) == 1


def test_study_matches_the_command_defaults():
    import inspect

    from rnncli.commands.memory import memory
    from rnncli.experiments.jobs import STUDY

    defaults = {k: v.default for k, v in inspect.signature(memory).parameters.items()}
    assert {k: defaults[k] for k in STUDY} == STUDY


def _opts(**kw) -> dict:
    base = dict(task="adding", quick=False, full=False, seq_len="50,100,200", arch="all",
                steps=5000, max_seconds=900.0, seed=0, hidden=64, batch=64, lr=0.01,
                optimizer="adam", clip=1.0, init="default", radius=None, threads=1,
                force=False)
    return {**base, **kw}


def test_a_bare_memory_runs_the_first_look_and_names_the_full_study():
    from rnncli.experiments import budget
    from rnncli.experiments.jobs import STUDY, MemoryJob
    from rnncli.experiments.tasks import TASKS

    first = MemoryJob.from_options(_opts(given=[]))  # what a bare `rnncli memory` builds
    quick = TASKS["adding"].quick
    assert first.first_look and first.lengths == [50] and first.n_runs == 3
    assert (first.cfg.hidden, first.cfg.steps) == (quick["hidden"], quick["steps"])
    assert first.estimate().seconds < 60  # the upper bound, every run to its budget
    assert first.full_study().seconds > first.estimate().seconds
    # --full, or any size option typed, runs the study's settings
    for job in (MemoryJob.from_options(_opts(given=[], full=True)),
                MemoryJob.from_options(_opts(given=["seq_len"], seq_len="50"))):
        assert not job.first_look and job.cfg.hidden == STUDY["hidden"]
    assert MemoryJob.from_options(_opts(given=[])).data([], False)["first_look"] is True
    with pytest.raises(BadInput, match="--quick and --full"):
        MemoryJob.from_options(_opts(quick=True, full=True))
    assert budget.MAX_SECONDS > 60


def test_the_command_passes_which_size_options_were_typed(cli, monkeypatch):
    from rnncli.experiments import jobs

    seen = {}

    def stop(cls, o):
        seen.update(o)
        raise BadInput("stop here")

    monkeypatch.setattr(jobs.MemoryJob, "from_options", classmethod(stop))
    assert cli("memory").exit_code == 2 and seen["given"] == []
    assert cli("memory", "--hidden", "8", "--lr", "0.1").exit_code == 2
    assert sorted(seen["given"]) == ["hidden", "lr"]


def test_runs_say_run_k_of_n(cli):
    res = cli("memory", "--seq-len", "4", "--arch", "rnn,gru", *TINY)
    assert res.exit_code == 0
    assert "run 1 of 2: rnn" in res.stderr and "run 2 of 2: gru" in res.stderr
