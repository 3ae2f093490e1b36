"""`rnncli convert SRC DST`: a recurrent model between PyTorch, Keras and ONNX, proved.

Parse -> ``rnncli.formats.convert.convert`` (read, refuse what cannot be exact, write
atomically, run both sides on a seeded batch) -> ``rnncli.render.formats``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rnncli.options import JsonFlag


def convert(
    src: Annotated[Path, typer.Argument(
        help="Model file: .pt/.pth state dict, safetensors, .keras, .h5, .weights.h5, .onnx.")],
    dst: Annotated[Path, typer.Argument(
        help="Destination; its suffix picks the format (.pt, .safetensors, .keras, "
             ".weights.h5, .h5, .onnx).")],
    prefix: Annotated[str | None, typer.Option(
        "--prefix", help="Which recurrent layer of SRC (gates --list-layers shows them).")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the proof's random batch.")] = 0,
    force: Annotated[bool, typer.Option("--force", help="Overwrite DST.")] = False,
    json: JsonFlag = False,
) -> None:
    """Convert a recurrent layer stack; prove it: max |Δ| of outputs and final states.

    The proof runs a seeded random batch through SRC's and DST's own runtimes
    (torch.nn, Keras, onnxruntime; rnncli's reference cells where one is not
    installed). What cannot be exact is refused with the error it would make.
    Guide: docs/convert.md.

    Examples:

    rnncli convert model.keras model.onnx

    rnncli convert lstm.pt lstm.keras --json
    """
    from rnncli.console import err, out, print_json
    from rnncli.formats.convert import ConvertRequest
    from rnncli.formats.convert import convert as run
    from rnncli.render import formats as view

    doc = run(ConvertRequest(src, dst, prefix, seed, force))
    err().print(f"wrote {dst}")
    if json:
        print_json(doc)
    else:
        view.show_conversion(doc, out())
