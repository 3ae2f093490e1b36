"""The topics of ``rnncli explain`` and the data its ``--json`` prints.

Each topic is built by a content module (explain_rnn, explain_lstm, explain_gru,
explain_peephole, explain_shapes, explain_guides; explain_arch for a registered
architecture with no hand-written topic) from the blocks in
:mod:`rnncli.knowledge.explain_schema`; the schema is documented there and in
docs/explain.md.  Every claim names keys of :mod:`rnncli.knowledge.sources`; parameter
numbers come from :mod:`rnncli.formulas`.  ``--section`` keeps one section of each
topic; ``--code`` adds the source of the reference cell's step
(``rnncli/scratch/reference.py``) after the equations.  No torch here.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from functools import partial
from typing import Any

from rnncli import archs
from rnncli.errors import BadInput
from rnncli.knowledge.explain_arch import arch_topic
from rnncli.knowledge.explain_gru import gru_topic
from rnncli.knowledge.explain_guides import practices_topic, projects_topic
from rnncli.knowledge.explain_lstm import lstm_topic
from rnncli.knowledge.explain_peephole import peephole_topic
from rnncli.knowledge.explain_rnn import rnn_topic
from rnncli.knowledge.explain_schema import SCHEMA_VERSION, section
from rnncli.knowledge.explain_shapes import shapes_topic
from rnncli.knowledge.sources import SOURCES

_WRITTEN: dict[str, Callable[[], dict[str, Any]]] = {
    "rnn": rnn_topic,
    "lstm": lstm_topic,
    "gru": gru_topic,
    "peephole": peephole_topic,
}
#: Topic name -> builder, in the order ``all`` shows them: the hand-written architecture
#: topics, then every other registered architecture's topic made from its spec, then the
#: guides.
BUILDERS: dict[str, Callable[[], dict[str, Any]]] = {
    **_WRITTEN,
    **{a: partial(arch_topic, a) for a in archs.names() if a not in _WRITTEN},
    "shapes": shapes_topic,
    "practices": practices_topic,
    "projects": projects_topic,
}

TOPIC_NAMES: tuple[str, ...] = (*BUILDERS, "all")

#: Every section id some topic has (a test checks this list against the topics), plus
#: ``code``, which only ``--code`` adds.
SECTION_NAMES: tuple[str, ...] = (
    "equations", "code", "diagram", "gates", "parameters", "gradient-path", "gradients",
    "variants", "update-convention", "why-peepholes", "faq", "lesson-notes", "layout",
    "outputs", "gate-order", "parameter-counts", "training", "classification",
    "truncated-bptt", "ladder", "progression",
)

#: Closed choices for typer: ``--help`` lists them and shell completion offers them.
Topic = Enum("Topic", {n: n for n in TOPIC_NAMES}, type=str)
Section = Enum("Section", {n: n for n in SECTION_NAMES}, type=str)


def parse_topic(name: str) -> list[str]:
    """Topic names to show for the user's ``name`` (``all`` -> every topic)."""
    key = str(getattr(name, "value", name)).strip().lower()
    if key == "all":
        return list(BUILDERS)
    if key not in BUILDERS:
        raise BadInput(f"unknown topic {name!r}; accepted: {', '.join(TOPIC_NAMES)}")
    return [key]


def code_section(arch: str) -> dict[str, Any]:
    """The source of the architecture's reference step (``ArchSpec.step``), the step
    rnncli teaches, cited with the source that defines the architecture."""
    import inspect

    spec = archs.get(arch)
    fn = archs.resolve(spec.step)
    return section("code", "code", f"Code: reference.{fn.__name__}, one step as it runs",
                   [spec.definition], arch=spec.name, functions=[fn.__name__],
                   source=inspect.getsource(fn))


def _with_code(t: dict[str, Any]) -> dict[str, Any]:
    """The topic with its reference step's source after the equations."""
    code = code_section(t["name"])
    at = next((k + 1 for k, s in enumerate(t["sections"]) if s["id"] == "equations"), 0)
    t["sections"].insert(at, code)
    return t


def _only(t: dict[str, Any], name: str) -> dict[str, Any]:
    """The topic with only the section ``name`` (BadInput naming the topic's sections)."""
    kept = [s for s in t["sections"] if s["id"] == name]
    if not kept and name == "code":
        raise BadInput("--section code needs --code (the reference step is printed only "
                       "when asked for)")
    if not kept:
        have = ", ".join(s["id"] for s in t["sections"])
        raise BadInput(f"--section: topic {t['name']!r} has no section {name!r}; "
                       f"it has: {have}")
    return {**t, "sections": kept}


def _check_code(names: list[str], code: bool) -> list[str]:
    cells = [n for n in names if n in archs.names()]
    if code and not cells:
        raise BadInput(f"--code: topic {names[0]!r} has no reference cell; use one of "
                       f"{', '.join(archs.names())} (or all)")
    return cells if code else []


def _having(names: list[str], section_name: str, with_code: list[str]) -> list[str]:
    """Of several topics, those that have ``section_name`` (all of them if none has)."""
    if section_name == "code":
        return with_code or names
    kept = [n for n in names if any(s["id"] == section_name for s in BUILDERS[n]()["sections"])]
    return kept or names


def _sources(topics: list[dict[str, Any]]) -> dict[str, str]:
    used: list[str] = []
    for t in topics:
        for s in t["sections"]:
            used += [k for k in s["sources"] if k not in used]
    return {k: SOURCES[k] for k in used}


def explain_data(name: str = "all", section_name: str | None = None,
                 code: bool = False) -> dict[str, Any]:
    """The content of ``rnncli explain <name> [--section S] [--code]`` as JSON-ready data."""
    names = parse_topic(name)
    with_code = _check_code(names, code)
    section_name = getattr(section_name, "value", section_name)
    if section_name is not None and len(names) > 1:
        names = _having(names, section_name, with_code)
    topics = []
    for n in names:
        t = _with_code(BUILDERS[n]()) if n in with_code else BUILDERS[n]()
        topics.append(_only(t, section_name) if section_name is not None else t)
    return {"schema_version": SCHEMA_VERSION, "topics": topics, "sources": _sources(topics)}
