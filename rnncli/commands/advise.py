"""`rnncli advise`: the lesson's four-question guide as a documented, deterministic score.

Parse the answers (closed choices are Enums, so ``--help`` lists them), ask on a
terminal when nothing was given, optionally time the cells (refused before anything is
allocated when one training step would be too large: ``--force`` overrides), then
``rnncli.knowledge.advice.advise`` and render.
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from rnncli import console
from rnncli.options import JsonFlag
from rnncli.race.options import MAX_ROWS, Features, FillOption, MaxRows, Target
from rnncli.race.series import SERIES

_QUESTIONS = ("seq_len", "complexity", "budget", "data", "task", "latency_ms", "params_max",
              "input_size", "batch")

Complexity = Enum("Complexity", {v: v for v in ("simple", "complex")}, type=str)
Budget = Enum("Budget", {v: v for v in ("limited", "abundant")}, type=str)
Series = Enum("Series", {v: v for v in SERIES}, type=str)
Task = Enum("Task", {v: v for v in ("classification", "generation", "counting",
                                    "streaming")}, type=str)


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


def _fill(given: dict[str, Any], measure: bool) -> list[str]:
    """Ask on a terminal if nothing was given; fill defaults; the assumed ones, listed."""
    from rnncli.knowledge import advice

    if all(given[k] is None for k in _QUESTIONS) and _terminal():
        given.update(_ask(advice.DEFAULTS))
    assumed: list[str] = []
    for key, default in advice.DEFAULTS.items():
        if given[key] is None:
            given[key] = default
            if key != "batch" or measure:
                assumed.append(f"{key.replace('_', '-')}={default}")
    return assumed


def _measure(given: dict[str, Any], force: bool) -> dict[str, Any]:
    """Time the cells at the fitted widths, after checking what that would cost."""
    from rnncli.knowledge import bounds
    from rnncli.knowledge.advice_settings import fitted_widths

    widths = fitted_widths(given)
    latency = given.get("latency_ms") is not None

    def costs(s: dict[str, int]):
        for b in [s["--batch"]] + ([1] if latency else []):
            yield from (bounds.step_cost(a, s["--input-size"], w["hidden_size"],
                                         w["num_layers"], s["--seq-len"], b)
                        for a, w in widths.items() if w["hidden_size"])

    sizes = {"--seq-len": given["seq_len"], "--batch": given["batch"],
             "--input-size": given["input_size"]}
    bounds.check(costs, sizes, "advise --measure", force)
    with console.err().status("Timing RNN, GRU and LSTM at your sizes (about 10 s)..."):
        from rnncli.knowledge.advice_timing import cell_costs

        return cell_costs(given, widths)


def _data_or_file(value: str | None) -> tuple[str | None, str | None]:
    """``--data``: the size answer (small/large) or a CSV file to race on."""
    from rnncli.errors import BadInput
    from rnncli.knowledge.advice import CHOICES

    if value is None or value.strip().lower() in CHOICES["data"]:
        return (value.strip().lower() if value else None), None
    if not Path(value).is_file():
        raise BadInput(f"--data: {value!r} is neither small/large nor an existing CSV file")
    return None, value


def _race_plan(csv: str | None, series: str | None, force: bool, data_options: dict):
    """Check the data and the cost of the short race before anything runs; the data
    options (``rnncli.race.options``, shared with `race`) apply to it alone."""
    if csv is None and series is None:
        given = [k for k, v in data_options.items()
                 if v is not None and not (k == "max_rows" and v == MAX_ROWS)]
        if given:
            from rnncli.errors import BadInput

            raise BadInput(f"--{given[0].replace('_', '-')} needs --data FILE.csv or "
                           "--series NAME")
        return None
    from rnncli.race import evidence, run

    return run.plan(evidence.request(csv, series, force, **data_options))


def _fold_race(result: dict[str, Any], race_plan, given: dict[str, Any]) -> dict[str, Any]:
    """Run the short race (progress on stderr) and fold it into the advice."""
    from rnncli.race import evidence, run
    from rnncli.render.race import RaceProgress

    cfg = race_plan.request.config
    how = "" if race_plan.request.target else " (the default; choose one with --target)"
    console.err().print(f"advise: a short race on your data, forecasting column "
                        f"{race_plan.selected.target!r}{how} ({cfg.steps} steps x "
                        f"{len(cfg.seeds)} seeds x {len(cfg.archs)} cells; estimated "
                        f"~{race_plan.estimate.seconds:.0f} s)", soft_wrap=True)
    with RaceProgress(console.err(), len(cfg.seeds) * len(cfg.archs), cfg.steps,
                      False) as bar:
        race_result, _ = run.execute(race_plan, bar.start, bar.finished)
    return evidence.fold(result, race_result, given)


def advise(
    seq_len: Annotated[int | None, typer.Option("--seq-len", help="Time steps per sequence "
                                                "(lesson: < 20 is short).")] = None,
    complexity: Annotated[Complexity | None, typer.Option(help="Pattern complexity.")
                          ] = None,
    budget: Annotated[Budget | None, typer.Option(help="Compute budget.")] = None,
    data: Annotated[str | None, typer.Option(
        help="Data set size: small | large; or a CSV file: a short race on it (rnncli race, "
        "~1 min) is scored as measured evidence.")] = None,
    series: Annotated[Series | None, typer.Option(
        "--series", help="A short race on a built-in series (see rnncli race), scored as "
        "measured evidence.")] = None,
    target: Target = None,
    features: Features = None,
    fill: FillOption = None,
    max_rows: MaxRows = MAX_ROWS,
    task: Annotated[Task | None, typer.Option(help="What the model does.")] = None,
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
    force: Annotated[bool, typer.Option(
        "--force", help="With --measure: time even a step estimated over 1 GiB or 5e10 "
        "FLOPs; with --data FILE/--series: race even over the race's limits.")] = False,
    json_: JsonFlag = False,
) -> None:
    """Recommend RNN, GRU or LSTM from the lesson's four questions, with the reason
    behind every point, starting settings and a torch.nn snippet.  With no flags on a
    terminal it asks; otherwise it never waits and lists the defaults it assumed.
    Scoring: docs/advise.md."""
    from rnncli.knowledge import advice

    data, race_csv = _data_or_file(data)
    given: dict[str, Any] = {
        "seq_len": seq_len, "complexity": getattr(complexity, "value", None),
        "budget": getattr(budget, "value", None), "data": data,
        "task": getattr(task, "value", None), "latency_ms": latency_ms,
        "params_max": params_max, "input_size": input_size, "batch": batch}
    advice.validate(given)
    assumed = _fill(given, measure)
    race_plan = _race_plan(race_csv, getattr(series, "value", None), force,
                           {"target": target, "features": features, "max_rows": max_rows,
                            "fill": fill.value if fill else None})
    measured = _measure(given, force) if measure else None
    result = advice.advise(given, assumed, measured)
    if race_plan is not None:
        result = _fold_race(result, race_plan, given)
    if json_:
        console.print_json(result)
        return
    from rnncli.render.advise import render

    render(result, console.out())
