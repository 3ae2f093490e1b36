"""rnncli.seqinput: --seq text and --input files become (T, I) float arrays, or BadInput."""

from __future__ import annotations

import numpy as np
import pytest
from draws import examples
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from rnncli.errors import BadInput
from rnncli.seqinput import load_sequence, parse_seq, read_csv, read_input, read_npy

finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False, width=64)
seqs = arrays(np.float64, st.tuples(st.integers(1, 12), st.integers(1, 4)), elements=finite)


def test_one_feature_and_many_features():
    np.testing.assert_array_equal(parse_seq("1,0,0,1"), [[1], [0], [0], [1]])
    x = parse_seq(" 0.5, 1 ; 0,1;1 ,0 ")
    assert x.shape == (3, 2) and x.dtype == np.float64
    np.testing.assert_array_equal(x, [[0.5, 1], [0, 1], [1, 0]])
    np.testing.assert_array_equal(parse_seq("-2.5e-1"), [[-0.25]])
    assert parse_seq("7;8").shape == (2, 1)
    assert parse_seq("0.5,1;").shape == (1, 2)  # a trailing ';' marks one multi-feature step


@settings(max_examples=examples(40), deadline=None)
@given(seqs)
def test_text_round_trip(x):
    text = ";".join(",".join(repr(float(v)) for v in row) for row in x) + ";"
    np.testing.assert_array_equal(parse_seq(text), x)


@settings(max_examples=examples(25), deadline=None)
@given(seqs)
def test_file_round_trips(tmp_path_factory, x):
    d = tmp_path_factory.mktemp("s")
    (d / "x.csv").write_text("\n".join(",".join(repr(float(v)) for v in row) for row in x))
    np.testing.assert_array_equal(read_input(d / "x.csv"), x)
    np.save(d / "x.npy", x)
    np.testing.assert_array_equal(read_input(d / "x.npy"), x)


def test_npy_shapes_and_dtypes(tmp_path):
    np.save(tmp_path / "v.npy", np.array([1, 0, 1], dtype=np.int8))
    x = read_npy(tmp_path / "v.npy")
    assert x.shape == (3, 1) and x.dtype == np.float64
    np.save(tmp_path / "b.npy", np.array([[True, False]]))
    np.testing.assert_array_equal(read_npy(tmp_path / "b.npy"), [[1.0, 0.0]])
    np.save(tmp_path / "c.npy", np.array([1 + 2j]))
    with pytest.raises(BadInput, match="real numbers"):
        read_npy(tmp_path / "c.npy")


def test_csv_skips_blank_lines_and_names_the_line(tmp_path):
    (tmp_path / "a.csv").write_text("1,2\n\n3,4\n")
    np.testing.assert_array_equal(read_csv(tmp_path / "a.csv"), [[1, 2], [3, 4]])
    (tmp_path / "b.csv").write_text("1,2\n\n3\n")
    with pytest.raises(BadInput, match="line 3 has 1 values"):
        read_csv(tmp_path / "b.csv")
    (tmp_path / "c.csv").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(BadInput):
        read_csv(tmp_path / "c.csv")


@pytest.mark.parametrize("bad", ["", " ", "1,", ",1", "1;;2", ";", "a", "1,nan", "inf", "1;2,3",
                                 "0x10", "1 2"])
def test_bad_text(bad):
    with pytest.raises(BadInput) as info:
        parse_seq(bad)
    assert "\n" not in str(info.value)


def test_load_sequence_default_and_exclusive(tmp_path):
    np.testing.assert_array_equal(load_sequence(None, None, "1,0"), [[1], [0]])
    with pytest.raises(BadInput, match="not both"):
        load_sequence("1", tmp_path / "x.npy", "1")
