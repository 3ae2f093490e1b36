"""Rendering for the model-file formats: ``gates --list-layers`` and ``rnncli convert``.

The data come from ``rnncli.formats`` (``describe``) and ``rnncli.formats.convert``; this
module only arranges them.
"""

from __future__ import annotations

from rich import box
from rich.table import Table


def record_layers(model) -> dict:
    """``--list-layers --json``: the file, its format and every recurrent layer."""
    from rnncli.formats import describe

    return {"path": str(model.path), "format": model.fmt,
            "layers": [describe(x) for x in model.layers], "notes": list(model.notes)}


def show_layers(model, console) -> None:
    """One row per recurrent layer: name, kind, gate order, variant, directions, sizes."""
    doc = record_layers(model)
    table = Table(box=box.SIMPLE, title=f"{doc['path']} ({doc['format']})")
    for col in ("#", "name", "cell", "stored order", "directions", "I", "H", "stacked"):
        table.add_column(col)
    for i, layer in enumerate(doc["layers"]):
        cell = layer["title"] + (f" ({layer['variant']})" if layer["variant"] else "")
        table.add_row(str(i), layer["name"], cell, layer["gate_order"],
                      "2" if len(layer["directions"]) == 2 else "1",
                      str(layer["input_size"]), str(layer["hidden_size"]),
                      "on the previous" if layer["follows_previous"] else "")
    console.print(table)
    for note in doc["notes"]:
        console.print(note)
    console.print("Trace one with: rnncli gates --weights FILE --prefix NAME")


def show_conversion(doc: dict, console) -> None:
    """The conversion's layers, traps, destination and proof line."""
    console.print(f"{doc['source']['path']} ({doc['source']['format']}) -> "
                  f"{doc['destination']['path']} ({doc['destination']['format']})")
    for layer in doc["layers"]:
        console.print(f"  {layer['name']}: {layer['title']}"
                      + (f" ({layer['variant']})" if layer["variant"] else "")
                      + f", {'/'.join(layer['directions'])}, I={layer['input_size']} "
                      f"H={layer['hidden_size']}, gate order {layer['gate_order']} -> "
                      f"{doc['destination']['gate_order']}")
    for note in doc["notes"]:
        console.print(f"note: {note}")
    p = doc["proof"]
    console.print(f"proof: max |Δ| output {p['max_abs_output']:.2e}, final states "
                  f"{p['max_abs_state']:.2e} on a seeded random batch {tuple(p['shape'])} "
                  f"(seed {p['seed']}): {p['source_runtime']} vs {p['destination_runtime']}")
