"""`rnncli gates`: every gate of an RNN, GRU, LSTM or peephole LSTM, step by step.

Parse the options into a ``rnncli.tracing.GatesRequest`` -> ``tracing.run`` (reads the input
and weights, sizes the work, traces with the reference cells) -> ``rnncli.render.gates``.
torch is imported only to read a PyTorch checkpoint.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from rnncli import archs
from rnncli.options import JsonFlag

PLOT_SUFFIXES = (".png", ".svg", ".pdf")
Arch = archs.choice_enum("Arch", extra=("all",))
Init = Enum("Init", {"trained": "trained", "random": "random"}, type=str)
Variant = archs.option_enum("Variant", "variant")
Nonlinearity = archs.option_enum("Nonlinearity", "nonlinearity")
Direction = Enum("Direction", {"forward": "forward", "backward": "backward"}, type=str)


def _opt(*names: str, help: str, **bounds: int) -> typer.models.OptionInfo:
    return typer.Option(*names, help=help, case_sensitive=False, **bounds)


def gates(
    seq: Annotated[str | None, _opt(
        "--seq", help="Steps split at ',' (1 feature) or at ';' with features at ','.")] = None,
    input_file: Annotated[Path | None, _opt(
        "--input", help=".npy of shape (T, I) or (T,), or .csv with one step a row.")] = None,
    arch: Annotated[Arch | None, _opt("--arch", help="Architecture (default lstm).")] = None,
    init: Annotated[Init | None, _opt(
        "--init", help="trained (default where it applies: 1 input, hidden 3) or random.")
    ] = None,
    weights_path: Annotated[Path | None, _opt(
        "--weights",
        help="Your model: PyTorch (.pt/.tar...), .npz, safetensors, .keras, .h5, .onnx.")
    ] = None,
    prefix: Annotated[str | None, _opt(
        "--prefix", help="Which recurrent layer in --weights, e.g. encoder.lstm (--list-layers).")
    ] = None,
    direction: Annotated[Direction | None, _opt(
        "--direction", help="Bidirectional --weights: the direction to trace.")] = None,
    text: Annotated[str | None, _opt(
        "--text", help="Words fed through the checkpoint's vocabulary and embedding.")] = None,
    tokens: Annotated[str | None, _opt(
        "--tokens", help="Token ids fed through the checkpoint's embedding, e.g. 3,17,42.")
    ] = None,
    embedding_key: Annotated[str | None, _opt(
        "--embedding-key", help="Which embedding in --weights (when there are several).")
    ] = None,
    hidden: Annotated[int | None, _opt("--hidden", min=1, help="Hidden size (default 3).")
                      ] = None,
    layers: Annotated[int | None, _opt(
        "--layers", min=1, help="Stacked layers of a random network (default 1).")] = None,
    layer: Annotated[int | None, _opt(
        "--layer", help="Which layer to trace, 0-based (default: the top one).")] = None,
    seed: Annotated[int | None, _opt("--seed", help="Seed of --init random.")] = None,
    gru_variant: Annotated[Variant, _opt(
        "--gru-variant", help="pytorch (torch.nn.GRU) or cho2014.")] = Variant.pytorch,
    nonlinearity: Annotated[Nonlinearity | None, _opt(
        "--nonlinearity", help="RNN only (default tanh; a state dict cannot tell).")] = None,
    units: Annotated[str | None, _opt(
        "--units", help="Units to show, 0-based, e.g. 0,3,5 (default: up to 6).")] = None,
    rows: Annotated[int, _opt("--rows", min=1, help="Steps shown in the table.")] = 40,
    plot: Annotated[Path | None, _opt(
        "--plot", help="Also save a heat map of each gate over time (.png/.svg/.pdf).")] = None,
    force: Annotated[bool, _opt("--force", help="Run work over the memory limit.")] = False,
    list_layers: Annotated[bool, _opt(
        "--list-layers", help="List the recurrent layers of --weights and stop.")] = False,
    json: JsonFlag = False,
) -> None:
    """Trace every gate over your sequence: a heat-map table per step with a plain reading.

    Weights: --init trained (the default: a toy task, steps since the last 1),
    --init random (seeded, PyTorch's uniform init), or --weights FILE.
    Guide: docs/gates.md.

    Examples:

    rnncli gates --seq 1,0,0,1

    rnncli gates --arch all --init random --seq 1,0,0,0,1,0,0

    rnncli gates --weights model.pt --text "not bad at all"

    rnncli gates --weights model.pt --prefix encoder.lstm --input x.npy --json
    """
    from rnncli import report, tracing
    from rnncli.console import out, print_json
    from rnncli.fileio import check_writable
    from rnncli.render import gates as view

    if list_layers:
        _list_layers(weights_path, json)
        return
    if plot is not None:
        check_writable(plot, PLOT_SUFFIXES)
    request = tracing.GatesRequest(
        seq=seq, input_file=input_file, arch=_value(arch), init=_value(init),
        weights=weights_path, prefix=prefix, direction=_value(direction), hidden=hidden,
        layers=layers, layer=layer, seed=seed, variant=gru_variant.value,
        nonlinearity=_value(nonlinearity), units=units, text=text, tokens=tokens,
        embedding_key=embedding_key, force=force, json=json)
    with view.working(request):
        result = tracing.run(request)
    if json:
        docs = [view.record_traced(t) for t in result.traces]
        print_json(docs[0] if len(docs) == 1 else docs)
    else:
        view.show(result, rows, out())
    if report.wants_figures(plot):
        view.plot_result(result, plot)


def _list_layers(weights_path: Path | None, json: bool) -> None:
    from rnncli import formats
    from rnncli.console import out, print_json
    from rnncli.errors import BadInput
    from rnncli.render import formats as view

    if weights_path is None:
        raise BadInput("--list-layers lists the layers of --weights FILE")
    model = formats.read(weights_path)
    if json:
        print_json(view.record_layers(model))
    else:
        view.show_layers(model, out())


def _value(choice: Enum | None) -> str | None:
    return None if choice is None else choice.value
