"""Render ``rnncli compare``: stacked sections that fit an 80-column terminal.

First the exact figures (a table of numbers, one column per architecture),
then the equations per architecture, then the lesson's qualitative rows, each
with the lesson's words, this tool's finding and its evidence.
"""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from rnncli import fmt
from rnncli.render import sources_grid


def _names(data: dict[str, Any]) -> dict[str, str]:
    """{arch: title} of the table's columns, in the document's order."""
    return {x: a["name"] for x, a in data["archs"].items()}


def _measured_rows(data: dict[str, Any]) -> list[tuple[str, list[str]]]:
    m = data.get("measured")
    if not m:
        return []
    per = m["archs"]

    def col(fmt) -> list[str]:
        return [fmt(per[x]) if x in per else "-" for x in data["archs"]]

    return [("train step (ms)", col(lambda p: fmt.ms(p["median_s"], unit=False))),
            ("  IQR (ms)", col(lambda p: fmt.ms(p["iqr_s"] or 0, unit=False))),
            ("tokens/s", col(lambda p: fmt.si(p["tokens_per_s"] or 0)))]


def figures_table(data: dict[str, Any]) -> Table:
    """The exact figures at the user's sizes (and the measured ones, with --measure)."""
    s = data["sizes"]
    a = data["archs"]
    # a light box, one space between columns: six architectures fit 80 columns
    t = Table(title=(f"At input {s['input_size']}, hidden {s['hidden_size']}, layers "
                     f"{s['num_layers']}, seq {s['seq_len']}, batch {s['batch']}"),
              title_justify="left", box=box.SIMPLE_HEAD, padding=(0, 1), pad_edge=False)
    t.add_column("", no_wrap=True)
    for name in _names(data).values():
        t.add_column(name, justify="right")
    rows = [
        ("gates", lambda f: ", ".join(g.split()[-1] for g in f["gates"]) or "none"),
        ("state carried", lambda f: f["state"]),
        ("parameters", lambda f: f"{f['params']:,}"),
        ("  vs LSTM", lambda f: f"{f['param_ratio_to_lstm']:.2f}"),
        ("FLOPs/step fwd", lambda f: fmt.si(f["forward_flops_per_step"])),
        ("FLOPs/step train", lambda f: fmt.si(f["train_flops_per_step"])),
        ("kept/step train", lambda f: fmt.nbytes_fixed(f["activation_bytes_per_step"])),
        ("kept/sequence", lambda f: fmt.nbytes_fixed(f["activation_bytes_sequence"])),
    ]
    for label, cell in rows:
        t.add_row(label, *[cell(f) for f in a.values()])
    for label, cells in _measured_rows(data):
        t.add_row(label, *cells)
    return t


def render(data: dict[str, Any], console: Console) -> None:
    """Print the comparison."""
    names = _names(data)
    console.print(figures_table(data))
    console.print("FLOPs and bytes are for the whole batch; per-layer parameter formula: "
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
