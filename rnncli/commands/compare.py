"""`rnncli compare` (placeholder until its issue lands)."""

from rnncli.errors import RnncliError


def compare() -> None:
    """Not implemented yet."""
    raise RnncliError("'compare' is not implemented yet")
