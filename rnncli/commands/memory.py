"""`rnncli memory` (placeholder until its issue lands)."""

from rnncli.errors import RnncliError


def memory() -> None:
    """Not implemented yet."""
    raise RnncliError("'memory' is not implemented yet")
