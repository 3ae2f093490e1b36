"""`rnncli advise` (placeholder until its issue lands)."""

from rnncli.errors import RnncliError


def advise() -> None:
    """Not implemented yet."""
    raise RnncliError("'advise' is not implemented yet")
