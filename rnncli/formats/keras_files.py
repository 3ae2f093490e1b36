"""Keras 3 files: ``.keras`` (a zip of ``config.json`` + ``model.weights.h5``),
``.weights.h5`` (weights only) and legacy ``.h5`` (``model_weights/<layer>/...`` with the
config in the ``model_config`` attribute). Layouts as Keras 3's own ``saving_lib`` and
``legacy/saving/legacy_h5_format`` write them.

Read with h5py and ``json`` only: rnncli never calls ``keras.models.load_model`` on a user's
file, and a config naming a Lambda layer or a custom (non-Keras) object is refused before
any weight is read. Sizes are checked before reading: every zip entry's declared size and
compression ratio, every HDF5 dataset's declared shape.

Layer mapping (``rnncli.formats.layout``): kernel (I, G*H) and recurrent_kernel (H, G*H)
are PyTorch's weights transposed, gates i, f, c, o (LSTM) and z, r, h (GRU); one bias, or
(2, 3H) = input, recurrent for a ``reset_after=True`` GRU. Keras runs the proof (torch
backend), built from the file's arrays, never from the file's code.
"""

from __future__ import annotations

import io
import json
import os
import re
import zipfile
from pathlib import Path

import numpy as np

from rnncli.errors import BadInput, MissingExtra, short
from rnncli.formats import MAX_VALUES, Layer, Model, check_sizes, layout
from rnncli.formats.layout import reorder

MAX_CONFIG_BYTES = 16 << 20
MAX_WEIGHTS_BYTES = 1 << 30
MAX_RATIO = 200  # a zip entry inflating more than this is treated as a bomb


def _h5py():
    try:
        import h5py
    except ImportError:
        raise MissingExtra("h5py", "keras") from None
    return h5py


def keras():
    """Keras with the torch backend (set before Keras is first imported)."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    try:
        import keras as k
    except ImportError:
        raise MissingExtra("keras", "keras") from None
    return k


# ---- recognising -----------------------------------------------------------------------------

def sniff(path: Path, name: str) -> bool:
    if name == "keras":
        try:
            names = set(zipfile.ZipFile(path).namelist())
        except (zipfile.BadZipFile, OSError):
            return False
        return {"config.json", "model.weights.h5"} <= names
    return h5_kind(path) == name


def h5_kind(path: Path) -> str | None:
    with _h5py().File(path, "r") as f:
        if "model_weights" in f or "model_config" in f.attrs:
            return "keras-h5"
        if "layers" in f:
            return "keras-weights"
    return None


# ---- the config ---------------------------------------------------------------------------------

def _refuse_entry(obj: dict, where: str) -> None:
    cls, module = obj.get("class_name"), obj.get("module")
    if cls in ("Lambda", "TFOpLambda", "function"):
        raise BadInput(f"{where}: a {cls} layer holds code; refused (rnncli never runs "
                       "code from a model file)")
    reg = obj.get("registered_name")
    custom = (isinstance(module, str) and not module.startswith("keras")) or (
        isinstance(reg, str) and cls is not None and reg != cls and ">" in reg)
    if custom:
        raise BadInput(f"{where}: {cls} is a custom object ({reg or module}); refused "
                       "(rnncli never deserialises custom objects)")


def _refuse_code(obj, where: str = "config") -> None:
    """Refuse Lambda layers and custom objects anywhere in the config (never deserialised)."""
    if isinstance(obj, dict):
        _refuse_entry(obj, where)
        for key, value in obj.items():
            _refuse_code(value, f"{where}.{obj.get('name', key) if key == 'config' else key}")
    elif isinstance(obj, list):
        for item in obj:
            _refuse_code(item, where)


def _top_layers(cfg: dict) -> tuple[list[dict], bool]:
    """(layer configs in order, is Sequential) of the saved model."""
    inner = cfg.get("config", {})
    layers = inner.get("layers") if isinstance(inner, dict) else None
    if not isinstance(layers, list):
        raise BadInput(f"config: a {cfg.get('class_name')} without a list of layers")
    return layers, cfg.get("class_name") == "Sequential"


def _check_cell(c: dict, arch: str, name: str) -> str:
    """Refuse what rnncli's cells cannot run; the RNN's nonlinearity."""
    act = c.get("activation", "tanh")
    rnn = layout.has_nonlinearity(arch)
    if rnn and act in ("tanh", "relu"):
        return act
    if act != "tanh" or c.get("recurrent_activation", "sigmoid") != "sigmoid" and not rnn:
        raise BadInput(f"layer {name}: activation {act!r}, recurrent_activation "
                       f"{c.get('recurrent_activation')!r}: rnncli's cells use tanh and sigmoid")
    return "tanh"


def _spec(entry: dict) -> dict | None:
    """What a recurrent layer's config says (None: not a recurrent layer)."""
    cls, c = entry.get("class_name"), entry.get("config", {})
    bi = cls == "Bidirectional"
    if bi:
        inner = c.get("layer", {})
        if c.get("merge_mode", "concat") != "concat":
            raise BadInput(f"layer {c.get('name')}: merge_mode {c.get('merge_mode')!r}; "
                           "only 'concat' matches PyTorch's bidirectional output")
        cls, c = inner.get("class_name"), {**inner.get("config", {}), "name": c.get("name")}
    if cls == layout.KERAS_GENERIC_RNN:
        raise BadInput(f"layer {c.get('name')}: a generic keras RNN(cell) layer is not read; "
                       "use LSTM, GRU or SimpleRNN layers")
    arch = layout.arch_for("keras_class", cls)
    if arch is None:
        return None
    if c.get("go_backwards") and not bi:
        raise BadInput(f"layer {c.get('name')}: go_backwards=True outside Bidirectional is not "
                       "supported")
    return {"name": c.get("name"), "arch": arch, "bi": bi, "units": int(c["units"]),
            "nonlinearity": _check_cell(c, arch, c.get("name")),
            "reset_after": bool(c.get("reset_after", True)), "seq": c.get("return_sequences"),
            "use_bias": c.get("use_bias", True),
            "unit_forget_bias": layout.has_cell(arch) and c.get("unit_forget_bias", True)}


# ---- the arrays ---------------------------------------------------------------------------

def _dataset(ds, what: str) -> np.ndarray:
    check_sizes(what, int(np.prod(ds.shape, dtype=np.int64)), MAX_VALUES)
    if ds.dtype.kind != "f":
        raise BadInput(f"{what}: dtype {ds.dtype}, not floating")
    return np.asarray(ds[()], np.float64)


def _vars(group, what: str) -> list[np.ndarray]:
    """The numbered datasets vars/0, vars/1... of a Keras 3 cell group."""
    if "vars" not in group:
        raise BadInput(f"{what}: no weights (vars) in the file")
    v = group["vars"]
    return [_dataset(v[str(i)], f"{what}/vars/{i}") for i in range(len(v))]


def _keras3_arrays(root, spec: dict) -> list[list[np.ndarray]]:
    name = spec["path"]
    if "layers" not in root or name not in root["layers"]:
        raise BadInput(f"layer {name}: no weights under layers/{name}")
    g = root["layers"][name]
    if spec["bi"]:
        return [_vars(g[side]["cell"], f"layers/{name}/{side}/cell")
                for side in ("forward_layer", "backward_layer")]
    return [_vars(g["cell"], f"layers/{name}/cell")]


def _legacy_arrays(root, spec: dict) -> list[list[np.ndarray]]:
    name = spec["path"]
    if name not in root.get("model_weights", root):
        raise BadInput(f"layer {name}: no weights under model_weights/{name}")
    g = root["model_weights"][name] if "model_weights" in root else root[name]
    names = [n.decode() if isinstance(n, bytes) else str(n) for n in g.attrs["weight_names"]]
    arrays = [_dataset(g[n], f"model_weights/{name}/{n}") for n in names]
    per = len(arrays) // (2 if spec["bi"] else 1)
    return [arrays[i:i + per] for i in range(0, len(arrays), per)]


def _biases(bias: np.ndarray, spec: dict, gh: int, name: str):
    """(input bias, recurrent bias): two rows for a reset_after GRU, else one (and zeros)."""
    if layout.has_variant(spec["arch"]) and spec["reset_after"] and bias.ndim == 2:
        b_ih, b_hh = bias[0], bias[1]
    else:
        b_ih, b_hh = bias.reshape(-1), np.zeros(gh)
    if b_ih.shape != (gh,) or b_hh.shape != (gh,):
        raise BadInput(f"layer {name}: bias of shape {bias.shape} does not fit "
                       f"{spec['units']} units")
    return b_ih, b_hh


def _direction(arrays: list[np.ndarray], spec: dict, name: str) -> dict:
    """One direction in PyTorch's names and order from Keras's kernel, recurrent, bias."""
    arch, units = spec["arch"], spec["units"]
    if len(arrays) < 2:
        raise BadInput(f"layer {name}: expected kernel and recurrent_kernel")
    kernel, rec = arrays[0], arrays[1]
    gh = layout.blocks(arch) * units
    if kernel.ndim != 2 or kernel.shape[1] != gh or rec.shape != (units, gh):
        raise BadInput(f"layer {name}: kernel {kernel.shape}, recurrent_kernel {rec.shape} "
                       f"do not fit {units} units")
    b_ih, b_hh = _biases(arrays[2] if len(arrays) > 2 else np.zeros(gh), spec, gh, name)
    return {"weight_ih": reorder(kernel.T, arch, "keras", "pytorch"),
            "weight_hh": reorder(rec.T, arch, "keras", "pytorch"),
            "bias_ih": reorder(b_ih, arch, "keras", "pytorch"),
            "bias_hh": reorder(b_hh, arch, "keras", "pytorch")}


def _layer(spec: dict, arrays: list[list[np.ndarray]], follows: bool) -> Layer:
    name = spec["name"]
    dirs = [_direction(a, spec, name) for a in arrays]
    before = layout.has_variant(spec["arch"]) and not spec["reset_after"]
    variant = "cho2014" if before else "pytorch"
    notes = []
    if spec["unit_forget_bias"]:
        notes.append(f"{name}: unit_forget_bias=True: Keras starts the forget bias at 1 (the "
                     "stored bias carries what training made of it); nn.LSTM starts it at "
                     "U(-k, k): retraining from scratch in torch differs unless you set it")
    return Layer(name, spec["arch"], int(arrays[0][0].shape[0]), spec["units"], dirs,
                 variant=variant, nonlinearity=spec["nonlinearity"], batch_first=True,
                 framework="keras", follows=follows, raw=arrays, notes=notes)


def _snake(name: str) -> str:
    """Keras's ``naming.to_snake_case`` (keras/src/utils/naming.py): "SimpleRNN" -> "simple_rnn"."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def _storage_names(entries: list[dict], sequential: bool) -> list[str]:
    """Where Keras 3's saving_lib stores each layer: layers/<snake_case(class)>[_k], in
    ``model.layers`` order (a Sequential's InputLayer is not among them)."""
    used: dict[str, int] = {}
    out = []
    for entry in entries:
        if sequential and entry.get("class_name") == "InputLayer":
            out.append("")
            continue
        base = _snake(str(entry.get("class_name")))
        used[base] = used.get(base, -1) + 1
        out.append(base if used[base] == 0 else f"{base}_{used[base]}")
    return out


def _from_config(cfg: dict, root, fetch, keras3: bool) -> list[Layer]:
    _refuse_code(cfg)
    entries, sequential = _top_layers(cfg)
    stored = _storage_names(entries, sequential)
    layers: list[Layer] = []
    prev_seq = False
    for entry, where in zip(entries, stored, strict=True):
        if entry.get("class_name") in ("InputLayer", "Dropout"):
            continue
        spec = _spec(entry)
        if spec is None:
            prev_seq = False
            continue
        spec["path"] = where if keras3 else spec["name"]
        follows = sequential and bool(layers) and prev_seq
        layers.append(_layer(spec, fetch(root, spec), follows))
        prev_seq = bool(spec["seq"])
    return layers


# ---- reading files -----------------------------------------------------------------------------

def _zip_member(z: zipfile.ZipFile, name: str, limit: int, path: Path) -> bytes:
    info = z.getinfo(name)
    if info.file_size > limit:
        raise BadInput(f"{path}: {name} declares {info.file_size:,} bytes, over the "
                       f"{limit:,} rnncli reads")
    if info.file_size > (1 << 20) and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        raise BadInput(f"{path}: {name} inflates {info.file_size / max(info.compress_size, 1):,.0f}"
                       f"-fold (a zip bomb?); refused")
    with z.open(info) as fh:
        return fh.read(limit + 1)[:limit]


def _read_keras_zip(path: Path) -> list[Layer]:
    try:
        z = zipfile.ZipFile(path)
        cfg_bytes = _zip_member(z, "config.json", MAX_CONFIG_BYTES, path)
        weights = _zip_member(z, "model.weights.h5", MAX_WEIGHTS_BYTES, path)
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise BadInput(f"{path}: not a readable .keras file ({short(exc, 60)})") from None
    cfg = _json(cfg_bytes, path)
    with _h5py().File(io.BytesIO(weights), "r") as root:
        return _from_config(cfg, root, _keras3_arrays, True)


def _json(text, path: Path) -> dict:
    try:
        cfg = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadInput(f"{path}: the model config is not valid JSON ({short(exc, 50)})") from None
    if not isinstance(cfg, dict):
        raise BadInput(f"{path}: the model config is not a JSON object")
    return cfg


def _read_legacy(path: Path, root) -> list[Layer]:
    text = root.attrs.get("model_config")
    if text is None:
        raise BadInput(f"{path}: a legacy .h5 without model_config (weights only): save the "
                       "model with model.save, or give a .weights.h5 of Keras 3")
    return _from_config(_json(text, path), root, _legacy_arrays, False)


def _read_weights_only(path: Path, root) -> list[Layer]:
    """A .weights.h5 carries no config: cells told by their group's name and shapes."""
    layers: list[Layer] = []
    for name in sorted(root["layers"], key=_keras_order):
        g = root["layers"][name]
        sides = ["forward_layer", "backward_layer"] if "forward_layer" in g else [None]
        cells = [g[s]["cell"] if s else g.get("cell") for s in sides]
        if cells[0] is None or "vars" not in cells[0]:
            continue
        arch = layout.arch_for("keras_cell", str(cells[0]["vars"].attrs.get("name", "")))
        if arch is None:
            continue
        arrays = [_vars(c, f"layers/{name}") for c in cells]
        units = int(arrays[0][1].shape[0])
        spec = {"name": name, "arch": arch, "bi": len(cells) == 2, "units": units,
                "nonlinearity": "tanh", "reset_after": arrays[0][-1].ndim == 2,
                "seq": True, "use_bias": True, "unit_forget_bias": False}
        follows = bool(layers) and layers[-1].output_size == int(arrays[0][0].shape[0])
        layers.append(_layer(spec, arrays, follows))
    return layers


def _keras_order(name: str) -> tuple[str, int]:
    """Keras numbers layers of one class in model order: lstm, lstm_1, lstm_2..."""
    base, _, tail = name.rpartition("_")
    return (base, int(tail)) if base and tail.isdigit() else (name, 0)


def read(path: Path, name: str) -> Model:
    if name == "keras":
        layers, notes = _read_keras_zip(path), []
    else:
        with _h5py().File(path, "r") as root:
            for ds_name in _datasets(root):
                check_sizes(f"{path}: {ds_name}", int(np.prod(root[ds_name].shape,
                                                               dtype=np.int64)), MAX_VALUES)
            if name == "keras-h5":
                layers, notes = _read_legacy(path, root), []
            else:
                layers = _read_weights_only(path, root)
                notes = ["a .weights.h5 has no config: activations assumed tanh/sigmoid; "
                         "layers of one class stacked in Keras's numbering where sizes chain"]
    if not layers:
        raise BadInput(f"{path}: no recurrent layer (LSTM, GRU, SimpleRNN, Bidirectional) "
                       "in the model")
    return Model(path, name, layers, notes)


def _datasets(root) -> list[str]:
    found: list[str] = []
    root.visititems(lambda n, obj: found.append(n) if hasattr(obj, "shape") else None)
    return found


def write(stack: list[Layer], path: Path, name: str) -> None:
    from rnncli.formats import keras_write

    keras_write.write(stack, path, name)


def run(stack: list[Layer], x: np.ndarray, name: str, source: Path | None = None):
    from rnncli.formats import keras_write

    return keras_write.run(stack, x)
