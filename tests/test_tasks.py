"""The memory-task generators follow their published definitions; baselines come from data."""

from __future__ import annotations

import math

import numpy as np
import pytest
from draws import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from rnncli.errors import BadInput
from rnncli.experiments import tasks
from rnncli.experiments.tasks import TASKS, get_task


@settings(max_examples=examples(25), deadline=None)
@given(T=st.integers(2, 80), B=st.integers(1, 8), seed=st.integers(0, 2**16))
def test_adding_markers_one_per_half_and_target_is_their_sum(T, B, seed):
    b = tasks.adding(T, B, np.random.default_rng(seed))
    assert b.x.shape == (T, B, 2) and b.y.shape == (B,)
    values, markers = b.x[..., 0], b.x[..., 1]
    assert ((values >= 0) & (values < 1)).all()
    assert set(np.unique(markers)) <= {0.0, 1.0}
    first, second = markers[: T // 2], markers[T // 2 :]
    assert (first.sum(axis=0) == 1).all() and (second.sum(axis=0) == 1).all()
    np.testing.assert_allclose(b.y, (values * markers).sum(axis=0), rtol=1e-6)


def test_adding_baseline_from_data_is_one_sixth():
    b = tasks.adding(20, 40_000, np.random.default_rng(0))
    mse_predict_one = float(np.mean((b.y - 1.0) ** 2))  # the best constant: E[y] = 1
    assert abs(float(b.y.mean()) - 1.0) < 0.01
    assert abs(mse_predict_one - 1 / 6) < 0.005
    assert TASKS["adding"].baseline(20) == pytest.approx(0.1667, abs=1e-4)


@settings(max_examples=examples(20), deadline=None)
@given(T=st.integers(1, 40), seed=st.integers(0, 2**16))
def test_copy_layout(T, seed):
    b = tasks.copy(T, 5, np.random.default_rng(seed))
    L = T + 20
    assert b.x.shape == (L, 5, 10) and b.y.shape == (L, 5)
    assert (b.x.sum(axis=-1) == 1).all()  # one-hot
    inp = b.x.argmax(-1)
    assert ((inp[:10] >= 1) & (inp[:10] <= 8)).all()  # 10 symbols of 8
    assert (inp[10 + T - 1] == 9).all()  # the delimiter after T-1 blanks
    rest = np.delete(inp, [*range(10), 10 + T - 1], axis=0)
    assert (rest == 0).all()  # everything else blank
    assert (b.y[: T + 10] == 0).all()
    np.testing.assert_array_equal(b.y[T + 10 :], inp[:10])  # then the symbols, in order


@pytest.mark.parametrize("T", [1, 10, 100])
def test_copy_baseline_is_the_memoryless_cross_entropy(T):
    # the best predictor that knows the step but not the content: the targets' marginal
    # at every step; its cross-entropy on the data must match 10 log 8 / (T + 20)
    b = tasks.copy(T, 20_000, np.random.default_rng(1))
    ce = 0.0
    for t in range(T + 20):
        p = np.bincount(b.y[t], minlength=9) / b.y.shape[1]
        ce += -np.mean(np.log(p[b.y[t]]))
    ce /= T + 20
    assert ce == pytest.approx(TASKS["copy"].baseline(T), rel=0.01)
    assert TASKS["copy"].baseline(T) == pytest.approx(10 * math.log(8) / (T + 20))


@pytest.mark.parametrize("T", [10, 37, 100])
def test_temporal_order_definition(T):
    b = tasks.temporal_order(T, 4000, np.random.default_rng(2))
    inp = b.x.argmax(-1)
    assert (inp[0] == 4).all() and (inp[-1] == 5).all()  # B ... E
    (a1, b1), (a2, b2) = tasks.temporal_positions(T)
    if T == 100:
        assert (a1, b1, a2, b2) == (10, 20, 50, 60)  # Hochreiter & Schmidhuber's positions
    is_xy = inp >= 6
    assert (is_xy.sum(axis=0) == 2).all()
    t1 = is_xy.argmax(axis=0)
    t2 = T - 1 - is_xy[::-1].argmax(axis=0)
    assert ((t1 >= a1) & (t1 <= b1) & (t2 >= a2) & (t2 <= b2)).all()
    cols = np.arange(inp.shape[1])
    expect = 2 * (inp[t1, cols] - 6) + (inp[t2, cols] - 6)
    np.testing.assert_array_equal(b.y, expect)
    counts = np.bincount(b.y, minlength=4) / len(b.y)
    assert np.allclose(counts, 0.25, atol=0.03)  # 4 balanced classes: chance is 1/4
    middle = inp[1:-1]
    assert set(np.unique(middle)) <= {0, 1, 2, 3, 6, 7}


def test_counting_definition_and_baseline():
    T = 20
    b = tasks.counting(T, 3000, np.random.default_rng(3))
    inp = b.x.argmax(-1)
    assert b.n.min() >= 1 and b.n.max() <= T // 2
    for j in range(50):
        n = b.n[j]
        np.testing.assert_array_equal(inp[:, j], [0] * n + [1] * n + [2] * (T - 2 * n))
        assert b.mask[:, j].sum() == n and b.mask[n : 2 * n, j].all()
        assert np.flatnonzero(b.y[:, j]).tolist() == [2 * n - 1]
    # a memoryless model says the same at every b: "end" is exactly right only when n = 1
    always_end = np.ones_like(b.y)
    right = ~(((always_end != b.y) & b.mask).any(axis=0))
    assert right.mean() == pytest.approx(TASKS["counting"].baseline(T), abs=0.03)
    longer = tasks.counting(T, 100, np.random.default_rng(4), n_range=(11, 20))
    assert longer.x.shape[0] == 40 and longer.n.min() >= 11


def test_lookup_and_minimum_lengths():
    with pytest.raises(BadInput, match="unknown task"):
        get_task("parity")
    with pytest.raises(BadInput, match="--after-training"):
        get_task("sorting", "--after-training")
    for name, too_short in (("adding", 1), ("copy", 0), ("temporal-order", 9), ("counting", 3)):
        with pytest.raises(BadInput, match=name):
            TASKS[name].check_len(too_short)
        TASKS[name].check_len(too_short + 1)


def test_solved_rules():
    assert TASKS["adding"].solved(0.016, 50) and not TASKS["adding"].solved(0.017, 50)
    assert TASKS["temporal-order"].solved(0.95, 50) and not TASKS["temporal-order"].solved(0.9, 50)
    assert not TASKS["copy"].solved(float("nan"), 10)


def test_the_registry_is_the_one_place_that_knows_tasks():
    assert [t.value for t in tasks.TaskName] == list(TASKS)
    text = tasks.help_text()
    for name, task in TASKS.items():
        assert get_task(name.upper()) is task and f"{name}: {task.summary}" in text
        assert callable(task.generate) and callable(task.score)
        assert task.seq_steps(30) == 30 + task.extra_steps
        assert 0 < task.baseline(30) < 2
    assert TASKS["copy"].seq_steps(30) == 50


@pytest.mark.parametrize("name", list(TASKS))
def test_each_scorer_scores_its_own_batches(name):
    import torch

    from rnncli.experiments.train import build_model

    task = TASKS[name]
    T = max(task.min_len, 8)
    torch.manual_seed(0)
    model = build_model("gru", task.input_size, 4, task.output_size)
    batch = task.generate(T, 6, np.random.default_rng(0))
    assert batch.x.shape == (task.seq_steps(T), 6, task.input_size)
    loss, metric = task.score(model, batch.to_torch())
    assert loss.requires_grad and math.isfinite(float(loss.detach())) and math.isfinite(metric)
    extra = task.extra_metrics(model, T, np.random.default_rng(1), 5)
    assert set(extra) == {"copy": {"recall_accuracy"}}.get(name, set())
    longer = task.longer_test(model, T, np.random.default_rng(1), 5)
    assert longer["seq_len"] > T and 0 <= longer["metric"] and math.isfinite(longer["metric"])
    assert longer["solved"] == (task.solved(longer["metric"], longer["seq_len"])
                                if name != "counting" else longer["metric"] >= 0.95)


def test_the_longer_test_is_longer_than_training():
    """Counting's longer test has only n beyond the trained range; the others run at 2T."""
    b = tasks.counting(20, 500, np.random.default_rng(0), n_range=(11, 20))
    assert b.n.min() == 11 and b.n.max() == 20 and b.x.shape[0] == 40
    trained = tasks.counting(20, 500, np.random.default_rng(0))
    assert trained.n.max() <= 10  # so no longer-test n was ever trained on


@pytest.mark.parametrize(("solved", "longer", "word"), [
    (True, False, "in distribution only"),
    (True, True, "generalises to held-out lengths"),
    (True, None, "in distribution only"),
    (False, True, "not shown"),
    (False, False, "not shown"),
])
def test_scope_says_what_was_shown(solved, longer, word):
    assert tasks.scope(solved, longer) == word
