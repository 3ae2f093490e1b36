"""`rnncli explain`: teach the RNN, LSTM and GRU, training practice and projects.

Parse the topic, build the content (rnncli.knowledge.topics), render it or print
it as JSON.  No torch: the content is data and the parameter counts come from
rnncli.formulas.  Heavy-ish modules are imported inside the function so that
``rnncli --help`` does not pay for them.
"""

from __future__ import annotations

from typing import Annotated

import typer

from rnncli.options import JsonFlag

TOPIC_HELP = "What to explain: rnn, lstm, gru, practices, projects or all."


def explain(
    topic: Annotated[str, typer.Argument(help=TOPIC_HELP, show_default=True)] = "all",
    json: JsonFlag = False,
) -> None:
    """Explain RNN, LSTM and GRU: equations, gates, exact parameter counts, FAQ,
    training practices and a project ladder, each claim with its source.

    Examples: `rnncli explain lstm`, `rnncli explain gru --json`.
    """
    from rnncli.console import out, print_json
    from rnncli.knowledge.topics import explain_data

    data = explain_data(topic)  # BadInput (exit 2) for an unknown topic
    if json:
        print_json(data)
        return
    from rnncli.render.explain import render_explain

    render_explain(out(), data)
