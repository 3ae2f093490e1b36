"""``keras``, imported when a test first uses it (about 3.5 s of CPU): collecting the fast
tier, whose tests need no Keras, stays cheap. A missing Keras skips the test using it."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")


class _Keras:
    def __getattr__(self, name):
        if name.startswith("_"):  # pytest's collection looks for __test__ and the like
            raise AttributeError(name)
        return getattr(pytest.importorskip("keras"), name)


keras = _Keras()
