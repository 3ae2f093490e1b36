"""rnncli.limits: the one refusal of oversized work."""

import pytest

from rnncli.errors import BadInput
from rnncli.limits import refuse_oversized

LIMITS = {"max_seconds": 60.0, "max_bytes": 2**30}


def test_within_limits_passes():
    refuse_oversized("job", seconds=59, nbytes=2**29, force=False, **LIMITS)


@pytest.mark.parametrize("seconds, nbytes", [(61, 1), (1, 2**31), (7200, 2**40)])
def test_over_either_limit_names_both_estimates_and_force(seconds, nbytes):
    with pytest.raises(BadInput) as exc:
        refuse_oversized("this job", seconds=seconds, nbytes=nbytes, force=False,
                         lower="lower --steps", **LIMITS)
    msg = str(exc.value)
    assert msg.startswith("this job is estimated at ") and "--force" in msg
    assert "lower --steps" in msg and "of memory (limit 1.0 GiB)" in msg


def test_force_lifts_the_limit_and_missing_estimates_are_skipped():
    refuse_oversized("job", seconds=1e9, nbytes=1e15, force=True, **LIMITS)
    refuse_oversized("job", nbytes=1, force=False, **LIMITS)
    with pytest.raises(BadInput, match="2.0 h"):
        refuse_oversized("job", seconds=7200, force=False, **LIMITS)


def test_knobs_name_the_dominant_option_and_the_largest_value_that_fits():
    from rnncli.limits import Knob, largest_fitting

    # memory ~ seq_len * hidden^2 bytes: hidden dominates (it needs the smaller cut)
    def cost(seq_len, hidden):
        return None, seq_len * hidden * hidden

    knobs = [Knob("--seq-len", 1000, lambda v: cost(v, 100)),
             Knob("--hidden", 100, lambda v: cost(1000, v))]
    with pytest.raises(BadInput) as exc:
        refuse_oversized("job", nbytes=cost(1000, 100)[1], force=False, knobs=knobs,
                         max_seconds=60, max_bytes=10**6)
    msg = str(exc.value)
    assert "--hidden 31 (now 100) or --seq-len 100 (now 1,000) would fit, each alone" in msg
    assert msg.endswith(", or pass --force")
    # the values found are the largest that fit: one more is over
    assert cost(1000, 31)[1] <= 10**6 < cost(1000, 32)[1]
    assert largest_fitting(Knob("--x", 5, lambda v: (None, 10**9)), lambda c: False) is None


def test_no_single_option_fits_says_which_to_lower_together():
    from rnncli.limits import Knob

    knobs = [Knob("--a", 10, lambda v: (3600.0, None)), Knob("--b", 10, lambda v: (3600.0,
                                                                                    None))]
    with pytest.raises(BadInput, match="no single option brings it under; lower --a, --b"):
        refuse_oversized("job", seconds=3600, force=False, knobs=knobs, **LIMITS)


@pytest.mark.parametrize("args, names", [
    (["memory", "--seq-len", "100000", "--hidden", "4096"], [r"--seq-len \d+ \(now 100,000\)"]),
    (["gradients", "--seq-len", "2000", "--hidden", "2000", "--after-training", "adding",
      "--steps", "100000"], [r"--seq-len [\d,]+ \(now 2,000\)", r"--hidden [\d,]+ \(now 2,000\)"]),
    (["compare", "--measure", "--hidden", "1000", "--seq-len", "5000", "--batch", "64"],
     [r"--hidden \d+ \(now 1,000\) or --seq-len \d+ \(now 5,000\)"]),
    (["advise", "--measure", "--seq-len", "10000000"], [r"--seq-len [\d,]+ \(now 10,000,000\)"]),
    (["seq2seq", "--task", "dates", "--hidden", "4000", "--steps", "5000"],
     [r"--hidden \d+ \(now 4,000\)"]),
    (["sentiment", "--steps", "1000000"], [r"--steps [\d,]+ \(now 1,000,000\)"]),
    (["bench", "-T", "2000,4000", "-H", "1024,2048", "-B", "64", "--mode", "train"],
     [r"--hidden up to \d+ \(now 2,048\)", r"--seq-len up to \d+ \(now 4,000\)",
      "lowering --min-time or --peak-n"]),
])
def test_each_refusal_names_what_to_change(cli, args, names):
    """The values depend on each command's cost model; limits' own test checks that the
    value found is the largest that fits."""
    import re

    res = cli(*args)
    assert res.exit_code == 2
    assert "make it smaller" not in res.stderr and "use smaller sizes" not in res.stderr
    for name in names:
        assert re.search(name, res.stderr), res.stderr
    assert "would fit" in res.stderr and "--force" in res.stderr


def test_bench_names_only_the_sizes_the_user_may_change(cli):
    """A preset sets every size, --weights the model's: the refusal does not ask to lower
    them; a grid of thousands of rows is told to shrink, without a search."""
    res = cli("bench", "--preset", "deepbench-train")
    assert res.exit_code == 2 and "shrink the grid" in res.stderr
    assert "--hidden" not in res.stderr and "would fit" not in res.stderr
    huge = ",".join(str(t) for t in range(100, 20001, 100))
    res = cli("bench", "-T", huge, "-H", "64,128,256,512,1024,2048,4096,8192,16384,32768")
    assert res.exit_code == 2 and "shrink the grid" in res.stderr and "would fit" not in res.stderr
