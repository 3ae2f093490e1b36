"""What ``gates`` will do, checked before any work: the request, the sources of weights,
the options each source accepts, and the time/memory estimate that refuses oversized work.

Shared by ``rnncli.tracing`` (generated sequences, toy-trained and random weights) and
``rnncli.tracing.weights`` (the user's checkpoint).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rnncli import archs
from rnncli.errors import BadInput
from rnncli.limits import refuse_oversized

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
    "initialises its recurrent layers ({sources}). The lesson calls this 'Xavier'; it is "
    "not: Xavier/Glorot scales by fan-in + fan-out (glorot2010), and the lesson also zeroes "
    "the biases. Untrained gates carry no meaning; try --init trained."
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

def archs_for(req: GatesRequest, how: str) -> list[str]:
    if req.arch is None:
        return [archs.DEFAULT]
    if req.arch != "all":
        return [archs.get(req.arch).name]
    if how == "trained":
        from rnncli.experiments import toy

        return [a for a in archs.names() if a in toy.TRAINED_ARCHS][::-1]
    return list(archs.names())[::-1]


def _trained_applies(req: GatesRequest) -> bool:
    """Whether the shipped toy weights can serve a request that did not choose --init."""
    from rnncli.experiments import toy

    wanted = [req.arch or archs.DEFAULT] if req.arch != "all" else list(toy.TRAINED_ARCHS)
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


def check_sources(req: GatesRequest, how: str) -> None:
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
    _check_owned_options(req, names)


def _check_owned_options(req: GatesRequest, names: list[str]) -> None:
    """An architecture's option (--gru-variant, --nonlinearity) given away from its default
    needs an architecture that has it among those traced."""
    titles = ", ".join(archs.get(a).title for a in names)
    for flag, option, value in (("--gru-variant", "variant", req.variant),
                                ("--nonlinearity", "nonlinearity", req.nonlinearity)):
        owners = archs.option_owners(option)
        if value not in (None, owners[0].options[option][0]) and \
                not any(archs.get(a) in owners for a in names):
            raise BadInput(f"{flag} applies to the {' or '.join(o.title for o in owners)} only; "
                           f"this is {titles}")


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
    refuse_oversized(what, nbytes=estimate_bytes(arch, input_size, hidden, layers, steps,
                                                 req.json),
                     seconds=estimate_seconds(arch, input_size, hidden, layers, steps),
                     max_seconds=MAX_SECONDS, max_bytes=MAX_BYTES, force=False,
                     lower="shorten the sequence or lower --hidden/--layers")


# ---- running -----------------------------------------------------------------------------------


def read_sequence(req: GatesRequest) -> np.ndarray:
    from rnncli import seqinput

    return seqinput.load_sequence(req.seq, req.input_file, DEFAULT_SEQ, max_steps=MAX_STEPS)
