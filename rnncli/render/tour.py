"""Rendering of `rnncli tour`: chapter headings, the reproduce line, the closing total."""

from __future__ import annotations

from rich.rule import Rule
from rich.table import Table

from rnncli import fmt


def listing(chapters, out) -> None:
    """``tour --list``: every chapter, its command and its measured cost."""
    table = Table(title="rnncli tour: chapters", title_justify="left")
    for col in ("chapter", "runs", "CPU s"):
        table.add_column(col, justify="right" if col == "CPU s" else "left")
    for c in chapters:
        table.add_row(c.name, "rnncli " + " ".join(c.args), f"{c.est_cpu_s:.1f}")
    out.print(table)


def opening(chapters, est_cpu_s: float, threads: int, out) -> None:
    plural = "s" if len(chapters) != 1 else ""
    out.print(f"[bold]rnncli tour[/]: {len(chapters)} chapter{plural}, about "
              f"{fmt.rough_duration(est_cpu_s)} of CPU at {threads} thread"
              f"{'s' if threads != 1 else ''} (measured on a 2-core machine; yours "
              "differs). Each chapter is a reduced run of a real command; the full study "
              "is named under it. Ctrl-C keeps the finished chapters.")


def chapter_head(chapter, index: int, out) -> None:
    """Heading, story, the reduced command, how it is reduced and the full study: all
    before the run, so the chapter's tables and figures follow and close it."""
    out.print()
    out.print(Rule(f"[bold]{chapter.title}[/]", align="left"))
    out.print(chapter.story)
    out.print(f"[dim]$ rnncli {' '.join(chapter.args)}[/]")
    out.print(f"[dim]reduced: {chapter.reduced}[/]")
    out.print(f"[dim]full study: {chapter.full}[/]")
    out.print()


def chapter_foot(run, out) -> None:
    """Only a chapter that did not finish says so here; the times are in the closing
    table."""
    if run.status != "finished":
        out.print(f"[yellow]chapter {run.status}[/]: {run.message}")


def closing(tour, out) -> None:
    out.print()
    out.print(Rule("[bold]The tour in numbers[/]", align="left"))
    table = Table(show_edge=False)
    for col in ("chapter", "status", "CPU s", "wall s"):
        table.add_column(col, justify="left" if col in ("chapter", "status") else "right")
    for r in tour.runs:
        table.add_row(r.chapter.name, r.status, f"{r.cpu_s:.1f}", f"{r.wall_s:.1f}")
    table.add_row("total", "interrupted" if tour.interrupted else "",
                  f"{tour.cpu_s:.1f}", f"{tour.wall_s:.1f}", style="bold")
    out.print(table)
