"""Render ``rnncli compare``: stacked sections that fit an 80-column terminal.

First the exact figures (a table of numbers, one row per architecture, so any number
of architectures fits),
then the equations per architecture, then the lesson's qualitative rows, each
with the lesson's words, this tool's finding and its evidence.
"""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from rnncli import fmt
from rnncli.render import sources_grid


def _names(data: dict[str, Any]) -> dict[str, str]:
    """{arch: title} of the table's columns, in the document's order."""
    return {x: a["name"] for x, a in data["archs"].items()}


#: The figures, one column each (heading, cell): one row per architecture, so any number of
#: architectures fits 80 columns (the headings wrap; the numbers never do).
FIGURES = (
    ("gates", lambda f: ", ".join(g.split()[-1] for g in f["gates"]) or "none"),
    ("state", lambda f: f["state"].replace(" and ", ", ")),
    ("params", lambda f: f"{f['params']:,}"),
    ("vs\nLSTM", lambda f: f"{f['param_ratio_to_lstm']:.2f}"),
    ("FLOPs\nfwd", lambda f: fmt.si(f["forward_flops_per_step"])),
    ("FLOPs\ntrain", lambda f: fmt.si(f["train_flops_per_step"])),
    ("kept\nstep", lambda f: fmt.nbytes_fixed(f["activation_bytes_per_step"])),
    ("kept\nseq", lambda f: fmt.nbytes_fixed(f["activation_bytes_sequence"])),
)
def _iqr_cell(p: dict) -> str:
    """The IQR in ms; ``1 run`` / ``2 runs`` where there is no spread (iqr_s null)."""
    return fmt.spread(None, None, p.get("runs") or 1) if p.get("iqr_s") is None else \
        fmt.ms(p["iqr_s"], unit=False)


MEASURED = (
    ("train\nstep ms", lambda p: fmt.ms(p["median_s"], unit=False)),
    ("IQR\nms", lambda p: _iqr_cell(p)),
    ("tokens/s", lambda p: fmt.si(p["tokens_per_s"] or 0)),
)


def _table(title: str, columns, rows: dict[str, tuple[str, dict]]) -> Table:
    """One row per architecture: its name, then each column's cell."""
    t = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, padding=(0, 0),
              show_edge=False)
    cells = [[cell(values) for _, cell in columns] for _, values in rows.values()]
    t.add_column("", no_wrap=True)
    for k, (heading, _) in enumerate(columns):  # a number is never cut: its width is kept
        t.add_column(heading, justify="right", min_width=max(len(r[k]) for r in cells))
    for (name, _), row in zip(rows.values(), cells, strict=True):
        t.add_row(name, *[Text(c, no_wrap=True) for c in row])
    return t


def figures_table(data: dict[str, Any]) -> Table:
    """The exact figures at the user's sizes, one row per architecture."""
    s = data["sizes"]
    title = (f"At input {s['input_size']}, hidden {s['hidden_size']}, layers "
             f"{s['num_layers']}, seq {s['seq_len']}, batch {s['batch']}")
    return _table(title, FIGURES, {x: (f["name"], f) for x, f in data["archs"].items()})


def measured_table(data: dict[str, Any]) -> Table | None:
    """The measured speeds (``--measure``), one row per architecture timed."""
    m = data.get("measured")
    if not m:
        return None
    per = m["archs"]
    rows = {x: (f["name"], per[x]) for x, f in data["archs"].items() if x in per}
    return _table("Measured here", MEASURED, rows)


def render(data: dict[str, Any], console: Console) -> None:
    """Print the comparison."""
    names = _names(data)
    console.print(figures_table(data))
    measured = measured_table(data)
    if measured is not None:
        console.print(measured)
    console.print("FLOPs per step and bytes kept for training (per step, per sequence) are "
                  "for the whole batch; per-layer parameter formula: "
                  + "; ".join(f"{names[x]} {data['archs'][x]['param_formula'][10:]}"
                              for x in names), soft_wrap=False)
    console.print()
    console.print("[bold]Equations[/] (PyTorch's form; σ = sigmoid, ⊙ = element-wise)")
    for arch, f in data["archs"].items():
        console.print(f"  [bold]{names[arch]}[/] [dim]\\[{escape(f['equation_source'])}][/]")
        for eq in f["equations"]:
            console.print(f"    {escape(eq)}")
    console.print()
    console.print("[bold]The lesson's table, checked[/]")
    for row in data["rows"]:
        words = " · ".join(f"{names[x]}: {row['lesson'][x]}" for x in row["lesson"])
        console.print()
        console.print(f"[bold]{row['title']}[/] [dim]({escape(row['verdict'])})[/]")
        grid = Table.grid(padding=(0, 1))
        grid.add_column(no_wrap=True, style="dim")
        grid.add_column()
        grid.add_row("  lesson", escape(words))
        grid.add_row("  here", escape(row["finding"]))
        for ev in row["evidence"]:
            tag = ev["source"] or ev["kind"]
            grid.add_row(f"  {escape(f'[{tag}]')}", escape(ev["text"]))
        console.print(grid)
    if data.get("measured"):
        m = data["measured"]["settings"]
        console.print()
        console.print(f"[dim]Measured with the bench engine: mode {m['mode']}, impl "
                      f"{m['impl']}, {m['dtype']}; median and IQR over repeated runs.[/]")
    console.print()
    console.print("[bold]Sources[/]")
    console.print(sources_grid(data["sources"]))
