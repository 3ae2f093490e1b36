"""The architecture registry: everything that varies between the recurrent architectures.

One ``ArchSpec`` per architecture carries what it is and what it does: gate rows in
PyTorch's order, states, the equations ``compare`` and ``explain`` print, the trace keys
and legend of ``gates`` with each sigmoid gate's reading (or a registered reading), its
sources (the first defines it), its reference step and BPTT, its options, extra parameters
and torch classes. Other modules ask this registry (``get``, ``names``, ``torch_module``,
``from_gate_blocks``, ``option_owners``) instead of spelling an architecture's name or
keeping their own ``{"rnn": ..., "gru": ..., "lstm": ...}`` maps (tests/test_registry_names.py
checks it). Adding an architecture: docs/ARCHITECTURE.md, "Where to add things".

No torch and no NumPy at import time: functions and classes are named as
``"module:name"`` strings and resolved (``resolve``) when asked for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from rnncli.errors import BadInput


@dataclass(frozen=True)
class TraceKey:
    """One traced quantity as ``gates`` shows it: JSON name, column letter, range, gate?

    ``shut`` / ``opened``: how ``gates`` reads a sigmoid gate below 0.2 / above 0.8 in one
    line (the generic reading, ``rnncli.knowledge.readings``), "" when that says nothing.
    """

    name: str
    letter: str
    lo: float
    hi: float
    gate: bool = True  # a sigmoid/tanh gate value (False: a state such as c or h)
    shut: str = ""
    opened: str = ""

    @property
    def sigmoid(self) -> bool:
        """A sigmoid gate (range 0..1), as opposed to a tanh candidate or a state."""
        return self.gate and (self.lo, self.hi) == (0.0, 1.0)


@dataclass(frozen=True)
class ArchSpec:
    """What one architecture is and does, in one place."""

    name: str                       # registry key, lower case: "lstm"
    title: str                      # how text spells it: "LSTM"
    aliases: tuple[str, ...]        # other spellings accepted on the command line
    gate_rows: tuple[str, ...]      # gate blocks in weight_ih / weight_hh, PyTorch's row order
    states: tuple[str, ...]         # ("h",) or ("h", "c")
    kept_per_unit: int              # values per unit the backward pass keeps per step
    elementwise_per_unit: int       # forward FLOPs per unit and step outside the products
    torch_module: str | None        # "LSTM" -> torch.nn.LSTM; None when torch has none
    torch_cell: str | None          # "LSTMCell"
    trace: tuple[TraceKey, ...]     # what ``gates`` shows, in table order
    legend: str                     # one-line legend under the ``gates`` table
    equations: tuple[str, ...]      # one step, what ``compare`` and ``explain`` print
    sources: tuple[str, ...]        # keys of rnncli.knowledge.sources; the first is the
    #                                 definition cited wherever the architecture's equations are
    options: dict[str, tuple[str, ...]] = field(default_factory=dict)  # option -> choices
    extra_params: tuple[str, ...] = ()  # H-sized vectors per layer beyond 2 mats + 2 biases
    reading: str = ""               # "module:function" of a registered ``gates`` reading
    #                                 ("": the generic sigmoid-gate reading of the trace keys)
    forget_bias_row: str | None = None  # the gate row whose bias +1 keeps the memory
    step: str = ""                  # "module:function" of the reference step (default
    bptt: str = ""                  # rnncli.scratch.reference:<name>_step / _bptt)
    scratch_fast: str | None = None  # "module:Class" of the fast NumPy cell, if there is one

    def __post_init__(self) -> None:
        for attr, suffix in (("step", "step"), ("bptt", "bptt")):
            if not getattr(self, attr):
                object.__setattr__(self, attr, f"{_REFERENCE}:{self.name}_{suffix}")

    @property
    def gate_blocks(self) -> int:
        """G: row blocks stacked in weight_ih / weight_hh."""
        return len(self.gate_rows)

    @property
    def n_states(self) -> int:
        return len(self.states)

    @property
    def extra_vectors(self) -> int:
        return len(self.extra_params)

    @property
    def gates(self) -> tuple[str, ...]:
        """Trace names that are gates (not states), in table order."""
        return tuple(k.name for k in self.trace if k.gate)

    @property
    def sigmoid_gates(self) -> tuple[TraceKey, ...]:
        """The sigmoid gates, in PyTorch's row order (what ``compare`` lists)."""
        keys = [k for k in self.trace if k.sigmoid]
        return tuple(sorted(keys, key=lambda k: self.gate_rows.index(k.name)
                            if k.name in self.gate_rows else len(self.gate_rows)))

    @property
    def state_keys(self) -> tuple[str, ...]:
        """The trace names of the states, in ``states`` order: ("hidden", "cell")."""
        by_letter = {k.letter: k.name for k in self.trace if not k.gate}
        return tuple(by_letter[s] for s in self.states)

    @property
    def has_cell_state(self) -> bool:
        return "c" in self.states

    @property
    def definition(self) -> str:
        """The source key that defines the architecture (cited beside its equations)."""
        return self.sources[0]


_REFERENCE = "rnncli.scratch.reference"
_SIG = (0.0, 1.0)
_TANH = (-1.0, 1.0)


def _k(name: str, letter: str, rng: tuple[float, float], gate: bool = True, *,
       shut: str = "", opened: str = "") -> TraceKey:
    return TraceKey(name, letter, rng[0], rng[1], gate, shut, opened)


_LSTM_TRACE = (_k("forget", "f", _SIG), _k("input", "i", _SIG), _k("candidate", "g", _TANH),
               _k("output", "o", _SIG), _k("cell", "c", _TANH, False),
               _k("hidden", "h", _TANH, False))
_LSTM_ROWS = ("input", "forget", "candidate", "output")

SPECS: dict[str, ArchSpec] = {
    "rnn": ArchSpec(
        name="rnn", title="RNN", aliases=("vanilla", "elman"),
        gate_rows=("hidden",), states=("h",), kept_per_unit=1,
        elementwise_per_unit=3, torch_module="RNN",
        torch_cell="RNNCell", trace=(_k("hidden", "h", _TANH, False),),
        legend="no gates: h_t = tanh(W_ih x_t + b_ih + W_hh h_(t-1) + b_hh) rewrites the "
        "whole state every step; h: -1 (blue) .. 1 (red).",
        equations=("h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)",),
        options={"nonlinearity": ("tanh", "relu")}, sources=("torch-rnn", "elman1990"),
        reading="rnncli.knowledge.readings:rnn_events",
        scratch_fast="rnncli.scratch.rnn:RNN",
    ),
    "gru": ArchSpec(
        name="gru", title="GRU", aliases=(),
        gate_rows=("reset", "update", "candidate"), states=("h",),
        kept_per_unit=5, elementwise_per_unit=15,
        torch_module="GRU", torch_cell="GRUCell",
        trace=(_k("reset", "r", _SIG), _k("update", "z", _SIG), _k("candidate", "n", _TANH),
               _k("hidden", "h", _TANH, False)),
        legend="r reset, z update gate: σ, 0 (blue) .. 1 (red); n candidate, h hidden: "
        "-1 .. 1. h_t = (1-z)·n + z·h_(t-1): z near 1 keeps the old state (PyTorch).",
        equations=(
            "r_t = σ(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)",
            "z_t = σ(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)",
            "n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t-1} + b_hn))",
            "h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t-1}",
        ),
        options={"variant": ("pytorch", "cho2014")}, sources=("torch-gru", "cho2014"),
        reading="rnncli.knowledge.readings:gru_events",
        scratch_fast="rnncli.scratch.gru:GRU",
    ),
    "lstm": ArchSpec(
        name="lstm", title="LSTM", aliases=(),
        gate_rows=_LSTM_ROWS, states=("h", "c"),
        kept_per_unit=6, elementwise_per_unit=17,
        torch_module="LSTM", torch_cell="LSTMCell", trace=_LSTM_TRACE,
        legend="f forget, i input, o output gate: σ, 0 (blue) .. 1 (red); g candidate, "
        "c cell (unbounded, colour clipped), h hidden: -1 (blue) .. 1 (red). "
        "c_t = f·c_(t-1) + i·g, h_t = o·tanh(c_t).",
        equations=(
            "i_t, f_t, o_t = σ(W_i* x_t + b_i* + W_h* h_{t-1} + b_h*)",
            "g_t = tanh(W_ig x_t + b_ig + W_hg h_{t-1} + b_hg)",
            "c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t",
            "h_t = o_t ⊙ tanh(c_t)",
        ),
        sources=("torch-lstm", "hochreiter1997", "gers2000"),
        reading="rnncli.knowledge.readings:lstm_events", forget_bias_row="forget",
        scratch_fast="rnncli.scratch.lstm:LSTM",
    ),
    "peephole": ArchSpec(
        name="peephole", title="Peephole LSTM", aliases=("peephole-lstm",),
        gate_rows=_LSTM_ROWS, states=("h", "c"),
        kept_per_unit=6, elementwise_per_unit=23,
        extra_params=("weight_ci", "weight_cf", "weight_co"),
        torch_module=None, torch_cell=None, trace=_LSTM_TRACE,
        legend="as the LSTM, but i and f also see c_(t-1) and o sees c_t through diagonal "
        "peephole weights (Gers & Schmidhuber 2000). c_t = f·c_(t-1) + i·g, "
        "h_t = o·tanh(c_t).",
        equations=(
            "i_t, f_t = σ(W_i* x_t + b_i* + W_h* h_{t-1} + b_h* + w_c* ⊙ c_{t-1})",
            "g_t = tanh(W_ig x_t + b_ig + W_hg h_{t-1} + b_hg)",
            "c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t",
            "o_t = σ(W_io x_t + b_io + W_ho h_{t-1} + b_ho + w_co ⊙ c_t)",
            "h_t = o_t ⊙ tanh(c_t)",
        ),
        sources=("gers2000peephole", "gers2002", "greff2017"),
        reading="rnncli.knowledge.readings:lstm_events", forget_bias_row="forget",
    ),
    "mgu": ArchSpec(
        name="mgu", title="MGU", aliases=("minimal-gated-unit",),
        gate_rows=("forget", "candidate"), states=("h",),
        kept_per_unit=3,  # f, n, h (f ⊙ h_{t-1} is recomputed in backward)
        # 4 bias adds, 2 activations, f ⊙ h, 1 - f, two products and their sum
        elementwise_per_unit=11,
        torch_module=None, torch_cell=None,
        trace=(_k("forget", "f", _SIG, shut="keeps its state",
                  opened="takes the new candidate"),
               _k("candidate", "n", _TANH), _k("hidden", "h", _TANH, False)),
        legend="f forget gate: σ, 0 (blue) .. 1 (red); n candidate (h tilde in the paper), "
        "h hidden: "
        "-1 .. 1. h_t = (1-f)·h_(t-1) + f·n: f near 0 keeps the old state, near 1 takes "
        "n, which sees f·h_(t-1) (Zhou et al. 2016).",
        equations=(
            "f_t = σ(W_if x_t + b_if + W_hf h_{t-1} + b_hf)",
            "n_t = tanh(W_in x_t + b_in + W_hn (f_t ⊙ h_{t-1}) + b_hn)",
            "h_t = (1 − f_t) ⊙ h_{t-1} + f_t ⊙ n_t",
        ),
        sources=("zhou2016",),
    ),
}

#: The architecture a command shows when none is named.
DEFAULT = "lstm"

#: The lesson's cost claim, (lighter, heavier): "GRU is lighter and faster than LSTM".
#: bench's verdict tests it and divides every row by the heavier one's (``vs_lstm``).
LESSON_PAIR = ("gru", "lstm")

#: The architectures torch runs natively, in the order tables show them.
TORCH_ARCHS: tuple[str, ...] = tuple(n for n, s in SPECS.items() if s.torch_module)


def names(*, torch_only: bool = False) -> tuple[str, ...]:
    """Registered names in table order (``torch_only``: those with a torch module)."""
    return TORCH_ARCHS if torch_only else tuple(SPECS)


def get(name: str) -> ArchSpec:
    """The spec for a name or alias (case-insensitive); ``BadInput`` naming the choices."""
    key = str(name).strip().lower()
    if key in SPECS:
        return SPECS[key]
    for spec in SPECS.values():
        if key in spec.aliases:
            return spec
    raise BadInput(f"unknown architecture {name!r}; choose one of {', '.join(SPECS)}")


def require_torch(names, flag: str = "--arch") -> None:
    """Refuse, in one line, architectures torch has no ``torch.nn`` module for: the commands
    that train (or cross-check) in torch accept ``names(torch_only=True)``."""
    for name in names:
        spec = get(name)
        if spec.torch_module is None:
            raise BadInput(f"{flag} {spec.name}: this command runs torch.nn modules and "
                           f"torch has no {spec.title}; accepted: {', '.join(TORCH_ARCHS)} "
                           f"(the {spec.title} runs in gates, compare, explain and bench "
                           "--impl reference)")


def from_gate_blocks(blocks: int) -> ArchSpec:
    """The architecture whose fused weights stack ``blocks`` gate blocks and that has no
    extra parameters (a torch one first: 4 blocks is the LSTM, not the peephole LSTM)."""
    plain = [s for s in SPECS.values() if not s.extra_params]
    for spec in sorted(plain, key=lambda s: s.torch_module is None):
        if spec.gate_blocks == blocks:
            return spec
    known = ", ".join(f"{s.title} {s.gate_blocks}" for s in plain)
    raise BadInput(f"{blocks} gate blocks match no architecture ({known})")


def from_extra_params(names) -> ArchSpec | None:
    """The architecture whose extra parameters (``weight_ci``...) appear among ``names``."""
    names = [str(n) for n in names]
    for spec in SPECS.values():
        if spec.extra_params and any(n.startswith(spec.extra_params) for n in names):
            return spec
    return None


def resolve(dotted: str):
    """The object named by ``"package.module:name"`` (imports the module)."""
    import importlib

    module, _, attr = dotted.partition(":")
    return getattr(importlib.import_module(module), attr)


def option_owners(option: str) -> tuple[ArchSpec, ...]:
    """The architectures that declare ``option`` (``"variant"``: the GRU)."""
    return tuple(s for s in SPECS.values() if option in s.options)


def option_enum(enum_name: str, option: str) -> type[Enum]:
    """A ``str`` Enum of an option's choices (``"variant"``: pytorch, cho2014), for typer."""
    choices = dict.fromkeys(c for spec in option_owners(option) for c in spec.options[option])
    return Enum(enum_name, {c: c for c in choices}, type=str)


def torch_module(name: str):
    """The ``torch.nn`` class (``nn.LSTM``...) of an architecture; imports torch."""
    spec = get(name)
    if spec.torch_module is None:
        raise BadInput(f"torch has no module for the {spec.title}; use rnncli.scratch")
    import torch

    return getattr(torch.nn, spec.torch_module)


def trainable_module(name: str):
    """A torch module class for ``name`` with ``nn.RNN``'s constructor: torch's own
    (``nn.LSTM``...) where it has one, else the reference cell joined to autograd
    (``rnncli.scratch.torch_module``; plain sequences only). Imports torch."""
    if get(name).torch_module is not None:
        return torch_module(name)
    from rnncli.scratch.torch_module import module_class

    return module_class(name)


def torch_cell(name: str):
    """The ``torch.nn`` single-step class (``nn.LSTMCell``...); imports torch."""
    spec = get(name)
    if spec.torch_cell is None:
        raise BadInput(f"torch has no cell class for the {spec.title}")
    import torch

    return getattr(torch.nn, spec.torch_cell)


def choice_enum(enum_name: str = "Arch", *, torch_only: bool = False,
                extra: tuple[str, ...] = ()) -> type[Enum]:
    """A ``str`` Enum of the registered names (then ``extra`` choices such as ``"all"``),
    for typer options (``--help`` lists them)."""
    return Enum(enum_name, {n: n for n in (*names(torch_only=torch_only), *extra)}, type=str)
