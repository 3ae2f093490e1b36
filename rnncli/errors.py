"""The project's own exceptions; ``rnncli.cli`` turns them into one-line messages.

Library code raises these and never prints or exits; commands let them propagate.
"""


class RnncliError(Exception):
    """A failure that is not the user's fault (exit code 1)."""

    exit_code = 1


class BadInput(RnncliError):
    """The user gave a value we cannot use (exit code 2, like a usage error)."""

    exit_code = 2


class MissingExtra(RnncliError):
    """An optional dependency (e.g. matplotlib for ``--plot``) is not installed."""

    exit_code = 1

    def __init__(self, package: str, extra: str) -> None:
        super().__init__(
            f"{package} is not installed; install the extra: pip install 'rnncli[{extra}]'"
        )


def short(exc: BaseException, limit: int = 100) -> str:
    """An exception's message on one line, cut to ``limit`` characters (for error lines)."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."
