"""`rnncli advise`: the lesson's four-question guide as a documented, deterministic score."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from rnncli import console
from rnncli.options import JsonFlag, choice

_QUESTIONS = ("seq_len", "complexity", "budget", "data", "task", "latency_ms", "params_max",
              "input_size", "batch")


def _terminal() -> bool:
    """Prompts only when a person is there: stdin and stdout both terminals."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def _ask(defaults: dict[str, Any]) -> dict[str, Any]:
    """The four questions (and the task) as rich prompts on the terminal."""
    from rich.prompt import IntPrompt, Prompt

    from rnncli.knowledge.advice import CHOICES

    con = console.err()
    answers: dict[str, Any] = {}
    seq = 0
    while seq < 1:
        seq = IntPrompt.ask("How long are your sequences (time steps)?", console=con,
                            default=defaults["seq_len"])
    answers["seq_len"] = seq
    for key, text in (("complexity", "How complex are the patterns?"),
                      ("budget", "What are your computational constraints?"),
                      ("data", "How much data do you have?"),
                      ("task", "What is the task?")):
        answers[key] = Prompt.ask(text, console=con, choices=list(CHOICES[key]),
                                  default=defaults[key])
    return answers


def advise(
    seq_len: Annotated[int | None, typer.Option("--seq-len", help="Time steps per sequence "
                                                "(lesson: < 20 is short).")] = None,
    complexity: Annotated[str | None, typer.Option(help="simple | complex.")] = None,
    budget: Annotated[str | None, typer.Option(help="Compute: limited | abundant.")] = None,
    data: Annotated[str | None, typer.Option(help="Data set: small | large.")] = None,
    task: Annotated[str | None, typer.Option(
        help="classification | generation | counting | streaming.")] = None,
    latency_ms: Annotated[float | None, typer.Option(
        "--latency-ms", help="Per-sequence latency limit (checked with --measure).")] = None,
    params_max: Annotated[int | None, typer.Option(
        "--params-max", help="Parameter budget of the recurrent layers; widths are fitted "
        "to it.")] = None,
    input_size: Annotated[int | None, typer.Option(
        "--input-size", help="Features per step (default 64).")] = None,
    batch: Annotated[int | None, typer.Option(
        "--batch", help="Batch size for --measure (default 32).")] = None,
    measure: Annotated[bool, typer.Option(
        "--measure", help="Time the cells here (imports torch, ~10 s) and score the compute "
        "question with the measured cost.")] = False,
    json_: JsonFlag = False,
) -> None:
    """Recommend RNN, GRU or LSTM from the lesson's four questions, with the reason
    behind every point, starting settings and a torch.nn snippet.  With no flags on a
    terminal it asks; otherwise it never waits and lists the defaults it assumed.
    Scoring: docs/advise.md."""
    from rnncli.knowledge import advice

    given: dict[str, Any] = {"seq_len": seq_len, "complexity": complexity, "budget": budget,
                             "data": data, "task": task, "latency_ms": latency_ms,
                             "params_max": params_max, "input_size": input_size,
                             "batch": batch}
    for key, allowed in advice.CHOICES.items():
        if given[key] is not None:
            given[key] = choice(given[key], f"--{key}", allowed)
    advice.validate(given)
    assumed: list[str] = []
    if all(given[k] is None for k in _QUESTIONS) and _terminal():
        given.update(_ask(advice.DEFAULTS))
    for key, default in advice.DEFAULTS.items():
        if given[key] is None:
            given[key] = default
            if key != "batch" or measure:
                assumed.append(f"{key.replace('_', '-')}={default}")
    measured = None
    if measure:
        with console.err().status("Timing RNN, GRU and LSTM at your sizes (about 10 s)..."):
            from rnncli.knowledge.advice_settings import fitted_widths
            from rnncli.measure import cell_costs

            measured = cell_costs(given, fitted_widths(given))
    result = advice.advise(given, assumed, measured)
    if json_:
        console.print_json(result)
        return
    from rnncli.render.advise import render

    render(result, console.out())
