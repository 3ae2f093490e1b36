"""`rnncli gradients` (placeholder until its issue lands)."""

from rnncli.errors import RnncliError


def gradients() -> None:
    """Not implemented yet."""
    raise RnncliError("'gradients' is not implemented yet")
