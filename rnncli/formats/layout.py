"""The porting table: how each framework stores a recurrent layer's weights.

One table, read by the readers and writers of ``rnncli.formats`` and by
``explain shapes``' porting map, so the prose and the conversion cannot disagree.

Canonical gate names are the registry's PyTorch row names (``archs.get(a).gate_rows``):
LSTM input, forget, candidate, output (PyTorch i, f, g, o); GRU reset, update, candidate
(r, z, n). Each framework's order below is the order of its row blocks. Sources:
torch-lstm/torch-gru (PyTorch docs), the ONNX operator specs for LSTM/GRU/RNN ("W ... the
weight tensor for the gates. Concatenation of W[iofc]", "W[zrh]", "P[iof]"), Keras 3's
``keras/src/layers/rnn/lstm.py`` and ``gru.py`` (kernel split as i, f, c, o and z, r, h),
OpenVINO's LSTMSequence/GRUSequence (``openvino.opset13.lstm_sequence``'s docstring:
"Expected format: fico"; z, r, h), checked by running OpenVINO's own operations on
torch weights in tests/test_formats_openvino.py.

No torch and no NumPy at import time (``explain`` reads this table).
"""

from __future__ import annotations

from dataclasses import dataclass

from rnncli import archs

# letters each framework uses for the canonical gates
_LSTM_NAMES = {"input": "i", "forget": "f", "candidate": "c", "output": "o"}
_GRU_NAMES = {"reset": "r", "update": "z", "candidate": "h"}


@dataclass(frozen=True)
class Convention:
    """One framework's way of storing a recurrent layer."""

    name: str                             # "keras"
    title: str                            # "Keras 3"
    orders: dict[str, tuple[str, ...]]    # arch -> canonical gate names in row-block order
    letters: dict[str, str]               # arch -> the framework's own letters, e.g. "ifco"
    layout: str                           # how the matrices are laid out
    biases: dict[str, str]                # arch -> how biases are stored
    gru: str                              # where the reset gate acts
    batch: str                            # default sequence layout
    transposed: bool = False              # kernel stored (I, G*H) instead of (G*H, I)


CONVENTIONS: dict[str, Convention] = {
    "pytorch": Convention(
        name="pytorch", title="PyTorch",
        orders={"lstm": ("input", "forget", "candidate", "output"),
                "gru": ("reset", "update", "candidate"), "rnn": ("hidden",)},
        letters={"lstm": "ifgo", "gru": "rzn", "rnn": "h"},
        layout="weight_ih_l{k} (G·H, I), weight_hh_l{k} (G·H, H)",
        biases={"lstm": "bias_ih, bias_hh (4H,): only the sum acts",
                "gru": "bias_ih, bias_hh (3H,) each: b_hn stays apart (inside r * (...))",
                "rnn": "bias_ih + bias_hh (H,)"},
        gru="reset after the product: n = tanh(W_in x + b_in + r * (W_hn h + b_hn))",
        batch="(T, B, I) unless batch_first=True"),
    "keras": Convention(
        name="keras", title="Keras 3",
        orders={"lstm": ("input", "forget", "candidate", "output"),
                "gru": ("update", "reset", "candidate"), "rnn": ("hidden",)},
        letters={"lstm": "ifco", "gru": "zrh", "rnn": "h"},
        layout="kernel (I, G·H), recurrent_kernel (H, G·H): transposed",
        biases={"lstm": "one (4H,); unit_forget_bias starts f at 1",
                "gru": "reset_after=True: bias (2, 3H) = input, recurrent; "
                       "reset_after=False: bias (3H,), no recurrent bias",
                "rnn": "one bias (H,)"},
        gru="reset_after=True (default) as PyTorch; reset_after=False resets h before the "
            "product (Cho et al. 2014)",
        batch="(B, T, I) always", transposed=True),
    "onnx": Convention(
        name="onnx", title="ONNX",
        orders={"lstm": ("input", "output", "forget", "candidate"),
                "gru": ("update", "reset", "candidate"), "rnn": ("hidden",)},
        letters={"lstm": "iofc", "gru": "zrh", "rnn": "h"},
        layout="W (D, G·H, I), R (D, G·H, H); peepholes P (D, 3H) in i, o, f",
        biases={"lstm": "B (D, 8H): Wb then Rb", "gru": "B (D, 6H): Wb then Rb",
                "rnn": "B (D, 2H): Wb then Rb"},
        gru="linear_before_reset=1 as PyTorch; 0 (the default) resets h before the product",
        batch="(T, B, I) with layout=0 (default), (B, T, I) with layout=1"),
    "openvino": Convention(
        name="openvino", title="OpenVINO",
        orders={"lstm": ("forget", "input", "candidate", "output"),
                "gru": ("update", "reset", "candidate"), "rnn": ("hidden",)},
        letters={"lstm": "fico", "gru": "zrh", "rnn": "h"},
        layout="W, R as ONNX's, other LSTM order",
        biases={"lstm": "B (D, 4H): one bias", "gru": "B (D, 3H), or 4H with "
                "linear_before_reset", "rnn": "B (D, H)"},
        gru="linear_before_reset attribute as ONNX",
        batch="(B, T, I) for the *Sequence operations"),
}

#: What each framework calls the canonical gates (for the porting map).
GATE_LETTERS = {"lstm": _LSTM_NAMES, "gru": _GRU_NAMES}


PEEPHOLE = "peephole"


def base_arch(arch: str) -> str:
    """The arch whose gate order a layer follows: a peephole LSTM is stored as an LSTM."""
    return "lstm" if arch == PEEPHOLE else arch


def permutation(arch: str, src: str, dst: str) -> list[int]:
    """Row-block indices: block ``j`` of ``dst``'s order is block ``perm[j]`` of ``src``'s."""
    a = base_arch(arch)
    s, d = CONVENTIONS[src].orders[a], CONVENTIONS[dst].orders[a]
    return [s.index(g) for g in d]


def reorder(blocks_array, arch: str, src: str, dst: str, axis: int = 0):
    """Reorder the gate row blocks of a fused array from ``src``'s order to ``dst``'s."""
    import numpy as np

    perm = permutation(arch, src, dst)
    parts = np.split(np.asarray(blocks_array), len(perm), axis=axis)
    return np.concatenate([parts[j] for j in perm], axis=axis)


def porting_rows(arch: str) -> list[dict[str, str]]:
    """One row per framework: gate order, layout, biases, GRU variant (explain shapes)."""
    a = base_arch(arch)
    rows = []
    for conv in CONVENTIONS.values():
        rows.append({"framework": conv.title, "order": ", ".join(conv.letters[a]),
                     "perm_from_pytorch": ",".join(str(i) for i in permutation(a, "pytorch",
                                                                              conv.name)),
                     "layout": conv.layout, "biases": conv.biases[a],
                     "gru": conv.gru if a == "gru" else "", "batch": conv.batch})
    return rows


# ---- each framework's names for each architecture (the readers and writers ask here) ------

@dataclass(frozen=True)
class Names:
    """What Keras and ONNX call one architecture."""

    keras_class: str          # the Keras 3 layer class
    keras_cell: str           # the cell group's name in a Keras 3 weights file
    onnx_op: str              # the ONNX operator
    onnx_activations: tuple[str, ...]  # the operator's default activations, per direction


NAMES = {
    "lstm": Names("LSTM", "lstm_cell", "LSTM", ("sigmoid", "tanh", "tanh")),
    "gru": Names("GRU", "gru_cell", "GRU", ("sigmoid", "tanh")),
    "rnn": Names("SimpleRNN", "simple_rnn_cell", "RNN", ("tanh",)),
}
KERAS_GENERIC_RNN = "RNN"  # keras.layers.RNN(cell): a wrapper around any cell, not read


def names_of(arch: str) -> Names:
    return NAMES[base_arch(archs.get(arch).name)]


def arch_for(attr: str, value: str) -> str | None:
    """The architecture whose ``Names.<attr>`` is ``value`` (None: no recurrent layer)."""
    for arch, n in NAMES.items():
        if getattr(n, attr) == value:
            return arch
    return None


def has_variant(arch: str) -> bool:
    """True where the reset gate's place varies (the GRU)."""
    return "variant" in archs.get(arch).options


def has_nonlinearity(arch: str) -> bool:
    """True where the nonlinearity is a choice (the vanilla RNN)."""
    return "nonlinearity" in archs.get(arch).options


def is_peephole(arch: str) -> bool:
    """A peephole LSTM: stored as an LSTM plus diagonal weights (ONNX's P)."""
    return base_arch(archs.get(arch).name) != archs.get(arch).name


def blocks(arch: str) -> int:
    return archs.get(arch).gate_blocks


def has_cell(arch: str) -> bool:
    return archs.get(arch).has_cell_state
