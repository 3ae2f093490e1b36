"""`rnncli bench` (placeholder until its issue lands)."""

from rnncli.errors import RnncliError


def bench() -> None:
    """Not implemented yet."""
    raise RnncliError("'bench' is not implemented yet")
