"""Loading the user's recurrent weights safely: PyTorch checkpoints and ``.npz`` files.

Accepted: a ``state_dict`` (``.pt``/``.pth``/``.ckpt``/``.bin``) of a ``torch.nn.LSTM``,
``GRU`` or ``RNN``, or of any model that contains one (nested dicts such as
``{"model": state_dict, "epoch": 3}`` are walked and their keys joined with ``.``), or an
``.npz`` whose arrays carry PyTorch's parameter names (``encoder.lstm.weight_ih_l0`` ...).

Safety: ``torch.load(path, weights_only=True, map_location="cpu")`` and
``numpy.load(path, allow_pickle=False)`` only rebuild tensors, arrays and plain
containers, so loading never runs code from the file; a file that needs anything else
(a pickled module, a class, ``os.system``) is refused before any of it runs.

The recurrent layer is found by its PyTorch parameter names ``{prefix}weight_ih_l{k}``,
``weight_hh_l{k}``, ``bias_ih_l{k}``, ``bias_hh_l{k}`` (source: torch-lstm, torch-gru,
torch-rnn): ``--prefix encoder.lstm`` picks one; with exactly one in the file it is found
without being told. Architecture, sizes and layer count then come from the shapes
(``weight_hh_l0`` has 4H rows for an LSTM, 3H for a GRU, H for an RNN).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rnncli.errors import BadInput, short
from rnncli.fileio import load_numpy

TORCH_SUFFIXES = (".pt", ".pth", ".ckpt", ".bin")
NPZ_SUFFIXES = (".npz",)
_PARAM = re.compile(r"^(?P<prefix>.*?)(?P<name>weight_ih|weight_hh|bias_ih|bias_hh|weight_hr)"
                    r"_l(?P<layer>\d+)(?P<reverse>_reverse)?$")
_ROWS_TO_ARCH = {4: "lstm", 3: "gru", 1: "rnn"}


@dataclass
class Weights:
    """One recurrent layer stack read from a file, ready for ``scratch.from_state_dict``."""

    state_dict: dict[str, np.ndarray]  # PyTorch names without the prefix, float64
    prefix: str  # "" for a bare nn.LSTM state dict, else e.g. "encoder.lstm"
    arch: str  # "lstm" | "gru" | "rnn"
    input_size: int
    hidden_size: int
    num_layers: int
    path: Path


def _flatten(obj: object, prefix: str, out: dict[str, object]) -> None:
    """Collect array/tensor leaves of nested mappings under dotted keys."""
    for key, value in obj.items():  # type: ignore[attr-defined]
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            _flatten(value, name + ".", out)
        elif hasattr(value, "shape") and hasattr(value, "dtype"):
            out[name] = value


def _to_float64(name: str, value: object, path: Path) -> np.ndarray:
    if hasattr(value, "detach"):  # a torch tensor (any dtype, incl. half/bfloat16)
        import torch

        value = value.detach().to(device="cpu", dtype=torch.float64).numpy()
    arr = np.asarray(value)
    if arr.dtype.kind not in "biuf":
        raise BadInput(f"{path}: parameter {name} has dtype {arr.dtype}; expected real numbers")
    arr = arr.astype(np.float64)
    if not np.isfinite(arr).all():
        raise BadInput(f"{path}: parameter {name} contains nan or inf")
    return arr


def _load_torch(path: Path) -> dict[str, object]:
    try:
        import torch
    except ImportError:
        raise BadInput(f"{path}: reading .pt needs torch; or save the weights as .npz") from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            obj = torch.load(path, weights_only=True, map_location="cpu")
    except Exception as exc:  # torch raises many types for a bad file
        text = str(exc)
        if "Weights only load failed" in text or "weights_only" in text:
            found = re.search(r"GLOBAL ([\w.]+)", text)
            what = f" ({found.group(1).rstrip('.')})" if found else ""
            raise BadInput(
                f"{path}: refused: the file carries pickled code or objects{what}, not plain "
                "tensors, and loading never runs code; save model.state_dict() instead"
            ) from None
        raise BadInput(
            f"{path}: not a readable PyTorch checkpoint ({type(exc).__name__}: {short(exc)})"
        ) from None
    if hasattr(obj, "shape"):
        raise BadInput(f"{path}: holds a single tensor, not a state_dict of named parameters")
    if not isinstance(obj, Mapping):
        raise BadInput(
            f"{path}: holds a {type(obj).__name__}, not a state_dict; save model.state_dict()"
        )
    flat: dict[str, object] = {}
    _flatten(obj, "", flat)
    return flat


def _load_npz(path: Path) -> dict[str, object]:
    return load_numpy(path, ".npz")


def read_arrays(path: str | Path) -> dict[str, object]:
    """Every named array/tensor in the file (nested dicts flattened with dots)."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in TORCH_SUFFIXES + NPZ_SUFFIXES:
        accepted = ", ".join(TORCH_SUFFIXES + NPZ_SUFFIXES)
        raise BadInput(f"--weights {p}: unknown file type {suffix or '(none)'}; use {accepted}")
    if not p.exists():
        raise BadInput(f"--weights {p}: no such file")
    if not p.is_file():
        raise BadInput(f"--weights {p}: not a regular file")
    return _load_npz(p) if suffix in NPZ_SUFFIXES else _load_torch(p)


def recurrent_groups(names) -> dict[str, list[str]]:
    """{prefix: [names]} of every RNN/GRU/LSTM parameter set (prefix without the dot)."""
    groups: dict[str, list[str]] = {}
    for name in names:
        m = _PARAM.match(name)
        if m:
            groups.setdefault(m.group("prefix").rstrip("."), []).append(name)
    return {p: v for p, v in groups.items() if any(_PARAM.match(n).group("name") == "weight_ih"
                                                   for n in v)}


def select(arrays: Mapping[str, object], prefix: str | None, path: Path) -> Weights:
    """Pick the recurrent layer stack (by ``prefix`` or the only one) and read its shapes."""
    groups = recurrent_groups(arrays)
    shown = ", ".join(repr(g) for g in sorted(groups)[:6])
    if prefix is not None:
        want = prefix.strip().rstrip(".")
        if want not in groups:
            if not groups:
                raise BadInput(f"{path}: no recurrent layer in this file (no *weight_ih_l0)")
            raise BadInput(f"--prefix {prefix!r} matches no recurrent layer; found: {shown}")
    elif not groups:
        raise BadInput(
            f"{path}: no recurrent layer found: no parameter named like weight_ih_l0 of an "
            "nn.LSTM, nn.GRU or nn.RNN"
        )
    elif len(groups) > 1:
        raise BadInput(f"{path}: {len(groups)} recurrent layers ({shown}); pick one with --prefix")
    else:
        want = next(iter(groups))
    names = groups[want]
    parsed = {n: _PARAM.match(n) for n in names}
    if any(m.group("reverse") for m in parsed.values()):
        raise BadInput(f"{want or 'the layer'} is bidirectional; only one direction is supported")
    if any(m.group("name") == "weight_hr" for m in parsed.values()):
        raise BadInput(f"{want or 'the layer'} is an LSTM with proj_size > 0; not supported")
    sd = {m.group("name") + "_l" + m.group("layer"): _to_float64(n, arrays[n], path)
          for n, m in parsed.items()}
    return _describe(sd, want, path)


def _describe(sd: dict[str, np.ndarray], prefix: str, path: Path) -> Weights:
    label = prefix or "the layer"
    w_ih, w_hh = sd.get("weight_ih_l0"), sd.get("weight_hh_l0")
    if w_ih is None or w_hh is None or w_ih.ndim != 2 or w_hh.ndim != 2:
        raise BadInput(f"{path}: {label} lacks 2-D weight_ih_l0 and weight_hh_l0")
    rows, hidden = w_hh.shape
    if hidden < 1 or rows % hidden or rows // hidden not in _ROWS_TO_ARCH:
        raise BadInput(
            f"{path}: {label}.weight_hh_l0 has shape {w_hh.shape}; an LSTM/GRU/RNN has "
            "(4H, H), (3H, H) or (H, H)"
        )
    layers = sorted({int(k.rsplit("_l", 1)[1]) for k in sd})
    if layers != list(range(len(layers))):
        raise BadInput(f"{path}: {label} has layers {layers}; expected 0..{len(layers) - 1}")
    return Weights(sd, prefix, _ROWS_TO_ARCH[rows // hidden], int(w_ih.shape[1]), int(hidden),
                   len(layers), path)


def load_weights(path: str | Path, prefix: str | None = None) -> Weights:
    """Read ``path`` safely and return the recurrent weights in it (see module docstring)."""
    return select(read_arrays(path), prefix, Path(path))


def to_cell(weights: Weights, variant: str = "pytorch", nonlinearity: str = "tanh"):
    """A ``rnncli.scratch`` cell (float64) holding these weights; shape errors are BadInput."""
    from rnncli.scratch import from_state_dict

    return from_state_dict(weights.state_dict, weights.arch, variant=variant,
                           nonlinearity=nonlinearity, dtype=np.float64)
