"""Render ``rnncli quiz``: questions, the interactive loop, and the scored results."""

from __future__ import annotations

from typing import Any, TextIO

from rich.console import Console
from rich.markup import escape
from rich.padding import Padding


def question(con: Console, n: int, total: int, q: dict[str, Any]) -> None:
    """One question with numbered options."""
    con.print()
    con.print(f"[bold]{n}/{total}. {escape(q['question'])}[/]")
    for k, opt in enumerate(q["options"], start=1):
        con.print(Padding(f"{k}) {escape(opt)}", (0, 0, 0, 3)))


def feedback(con: Console, row: dict[str, Any]) -> None:
    """Right or wrong, the correct option, the explanation and where to read more."""
    mark = "[green]right[/]" if row["is_correct"] else "[red]wrong[/]"
    text = (f"{mark}: the answer is {row['correct']}) "
            f"{escape(row['options'][row['correct'] - 1])}\n{escape(row['explanation'])}\n"
            f"[dim]More: {row['explain']} (section {row['section']}) "
            f"{escape('[' + row['source'] + ']')}[/]")
    con.print(Padding(text, (0, 0, 0, 3)))


def ask(con: Console, quiz: list[dict[str, Any]], stream: TextIO | None = None
        ) -> tuple[list[int | None], bool]:
    """Ask each question with a rich prompt: (0-based choices so far, stopped early?).

    Ctrl-C or end of input stops the quiz; the answers given until then are kept.
    """
    from rich.prompt import IntPrompt

    from rnncli.knowledge.quiz import grade

    given: list[int | None] = []
    try:
        for n, q in enumerate(quiz, start=1):
            question(con, n, len(quiz), q)
            k = IntPrompt.ask("   your answer", console=con, stream=stream,
                              choices=[str(i) for i in range(1, len(q["options"]) + 1)],
                              show_choices=True)
            given.append(k - 1)
            feedback(con, grade([q], [k - 1], 0)["questions"][0])
    except (KeyboardInterrupt, EOFError):
        con.print()
        return given, True
    return given, False


def results(con: Console, data: dict[str, Any], explain: bool = True) -> None:
    """The score; with answers, each question's result and explanation."""
    if data["answered"] == 0:
        for row in data["questions"]:
            question(con, row["n"], data["total"], row)
        con.print()
        con.print(f"[bold]Score: 0 of {data['total']}[/] (no answers given; seed "
                  f"{data['seed']}). Answer in a "
                  "terminal, with --answers 1,3,2,..., or one answer per line on stdin.")
        return
    if explain:
        for row in data["questions"]:
            question(con, row["n"], data["total"], row)
            if row["given"] is not None:
                feedback(con, row)
    con.print()
    part = ("" if data["answered"] == data["total"]
            else f" answered ({data['total']} questions)")
    con.print(f"[bold]Score: {data['score']} of {data['answered']}{part}[/] "
              f"(seed {data['seed']}: rnncli quiz --seed {data['seed']} repeats it)")
