"""The architecture registry: everything that varies between RNN, GRU, LSTM (and peephole).

One ``ArchSpec`` per architecture. Other modules ask this registry (``get``, ``names``,
``torch_module``, ``from_gate_blocks``) instead of spelling an architecture's name or
keeping their own ``{"rnn": ..., "gru": ..., "lstm": ...}`` maps. Adding an architecture
means: a spec here, a reference cell in ``rnncli/scratch/reference.py``, teaching text in
``rnncli/knowledge/`` and tests (see docs/ARCHITECTURE.md).

No torch and no NumPy at import time: torch classes are named as strings and resolved by
``torch_module`` / ``torch_cell`` when asked for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from rnncli.errors import BadInput


@dataclass(frozen=True)
class TraceKey:
    """One traced quantity as ``gates`` shows it: JSON name, column letter, range, gate?"""

    name: str
    letter: str
    lo: float
    hi: float
    gate: bool = True  # a sigmoid/tanh gate value (False: a state such as c or h)


@dataclass(frozen=True)
class ArchSpec:
    """What one architecture is, in one place."""

    name: str                       # registry key, lower case: "lstm"
    title: str                      # how text spells it: "LSTM"
    long_title: str                 # "Long Short-Term Memory"
    aliases: tuple[str, ...]        # other spellings accepted on the command line
    gate_blocks: int                # G: row blocks stacked in weight_ih / weight_hh
    gate_rows: tuple[str, ...]      # gate names in PyTorch's row order (len == gate_blocks)
    states: tuple[str, ...]         # ("h",) or ("h", "c")
    kept_per_unit: int              # values per unit the backward pass keeps per step
    elementwise_per_unit: int       # forward FLOPs per unit and step outside the products
    extra_params_per_layer: str     # formula text of parameters beyond 2 mats + 2 biases
    torch_module: str | None        # "LSTM" -> torch.nn.LSTM; None when torch has none
    torch_cell: str | None          # "LSTMCell"
    trace: tuple[TraceKey, ...]     # what ``gates`` shows, in table order
    legend: str                     # one-line legend under the ``gates`` table
    options: dict[str, tuple[str, ...]] = field(default_factory=dict)  # option -> choices
    sources: tuple[str, ...] = ()   # keys of rnncli.knowledge.sources
    scratch_fast: str | None = None  # "module:Class" of the fast NumPy cell, if there is one
    scratch_reference: str = ""     # "module:Class" of the reference cell (scratch/reference.py)
    extra_vectors: int = 0          # H-sized parameter vectors per layer beyond 2 mats + 2 biases

    @property
    def gates(self) -> tuple[str, ...]:
        """Trace names that are gates (not states), in table order."""
        return tuple(k.name for k in self.trace if k.gate)

    @property
    def has_cell_state(self) -> bool:
        return "c" in self.states


_SIG = (0.0, 1.0)
_TANH = (-1.0, 1.0)


def _k(name: str, letter: str, rng: tuple[float, float], gate: bool = True) -> TraceKey:
    return TraceKey(name, letter, rng[0], rng[1], gate)


_LSTM_TRACE = (_k("forget", "f", _SIG), _k("input", "i", _SIG), _k("candidate", "g", _TANH),
               _k("output", "o", _SIG), _k("cell", "c", _TANH, False),
               _k("hidden", "h", _TANH, False))

SPECS: dict[str, ArchSpec] = {
    "rnn": ArchSpec(
        name="rnn", title="RNN", long_title="Vanilla (Elman) RNN", aliases=("vanilla", "elman"),
        gate_blocks=1, gate_rows=("hidden",), states=("h",), kept_per_unit=1,
        elementwise_per_unit=3, extra_params_per_layer="", extra_vectors=0, torch_module="RNN",
        torch_cell="RNNCell", trace=(_k("hidden", "h", _TANH, False),),
        legend="no gates: h_t = tanh(W_ih x_t + b_ih + W_hh h_(t-1) + b_hh) rewrites the "
        "whole state every step; h: -1 (blue) .. 1 (red).",
        options={"nonlinearity": ("tanh", "relu")}, sources=("torch-rnn", "elman1990"),
        scratch_fast="rnncli.scratch.rnn:RNN",
        scratch_reference="rnncli.scratch.reference_cells:ReferenceRNN",
    ),
    "gru": ArchSpec(
        name="gru", title="GRU", long_title="Gated Recurrent Unit", aliases=(),
        gate_blocks=3, gate_rows=("reset", "update", "candidate"), states=("h",),
        kept_per_unit=5, elementwise_per_unit=15, extra_params_per_layer="", extra_vectors=0,
        torch_module="GRU", torch_cell="GRUCell",
        trace=(_k("reset", "r", _SIG), _k("update", "z", _SIG), _k("candidate", "n", _TANH),
               _k("hidden", "h", _TANH, False)),
        legend="r reset, z update gate: σ, 0 (blue) .. 1 (red); n candidate, h hidden: "
        "-1 .. 1. h_t = (1-z)·n + z·h_(t-1): z near 1 keeps the old state (PyTorch).",
        options={"variant": ("pytorch", "cho2014")}, sources=("torch-gru", "cho2014"),
        scratch_fast="rnncli.scratch.gru:GRU",
        scratch_reference="rnncli.scratch.reference_cells:ReferenceGRU",
    ),
    "lstm": ArchSpec(
        name="lstm", title="LSTM", long_title="Long Short-Term Memory", aliases=(),
        gate_blocks=4, gate_rows=("input", "forget", "candidate", "output"), states=("h", "c"),
        kept_per_unit=6, elementwise_per_unit=17, extra_params_per_layer="", extra_vectors=0,
        torch_module="LSTM", torch_cell="LSTMCell", trace=_LSTM_TRACE,
        legend="f forget, i input, o output gate: σ, 0 (blue) .. 1 (red); g candidate, "
        "c cell (unbounded, colour clipped), h hidden: -1 (blue) .. 1 (red). "
        "c_t = f·c_(t-1) + i·g, h_t = o·tanh(c_t).",
        sources=("torch-lstm", "hochreiter1997", "gers2000"),
        scratch_fast="rnncli.scratch.lstm:LSTM",
        scratch_reference="rnncli.scratch.reference_cells:ReferenceLSTM",
    ),
    "peephole": ArchSpec(
        name="peephole", title="Peephole LSTM", long_title="LSTM with peephole connections",
        aliases=("peephole-lstm",),
        gate_blocks=4, gate_rows=("input", "forget", "candidate", "output"), states=("h", "c"),
        kept_per_unit=6, elementwise_per_unit=23, extra_params_per_layer="3H", extra_vectors=3,
        torch_module=None, torch_cell=None, trace=_LSTM_TRACE,
        legend="as the LSTM, but i and f also see c_(t-1) and o sees c_t through diagonal "
        "peephole weights (Gers & Schmidhuber 2000). c_t = f·c_(t-1) + i·g, "
        "h_t = o·tanh(c_t).",
        sources=("gers2000peephole", "gers2002", "greff2017"),
        scratch_reference="rnncli.scratch.reference_cells:PeepholeLSTM",
    ),
}

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


def from_gate_blocks(blocks: int) -> ArchSpec:
    """The torch architecture whose fused weights stack ``blocks`` gate blocks (1, 3, 4)."""
    for name in TORCH_ARCHS:
        if SPECS[name].gate_blocks == blocks:
            return SPECS[name]
    raise BadInput(f"{blocks} gate blocks match no architecture (RNN 1, GRU 3, LSTM 4)")


def torch_module(name: str):
    """The ``torch.nn`` class (``nn.LSTM``...) of an architecture; imports torch."""
    spec = get(name)
    if spec.torch_module is None:
        raise BadInput(f"torch has no module for the {spec.title}; use rnncli.scratch")
    import torch

    return getattr(torch.nn, spec.torch_module)


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
