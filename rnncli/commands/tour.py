"""`rnncli tour`: the whole lesson in one command, each chapter a reduced real run."""

from __future__ import annotations

from typing import Annotated

import typer

from rnncli.options import JsonFlag

_CHAPTERS_HELP = ("Comma list of chapters, in any order (they run in the story's order): "
                  "gradients, gates, compare, bench, memory, sentiment, seq2seq, race, "
                  "advise, quiz (quiz only when named). [default: all but quiz]")


def _complete_chapters(incomplete: str) -> list[str]:
    from rnncli import tour

    done, _, last = incomplete.rpartition(",")
    prefix = f"{done}," if done else ""
    return [prefix + n for n in tour.NAMES if n.startswith(last)]


def tour(
    ctx: typer.Context,
    chapters: Annotated[str | None, typer.Option(
        "--chapters", help=_CHAPTERS_HELP, autocompletion=_complete_chapters)] = None,
    threads: Annotated[int, typer.Option(
        "--threads", min=1, help="torch CPU threads for every chapter (the numbers depend "
        "on it).")] = 1,
    list_: Annotated[bool, typer.Option(
        "--list", help="List the chapters, their commands and costs, and stop.")] = False,
    json_: JsonFlag = False,
) -> None:
    """Walk the lesson in order: the RNN's fading gradient, the gates, the costs on paper
    and on this machine, memory, negation, attention, a race and the decision, each
    chapter a short live run of the command that does it in full. About 50-90 s of CPU
    at one thread. Ctrl-C keeps the finished chapters. See docs/tour.md."""
    from rnncli import console
    from rnncli import tour as lib
    from rnncli.options import choice_list
    from rnncli.render import tour as view

    names = choice_list(chapters, "--chapters", lib.NAMES) if chapters else None
    selected = lib.select(names)
    if list_:
        view.listing(selected, console.out())
        return
    _threads(threads)
    out = None if json_ else console.out()
    if out is not None:
        view.opening(selected, lib.estimate_cpu_s(selected), threads, out)
    done = _run(ctx.find_root().command, selected, threads, json_, out)
    if json_:
        console.print_json(lib.as_json(done))
    else:
        view.closing(done, out)
    if done.interrupted:
        raise typer.Exit(130)


def _threads(threads: int) -> None:
    import torch

    torch.set_num_threads(threads)


def _run(root, selected, threads: int, json_: bool, out):
    from rnncli import tour as lib
    from rnncli.interrupt import keep_finished
    from rnncli.render import tour as view

    before = None if out is None else (lambda c, i: view.chapter_head(c, i, out))
    after = None if out is None else (lambda r: view.chapter_foot(r, out))
    finished = keep_finished(lib.run(root, selected, threads, json_, before, after))
    return lib.Tour(finished.items, finished.interrupted)
