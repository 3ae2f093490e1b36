"""`rnncli gates` (placeholder until its issue lands)."""

from rnncli.errors import RnncliError


def gates() -> None:
    """Not implemented yet."""
    raise RnncliError("'gates' is not implemented yet")
