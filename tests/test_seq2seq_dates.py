"""Every date format the generator writes parses back to the same date."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rnncli.errors import BadInput
from rnncli.seq2seq import dates, tasks


@given(st.dates(min_value=dates.FIRST, max_value=dates.LAST),
       st.sampled_from(sorted(dates.FORMATS)))
def test_every_format_round_trips(d, fmt):
    assert dates.parse(dates.write(d, fmt)) == d


@pytest.mark.parametrize("fmt", sorted(dates.FORMATS))
def test_each_format_on_a_known_date(fmt):
    assert dates.iso(dates.write(dt.date(2021, 3, 3), fmt)) == "2021-03-03"


@pytest.mark.parametrize("text, iso", [
    ("3rd of March 2021", "2021-03-03"), ("Mar 3, 21", "2021-03-03"),
    ("03/04/2021", "2021-03-04"), ("4.3.2021", "2021-03-04"), ("Mar 3, 99", "1999-03-03"),
    ("the 22nd of june, 1950", "1950-06-22"), ("Friday, January 1, 2049", "2049-01-01"),
])
def test_conventions(text, iso):
    assert dates.iso(text) == iso


@pytest.mark.parametrize("n, text", [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"),
                                     (11, "11th"), (12, "12th"), (13, "13th"), (21, "21st"),
                                     (22, "22nd"), (23, "23rd"), (31, "31st")])
def test_ordinals(n, text):
    assert dates.ordinal(n) == text


@pytest.mark.parametrize("text", ["31/02/2021", "yesterday", "Marchember 3, 2021", ""])
def test_bad_dates(text):
    with pytest.raises(BadInput):
        dates.parse(text)


def test_generated_task_targets_are_iso_of_sources():
    train, test = tasks.get("dates").make(seed=3, n_train=300, n_test=50)
    for src, tgt in train + test:
        assert dates.iso(src) == tgt
    assert not {s for s, _ in train} & {s for s, _ in test}
