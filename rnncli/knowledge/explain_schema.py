"""Building blocks of ``rnncli explain`` content: topics made of typed sections.

The content modules (``explain_rnn``, ``explain_lstm``, ``explain_gru``,
``explain_peephole``, ``explain_shapes``, ``explain_guides``, ``diagrams``) build plain
dicts with these helpers, so the terminal view and ``--json`` read the same data.
The schema is documented in docs/explain.md:

    {"schema_version": 1,
     "topics": [{"name", "title", "summary", "sources", "sections": [...]}],
     "sources": {key: reference}}

Every section has ``id``, ``kind``, ``title`` and ``sources`` (keys into
:mod:`rnncli.knowledge.sources`, the union of its own and its items' keys);
the other fields depend on ``kind``:

- ``text``        paragraphs: [str]
- ``equations``   lines: [{equation, note}], legend: str
- ``gates``       gates: [{symbol, name, range, purpose, analogy, example, sources}]
- ``parameters``  formula, tensors: [{name, shape, count}] (layer 0 at the sizes of
                  the first example), examples: [{input_size, hidden_size, num_layers,
                  count}], paragraphs
- ``faq``         items: [{question, answer, code, sources}]
- ``notes``       items: [{title, lesson_says, actually, code, sources}]
- ``advice``      items: [{name, advice, values, code, sources}]
- ``projects``    items: [{rung, name, level, task, teaches, architecture,
                  watch_out, rnncli, sources}]
- ``table``       columns: [str], rows: [[str]], paragraphs: [str]
- ``diagram``     lines: [str] (box-drawing art, at most 78 columns, never wrapped)
- ``code``        arch, functions: [str], source: str (the reference cell's step,
                  only with ``--code``)
"""

from __future__ import annotations

from typing import Any

SCHEMA_VERSION = 1

KINDS = ("text", "equations", "gates", "parameters", "faq", "notes", "advice", "projects",
         "table", "diagram", "code")


def _union(*groups: list[str]) -> list[str]:
    out: list[str] = []
    for g in groups:
        for k in g:
            if k not in out:
                out.append(k)
    return out


def section(id: str, kind: str, title: str, sources: list[str] | None = None,
            **fields: Any) -> dict[str, Any]:
    """One section; its ``sources`` also collect the keys of its items."""
    if kind not in KINDS:
        raise ValueError(f"unknown section kind {kind!r}")
    item_keys: list[list[str]] = [i.get("sources", []) for i in
                                  fields.get("items", fields.get("gates", []))]
    return {"id": id, "kind": kind, "title": title,
            "sources": _union(sources or [], *item_keys), **fields}


def text(id: str, title: str, paragraphs: list[str], sources: list[str]) -> dict[str, Any]:
    return section(id, "text", title, sources, paragraphs=paragraphs)


def equations(id: str, title: str, lines: list[tuple[str, str]], legend: str,
              sources: list[str]) -> dict[str, Any]:
    return section(id, "equations", title, sources, legend=legend,
                   lines=[{"equation": e, "note": n} for e, n in lines])


def gate(symbol: str, name: str, range: str, purpose: str, analogy: str,
         example: str, sources: list[str]) -> dict[str, Any]:
    return {"symbol": symbol, "name": name, "range": range, "purpose": purpose,
            "analogy": analogy, "example": example, "sources": sources}


def faq(question: str, answer: str, sources: list[str], code: str = "") -> dict[str, Any]:
    return {"question": question, "answer": answer, "code": code, "sources": sources}


def note(title: str, lesson_says: str, actually: str, sources: list[str],
         code: str = "") -> dict[str, Any]:
    return {"title": title, "lesson_says": lesson_says, "actually": actually, "code": code,
            "sources": sources}


def advice(name: str, text: str, values: str, sources: list[str],
           code: str = "") -> dict[str, Any]:
    return {"name": name, "advice": text, "values": values, "code": code, "sources": sources}


def topic(name: str, title: str, summary: str, sections: list[dict[str, Any]],
          sources: list[str]) -> dict[str, Any]:
    """A topic; its ``sources`` collect every key its sections use."""
    keys = _union(sources, *[s["sources"] for s in sections])
    return {"name": name, "title": title, "summary": summary, "sources": keys,
            "sections": sections}
