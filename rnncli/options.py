"""Option parsing shared by the commands: comma lists, choices, shared flags.

Each parser raises :class:`~rnncli.errors.BadInput` with a one-line message that
names the option, the bad value and what is accepted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Annotated

import typer

from rnncli.errors import BadInput

ARCHS = ("rnn", "gru", "lstm")

JsonFlag = Annotated[bool, typer.Option("--json", help="Print the result as JSON only.")]


def positive_int(value: int, name: str, minimum: int = 1) -> int:
    """Check that an already-parsed integer option is at least ``minimum``."""
    if value < minimum:
        raise BadInput(f"{name} must be an integer >= {minimum}, got {value}")
    return value


def int_list(text: str, name: str, minimum: int = 1) -> list[int]:
    """Parse ``"50,100,200"`` into ``[50, 100, 200]`` (each >= ``minimum``, no duplicates)."""
    items = [t.strip() for t in str(text).split(",")]
    if not text or any(t == "" for t in items):
        raise BadInput(f"{name}: expected a comma-separated list of integers, got {text!r}")
    out: list[int] = []
    for t in items:
        try:
            v = int(t)
        except ValueError:
            raise BadInput(f"{name}: {t!r} is not an integer (in {text!r})") from None
        if v < minimum:
            raise BadInput(f"{name}: values must be integers >= {minimum}, got {v}")
        if v not in out:
            out.append(v)
    return out


def choice_list(
    text: str, name: str, allowed: Sequence[str], all_word: str | None = "all"
) -> list[str]:
    """Parse ``"rnn,lstm"`` against ``allowed``; ``all`` expands to every choice."""
    items = [t.strip().lower() for t in str(text).split(",")]
    if not text or any(t == "" for t in items):
        raise BadInput(f"{name}: expected a comma-separated list of {', '.join(allowed)}")
    out: list[str] = []
    for t in items:
        if all_word is not None and t == all_word:
            return list(allowed)
        if t not in allowed:
            accepted = ", ".join(list(allowed) + ([all_word] if all_word else []))
            raise BadInput(f"{name}: unknown value {t!r}; accepted: {accepted}")
        if t not in out:
            out.append(t)
    return out


def choice(text: str, name: str, allowed: Iterable[str]) -> str:
    """Parse a single choice (case-insensitive)."""
    allowed = list(allowed)
    t = str(text).strip().lower()
    if t not in allowed:
        raise BadInput(f"{name}: unknown value {text!r}; accepted: {', '.join(allowed)}")
    return t
