"""`rnncli gates`: every gate of an RNN, GRU or LSTM, step by step, on the user's sequence.

Parse (rnncli.seqinput, rnncli.checkpoint, rnncli.experiments.toy) -> run the NumPy cells
of rnncli.scratch (equal to torch.nn.* for the same weights) -> rnncli.render.gates.
torch is imported only to read a .pt/.pth checkpoint.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rnncli.options import JsonFlag

DEFAULT_SEQ = "1,0,0,1,0,0,1"  # the lesson's demonstration sequence
MAX_STEPS = 1_000_000
PLOT_SUFFIXES = (".png", ".svg", ".pdf")
RANDOM_NOTE = (
    "random weights: every weight and bias drawn from U(-1/sqrt(H), 1/sqrt(H)), as torch.nn "
    "initialises them (torch-lstm). The lesson calls this 'Xavier'; it is not: Xavier/Glorot "
    "scales by fan-in + fan-out (glorot2010), and the lesson also zeroes the biases. Untrained "
    "gates carry no meaning; try --init trained."
)


def _network(arch, x, how, wts, hidden, layers, seed, variant, nonlin):
    """(cell, header lines, per-step notes or None) for one architecture."""
    import numpy as np

    from rnncli.checkpoint import to_cell
    from rnncli.scratch import build

    if how == "weights":
        where = f" (prefix {wts.prefix!r})" if wts.prefix else ""
        head = [f"weights: {wts.path}{where}, read as {arch.upper()} from the shapes"]
        return to_cell(wts, variant, nonlin), head, None
    if how == "trained":
        from rnncli.experiments import toy

        return toy.trained_network(arch, x, hidden, variant)
    kw = {"variant": variant} if arch == "gru" else {}
    kw.update({"nonlinearity": nonlin} if arch == "rnn" else {})
    cell = build(arch, x.shape[1], hidden, layers, seed=seed, dtype=np.float64, **kw)
    return cell, [RANDOM_NOTE.replace("torch-lstm", f"torch-{arch}") + f" Seed {seed}."], None


def _check(how, archs, variant, nonlin, seed, layers, hidden, prefix):
    """Refuse options that do not apply to this weight source or these architectures."""
    from rnncli.errors import BadInput

    for name, value, allowed in (("--seed", seed, "random"), ("--layers", layers, "random"),
                                 ("--hidden", hidden, "random trained")):
        if value is not None and how not in allowed.split():
            raise BadInput(f"{name} applies to --init {' or '.join(allowed.split())} only; "
                           + ("--weights gives the sizes" if how == "weights" else "drop it"))
    if prefix is not None and how != "weights":
        raise BadInput("--prefix applies to --weights only")
    if how == "trained" and variant != "pytorch":
        raise BadInput("--init trained: the GRU was trained as torch.nn.GRU; use --gru-variant "
                       "pytorch (cho2014 computes another function with the same weights)")
    if how == "trained" and nonlin != "tanh":
        raise BadInput("--init trained: the RNN was trained with tanh; drop --nonlinearity")
    if variant != "pytorch" and "gru" not in archs:
        raise BadInput(f"--gru-variant applies to a GRU; this is {', '.join(archs).upper()}")
    if nonlin != "tanh" and "rnn" not in archs:
        raise BadInput(f"--nonlinearity applies to an RNN; this is {', '.join(archs).upper()}")


def _show(results, x, chosen, rows, variant) -> None:
    """Print one table per traced network."""
    from rnncli.console import out
    from rnncli.render import gates as view

    console = out()
    for a, cell, k, trace, head, notes in results:
        H = cell.hidden_size
        shown = chosen or view.pick_units(trace)
        if chosen is None and len(shown) < H:
            head = head + [f"hidden size {H}: showing the {len(shown)} most active units "
                           f"({', '.join(map(str, shown))}); choose with --units"]
        title = (f"{a.upper()}{' (' + variant + ')' if a == 'gru' else ''}: input {x.shape[1]},"
                 f" hidden {H}, layer {k} (of 0..{cell.num_layers - 1}), {x.shape[0]} steps")
        console.print(view.render(a, x, trace, shown, rows, title, head, notes))


def gates(
    seq: Annotated[str | None, typer.Option(
        "--seq", help="Steps split at ',' (1 feature) or at ';' with features at ','.")] = None,
    input_file: Annotated[Path | None, typer.Option(
        "--input", help=".npy of shape (T, I) or (T,), or .csv with one step a row.")] = None,
    arch: Annotated[str | None, typer.Option("--arch", help="lstm, gru, rnn or all.")] = None,
    init: Annotated[str | None, typer.Option("--init", help="random (default) or trained.")] = None,
    weights_path: Annotated[Path | None, typer.Option(
        "--weights", help="Your .pt/.pth state_dict or .npz with PyTorch names.")] = None,
    prefix: Annotated[str | None, typer.Option(
        "--prefix", help="Which recurrent layer in --weights, e.g. encoder.lstm.")] = None,
    hidden: Annotated[int | None, typer.Option("--hidden", help="Hidden size (default 3).")] = None,
    layers: Annotated[int | None, typer.Option(
        "--layers", help="Stacked layers of a random network (default 1).")] = None,
    layer: Annotated[int | None, typer.Option(
        "--layer", help="Which layer to trace, 0-based (default: the top one).")] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Seed of --init random.")] = None,
    gru_variant: Annotated[str, typer.Option(
        "--gru-variant", help="pytorch (torch.nn.GRU) or cho2014.")] = "pytorch",
    nonlinearity: Annotated[str, typer.Option(
        "--nonlinearity", help="RNN only: tanh or relu (a state dict cannot tell).")] = "tanh",
    units: Annotated[str | None, typer.Option(
        "--units", help="Units to show, 0-based, e.g. 0,3,5 (default: up to 6).")] = None,
    rows: Annotated[int, typer.Option("--rows", help="Steps shown in the table.")] = 40,
    plot: Annotated[Path | None, typer.Option(
        "--plot", help="Also save a heat map of each gate over time (.png/.svg/.pdf).")] = None,
    json: JsonFlag = False,
) -> None:
    """Trace every gate over your sequence: a heat-map table per step with a plain reading.

    Weights: --init random (seeded, PyTorch's uniform init),
    --init trained (toy task: steps since the last 1), or --weights FILE.
    Guide: docs/gates.md.

    Examples:

    rnncli gates --seq 1,0,0,1

    rnncli gates --arch all --init trained --seq 1,0,0,0,1,0,0

    rnncli gates --weights model.pt --prefix encoder.lstm --input x.npy --json
    """
    from rnncli import checkpoint, seqinput
    from rnncli.console import out, print_json
    from rnncli.errors import BadInput
    from rnncli.fileio import check_writable
    from rnncli.options import ARCHS, choice, int_list, positive_int
    from rnncli.render import gates as view

    if init is not None and weights_path is not None:
        raise BadInput("give --init or --weights, not both")
    how = "weights" if weights_path else choice(init or "random", "--init", ("random", "trained"))
    variant = choice(gru_variant, "--gru-variant", ("pytorch", "cho2014"))
    nonlin = choice(nonlinearity, "--nonlinearity", ("tanh", "relu"))
    archs = None if arch is None else choice(arch, "--arch", (*ARCHS, "all"))
    archs = list(ARCHS)[::-1] if archs == "all" else [archs or "lstm"]
    positive_int(rows, "--rows")
    hidden_n = positive_int(3 if hidden is None else hidden, "--hidden")
    layers_n = positive_int(1 if layers is None else layers, "--layers")
    if plot is not None:
        check_writable(plot, PLOT_SUFFIXES)
    x = seqinput.load_sequence(seq, input_file, DEFAULT_SEQ)
    if x.shape[0] > MAX_STEPS:
        raise BadInput(f"{x.shape[0]} steps is more than the {MAX_STEPS} gates traces (the "
                       "JSON would take gigabytes); cut the sequence")
    wts = checkpoint.load_weights(weights_path, prefix) if how == "weights" else None
    if wts is not None:
        if arch is not None and archs != [wts.arch]:
            raise BadInput(f"--arch {arch}: these are {wts.arch.upper()} weights; drop --arch")
        archs = [wts.arch]
        if x.shape[1] != wts.input_size:
            raise BadInput(f"the sequence has {x.shape[1]} feature(s) per step but the weights "
                           f"expect {wts.input_size} (input size of {wts.path.name})")
    _check(how, archs, variant, nonlin, seed, layers, hidden, prefix)
    results = []
    for a in archs:
        cell, head, notes = _network(a, x, how, wts, hidden_n, layers_n, seed or 0, variant,
                                     nonlin)
        k = cell.num_layers - 1 if layer is None else layer
        if not 0 <= k < cell.num_layers:
            raise BadInput(f"--layer {layer}: the network has {cell.num_layers} layer(s); "
                           f"use 0..{cell.num_layers - 1} (0 is the bottom)")
        if seq is None and input_file is None:
            head = [f"input: the lesson's sequence {DEFAULT_SEQ} (give yours with --seq or "
                    "--input)", *head]
        results.append((a, cell, k, cell.forward(x, trace_layer=k)[2], head, notes))
    H = results[0][1].hidden_size
    chosen = None if units is None else int_list(units, "--units", minimum=0)
    if chosen and max(chosen) >= H:
        raise BadInput(f"--units {units}: hidden size is {H}; units are 0..{H - 1}")
    if plot is not None:
        view.plot([(a, f"{a.upper()} layer {k}", x, tr, chosen or view.pick_units(tr, 64))
                   for a, _, k, tr, _, _ in results], plot)
    if json:
        docs = [view.record(a, variant, x, tr, c.num_layers, k, how)
                for a, c, k, tr, _, _ in results]
        print_json(docs[0] if len(docs) == 1 else docs)
        return
    _show(results, x, chosen, rows, variant)
    if plot is not None:
        out().print(f"plot saved to {plot}")
