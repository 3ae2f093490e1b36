"""rnncli.trainkit: the step-budgeted loop and the statistics every training command uses."""

import math

import pytest

from rnncli import trainkit
from rnncli.errors import BadInput


def test_run_steps_counts_steps_and_keeps_losses():
    log = trainkit.run_steps(lambda i: 1.0 / (i + 1), 5)
    assert (log.steps, log.stopped) == (5, "steps")
    assert log.losses == [1.0, 0.5, 1 / 3, 0.25, 0.2]


def test_run_steps_stops_on_divergence():
    log = trainkit.run_steps(lambda i: math.inf if i == 2 else 1.0, 10)
    assert (log.steps, log.stopped) == (3, "diverged")


def test_run_steps_wall_cap_is_reported():
    log = trainkit.run_steps(lambda i: 1.0, 1000, cap_s=0.0)
    assert log.stopped == "wall-cap" and log.steps == 1


def test_run_steps_early_stop_and_evals():
    log = trainkit.run_steps(lambda i: 1.0, 100, evaluate=lambda i: {"stop": i >= 20, "i": i},
                             eval_every=10)
    assert log.stopped == "early" and log.steps == 20
    assert [e["i"] for e in log.evals] == [10, 20]


def test_run_steps_keeps_work_on_ctrl_c():
    def step(i):
        if i == 3:
            raise KeyboardInterrupt
        return 0.5

    log = trainkit.run_steps(step, 10)
    assert (log.steps, log.stopped, log.losses) == (3, "interrupted", [0.5, 0.5, 0.5])


def test_run_steps_refuses_zero_steps():
    with pytest.raises(BadInput, match="--steps"):
        trainkit.run_steps(lambda i: 1.0, 0)


def test_warmup_ramps_then_holds():
    assert trainkit.warmup_lr(0, 1e-3, 10) == pytest.approx(1e-4)
    assert trainkit.warmup_lr(9, 1e-3, 10) == pytest.approx(1e-3)
    assert trainkit.warmup_lr(500, 1e-3, 10) == pytest.approx(1e-3)


def test_mean_sd_and_t_interval():
    m, sd = trainkit.mean_sd([1.0, 2.0, 3.0])
    assert (m, sd) == (2.0, 1.0)
    mean, lo, hi = trainkit.t_interval([1.0, 2.0, 3.0])
    assert mean == 2.0 and hi - mean == pytest.approx(4.303 / math.sqrt(3))
    assert trainkit.t_interval([5.0])[1] == -math.inf
    assert trainkit.t_quantile(1000) == 1.96


def test_wilson_interval_known_value():
    # 8 of 10 correct: Wilson 95% interval (0.490, 0.943), a textbook value
    lo, hi = trainkit.wilson(8, 10)
    assert lo == pytest.approx(0.4902, abs=1e-3) and hi == pytest.approx(0.9433, abs=1e-3)
    assert trainkit.wilson(0, 10)[0] == 0.0 and trainkit.wilson(10, 10)[1] == 1.0


def test_torch_session_restores_threads():
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    with trainkit.torch_session(seed=3, threads=1):
        assert torch.get_num_threads() == 1
        a = torch.rand(2)
    with trainkit.torch_session(seed=3, threads=1):
        b = torch.rand(2)
    assert torch.equal(a, b) and torch.get_num_threads() == before
