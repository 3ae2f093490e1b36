"""`rnncli compare`: RNN, GRU and LSTM side by side, every word of the lesson's table checked.

With ``--measure`` the training step of each cell is timed, after checking its estimated
memory and FLOPs (rnncli.knowledge.bounds; ``--force`` overrides the limits).
"""

from __future__ import annotations

from typing import Annotated

import typer

from rnncli import archs, console
from rnncli.knowledge import comparison
from rnncli.options import JsonFlag
from rnncli.render.compare import render


def compare(
    input_size: Annotated[int, typer.Option("--input-size", min=1, help="Features per step.")
                          ] = 64,
    hidden: Annotated[int, typer.Option("--hidden", min=1, help="Hidden size H.")] = 128,
    layers: Annotated[int, typer.Option("--layers", min=1, help="Stacked layers.")] = 1,
    seq_len: Annotated[int, typer.Option("--seq-len", min=1, help="Sequence length T.")] = 200,
    batch: Annotated[int, typer.Option("--batch", min=1, help="Batch size B.")] = 32,
    measure: Annotated[bool, typer.Option(
        "--measure", help="Also time a training step of each cell here (imports torch, "
        "under 20 s).")] = False,
    force: Annotated[bool, typer.Option(
        "--force", help="With --measure: time even a step estimated over 1 GiB or 5e10 "
        "FLOPs.")] = False,
    json_: JsonFlag = False,
) -> None:
    """Compare RNN, GRU, LSTM and the peephole LSTM: equations, gates, exact parameters,
    FLOPs and memory at your sizes, and the lesson's comparison table checked against
    sources and measurements.  See docs/compare.md."""
    data = comparison.build(input_size, hidden, layers, seq_len, batch)
    if measure:
        from rnncli.knowledge import bounds
        from rnncli.measure import quick_measure

        sizes = {"--input-size": input_size, "--hidden": hidden, "--layers": layers,
                 "--seq-len": seq_len, "--batch": batch}
        bounds.check(lambda s: (bounds.step_cost(a, s["--input-size"], s["--hidden"],
                                                 s["--layers"], s["--seq-len"], s["--batch"])
                                for a in archs.names(torch_only=True)),
                     sizes, "compare --measure", force)
        settings = {"mode": "train", "impl": "torch", "dtype": "float32", "budget_s": 15.0}
        with console.err().status("Timing a training step of RNN, GRU and LSTM "
                                  "(about 15 s)..."):
            rows = quick_measure(list(archs.names(torch_only=True)), input_size=input_size,
                                 hidden_size=hidden, num_layers=layers, seq_len=seq_len,
                                 batch=batch, **settings)
        comparison.add_measurements(data, rows, settings)
    if json_:
        console.print_json(data)
        return

    render(data, console.out())
