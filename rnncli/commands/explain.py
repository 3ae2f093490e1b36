"""`rnncli explain` (placeholder until its issue lands)."""

from rnncli.errors import RnncliError


def explain() -> None:
    """Not implemented yet."""
    raise RnncliError("'explain' is not implemented yet")
