"""`rnncli quiz` (placeholder until its issue lands)."""

from rnncli.errors import RnncliError


def quiz() -> None:
    """Not implemented yet."""
    raise RnncliError("'quiz' is not implemented yet")
