"""The library side of ``rnncli gates``: a :class:`GatesRequest` in, a :class:`GatesResult` out.

The command builds the request from its options, :func:`run` validates it, reads the input
(``--seq``/``--input``, or token ids / text through a checkpoint's embedding), sizes the work
and refuses it when too big, and traces every gate with the reference cells of
``rnncli/scratch/reference.py`` (what is taught is what runs; sequences here are short).
``rnncli.render.gates`` draws the result. Nothing here prints.

Weights: ``trained`` (the toy task of ``rnncli.experiments.toy``; the default when it
applies: one input feature, hidden size 3, an architecture with shipped weights),
``random`` (seeded, PyTorch's uniform init) or a file (``--weights``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rnncli import archs
from rnncli.errors import BadInput

DEFAULT_SEQ = "1,0,0,1,0,0,1"  # the lesson's demonstration sequence
MAX_STEPS = 1_000_000
MAX_BYTES = 1 << 30  # memory the traced work may take before --force is needed
MAX_SECONDS = 120.0  # estimated time the traced work may take before --force is needed
REFERENCE_STEPS = 5_000  # up to this many layer-steps the reference cells trace
JSON_BYTES_PER_VALUE = 400  # measured: a 100k-step LSTM trace (1.8M values) peaked at 0.8 GB
FAST_NOTE = ("traced with the fast cells (tested equal to the reference cells) because "
             "the sequence is long")
RANDOM_NOTE = (
    "random weights: every weight and bias drawn from U(-1/sqrt(H), 1/sqrt(H)), as torch.nn "
    "initialises them (torch-{arch}). The lesson calls this 'Xavier'; it is not: Xavier/Glorot "
    "scales by fan-in + fan-out (glorot2010), and the lesson also zeroes the biases. Untrained "
    "gates carry no meaning; try --init trained."
)


@dataclass(frozen=True)
class GatesRequest:
    """What the user asked ``gates`` for, as parsed options (None: not given)."""

    seq: str | None = None
    input_file: Path | None = None
    arch: str | None = None  # a registry name, "all", or None (LSTM, or the file's)
    init: str | None = None  # "random" | "trained" | None (trained where it applies)
    weights: Path | None = None
    prefix: str | None = None
    direction: str | None = None  # bidirectional checkpoints: "forward" | "backward"
    hidden: int | None = None
    layers: int | None = None
    layer: int | None = None
    seed: int | None = None
    variant: str = "pytorch"
    nonlinearity: str | None = None  # None: tanh (assumed, and said, for a checkpoint)
    units: str | None = None
    text: str | None = None
    tokens: str | None = None
    embedding_key: str | None = None
    force: bool = False
    json: bool = False  # the whole trace is printed as JSON (sized into the estimate)


@dataclass
class Traced:
    """One traced network: what it read, every gate of one layer, and how to label it."""

    arch: str
    x: np.ndarray  # (T, I): the vectors the recurrent layer read
    trace: dict[str, np.ndarray]  # {name: (T, H)} in the registry's trace keys
    hidden_size: int
    num_layers: int
    layer: int
    init: str  # "trained" | "random" | "weights"
    header: list[str] = field(default_factory=list)
    notes: list[str] | None = None  # one line per step (the toy model's answer)
    labels: list[str] | None = None  # one label per step (the word or token id)
    steps: list[int] | None = None  # the original step number of each row (None: 1..T)
    variant: str | None = None
    nonlinearity: str | None = None
    direction: str | None = None
    prediction: dict | None = None  # {"label": ..., "probabilities": {...}}


@dataclass
class GatesResult:
    traces: list[Traced]
    units: list[int] | None  # the units the user chose, or None (most active shown)


# ---- deciding what to run ------------------------------------------------------------------

def _archs_for(req: GatesRequest, how: str) -> list[str]:
    if req.arch is None:
        return ["lstm"]
    if req.arch != "all":
        return [archs.get(req.arch).name]
    if how == "trained":
        from rnncli.experiments import toy

        return [a for a in archs.names() if a in toy.TRAINED_ARCHS][::-1]
    return list(archs.names())[::-1]


def _trained_applies(req: GatesRequest) -> bool:
    """Whether the shipped toy weights can serve a request that did not choose --init."""
    from rnncli.experiments import toy

    wanted = [req.arch or "lstm"] if req.arch != "all" else list(toy.TRAINED_ARCHS)
    random_only = (req.seed, req.layers)
    return (all(archs.get(a).name in toy.TRAINED_ARCHS for a in wanted)
            and all(v is None for v in random_only) and req.hidden in (None, toy.HIDDEN)
            and req.variant == "pytorch" and req.nonlinearity in (None, "tanh"))


def weight_source(req: GatesRequest) -> str:
    """"weights", "trained" or "random": --weights, else --init, else trained if it applies."""
    if req.weights is not None:
        if req.init is not None:
            raise BadInput("give --init or --weights, not both")
        return "weights"
    if req.init is not None:
        return req.init
    return "trained" if _trained_applies(req) else "random"


def _check_sources(req: GatesRequest, how: str) -> None:
    """Refuse options that do not apply to this weight source."""
    for name, value, allowed in (("--seed", req.seed, "random"),
                                 ("--layers", req.layers, "random"),
                                 ("--hidden", req.hidden, "random trained")):
        if value is not None and how not in allowed.split():
            raise BadInput(f"{name} applies to --init {' or '.join(allowed.split())} only; "
                           + ("--weights gives the sizes" if how == "weights" else "drop it"))
    _check_weights_only(req, how)


def _check_weights_only(req: GatesRequest, how: str) -> None:
    """--prefix, --direction, --text, --tokens and --embedding-key need --weights."""
    given = [name for name, value in (("--prefix", req.prefix), ("--direction", req.direction),
                                      ("--text", req.text), ("--tokens", req.tokens),
                                      ("--embedding-key", req.embedding_key))
             if value is not None]
    if given and how != "weights":
        raise BadInput(f"{given[0]} applies to --weights only")
    inputs = [name for name, value in (("--text", req.text), ("--tokens", req.tokens),
                                       ("--seq", req.seq), ("--input", req.input_file))
              if value is not None]
    if len(inputs) > 1 and {"--text", "--tokens"} & set(inputs):
        raise BadInput(f"give one input: {' or '.join(inputs)}, not both")


def check_options(req: GatesRequest, how: str, names: list[str]) -> None:
    if how == "trained" and req.variant != "pytorch":
        raise BadInput("--init trained: the GRU was trained as torch.nn.GRU; use --gru-variant "
                       "pytorch (cho2014 computes another function with the same weights)")
    if how == "trained" and req.nonlinearity not in (None, "tanh"):
        raise BadInput("--init trained: the RNN was trained with tanh; drop --nonlinearity")
    titles = ", ".join(archs.get(a).title for a in names)
    if req.variant != "pytorch" and "gru" not in names:
        raise BadInput(f"--gru-variant applies to a GRU; this is {titles}")
    if req.nonlinearity not in (None, "tanh") and "rnn" not in names:
        raise BadInput(f"--nonlinearity applies to an RNN; this is {titles}")


# ---- sizing the work -------------------------------------------------------------------------

def estimate_bytes(arch: str, input_size: int, hidden: int, layers: int, steps: int,
                   json: bool = False) -> int:
    """Memory of the weights plus the traced values and per-step states, float64, plus
    the JSON document when the whole trace is printed."""
    from rnncli import formulas

    spec = archs.get(arch)
    params = formulas.param_count(spec.name, input_size, hidden, layers)
    per_step = hidden * layers * (len(spec.trace) + spec.gate_blocks + 2)
    need = 8 * (params + steps * (per_step + input_size + 4 * hidden))
    if json:
        need += JSON_BYTES_PER_VALUE * steps * (hidden * len(spec.trace) + input_size)
    return need


def impl_for(steps: int, layers: int) -> str:
    """"reference" (what is taught) for the usual short sequences, "fast" for long ones."""
    return "reference" if steps * layers <= REFERENCE_STEPS else "fast"


def estimate_seconds(arch: str, input_size: int, hidden: int, layers: int, steps: int) -> float:
    """A rough time: a fixed cost per layer-step of the cell loop plus the products at
    about 1 GFLOP/s (float64 NumPy on one core, small matrices)."""
    from rnncli import formulas

    per_step = 2e-4 if impl_for(steps, layers) == "reference" else 3e-5
    flops = formulas.forward_flops(archs.get(arch).name, input_size, hidden, layers, steps, 1)
    return steps * layers * per_step + flops / 1e9


def check_size(arch: str, input_size: int, hidden: int, layers: int, steps: int,
               req: GatesRequest) -> None:
    """Refuse, before allocating, work whose estimate is over :data:`MAX_BYTES` of memory
    or :data:`MAX_SECONDS` of time (``--force`` overrides)."""
    if req.force:
        return
    what = f"{archs.get(arch).title} with hidden {hidden}, {layers} layer(s), {steps} steps"
    need = estimate_bytes(arch, input_size, hidden, layers, steps, req.json)
    if need > MAX_BYTES:
        raise BadInput(f"{what} needs about {need / 2**30:.1f} GiB (limit "
                       f"{MAX_BYTES / 2**30:.0f} GiB); --force runs it anyway")
    secs = estimate_seconds(arch, input_size, hidden, layers, steps)
    if secs > MAX_SECONDS:
        raise BadInput(f"{what} takes about {secs:.0f} s (limit {MAX_SECONDS:.0f} s); "
                       "--force runs it anyway")


# ---- running -----------------------------------------------------------------------------------

def _trace(cell, x: np.ndarray, layer: int | None) -> tuple[int, dict[str, np.ndarray]]:
    k = cell.num_layers - 1 if layer is None else layer
    if not 0 <= k < cell.num_layers:
        raise BadInput(f"--layer {layer}: the network has {cell.num_layers} layer(s); "
                       f"use 0..{cell.num_layers - 1} (0 is the bottom)")
    return k, cell.forward(x, trace_layer=k)[2]


def _random(req: GatesRequest, arch: str, x: np.ndarray) -> Traced:
    from rnncli.scratch import build

    hidden = 3 if req.hidden is None else req.hidden
    layers = 1 if req.layers is None else req.layers
    check_size(arch, x.shape[1], hidden, layers, x.shape[0], req)
    opts = {k: v for k, v in (("variant", req.variant),
                              ("nonlinearity", req.nonlinearity or "tanh"))
            if k in archs.get(arch).options}
    seed = 0 if req.seed is None else req.seed
    impl = impl_for(x.shape[0], layers)
    cell = build(arch, x.shape[1], hidden, layers, impl=impl, seed=seed, dtype=np.float64,
                 **opts)
    k, trace = _trace(cell, x, req.layer)
    torch_name = archs.get(arch).torch_module
    note = RANDOM_NOTE.format(arch=(torch_name or "lstm").lower()) + f" Seed {seed}."
    shown = "weights: random (--init random)" if req.init == "random" else \
        ("weights: random (trained weights exist for the LSTM, GRU and tanh RNN with hidden 3 "
         "and one input feature)")
    head = [shown, note] + ([FAST_NOTE] if impl == "fast" else [])
    return Traced(arch, x, trace, hidden, layers, k, "random", head,
                  variant=opts.get("variant"), nonlinearity=opts.get("nonlinearity"))


def _trained(req: GatesRequest, arch: str, x: np.ndarray) -> Traced:
    from rnncli.experiments import toy

    hidden = toy.HIDDEN if req.hidden is None else req.hidden
    check_size(arch, x.shape[1], hidden, 1, x.shape[0], req)
    impl = impl_for(x.shape[0], 1)
    cell, head, notes = toy.trained_network(arch, x, hidden, req.variant, impl=impl)
    k, trace = _trace(cell, x, req.layer)
    which = "--init trained" if req.init == "trained" else \
        "the default; --init random shows untrained weights"
    head = [f"weights: trained ({which})", *head] + ([FAST_NOTE] if impl == "fast" else [])
    spec = archs.get(arch)
    return Traced(arch, x, trace, cell.hidden_size, cell.num_layers, k, "trained", head, notes,
                  variant=req.variant if "variant" in spec.options else None,
                  nonlinearity="tanh" if "nonlinearity" in spec.options else None)


def run(req: GatesRequest) -> GatesResult:
    """Validate ``req``, read the input, trace every requested network (see module doc)."""
    how = weight_source(req)
    _check_sources(req, how)
    if how == "weights":
        from rnncli import tracing_weights

        traces = [tracing_weights.trace(req)]
    else:
        x = _sequence(req)
        names = _archs_for(req, how)
        check_options(req, how, names)
        make = _trained if how == "trained" else _random
        traces = [make(req, a, x) for a in names]
    if req.seq is None and req.input_file is None and how != "weights":
        for t in traces:
            t.header.insert(0, f"input: the lesson's sequence {DEFAULT_SEQ} (give yours with "
                               "--seq or --input)")
    return GatesResult(traces, _units(req.units, traces[0].hidden_size))


def _units(text: str | None, hidden: int) -> list[int] | None:
    from rnncli.options import int_list

    units = None if text is None else int_list(text, "--units", minimum=0)
    if units and max(units) >= hidden:
        raise BadInput(f"--units {text}: hidden size is {hidden}; units are 0..{hidden - 1}")
    return units


def _sequence(req: GatesRequest) -> np.ndarray:
    from rnncli import seqinput

    return seqinput.load_sequence(req.seq, req.input_file, DEFAULT_SEQ, max_steps=MAX_STEPS)
