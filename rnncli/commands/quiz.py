"""`rnncli quiz`: the lesson's quick check (and more) as a seeded multiple-choice quiz.

Where answers come from, in order: ``--answers 1,3,2,...``; rich prompts when
stdin and stdout are terminals (not with ``--json``); otherwise whatever arrives
on a piped stdin within a second (one answer per line, or comma-separated).
Nothing there: the questions are printed with a score of 0 and it exits at once.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from rnncli import console
from rnncli.errors import BadInput
from rnncli.options import JsonFlag

_PIPE_WAIT_S = 1.0


def _piped_text(stream, wait_s: float = _PIPE_WAIT_S) -> str:  # noqa: ANN001
    """Read what a non-terminal stdin offers, waiting at most ``wait_s`` for it."""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return stream.read() if hasattr(stream, "read") else ""  # in-memory: cannot block
    import os
    import select
    import time

    chunks: list[bytes] = []
    deadline = time.monotonic() + wait_s
    try:
        while (left := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                break
            data = os.read(fd, 65536)
            if not data:
                break  # end of input
            chunks.append(data)
    except (OSError, ValueError):  # e.g. select on a file handle Windows cannot poll
        return ""
    return b"".join(chunks).decode("utf-8", "replace")


def quiz(
    seed: Annotated[int, typer.Option("--seed", help="Order of questions and options.")] = 0,
    count: Annotated[int | None, typer.Option(
        "--count", help="Ask only the first N questions of the shuffled quiz.")] = None,
    answers: Annotated[str | None, typer.Option(
        "--answers", help="Answer without prompts: one option number per question, "
        "comma-separated, e.g. 1,3,2.")] = None,
    interactive: Annotated[bool | None, typer.Option(
        "--interactive/--no-interactive",
        help="Force prompts (needs a terminal) or never prompt. Default: prompt when stdin "
        "is a terminal.")] = None,
    json_: JsonFlag = False,
) -> None:
    """Test yourself on RNN, GRU and LSTM: the lesson's four quick-check questions and
    more, shuffled with --seed, each answer explained with its `rnncli explain`
    section.  Never waits without a terminal.  See docs/quiz.md."""
    from rnncli.knowledge.quiz import grade, make_quiz, parse_answers

    if answers is not None and interactive:
        raise BadInput("--answers and --interactive contradict each other; use one of them")
    if interactive and json_:
        raise BadInput("--interactive and --json contradict each other (prompts are not JSON)")
    if interactive and not sys.stdin.isatty():
        raise BadInput("--interactive needs a terminal on stdin; use --answers 1,3,2,...")
    questions = make_quiz(seed, count)
    con = console.out()
    if answers is not None:
        given: list[int | None] = list(parse_answers(answers, questions))
    elif interactive or (interactive is None and not json_ and sys.stdin.isatty()
                         and sys.stdout.isatty()):
        from rnncli.render.quiz import ask, results

        try:
            given = list(ask(con, questions))
        except (KeyboardInterrupt, EOFError):
            con.print()
            raise typer.Exit(130) from None
        results(con, grade(questions, given, seed), explain=False)
        return
    else:
        text = "" if sys.stdin.isatty() else _piped_text(sys.stdin)
        given = (list(parse_answers(text, questions, "stdin")) if text.strip()
                 else [None] * len(questions))
    data = grade(questions, given, seed)
    if json_:
        console.print_json(data)
        return
    from rnncli.render.quiz import results

    results(con, data)
