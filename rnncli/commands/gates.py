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


def _network(arch, x, init, weights, hidden, layers, seed, variant, nonlin):  # noqa: ANN001, ANN202
    """(cell, header lines, per-step notes or None) for one architecture."""
    import numpy as np

    from rnncli.errors import BadInput
    from rnncli.scratch import build, from_state_dict

    kw = {"variant": variant} if arch == "gru" else {}
    kw.update({"nonlinearity": nonlin} if arch == "rnn" else {})
    if init == "weights":
        wts, cell = weights
        head = [f"weights: {wts.path}" + (f" (prefix {wts.prefix!r})" if wts.prefix else "")
                + f", read as {arch.upper()} from the shapes"]
        notes = None
    elif init == "trained":
        from rnncli.experiments import toy

        if arch == "gru" and variant != "pytorch":
            raise BadInput("--init trained: the GRU was trained as torch.nn.GRU; use "
                           "--gru-variant pytorch (cho2014 would compute another function)")
        if arch == "rnn" and nonlin != "tanh":
            raise BadInput("--init trained: the RNN was trained with tanh; drop --nonlinearity")
        sd, readout, meta = toy.load_trained(arch, hidden)
        cell = from_state_dict(sd, arch, dtype=np.float64, **kw)
        score = meta["scores"][arch]["val_rmse_steps"]
        head = [f"trained on the toy task {toy.describe()}; validation RMSE {score} steps "
                "(rnncli/data/gates_toy.json, scripts/train_gates_toy.py)"]
        if x.shape[1] == 1 and not np.isin(x, (0.0, 1.0)).all():
            head.append("note: the task's inputs are 0 and 1; other values are extrapolation")
        notes = None
        if x.shape[1] == 1:
            _, _, top = cell.forward(x)
            guess = toy.readout_steps(top["hidden"], readout)
            true = toy.targets((x[:, 0] > 0.5).astype(float)) * toy.CAP
            notes = [f"model: {g:.1f} steps since a 1 (true {y:.0f})"
                     for g, y in zip(guess, true, strict=True)]
    else:
        cell = build(arch, x.shape[1], hidden, layers, seed=seed, dtype=np.float64, **kw)
        notes = None
        head = [RANDOM_NOTE.replace("torch-lstm", f"torch-{arch}") + f" Seed {seed}."]
    return cell, head, notes


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
    how = "weights" if weights_path is not None else choice(init or "random", "--init",
                                                             ("random", "trained"))
    variant = choice(gru_variant, "--gru-variant", ("pytorch", "cho2014"))
    nonlin = choice(nonlinearity, "--nonlinearity", ("tanh", "relu"))
    archs = None if arch is None else choice(arch, "--arch", (*ARCHS, "all"))
    archs = list(ARCHS)[::-1] if archs == "all" else [archs or "lstm"]
    positive_int(rows, "--rows")
    for name, value, allowed in (("--seed", seed, "random"), ("--layers", layers, "random"),
                                 ("--hidden", hidden, "random trained")):
        if value is not None and how not in allowed.split():
            raise BadInput(f"{name} applies to --init {' or '.join(allowed.split())} only; "
                           + ("--weights gives the sizes" if how == "weights" else "drop it"))
    hidden_n = positive_int(3 if hidden is None else hidden, "--hidden")
    layers_n = positive_int(1 if layers is None else layers, "--layers")
    if how == "trained" and layers_n != 1:
        raise BadInput("--init trained has one layer; --layers applies to --init random")
    if plot is not None:
        check_writable(plot, PLOT_SUFFIXES)
    x = seqinput.load_sequence(seq, input_file, DEFAULT_SEQ)
    if x.shape[0] > MAX_STEPS:
        raise BadInput(f"{x.shape[0]} steps is more than {MAX_STEPS} that gates traces; the "
                       "JSON would take gigabytes. Cut the sequence")
    wts = wts_cell = None
    if how == "weights":
        wts = checkpoint.load_weights(weights_path, prefix)
        if arch is not None and archs != [wts.arch]:
            raise BadInput(f"--arch {arch}: these are {wts.arch.upper()} weights; drop --arch")
        archs = [wts.arch]
        wts_cell = checkpoint.to_cell(wts, variant, nonlin)
    elif prefix is not None:
        raise BadInput("--prefix applies to --weights only")
    if variant != "pytorch" and "gru" not in archs:
        raise BadInput(f"--gru-variant applies to a GRU; this is {', '.join(archs).upper()}")
    if nonlin != "tanh" and "rnn" not in archs:
        raise BadInput(f"--nonlinearity applies to an RNN; this is {', '.join(archs).upper()}")
    input_size = wts.input_size if wts else (1 if how == "trained" else x.shape[1])
    if x.shape[1] != input_size:
        raise BadInput(f"the sequence has {x.shape[1]} feature(s) per step but the "
                       f"{'weights expect' if wts else 'trained network expects'} {input_size}")
    results = []
    for a in archs:
        cell, head, notes = _network(a, x, how, (wts, wts_cell), hidden_n, layers_n,
                                     0 if seed is None else seed, variant, nonlin)
        k = cell.num_layers - 1 if layer is None else layer
        if not 0 <= k < cell.num_layers:
            raise BadInput(f"--layer {layer}: the network has {cell.num_layers} layer(s); "
                           f"use 0..{cell.num_layers - 1} (0 is the bottom)")
        _, _, trace = cell.forward(x, trace_layer=k)
        results.append((a, cell, k, trace, head, notes))
    H = results[0][1].hidden_size
    chosen = None if units is None else int_list(units, "--units", minimum=0)
    if chosen and max(chosen) >= H:
        raise BadInput(f"--units {units}: hidden size is {H}; units are 0..{H - 1}")
    records = [view.record(a, variant if a == "gru" else None, x, tr, c.num_layers, k, how)
               for a, c, k, tr, _, _ in results]
    if plot is not None:
        view.plot([(a, f"{a.upper()} layer {k}", x, tr, chosen or view.pick_units(tr, 64))
                   for a, c, k, tr, _, _ in results], plot)
    if json:
        print_json(records[0] if len(records) == 1 else records)
        return
    console = out()
    for a, c, k, tr, head, notes in results:
        shown = chosen or view.pick_units(tr)
        if chosen is None and len(shown) < H:
            head = head + [f"hidden size {H}: showing the {len(shown)} most active units "
                           f"({', '.join(map(str, shown))}); choose with --units"]
        title = (f"{a.upper()}{' (' + variant + ')' if a == 'gru' else ''}: input {x.shape[1]},"
                 f" hidden {H}, layer {k} (of 0..{c.num_layers - 1}), {x.shape[0]} steps")
        console.print(view.render(a, x, tr, shown, rows, title, head, notes))
    if plot is not None:
        console.print(f"plot saved to {plot}")
