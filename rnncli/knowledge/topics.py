"""The topics of ``rnncli explain`` and the data its ``--json`` prints.

Each topic is built by a content module (explain_rnn, explain_lstm, explain_gru,
explain_guides) from the blocks in :mod:`rnncli.knowledge.explain_schema`; the
schema is documented there and in docs/explain.md.  Every claim names keys of
:mod:`rnncli.knowledge.sources`; parameter numbers come from :mod:`rnncli.formulas`.
No torch here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rnncli.errors import BadInput
from rnncli.knowledge.explain_gru import gru_topic
from rnncli.knowledge.explain_guides import practices_topic, projects_topic
from rnncli.knowledge.explain_lstm import lstm_topic
from rnncli.knowledge.explain_rnn import rnn_topic
from rnncli.knowledge.explain_schema import SCHEMA_VERSION
from rnncli.knowledge.sources import SOURCES

#: Topic name -> builder, in the order ``all`` shows them.
BUILDERS: dict[str, Callable[[], dict[str, Any]]] = {
    "rnn": rnn_topic,
    "lstm": lstm_topic,
    "gru": gru_topic,
    "practices": practices_topic,
    "projects": projects_topic,
}

TOPIC_NAMES: tuple[str, ...] = (*BUILDERS, "all")


def parse_topic(name: str) -> list[str]:
    """Topic names to show for the user's ``name`` (``all`` -> every topic)."""
    key = str(name).strip().lower()
    if key == "all":
        return list(BUILDERS)
    if key not in BUILDERS:
        raise BadInput(f"unknown topic {name!r}; accepted: {', '.join(TOPIC_NAMES)}")
    return [key]


def explain_data(name: str = "all") -> dict[str, Any]:
    """The content of ``rnncli explain <name>`` as JSON-ready data."""
    topics = [BUILDERS[n]() for n in parse_topic(name)]
    used: list[str] = []
    for t in topics:
        used += [k for k in t["sources"] if k not in used]
    return {"schema_version": SCHEMA_VERSION, "topics": topics,
            "sources": {k: SOURCES[k] for k in used}}
