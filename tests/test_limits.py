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
