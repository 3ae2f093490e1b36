"""rnncli.fmt: the one set of number formatters every module uses."""

from __future__ import annotations

import math

import pytest

from rnncli import fmt


@pytest.mark.parametrize("bad", [None, math.nan, math.inf])
def test_missing_values_are_a_dash(bad):
    for f in (fmt.sig, fmt.sci, fmt.short, fmt.fixed, fmt.small, fmt.ms):
        assert f(bad) == "-"


def test_significant_and_scientific():
    assert fmt.sig(0.012345) == "0.0123" and fmt.sig(123456) == "1.23e+05"
    assert fmt.sig(2e-5, tiny=1e-3) == "2.0e-05" and fmt.sig(0.0, tiny=1e-3) == "0"
    assert fmt.sig(0.04, 1) == "0.04"
    assert fmt.sci(0.031) == "3.1e-2" and fmt.sci(0.001, 1) == "1e-3" and fmt.sci(0) == "0"
    assert fmt.sci(-250.0) == "-2.5e2"


def test_short_stays_within_five_characters():
    assert [fmt.short(v) for v in (0.254, -9.996, 12.34, 99.96, 140.4)] == [
        "0.25", "-10.0", "12.3", "100", "140"]
    assert fmt.short(3.0, integers=True) == "3" and fmt.short(3.5, integers=True) == "3.50"
    assert fmt.short(1e5, integers=True) == "100000"


def test_fixed_small_signed_thousands():
    assert fmt.fixed(0.8125, 3) == "0.812" and fmt.fixed(2, 0) == "2"
    assert fmt.small(0.12345) == "0.1235" and fmt.small(0.00012) == "1.20e-04"
    assert fmt.signed(2) == "+2" and fmt.signed(-0.5) == "-0.5" and fmt.signed(0, "·") == "·"
    assert fmt.thousands(1234567) == "1,234,567"


def test_columns_of_counts_bytes_and_milliseconds():
    assert fmt.si(1_234_567) == "1.23 M" and fmt.si(999) == "999 " and fmt.si(2e9) == "2.00 G"
    assert fmt.nbytes_fixed(512) == "512 B" and fmt.nbytes_fixed(1536) == "1.5 KiB"
    assert fmt.nbytes_fixed(3 * 2**30) == "3.0 GiB" and fmt.nbytes_fixed(2**42) == "4096.0 GiB"
    assert fmt.ms(0.012345) == "12.35 ms" and fmt.ms(0.5, unit=False) == "500.00"
    assert fmt.percent(0.4567, decimals=1) == "45.7%" and fmt.percent(0.4567) == "46%"


def test_rough_durations_and_plus_minus():
    assert [fmt.rough_duration(s) for s in (45, 720, 3 * 3600, 5 * 86400)] == [
        "45 s", "12 min", "3 h", "5 days"]
    assert fmt.plus_minus("0.81", "0.02") == "0.81±0.02" and fmt.plus_minus("0.81", None) == "0.81"
