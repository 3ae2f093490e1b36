"""How many examples a hypothesis test draws: its full count under ``CI=true``, a few in the
edit loop (conftest.py's "dev" profile caps ``max_examples``), so the fast tier stays fast on
a loaded machine.  ``HYPOTHESIS_PROFILE=ci`` gives the full counts locally.

Use ``@settings(max_examples=examples(25))``: a count given to ``@settings`` directly would
override every profile.
"""

from __future__ import annotations

from hypothesis import settings


def examples(full: int) -> int:
    """``full`` under the "ci" profile; at most the loaded profile's ``max_examples``."""
    return min(full, settings.default.max_examples)
