"""Model file formats: one registry entry per format, carrying what it does.

Each ``Format`` knows how to recognise a file from its content (``sniff``), read it into the
neutral representation below (``read``), write that representation (``write``), and which
runtime proves a file of its kind (``runtime``: runs a seeded batch through it). The
formats live one per module: ``torch_files`` (PyTorch state dicts and safetensors, through
``rnncli.checkpoint``), ``keras_files`` (Keras 3 ``.keras``, ``.weights.h5``, legacy
``.h5``), ``onnx_files`` (ONNX ``LSTM``/``GRU``/``RNN`` nodes).

The neutral representation (``Model`` of ``Layer``\\ s) keeps every layer in PyTorch's gate
order and layout (the registry's ``gate_rows``), with both biases apart (a GRU's b_hn is
never merged), the GRU's variant ("pytorch": reset after the product, = Keras
reset_after=True, ONNX linear_before_reset=1; "cho2014": reset before, = Keras
reset_after=False, ONNX's default), the directions, and the framework it came from. How each
framework stores a layer is one table: ``rnncli.formats.layout``.

No torch, Keras or onnx at import time: each format imports its library when it runs.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rnncli.errors import BadInput


@dataclass
class Layer:
    """One recurrent layer (1 or 2 directions) in PyTorch's names, order and layout."""

    name: str
    arch: str  # registry name: "lstm" | "gru" | "rnn" | "peephole"
    input_size: int
    hidden_size: int
    # forward[, backward]: weight_ih (G*H, I), weight_hh (G*H, H), bias_ih, bias_hh (G*H,)
    # (+ weight_ci, weight_cf, weight_co (H,) for a peephole LSTM), float64
    directions: list[dict]
    variant: str = "pytorch"  # GRU only: "pytorch" (reset after) | "cho2014" (reset before)
    nonlinearity: str = "tanh"  # RNN only
    batch_first: bool = False
    framework: str = "pytorch"  # where it was read from (a layout.CONVENTIONS key)
    follows: bool = False  # reads the previous layer's output sequence (a stack)
    raw: object = None  # the file's own arrays, for the source's own runtime
    notes: list[str] = field(default_factory=list)

    @property
    def bidirectional(self) -> bool:
        return len(self.directions) == 2

    @property
    def output_size(self) -> int:
        return self.hidden_size * len(self.directions)

    def b_hn(self) -> float:
        """Largest |b_hn| of a GRU (the recurrent candidate bias that sits inside r)."""
        from rnncli.formats.layout import has_variant

        if not has_variant(self.arch):
            return 0.0
        h = self.hidden_size
        return max(float(abs(d["bias_hh"][2 * h:]).max()) for d in self.directions)


@dataclass
class Model:
    """Every recurrent layer of one file, in file order."""

    path: Path
    fmt: str  # a FORMATS key
    layers: list[Layer]
    notes: list[str] = field(default_factory=list)

    def stacks(self) -> list[list[Layer]]:
        """Layers grouped into stacks: each layer that reads the previous one's output with
        the same kind of cell joins its stack (``torch.nn.LSTM(num_layers=2)``, two Keras
        LSTMs in a Sequential)."""
        out: list[list[Layer]] = []
        for layer in self.layers:
            if out and layer.follows and _same_kind(out[-1][-1], layer):
                out[-1].append(layer)
            else:
                out.append([layer])
        return out


def _same_kind(a: Layer, b: Layer) -> bool:
    return (a.arch, a.variant, a.nonlinearity, a.hidden_size, len(a.directions)) == (
        b.arch, b.variant, b.nonlinearity, b.hidden_size, len(b.directions)
    ) and b.input_size == a.output_size


@dataclass(frozen=True)
class Format:
    """A file format: its names, how it is recognised, read, written and run."""

    name: str  # "onnx"
    title: str  # "ONNX"
    suffixes: tuple[str, ...]  # for writing: the destination's suffix picks the format
    module: str  # "rnncli.formats.onnx_files"
    extra: str | None  # the optional extra it needs (None: the base install)
    framework: str  # its layout.CONVENTIONS key
    runtime: str  # what runs it for the proof, in words

    def _mod(self):
        return importlib.import_module(self.module)

    def sniff(self, path: Path) -> bool:
        return self._mod().sniff(path, self.name)

    def read(self, path: Path) -> Model:
        return self._mod().read(path, self.name)

    def write(self, stack: list[Layer], path: Path) -> None:
        self._mod().write(stack, path, self.name)

    def run(self, stack: list[Layer], x, source: Path | None = None):
        """(y (T, B, D*H), h_n (L*D, B, H), c_n or None, runtime name) of a batch x (T, B, I)
        through this format's own runtime (``source``: the file, where it can run alone)."""
        return self._mod().run(stack, x, self.name, source)


FORMATS: dict[str, Format] = {
    f.name: f for f in (
        Format("torch", "PyTorch state dict", (".pt", ".pth", ".bin", ".tar"),
               "rnncli.formats.torch_files", None, "pytorch", "torch.nn"),
        Format("safetensors", "safetensors", (".safetensors",), "rnncli.formats.torch_files",
               "safetensors", "pytorch", "torch.nn"),
        Format("keras", "Keras 3 (.keras)", (".keras",), "rnncli.formats.keras_files",
               "keras", "keras", "Keras (torch backend)"),
        Format("keras-weights", "Keras 3 weights (.weights.h5)", (".weights.h5",),
               "rnncli.formats.keras_files", "keras", "keras", "Keras (torch backend)"),
        Format("keras-h5", "legacy Keras (.h5)", (".h5", ".hdf5"),
               "rnncli.formats.keras_files", "keras", "keras", "Keras (torch backend)"),
        Format("onnx", "ONNX", (".onnx",), "rnncli.formats.onnx_files", "onnx", "onnx",
               "onnxruntime"),
    )
}
#: Formats read only by the path of ``rnncli.checkpoint`` (gates/bench's own reader).
NEW_FORMATS = ("keras", "keras-weights", "keras-h5", "onnx")
_SNIFF_ORDER = ("onnx", "keras", "keras-weights", "keras-h5")


def get(name: str) -> Format:
    try:
        return FORMATS[name]
    except KeyError:
        raise BadInput(f"unknown format {name!r}; choose one of {', '.join(FORMATS)}") from None


def sniff(path: Path) -> str | None:
    """The name of the non-PyTorch format of a file, from its content (None: another)."""
    head = _head(path)
    if head.startswith(b"\x89HDF\r\n\x1a\n"):
        from rnncli.formats.keras_files import h5_kind

        return h5_kind(path)
    if head.startswith(b"PK\x03\x04"):
        return "keras" if FORMATS["keras"].sniff(path) else None
    if FORMATS["onnx"].sniff(path):
        return "onnx"
    return None


def sniff_user(path: str | Path, option: str = "--weights") -> str | None:
    """``sniff`` of a file named by the user, checked first (exists, regular, bounded)."""
    from rnncli.fileio import regular_file

    p = regular_file(path, option, MAX_FILE_BYTES)
    name = sniff(p)
    if name is None and _tensorflow(p):
        raise BadInput(f"{p}: a TensorFlow checkpoint or SavedModel; rnncli does not read "
                       "them (it takes TensorFlow itself, and TF1's LSTMCell added its "
                       "forget_bias at run time without storing it): save the model as "
                       ".keras or export it to ONNX")
    return name


def _head(path: Path) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read(16)
    except OSError:
        return b""


def for_destination(path: Path) -> Format:
    """The format a destination's name asks for (``.weights.h5`` before ``.h5``)."""
    name = path.name.lower()
    for fmt in sorted(FORMATS.values(), key=lambda f: -max(len(s) for s in f.suffixes)):
        if any(name.endswith(s) for s in fmt.suffixes):
            return fmt
    known = ", ".join(s for f in FORMATS.values() for s in f.suffixes)
    raise BadInput(f"{path}: cannot tell the format from the name; use one of {known}")


def read(path: str | Path, option: str = "--weights") -> Model:
    """Read any supported file (the format from its content, not its name)."""
    from rnncli.fileio import regular_file

    p = regular_file(path, option, MAX_FILE_BYTES)
    return FORMATS[sniff_user(p, option) or "torch"].read(p)


def _tensorflow(p: Path) -> bool:
    """A TF checkpoint's .index/.data-* file or a SavedModel's .pb, by name."""
    return p.suffix == ".index" or ".data-0" in p.name or p.suffix == ".pb"


def pick_stack(model: Model, name: str | None) -> list[Layer]:
    """The stack named ``name`` (any of its layers' names, or a layer's index in
    ``--list-layers``) or the only one."""
    stacks = model.stacks()
    if name is None:
        if len(stacks) == 1:
            return stacks[0]
        raise BadInput(f"{model.path}: {len(stacks)} recurrent layers "
                       f"({', '.join(s[0].name for s in stacks[:6])}); pick one with "
                       "--prefix NAME (list them: --list-layers)")
    target = _named(model, name)
    return next(s for s in stacks if any(x is target for x in s))


def _named(model: Model, name: str) -> Layer:
    for layer in model.layers:
        if layer.name == name:
            return layer
    if name.isdigit() and int(name) < len(model.layers):  # an index from --list-layers
        return model.layers[int(name)]
    raise BadInput(f"--prefix {name!r}: no recurrent layer of that name in {model.path.name}; "
                   f"found: {', '.join(x.name for x in model.layers[:8])}")


def describe(layer: Layer) -> dict:
    """A layer as ``--list-layers`` and ``convert --json`` show it."""
    from rnncli import archs
    from rnncli.formats import layout

    conv = layout.CONVENTIONS[layer.framework]
    spec = archs.get(layer.arch)
    return {"name": layer.name, "arch": layer.arch, "title": spec.title,
            "framework": conv.title,
            "gate_order": ",".join(conv.letters[layout.base_arch(layer.arch)]),
            "variant": layer.variant if layout.has_variant(layer.arch) else None,
            "nonlinearity": (layer.nonlinearity if layout.has_nonlinearity(layer.arch)
                             else None),
            "directions": ["forward", "backward"][: len(layer.directions)],
            "input_size": layer.input_size, "hidden_size": layer.hidden_size,
            "batch_first": layer.batch_first, "follows_previous": layer.follows}


def check_sizes(what: str, count: int, limit: int) -> None:
    """Refuse a declared size over ``limit`` elements before reading it."""
    if count > limit:
        raise BadInput(f"{what}: declares {count:,} values, over the {limit:,} rnncli reads")


MiB = 1 << 20
MAX_FILE_BYTES = 2048 * MiB
MAX_VALUES = 128 * MiB  # float values rnncli materialises from one file (1 GiB as float64)
Runner = Callable[..., tuple]
