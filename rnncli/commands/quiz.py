"""`rnncli quiz`: the lesson's quick check (and more) as a seeded multiple-choice quiz.

Where answers come from, in order: ``--answers 1,3,2,...`` (fewer than the questions:
the rest stay unanswered); rich prompts when stdin and stdout are terminals (not with
``--json``); otherwise whatever arrives on a piped stdin within a second, at most
64 KiB (one answer per line, or comma-separated).  Nothing there: the questions are
printed with a score of 0 and it exits at once.  Without ``--seed`` a fresh seed is
drawn and printed, so the same quiz can be taken again.  Ctrl-C during the prompts
prints the score of the questions answered so far (exit 130).
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from rnncli import console
from rnncli.errors import BadInput
from rnncli.fileio import read_stdin
from rnncli.knowledge.quiz import fresh_seed, grade, make_quiz, parse_answers
from rnncli.options import JsonFlag, check_number
from rnncli.render.quiz import ask, results

MAX_STDIN_BYTES = 64 * 1024  # far more than any answer list; `yes |` stops here


def _check_modes(answers: str | None, interactive: bool | None, json_: bool) -> None:
    if answers is not None and interactive:
        raise BadInput("--answers and --interactive contradict each other; use one of them")
    if interactive and json_:
        raise BadInput("--interactive and --json contradict each other (prompts are not JSON)")
    if interactive and not sys.stdin.isatty():
        raise BadInput("--interactive needs a terminal on stdin; use --answers 1,3,2,...")


def _prompting(interactive: bool | None, json_: bool) -> bool:
    return bool(interactive) or (interactive is None and not json_ and sys.stdin.isatty()
                                 and sys.stdout.isatty())


def _interactive(questions: list, seed: int) -> None:
    con = console.out()
    con.print(f"[dim]Quiz seed {seed}: rnncli quiz --seed {seed} asks the same again.[/]")
    given, stopped = ask(con, questions)
    results(con, grade(questions, given + [None] * (len(questions) - len(given)), seed),
            explain=False)
    if stopped:
        raise typer.Exit(130)


def quiz(
    seed: Annotated[int | None, typer.Option(
        "--seed", help="Order of questions and options (default: a fresh seed, printed).",
        show_default=False)] = None,
    count: Annotated[int | None, typer.Option(
        "--count", help="Ask only the first N questions of the shuffled quiz.")] = None,
    answers: Annotated[str | None, typer.Option(
        "--answers", help="Answer without prompts: option numbers in question order, "
        "comma-separated, e.g. 1,3,2 (fewer than the questions: the rest unanswered).")
    ] = None,
    interactive: Annotated[bool | None, typer.Option(
        "--interactive/--no-interactive",
        help="Force prompts (needs a terminal) or never prompt. Default: prompt when stdin "
        "is a terminal.")] = None,
    json_: JsonFlag = False,
) -> None:
    """Test yourself on RNN, GRU and LSTM: the lesson's four quick-check questions and
    more, shuffled with --seed, each answer explained with its `rnncli explain`
    section.  Never waits without a terminal.  See docs/quiz.md."""
    _check_modes(answers, interactive, json_)
    seed = fresh_seed() if seed is None else check_number("--seed", seed)
    questions = make_quiz(seed, count)
    if answers is None and _prompting(interactive, json_):
        _interactive(questions, seed)
        return
    if answers is not None:
        given = parse_answers(answers, questions)
    else:
        text = "" if sys.stdin.isatty() else read_stdin(sys.stdin, MAX_STDIN_BYTES)
        given = (parse_answers(text, questions, "stdin") if text.strip()
                 else [None] * len(questions))
    data = grade(questions, given, seed)
    if json_:
        console.print_json(data)
        return

    results(console.out(), data)
