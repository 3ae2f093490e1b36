"""Terminal view of ``rnncli explain``: the data of rnncli.knowledge.topics as rich text.

Panels and grids wrap to the console width (80 columns fit); rich drops colour when
the output is piped or NO_COLOR is set.  Citations are printed as source keys in
brackets, and the full references once at the end.
"""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.panel import Panel
from rich.rule import Rule
from rich.table import Table
from rich.text import Text


def _cite(keys: list[str]) -> Text:
    return Text(f"[{', '.join(keys)}]", style="dim") if keys else Text("")


def _paragraphs(paragraphs: list[str]) -> list[RenderableType]:
    """Paragraphs separated by a blank line."""
    return [Text("\n\n".join(paragraphs))] if paragraphs else []


def _code(code: str) -> Text:
    return Text(code.rstrip("\n"), style="green")


def _grid(rows: list[tuple[str, RenderableType | str]]) -> Table:
    """Two columns: a bold label and wrapped text."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(ratio=1)
    for label, value in rows:
        if isinstance(value, str) and not value:
            continue
        grid.add_row(label, Text(value) if isinstance(value, str) else value)
    return grid


def _boxed(title: str, body: RenderableType) -> Panel:
    return Panel(body, title=Text(title, style="bold"), title_align="left",
                 box=box.ROUNDED, padding=(0, 1))


def _equations(s: dict[str, Any]) -> list[RenderableType]:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(ratio=1)
    grid.add_column(style="italic", no_wrap=True)
    for line in s["lines"]:
        grid.add_row(Text(line["equation"], style="bold"), line["note"])
    return [_boxed("equations", grid), Text(s["legend"]), _cite(s["sources"])]


def _gates(s: dict[str, Any]) -> list[RenderableType]:
    out: list[RenderableType] = []
    for g in s["gates"]:
        out.append(_boxed(f"{g['symbol']}: {g['name']}", Group(_grid([
            ("purpose", g["purpose"]), ("range", g["range"]), ("analogy", g["analogy"]),
            ("example", g["example"])]), _cite(g["sources"]))))
    return out


def _parameters(s: dict[str, Any]) -> list[RenderableType]:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    ex = s["examples"][0]  # the tensors are listed at the first example's sizes
    table.add_column(f"tensor (layer 0, I={ex['input_size']}, H={ex['hidden_size']})")
    table.add_column("shape")
    table.add_column("count", justify="right")
    for t in s["tensors"]:
        table.add_row(t["name"], t["shape"], f"{t['count']:,}")
    total = sum(t["count"] for t in s["tensors"])
    table.add_row(Text("total", style="bold"), "", Text(f"{total:,}", style="bold"))
    out: list[RenderableType] = [Text.assemble(("formula per layer: ", "bold"),
                                               (s["formula"], "bold cyan")), table]
    out += _paragraphs(s["paragraphs"])
    out.append(_cite(s["sources"]))
    return out


def _faq(s: dict[str, Any]) -> list[RenderableType]:
    out: list[RenderableType] = []
    for item in s["items"]:
        body: list[RenderableType] = [Text(item["answer"])]
        if item["code"]:
            body.append(_code(item["code"]))
        body.append(_cite(item["sources"]))
        out += [Text(f"Q. {item['question']}", style="bold"),
                Padding(Group(*body), (0, 0, 1, 3))]
    return out


def _card(title: str, head: list[RenderableType], item: dict[str, Any]) -> RenderableType:
    """A boxed item: its text, its code (if any) and its sources."""
    code = [_code(item["code"])] if item["code"] else []
    return _boxed(title, Group(*head, *code, _cite(item["sources"])))


def _notes(s: dict[str, Any]) -> list[RenderableType]:
    return [_card(n["title"], [_grid([("The lesson says", n["lesson_says"]),
                                      ("Actually", n["actually"])])], n)
            for n in s["items"]]


def _advice(s: dict[str, Any]) -> list[RenderableType]:
    return [_card(a["name"], [Text(a["advice"]), _grid([("typical values:", a["values"])])], a)
            for a in s["items"]]


def _projects(s: dict[str, Any]) -> list[RenderableType]:
    out: list[RenderableType] = []
    for p in s["items"]:
        grid = _grid([("task", p["task"]), ("teaches", p["teaches"]),
                      ("build", p["architecture"]), ("watch out", p["watch_out"]),
                      ("rnncli", ", ".join(p["rnncli"]))])
        out.append(_boxed(f"{p['rung']}. {p['name']} ({p['level']})",
                          Group(grid, _cite(p["sources"]))))
    return out


def _table(s: dict[str, Any]) -> list[RenderableType]:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for c in s["columns"]:
        table.add_column(c)
    for row in s["rows"]:
        table.add_row(*row)
    return [table, *_paragraphs(s.get("paragraphs", [])), _cite(s["sources"])]


def _text(s: dict[str, Any]) -> list[RenderableType]:
    return [*_paragraphs(s["paragraphs"]), _cite(s["sources"])]


def _diagram(s: dict[str, Any]) -> list[RenderableType]:
    """Box-drawing art, line for line: cropped, never wrapped, on a narrow terminal."""
    art = Text("\n".join(s["lines"]), no_wrap=True, overflow="crop")
    return [art, _cite(s["sources"])]


def _source(s: dict[str, Any]) -> list[RenderableType]:
    from rich.syntax import Syntax

    code = Syntax(s["source"].rstrip("\n"), "python", theme="ansi_dark",
                  background_color="default", word_wrap=True)
    return [code, Text("from rnncli/scratch/reference.py; the equations above, one per "
                       "line", style="dim"), _cite(s["sources"])]


RENDERERS = {"text": _text, "equations": _equations, "gates": _gates,
             "parameters": _parameters, "faq": _faq, "notes": _notes, "advice": _advice,
             "projects": _projects, "table": _table, "diagram": _diagram, "code": _source}


def render_topic(console: Console, topic: dict[str, Any]) -> None:
    """Print one topic: a title panel, then each section under a rule."""
    console.print(Panel(Text(topic["summary"]), title=Text(topic["title"], style="bold"),
                        subtitle=f"rnncli explain {topic['name']}", box=box.DOUBLE,
                        padding=(0, 1)))
    for s in topic["sections"]:
        console.print()
        console.print(Rule(Text(s["title"], style="bold"), align="left", style="dim"))
        for part in RENDERERS[s["kind"]](s):
            console.print(part)


#: Prose is hard to read in very wide lines; wider terminals get this width.
MAX_WIDTH = 100


def render_explain(console: Console, data: dict[str, Any], pager: bool = False) -> None:
    """Print ``data`` (from ``explain_data``); through a pager when ``pager`` is set, the
    console is a terminal and the text is longer than the screen."""
    console.width = min(console.width, MAX_WIDTH)
    if not (pager and console.is_terminal):
        _render_all(console, data)
        return
    with console.capture() as cap:
        _render_all(console, data)
    page = cap.get()
    if page.count("\n") < console.height:
        console.file.write(page)
        return
    import os

    os.environ.setdefault("LESS", "-R")  # less shows the colours rich wrote
    with console.pager(styles=True):
        console.print(Text.from_ansi(page), end="", soft_wrap=True)


def _render_all(console: Console, data: dict[str, Any]) -> None:
    """Every topic, then the references used."""
    for i, topic in enumerate(data["topics"]):
        if i:
            console.print()
        render_topic(console, topic)
    console.print()
    console.print(Rule(Text("Sources", style="bold"), align="left", style="dim"))
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(ratio=1, style="dim")
    for key, ref in data["sources"].items():
        grid.add_row(key, ref)
    console.print(grid)
