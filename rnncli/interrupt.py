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
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")

INTERRUPTED_EXIT = 130  # 128 + SIGINT, what shells report for Ctrl-C


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
