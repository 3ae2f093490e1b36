"""Option parsing shared by the commands: comma lists, choices, shared flags.

Each parser raises :class:`~rnncli.errors.BadInput` with a one-line message that
names the option, the bad value and what is accepted.  A closed choice is one tuple
in the library; :func:`choice_enum` makes the typer Enum of it (typer checks it, help
lists it, the shell completes it); a comma list of choices gets :func:`complete_list`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Sequence
from enum import Enum
from typing import Annotated, Any

import typer

from rnncli import archs
from rnncli.errors import BadInput

JsonFlag = Annotated[bool, typer.Option("--json", help="Print the result as JSON only.")]


def choice_enum(name: str, values: Iterable[str]) -> type[Enum]:
    """The typer Enum of a tuple of choices (``--help`` lists them, typer checks them)."""
    return Enum(name, {v: v for v in values}, type=str)


def value(x: object) -> object:
    """An option's value as the library takes it: an Enum member becomes its string."""
    return x.value if isinstance(x, Enum) else x


def complete_list(choices: Callable[[], Iterable[str]] | Iterable[str],
                  all_word: str | None = "all") -> Callable[[str], list[str]]:
    """Shell completion of a comma list: ``num`` -> ``numpy``, ``rnn,g`` -> ``rnn,gru``
    (choices already in the list are not offered again).  ``choices`` may be a function,
    so a registry is read only when the user presses TAB."""

    def complete(incomplete: str) -> list[str]:
        done, comma, last = incomplete.rpartition(",")
        given = {t.strip().lower() for t in done.split(",")} if comma else set()
        names = list(choices() if callable(choices) else choices)
        if all_word and not comma:
            names.append(all_word)
        return [done + comma + n for n in names
                if n.startswith(last.strip().lower()) and n not in given]

    return complete


#: Completion of ``--arch`` in the commands that train torch modules.
complete_torch_archs = complete_list(lambda: archs.names(torch_only=True))


def int_list(text: str, name: str, minimum: int = 1, unique: bool = True) -> list[int]:
    """Parse ``"50,100,200"`` into ``[50, 100, 200]`` (each >= ``minimum``; repeats dropped
    unless ``unique`` is False). Only ASCII digits count; values are cut in error lines."""
    items = [t.strip() for t in str(text).split(",")]
    if not text or any(t == "" for t in items):
        raise BadInput(f"{name}: expected a comma-separated list of integers, got {text!r}")
    out: list[int] = []
    for t in items:
        v = _ascii_int(t, name)
        if v < minimum:
            raise BadInput(f"{name}: values must be integers >= {minimum}, got {v}")
        if v > MAX_INT:
            raise BadInput(f"{name}: {show_value(v)} is too large (at most {MAX_INT})")
        if not unique or v not in out:
            out.append(v)
    return out


def _ascii_int(token: str, name: str) -> int:
    body = token[1:] if token[:1] in "+-" else token
    if not body.isascii() or not body.isdigit() or len(body) > 30:
        raise BadInput(f"{name}: {show_value(token)!r} is not an integer")
    return int(token)


def choice_list(
    text: str, name: str, allowed: Sequence[str], all_word: str | None = "all"
) -> list[str]:
    """Parse ``"rnn,lstm"`` against ``allowed``; ``all`` expands to every choice."""
    items = _items(text, name, ", ".join(allowed))
    if all_word is not None and all_word in items:
        return list(allowed)
    out: list[str] = []
    for t in items:
        if t not in allowed:
            accepted = ", ".join(list(allowed) + ([all_word] if all_word else []))
            raise BadInput(f"{name}: unknown value {show_value(t)!r}; accepted: {accepted}")
        if t not in out:
            out.append(t)
    return out


def torch_arch_list(text: str, name: str = "--arch") -> list[str]:
    """``--arch`` of a command that runs torch modules: a comma list (or ``all``) of the
    architectures torch has a module for; a registered one it has none for is refused in
    one line saying so and naming the accepted ones (``archs.require_torch``)."""
    aliases = {a for s in archs.SPECS.values() for a in (s.name, *s.aliases)}
    archs.require_torch([t for t in _items(text, name, "architectures") if t in aliases], name)
    return choice_list(text, name, archs.names(torch_only=True))


def trainable_arch_list(text: str, name: str = "--arch") -> list[str]:
    """``--arch`` of a command that trains plain sequences in torch: any registered
    architecture (those torch has no module for run as ``archs.trainable_module``);
    ``all`` means the architectures torch has modules for, the lesson's three."""
    if "all" in _items(text, name, "architectures"):
        return list(archs.names(torch_only=True))
    return choice_list(text, name, archs.names(), all_word=None)


def _items(text: str, name: str, what: str) -> list[str]:
    items = [t.strip().lower() for t in str(text).split(",")]
    if not text or "" in items:
        raise BadInput(f"{name}: expected a comma-separated list of {what}")
    return items


def choice(text: str, name: str, allowed: Iterable[str]) -> str:
    """Parse a single choice (case-insensitive)."""
    allowed = list(allowed)
    t = str(text).strip().lower()
    if t not in allowed:
        raise BadInput(f"{name}: unknown value {text!r}; accepted: {', '.join(allowed)}")
    return t


# ---- bounds every numeric option gets, whatever command declares it -----------------------

#: No integer option means anything beyond this (2**53: exact as a float, as JSON).
MAX_INT = 2**53


def _max_threads() -> int:
    return max(8, 4 * (os.cpu_count() or 1))


#: Bounds by option name: (lowest, highest or a function giving it, what the value is).
NAMED_BOUNDS: dict[str, tuple[float, Any, str]] = {
    "--seed": (0, 2**32 - 1, "a seed (NumPy and torch accept 0 .. 2**32-1)"),
    "--threads": (1, _max_threads, "a thread count (at most 4 per core)"),
    "--lr": (1e-12, 10.0, "a learning rate (larger steps diverge to NaN)"),
}


def show_value(value: object, limit: int = 24) -> str:
    """A value for an error line, cut so a 3,000-digit number is not echoed whole."""
    text = str(value)
    if len(text) <= limit:
        return text
    return f"{text[: limit - 12]}... ({len(text)} characters)"


def _fmt(v: float) -> str:
    return str(v) if isinstance(v, int) else f"{v:g}"


def check_number(name: str, value: Any) -> Any:
    """The central check of an int/float option after parsing (see :func:`harden`)."""
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    if isinstance(value, float) and not math.isfinite(value):
        raise BadInput(f"{name}: {value} is not a finite number")
    low, high, what = NAMED_BOUNDS.get(name, (-MAX_INT, MAX_INT, ""))
    high = high() if callable(high) else high
    if what and not low <= value <= high:
        raise BadInput(f"{name} must be {what}: between {_fmt(low)} and {_fmt(high)}, "
                       f"got {show_value(value)}")
    if abs(value) > MAX_INT:
        raise BadInput(f"{name}: {show_value(value)} is too large (at most {MAX_INT})")
    return value


def _checked(param: Any) -> None:
    """Make ``param`` run :func:`check_number` after typer has parsed its value."""
    parse = param.process_value
    name = max(param.opts, key=len) if param.opts else param.name

    def process_value(ctx: Any, value: Any) -> Any:
        return check_number(name, parse(ctx, value))

    param.process_value = process_value
    param.rnncli_checked = True


def harden(command: Any) -> None:
    """Give every int/float option of ``command`` and its sub-commands the central checks:
    finite, at most :data:`MAX_INT` in size, and the :data:`NAMED_BOUNDS` of its name.

    Called once by ``rnncli.cli`` on the whole app, so a command gets these checks without
    writing them: a negative or 20-digit ``--seed``, ``--threads 100000`` and ``--lr inf``
    are one line and exit 2 in every command.
    """
    for param in getattr(command, "params", []):
        annotation = getattr(getattr(param, "type_descriptor", None), "annotation", None)
        if annotation in (int, float) and not getattr(param, "rnncli_checked", False):
            _checked(param)
    for sub in getattr(command, "commands", {}).values():
        harden(sub)
