"""rnncli.interrupt.keep_finished: Ctrl-C keeps the finished items, nothing else."""

from __future__ import annotations

from rnncli.interrupt import keep_finished


def _produce(n_before_ctrl_c: int | None):
    for k in range(5):
        if k == n_before_ctrl_c:
            raise KeyboardInterrupt
        yield k


def test_keeps_everything_when_not_interrupted():
    seen = []
    done = keep_finished(_produce(None), on_item=seen.append)
    assert done.items == [0, 1, 2, 3, 4] and seen == done.items
    assert not done.interrupted


def test_ctrl_c_keeps_the_finished_items():
    done = keep_finished(_produce(3))
    assert done.items == [0, 1, 2]
    assert done.interrupted


def test_ctrl_c_in_the_callback_keeps_that_item():
    def on_item(k):
        if k == 1:
            raise KeyboardInterrupt

    done = keep_finished(_produce(None), on_item=on_item)
    assert done.items == [0, 1] and done.interrupted
