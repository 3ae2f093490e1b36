"""Ctrl-C keeps what was finished: the one helper every long-running command uses.

A command that produces results one at a time (training runs, benchmark rows,
gradient measurements) wraps the producing iterator in :func:`keep_finished`::

    done = keep_finished(iter_runs(...), on_item=show_progress)
    render(done.items)                  # whatever finished, valid as usual
    if done.interrupted:
        raise typer.Exit(130)           # after printing/saving the finished part

The first Ctrl-C stops the iteration and keeps the finished items; nothing
half-finished is kept. ``rnncli.cli`` prints ``rnncli: interrupted`` for a
Ctrl-C that reaches it, and exits 130. No torch, no rich: any module may use it.

SIGTERM (``timeout``, process managers) is handled like Ctrl-C: while a command runs,
:func:`signals_handled` (installed by ``rnncli.cli``) turns it into :class:`Terminated`, a
``KeyboardInterrupt``, so every place that keeps finished work or removes a temporary file
on Ctrl-C does the same for it; the exit code is then 143 (:func:`exit_code`).
:func:`deferred` holds both signals back for a few statements that must not be cut in two
(creating, renaming or removing a temporary file). SIGKILL cannot be handled.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")

INTERRUPTED_EXIT = 130  # 128 + SIGINT, what shells report for Ctrl-C
TERMINATED_EXIT = 143  # 128 + SIGTERM


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where Ctrl-C would be, so it is handled the same way."""


_state: dict = {"received": None, "defer": 0, "pending": None}


def _exception(signum: int) -> KeyboardInterrupt:
    return Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()


def _handler(signum: int, frame: object) -> None:
    _state["received"] = signum
    if _state["defer"]:
        _state["pending"] = signum
        return
    raise _exception(signum)


@contextmanager
def signals_handled() -> Iterator[None]:
    """SIGINT and SIGTERM raise (``KeyboardInterrupt`` / ``Terminated``) for the block; a
    signal the caller ignores (``nohup``, a background job) stays ignored. Main thread only;
    the previous handlers come back afterwards."""
    _state.update(received=None, defer=0, pending=None)
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    for sig, handler in old.items():
        if handler not in (signal.SIG_IGN, None):
            signal.signal(sig, _handler)
    try:
        yield
    finally:
        for sig, handler in old.items():
            if handler is not None:
                signal.signal(sig, handler)


@contextmanager
def deferred() -> Iterator[None]:
    """Hold SIGINT/SIGTERM back until the block has run whole, then raise for them."""
    _state["defer"] += 1
    try:
        yield
    finally:
        _state["defer"] -= 1
        pending = _state["pending"]
        if not _state["defer"] and pending is not None:
            _state["pending"] = None
            raise _exception(pending)


def exit_code() -> int:
    """143 once SIGTERM arrived during this run, else 130 (Ctrl-C)."""
    return TERMINATED_EXIT if _state["received"] == signal.SIGTERM else INTERRUPTED_EXIT


def stopped_by() -> str:
    """"terminated" (SIGTERM) or "interrupted" (Ctrl-C), for the closing line."""
    return "terminated" if exit_code() == TERMINATED_EXIT else "interrupted"


@dataclass
class Finished(Generic[T]):
    """The items that finished before the iteration ended, and whether Ctrl-C ended it."""

    items: list[T] = field(default_factory=list)
    interrupted: bool = False


def keep_finished(
    iterable: Iterable[T], on_item: Callable[[T], None] | None = None
) -> Finished[T]:
    """Collect ``iterable``'s items; on KeyboardInterrupt stop and keep the finished ones.

    ``on_item(item)`` runs after each item is kept (e.g. to print a progress line); a
    Ctrl-C inside it still keeps that item.
    """
    done: Finished[T] = Finished()
    try:
        for item in iterable:
            done.items.append(item)
            if on_item is not None:
                on_item(item)
    except KeyboardInterrupt:
        done.interrupted = True
    return done
