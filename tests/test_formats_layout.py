"""The porting table: every framework's order is a permutation of the registry's gate rows,
reordering is invertible, and the table's orders are what the real libraries compute
(checked end to end in test_convert/test_formats_*; here the table itself)."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from rnncli import archs
from rnncli.formats import layout

FRAMEWORKS = tuple(layout.CONVENTIONS)
ARCHS = ("lstm", "gru", "rnn", "peephole")


def test_orders_are_permutations_of_the_registry_rows():
    for conv in layout.CONVENTIONS.values():
        for arch in ("lstm", "gru", "rnn"):
            rows = archs.get(arch).gate_rows
            assert sorted(conv.orders[arch]) == sorted(rows)
            assert len(conv.letters[arch]) == len(rows)
    assert layout.CONVENTIONS["pytorch"].orders["lstm"] == archs.get("lstm").gate_rows


@given(arch=st.sampled_from(ARCHS), src=st.sampled_from(FRAMEWORKS),
       dst=st.sampled_from(FRAMEWORKS), hidden=st.integers(1, 5), cols=st.integers(1, 4),
       seed=st.integers(0, 2**16))
def test_reorder_round_trips(arch, src, dst, hidden, cols, seed):
    g = archs.get(arch).gate_blocks
    a = np.random.default_rng(seed).standard_normal((g * hidden, cols))
    there = layout.reorder(a, arch, src, dst)
    np.testing.assert_array_equal(layout.reorder(there, arch, dst, src), a)
    blocks = np.split(a, g)
    for j, i in enumerate(layout.permutation(arch, src, dst)):
        np.testing.assert_array_equal(np.split(there, g)[j], blocks[i])


def test_onnx_lstm_is_iofc_from_pytorch_ifgo():
    assert layout.permutation("lstm", "pytorch", "onnx") == [0, 3, 1, 2]
    assert layout.permutation("gru", "pytorch", "keras") == [1, 0, 2]
    assert layout.permutation("lstm", "pytorch", "openvino") == [1, 0, 2, 3]
