"""`rnncli explain`: teach the RNN, LSTM, GRU and peephole LSTM, shapes, practice, projects.

Parse the topic, build the content (rnncli.knowledge.topics), render it or print it as
JSON.  No torch: the content is data, parameter counts come from rnncli.formulas and
``--code`` reads the reference cells' source without running them.
"""

from __future__ import annotations

from typing import Annotated

import typer

from rnncli.knowledge.topics import Section, Topic
from rnncli.options import JsonFlag


def explain(
    topic: Annotated[Topic, typer.Argument(help="What to explain.",
                                           show_default=True)] = Topic.all,
    section: Annotated[Section | None, typer.Option(
        "--section", help="Show only this section of the topic.")] = None,
    code: Annotated[bool, typer.Option(
        "--code", help="Also print the reference cell's step (rnncli/scratch/reference.py) "
        "after the equations.")] = False,
    pager: Annotated[bool, typer.Option(
        "--pager/--no-pager", help="Page long output when stdout is a terminal.")] = True,
    json: JsonFlag = False,
) -> None:
    """Explain RNN, LSTM, GRU and the peephole LSTM: equations, diagrams, gates, exact
    parameter counts, shapes, FAQ, training practices and a project ladder, each claim
    with its source.

    Examples: `rnncli explain lstm --code`, `rnncli explain shapes`,
    `rnncli explain practices --section truncated-bptt`, `rnncli explain gru --json`.
    """
    from rnncli.console import out, print_json
    from rnncli.knowledge.topics import explain_data

    data = explain_data(topic, section, code)  # BadInput (exit 2) for a missing section
    if json:
        print_json(data)
        return
    from rnncli.render.explain import render_explain

    render_explain(out(), data, pager=pager)
