"""Render ``rnncli advise``: recommendation, score table with reasons, settings, snippet."""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.syntax import Syntax
from rich.table import Table

from rnncli import fmt
from rnncli.knowledge.advice import ARCHS, NAMES
from rnncli.render import sources_grid


def score_table(data: dict[str, Any]) -> Table:
    """One row per reason: the answer, the points to each cell and why."""
    t = Table(box=box.SIMPLE_HEAD, pad_edge=False, title="Score", title_justify="left")
    t.add_column("answer", no_wrap=True, max_width=18, overflow="ellipsis")
    for arch in ARCHS:
        t.add_column(NAMES[arch], justify="right", no_wrap=True)
    t.add_column("why", ratio=1)
    for r in data["reasons"]:
        why = f"{r['why']} [{r['source'] or r['evidence']}]"
        t.add_row(escape(f"{r['question']}={r['answer']}"),
                  *[fmt.signed(r["points"][a], zero="·") for a in ARCHS], escape(why))
    t.add_section()
    t.add_row("total", *[f"{data['scores'][a]:g}" for a in ARCHS], "")
    return t


def settings_table(s: dict[str, Any]) -> Table:
    """The starting settings with the reason (and source) for each."""
    t = Table(box=box.SIMPLE_HEAD, pad_edge=False, title="Starting settings",
              title_justify="left")
    t.add_column("setting", no_wrap=True)
    t.add_column("value", no_wrap=True)
    t.add_column("why", ratio=1)
    for n in s["notes"]:
        key = n["setting"]
        value = s[key]
        if key in ("lr", "weight_decay"):
            value = fmt.sci(value, 1)
        elif key == "hidden_size":
            value = f"{s['hidden_size']} ({s['params']:,} params)"
        src = f" [{n['source']}]" if n["source"] else ""
        t.add_row(key, escape(str(value)), escape(n["why"] + src))
    return t


def render(data: dict[str, Any], console: Console) -> None:
    """Print the advice."""
    rec, run = data["recommendation"], data["runner_up"]
    console.print(f"[bold]Recommendation: {NAMES[rec]}[/]   runner-up: {NAMES[run]}")
    console.print()
    console.print(score_table(data))
    if data.get("tradeoff"):
        console.print(f"[bold]Trade-off:[/] {escape(data['tradeoff'])}")
        console.print()
    console.print(settings_table(data["settings"]))
    console.print("[bold]A ready torch.nn start[/] (paste into a file and adapt)")
    console.print(Syntax(data["settings"]["snippet"], "python", theme="ansi_dark",
                         background_color="default", word_wrap=True))
    if data["assumed"]:
        console.print("[bold]Assumed[/] (not given, defaults used): "
                      + escape(", ".join(data["assumed"])))
    console.print("[dim]Scoring rules: docs/advise.md. Sources:[/]")
    console.print(sources_grid(data["sources"]))
