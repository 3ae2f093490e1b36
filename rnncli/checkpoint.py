"""Loading the user's recurrent weights safely, in the formats users actually have.

Formats, told apart by the file's first bytes, never by its name (so the PyTorch tutorial's
``.tar`` "general checkpoint" loads): torch's zip format and its legacy serialization
(``torch.load(weights_only=True, map_location="cpu")``), ``.npz`` (``allow_pickle=False``,
each array's declared size checked first) and safetensors (through the optional
``safetensors`` package: ``pip install 'rnncli[safetensors]'``). Nested dicts such as
``{"model": state_dict, "epoch": 3}`` are walked and their keys joined with ``.``.

Safety: only tensors, arrays and plain containers are rebuilt; a file that needs anything
else to load is refused before any of it runs, with one exception: metadata objects that
checkpoints of training frameworks carry (a Lightning checkpoint's ``argparse.Namespace``
of hyper-parameters, omegaconf configs, paths) are replaced by an inert stand-in, never
built, and the output says which were skipped. Sparse, meta, nested and complex tensors are
refused, and element counts are checked before a tensor is materialised (a 2.5 KB file can
hold expanded views of a tiny storage that would take gigabytes).

The recurrent layer is found by PyTorch's parameter names ``{prefix}weight_ih_l{k}``,
``weight_hh_l{k}``, ``bias_ih_l{k}``, ``bias_hh_l{k}`` (``_reverse`` for the backward
direction of a bidirectional layer; source: torch-lstm, torch-gru, torch-rnn) or an
``nn.LSTMCell``/``GRUCell``/``RNNCell``'s ``weight_ih``, ``weight_hh``... (one layer).
``--prefix encoder.lstm`` picks one; with exactly one in the file it is found without being
told. The architecture comes from ``rnncli.scratch.convert.infer_arch`` (the one inference).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rnncli.errors import BadInput, MissingExtra, short
from rnncli.fileio import MAX_ARRAY_BYTES, MiB, load_numpy, regular_file

MAX_FILE_BYTES = 2048 * MiB
MAX_ELEMENTS = MAX_ARRAY_BYTES // 8  # float64 elements we materialise from one file
MAX_DEPTH = 32  # nesting of dicts in a checkpoint
_PARAM = re.compile(
    r"^(?P<prefix>(?:.*\.)?)(?P<name>weight_ih|weight_hh|bias_ih|bias_hh|weight_hr|weight_c[ifo])"
    r"(?:_l(?P<layer>\d+)(?P<reverse>_reverse)?)?$")
_TORCH_LEGACY_MAGIC = b"\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19"
# metadata classes a training framework pickles into a checkpoint: stood in for, never built
_STAND_IN = ("argparse.Namespace", "omegaconf.", "pathlib.", "collections.", "enum.",
             "typing.", "datetime.", "numpy.", "lightning_fabric.utilities.data.AttributeDict",
             "lightning.fabric.utilities.data.AttributeDict",
             "pytorch_lightning.utilities.parsing.AttributeDict")
DIRECTIONS = ("forward", "backward")


class Skipped:
    """Inert stand-in for a metadata object that cannot be loaded safely."""

    stands_for = "?"

    def __init__(self, *args: object, **kwargs: object) -> None:
        pass

    def __setstate__(self, state: object) -> None:
        pass


@dataclass
class Checkpoint:
    """Every named tensor/array of a file, its rnncli metadata and what was skipped."""

    path: Path
    fmt: str  # "torch" | "npz" | "safetensors"
    arrays: dict[str, object]
    meta: dict | None = None
    notes: list[str] = field(default_factory=list)

    def meta_key(self, field_name: str) -> str | None:
        """A name the rnncli metadata gives (rnn_prefix, embedding_key) as a key of
        ``arrays``: the tensors of such a checkpoint sit under "state_dict."."""
        if not self.meta or self.meta.get(field_name) is None:
            return None
        return f"state_dict.{str(self.meta[field_name]).rstrip('.')}"


@dataclass
class Weights:
    """One recurrent layer stack read from a file, ready for ``scratch.from_state_dict``."""

    state_dict: dict[str, np.ndarray]  # PyTorch names without the prefix, float64
    prefix: str  # "" for a bare nn.LSTM state dict, else e.g. "encoder.lstm"
    arch: str  # registry name: "lstm" | "gru" | "rnn" | "peephole"
    input_size: int
    hidden_size: int
    num_layers: int
    path: Path
    reverse: dict[str, np.ndarray] | None = None  # a bidirectional layer's backward weights
    cell: bool = False  # from an nn.LSTMCell/GRUCell/RNNCell state dict
    notes: list[str] = field(default_factory=list)

    @property
    def bidirectional(self) -> bool:
        return self.reverse is not None


# ---- reading a file ---------------------------------------------------------------------------

def sniff(path: Path) -> str:
    """The format from the first bytes: "torch", "npz", "npy", "safetensors" or "unknown"."""
    with open(path, "rb") as fh:
        head = fh.read(16)
        fh.seek(0, 2)
        size = fh.tell()
    if head[:4] == b"PK\x03\x04":
        return _zip_kind(path)
    if head[:6] == b"\x93NUMPY":
        return "npy"
    if len(head) >= 9 and head[8:9] == b"{" and 0 < int.from_bytes(head[:8], "little") < size:
        return "safetensors"
    if head.startswith(_TORCH_LEGACY_MAGIC) or head[:1] == b"\x80":
        return "torch"  # torch's legacy format, or a bare pickle (torch.load refuses code)
    return "unknown"


def _zip_kind(path: Path) -> str:
    import zipfile

    try:
        names = zipfile.ZipFile(path).namelist()
    except (zipfile.BadZipFile, OSError):
        return "torch"  # let torch.load report the damage
    if any(n.endswith("data.pkl") for n in names):
        return "torch"
    return "npz" if names and all(n.endswith(".npy") for n in names) else "unknown"


def read(path: str | Path, option: str = "--weights") -> Checkpoint:
    """Read every tensor of the file (format from its content); see the module docstring."""
    p = regular_file(path, option, MAX_FILE_BYTES)
    try:
        fmt = sniff(p)
    except OSError as exc:
        raise BadInput(f"{option} {p}: cannot read ({exc.strerror or short(exc)})") from None
    if fmt == "unknown":
        raise BadInput(f"{p}: not a readable weights file: not a PyTorch checkpoint (zip or "
                       "legacy serialization), an .npz or a safetensors file")
    if fmt == "npy":
        raise BadInput(f"{p}: holds a single array, not named parameters; save an .npz")
    if fmt == "npz":
        return Checkpoint(p, fmt, load_numpy(p, ".npz"))
    if fmt == "safetensors":
        return _read_safetensors(p)
    return _read_torch(p)


def _read_safetensors(path: Path) -> Checkpoint:
    try:
        from safetensors import safe_open
    except ImportError:
        raise MissingExtra("safetensors", "safetensors") from None
    try:
        with safe_open(str(path), framework="np") as fh:
            shapes = {k: fh.get_slice(k).get_shape() for k in fh.keys()}
            total = sum(int(np.prod(s, dtype=object)) for s in shapes.values())
            if total > MAX_ELEMENTS:
                raise BadInput(f"{path}: declares {total:,} elements, over the {MAX_ELEMENTS:,} "
                               "rnncli reads; refused before reading")
            arrays = {k: fh.get_tensor(k) for k in shapes}
    except BadInput:
        raise
    except Exception as exc:  # SafetensorError, unsupported dtype (bfloat16 in NumPy) ...
        raise BadInput(f"{path}: not a readable safetensors file ({short(exc)})") from None
    return Checkpoint(path, "safetensors", arrays)


def _refused_global(text: str) -> str | None:
    found = re.search(r"GLOBAL ([\w.]+)", text)
    return found.group(1).rstrip(".") if found else None


def _torch_load(path: Path, stand_ins: dict[str, type]):
    import torch

    pairs = [(cls, name) for name, cls in stand_ins.items()]
    with warnings.catch_warnings(), torch.serialization.safe_globals(pairs):
        warnings.simplefilter("ignore")
        return torch.load(path, weights_only=True, map_location="cpu")


def _load_torch_object(path: Path) -> tuple[object, list[str]]:
    """torch.load(weights_only=True), standing in for known metadata classes (see _STAND_IN)."""
    stand_ins: dict[str, type] = {}
    while True:
        try:
            return _torch_load(path, stand_ins), sorted(stand_ins)
        except Exception as exc:  # torch raises many types for a bad file
            name = _refused_global(str(exc))
            if name and name.startswith(_STAND_IN) and name not in stand_ins \
                    and len(stand_ins) < 16:
                stand_ins[name] = type("Skipped", (Skipped,), {"stands_for": name})
                continue
            raise BadInput(_torch_failure(path, exc, name)) from None


def _torch_failure(path: Path, exc: Exception, name: str | None) -> str:
    text = str(exc)
    if ("Weights only load failed" in text or "weights_only" in text) and \
            (name or _pickles_objects(path)):
        what = f" ({name})" if name else ""
        return (f"{path}: refused: the file carries pickled code or objects{what}, not plain "
                "tensors, and loading never runs code; save model.state_dict() instead")
    if isinstance(exc, RecursionError):
        return f"{path}: refused: nested too deeply to read"
    return f"{path}: not a readable PyTorch checkpoint ({type(exc).__name__}: {short(exc)})"


def _pickles_objects(path: Path) -> bool:
    """Whether the file's first pickle builds objects (GLOBAL, REDUCE ...), read as opcodes
    only: random bytes that happen to start like a pickle are "not a checkpoint" instead."""
    import pickletools

    with open(path, "rb") as fh:
        data = fh.read(1 << 20)
    code = {"GLOBAL", "STACK_GLOBAL", "INST", "OBJ", "REDUCE", "NEWOBJ", "NEWOBJ_EX"}
    try:
        return any(op.name in code for op, _, _ in pickletools.genops(data))
    except Exception:  # not a well-formed pickle
        return False


def _read_torch(path: Path) -> Checkpoint:
    try:
        import torch  # noqa: F401
    except ImportError:
        raise BadInput(f"{path}: reading a PyTorch checkpoint needs torch; or save an .npz"
                       ) from None
    obj, skipped = _load_torch_object(path)
    if hasattr(obj, "shape"):
        raise BadInput(f"{path}: holds a single tensor, not a state_dict of named parameters")
    if not isinstance(obj, Mapping):
        raise BadInput(
            f"{path}: holds a {type(obj).__name__}, not a state_dict; save model.state_dict()"
        )
    from rnncli.tokens import checkpoint_meta

    meta = checkpoint_meta(obj, str(path))
    flat: dict[str, object] = {}
    _flatten(obj, "", flat, path, 0)  # an rnncli checkpoint's tensors: "state_dict.<name>"
    notes = ([f"skipped metadata that cannot be loaded safely: {', '.join(skipped)} "
              "(stood in for, never built); the tensors are loaded"] if skipped else [])
    return Checkpoint(path, "torch", flat, meta, notes)


def _flatten(obj: Mapping, prefix: str, out: dict[str, object], path: Path, depth: int) -> None:
    """Collect array/tensor leaves of nested mappings under dotted keys."""
    if depth > MAX_DEPTH:
        raise BadInput(f"{path}: dicts nested more than {MAX_DEPTH} deep; refused")
    for key, value in obj.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            _flatten(value, name + ".", out, path, depth + 1)
        elif hasattr(value, "detach") or (hasattr(value, "shape") and hasattr(value, "dtype")):
            out[name] = value  # a tensor (a nested one has no .shape: checked later)


# ---- turning tensors into float64 arrays ------------------------------------------------------

def _tensor_problem(value: object) -> str | None:
    """Why a torch tensor cannot be read as plain numbers, or None."""
    import torch

    if getattr(value, "is_nested", False):
        return "is a nested tensor"
    if value.layout != torch.strided:
        return f"is a sparse tensor ({value.layout})"
    if value.is_meta:
        return "is a meta tensor (a shape with no data)"
    if value.is_complex():
        return f"is complex ({value.dtype}); recurrent weights are real numbers"
    return None


def _as_float64(name: str, value: object, path: Path) -> np.ndarray:
    if hasattr(value, "detach"):  # a torch tensor (any dtype, incl. half/bfloat16)
        import torch

        problem = _tensor_problem(value)
        if problem:
            raise BadInput(f"{path}: parameter {name} {problem}; refused")
        value = value.detach().to(device="cpu", dtype=torch.float64).numpy()
    arr = np.asarray(value)
    if arr.dtype.kind == "c":
        raise BadInput(f"{path}: parameter {name} is complex ({arr.dtype}); refused")
    if arr.dtype.kind not in "biuf":
        raise BadInput(f"{path}: parameter {name} has dtype {arr.dtype}; expected real numbers")
    arr = arr.astype(np.float64)
    if not np.isfinite(arr).all():
        raise BadInput(f"{path}: parameter {name} contains nan or inf")
    return arr


def _shape(value: object) -> tuple:
    """A tensor's or array's shape; () when it has none (a nested tensor raises instead)."""
    try:
        return tuple(getattr(value, "shape", ()))
    except RuntimeError:
        return ()


def to_float64(arrays: Mapping[str, object], path: Path) -> dict[str, np.ndarray]:
    """float64 copies of ``arrays``, element counts checked before any is materialised."""
    for name, v in arrays.items():
        problem = _tensor_problem(v) if hasattr(v, "detach") else None
        if problem:
            raise BadInput(f"{path}: parameter {name} {problem}; refused")
    total = sum(int(np.prod(_shape(v), dtype=object)) for v in arrays.values())
    if total > MAX_ELEMENTS:
        raise BadInput(f"{path}: {total:,} elements to read, over the {MAX_ELEMENTS:,} rnncli "
                       "reads (expanded views of a small storage?); refused before reading")
    return {name: _as_float64(name, v, path) for name, v in arrays.items()}


# ---- finding the recurrent layer ---------------------------------------------------------------

def recurrent_groups(names) -> dict[str, list[str]]:
    """{prefix: [names]} of every RNN/GRU/LSTM parameter set (prefix without the dot)."""
    groups: dict[str, list[str]] = {}
    for name in names:
        m = _PARAM.match(name)
        if m:
            groups.setdefault(m.group("prefix").rstrip("."), []).append(name)
    return {p: v for p, v in groups.items()
            if any(_PARAM.match(n).group("name") == "weight_ih" for n in v)}


def _pick_group(groups: dict[str, list[str]], prefix: str | None, path: Path) -> str:
    shown = ", ".join(repr(g) for g in sorted(groups)[:6])
    if prefix is not None:
        want = prefix.strip().rstrip(".")
        if want in groups:
            return want
        if not groups:
            raise BadInput(f"{path}: no recurrent layer in this file (no *weight_ih_l0)")
        raise BadInput(f"--prefix {prefix!r} matches no recurrent layer; found: {shown}")
    if not groups:
        raise BadInput(f"{path}: no recurrent layer found: no parameter named like weight_ih_l0 "
                       "of an nn.LSTM, nn.GRU or nn.RNN (or weight_ih of an nn.LSTMCell...)")
    if len(groups) > 1:
        raise BadInput(f"{path}: {len(groups)} recurrent layers ({shown}); pick one with --prefix")
    return next(iter(groups))


def _raw_hint(names, group: str, missing: str) -> str:
    """fastai's AWD-LSTM keeps ``weight_hh_l0_raw`` (WeightDropout) instead of weight_hh_l0."""
    raw = [n for n in names if n.endswith(f"{missing}_raw")]
    if not raw:
        return ""
    return (f"; found {raw[0]} instead (a fastai AWD-LSTM WeightDropout keeps the weights "
            f"there: save it as {group + '.' if group else ''}{missing} to trace the model "
            "as it runs at inference)")


def _split(names: list[str]) -> tuple[dict[str, str], dict[str, str], bool]:
    """({torch name: file name} forward, the same for _reverse, whether cell-style names)."""
    fwd, rev, cell = {}, {}, False
    for n in names:
        m = _PARAM.match(n)
        if m.group("name") == "weight_hr":
            raise BadInput(f"{n}: an LSTM with proj_size > 0 is not supported")
        cell = cell or m.group("layer") is None
        key = f"{m.group('name')}_l{m.group('layer') or 0}"
        (rev if m.group("reverse") else fwd)[key] = n
    return fwd, rev, cell


def check_direction(label: str, bidirectional: bool, direction: str | None) -> None:
    if bidirectional and direction is None:
        raise BadInput(f"{label} is bidirectional: trace one direction with --direction "
                       "forward or --direction backward (over the reversed sequence)")
    if direction is not None and not bidirectional:
        raise BadInput(f"--direction applies to a bidirectional layer; {label} has one direction")


def select(arrays: Mapping[str, object], prefix: str | None, path: Path,
           direction: str | None = None) -> Weights:
    """Pick the recurrent layer stack (by ``prefix`` or the only one) and read its shapes.

    A bidirectional layer needs ``direction`` ("forward" or "backward"): both directions'
    weights are kept (upper layers read both), and the cell built traces the one asked for.
    """
    groups = recurrent_groups(arrays)
    want = _pick_group(groups, prefix, path)
    fwd, rev, cell = _split(groups[want])
    check_direction(want or "the layer", bool(rev), direction)
    label = want or "the layer"
    for needed in ("weight_ih_l0", "weight_hh_l0"):
        if needed not in fwd:
            raise BadInput(f"{path}: {label} lacks {needed}" + _raw_hint(arrays, want, needed))
    sd = to_float64({k: arrays[n] for k, n in fwd.items()}, path)
    w = _describe(sd, want, path)
    w.cell = cell
    if rev:
        w.reverse = to_float64({k: arrays[n] for k, n in rev.items()}, path)
    return w


def _describe(sd: dict[str, np.ndarray], prefix: str, path: Path) -> Weights:
    from rnncli.scratch.convert import infer_arch

    label = prefix or "the layer"
    w_ih, w_hh = sd["weight_ih_l0"], sd["weight_hh_l0"]
    if w_ih.ndim != 2 or w_hh.ndim != 2:
        raise BadInput(f"{path}: {label} lacks 2-D weight_ih_l0 and weight_hh_l0")
    try:
        arch = infer_arch(sd)
    except BadInput:
        raise BadInput(f"{path}: {label}.weight_hh_l0 has shape {w_hh.shape}; an LSTM/GRU/RNN "
                       "has (4H, H), (3H, H) or (H, H)") from None
    layers = sorted({int(k.rsplit("_l", 1)[1]) for k in sd})
    if layers != list(range(len(layers))):
        raise BadInput(f"{path}: {label} has layers {layers}; expected 0..{len(layers) - 1}")
    return Weights(sd, prefix, arch, int(w_ih.shape[1]), int(w_hh.shape[1]), len(layers), path)


def load_weights(path: str | Path, prefix: str | None = None,
                 direction: str | None = None) -> Weights:
    """Read ``path`` safely and return the recurrent weights in it (see module docstring)."""
    ckpt = read(path)
    weights = select(ckpt.arrays, prefix, ckpt.path, direction)
    weights.notes = list(ckpt.notes)
    return weights


def layer_dict(sd: dict[str, np.ndarray], layer: int) -> dict[str, np.ndarray]:
    """The parameters of one layer, renamed to layer 0."""
    tail = f"_l{layer}"
    return {k[: -len(tail)] + "_l0": v for k, v in sd.items() if k.endswith(tail)}


def to_cell(weights: Weights, variant: str = "pytorch", nonlinearity: str = "tanh",
            impl: str = "reference", state_dict: dict[str, np.ndarray] | None = None):
    """A ``rnncli.scratch`` cell (float64) holding these weights; shape errors are BadInput.

    ``state_dict`` overrides the weights' own (one layer or direction of a bidirectional
    stack, see ``layer_dict``); ``impl="reference"`` gives the cells ``gates`` traces."""
    from rnncli.scratch import convert

    sd = weights.state_dict if state_dict is None else state_dict
    cell = convert.from_state_dict(sd, weights.arch, variant=variant,
                                   nonlinearity=nonlinearity, dtype=np.float64)
    if impl == "fast":
        return cell
    ref = convert.build(weights.arch, cell.input_size, cell.hidden_size, cell.num_layers,
                        impl=impl, dtype=np.float64,
                        **_options(weights.arch, variant, nonlinearity))
    ref.load_state_dict(cell.to_state_dict())
    return ref


def _options(arch: str, variant: str, nonlinearity: str) -> dict:
    from rnncli import archs

    given = {"variant": variant, "nonlinearity": nonlinearity}
    return {k: v for k, v in given.items() if k in archs.get(arch).options}


# ---- embeddings (gates --tokens / --text) -------------------------------------------------------

def _embedding_names(arrays: Mapping[str, object], input_size: int, key: str | None,
                     path: Path) -> list[str]:
    if key is None:
        return [n for n, v in arrays.items() if "emb" in n.lower()
                and len(_shape(v)) == 2 and int(_shape(v)[1]) == input_size]
    if key not in arrays:
        near = [n for n in arrays if "emb" in n.lower()][:4]
        raise BadInput(f"--embedding-key {key!r} is not in {path.name}"
                       + (f"; embeddings found: {', '.join(near)}" if near else ""))
    return [key]


def find_embedding(arrays: Mapping[str, object], input_size: int, key: str | None,
                   path: Path) -> tuple[str, np.ndarray]:
    """(name, matrix (V, I)) of the embedding feeding a recurrent layer of input size I.

    ``key`` names it; otherwise the one 2-D parameter whose name contains "emb" and whose
    width is I. None or several is an error naming what was found.
    """
    found = _embedding_names(arrays, input_size, key, path)
    if not found:
        raise BadInput(f"{path}: no embedding found (no 2-D '*emb*' parameter of width "
                       f"{input_size}); name it with --embedding-key")
    if len(found) > 1:
        raise BadInput(f"{path}: {len(found)} embeddings ({', '.join(found[:4])}); pick one "
                       "with --embedding-key")
    matrix = to_float64({found[0]: arrays[found[0]]}, path)[found[0]]
    if matrix.ndim != 2 or matrix.shape[1] != input_size:
        raise BadInput(f"{found[0]} has shape {matrix.shape}; the recurrent layer reads "
                       f"vectors of {input_size}")
    return found[0], matrix
