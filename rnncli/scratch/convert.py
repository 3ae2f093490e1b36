"""Moving weights between torch.nn.RNN/GRU/LSTM and the NumPy cells.

torch is never imported here: tensors are turned into arrays by duck typing
(``.detach().cpu().numpy()``), so ``import rnncli.scratch`` stays light.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np

from rnncli.errors import BadInput
from rnncli.scratch.base import Recurrent, as_dtype
from rnncli.scratch.gru import GRU
from rnncli.scratch.lstm import LSTM
from rnncli.scratch.rnn import RNN

CLASSES: dict[str, type[Recurrent]] = {"rnn": RNN, "gru": GRU, "lstm": LSTM}
GATES_TO_ARCH = {cls.gates: arch for arch, cls in CLASSES.items()}
_KEY = re.compile(r"^(weight_ih|weight_hh|bias_ih|bias_hh)_l(\d+)$")


def build(arch: str, input_size: int, hidden_size: int, num_layers: int = 1, **kw) -> Recurrent:
    """``build("lstm", 8, 16, 2, seed=0)``: a cell by name (rnn, gru, lstm)."""
    key = str(arch).lower()
    if key not in CLASSES:
        raise BadInput(f"unknown architecture {arch!r}; choose one of rnn, gru, lstm")
    # options of one architecture are accepted for the others only at their defaults
    for option, owner, default in (("variant", "gru", "pytorch"), ("nonlinearity", "rnn", "tanh")):
        if key != owner and option in kw:
            if kw.pop(option) not in (None, default):
                raise BadInput(f"{option} applies to the {owner.upper()} only")
    return CLASSES[key](input_size, hidden_size, num_layers, **kw)


def _to_numpy(value) -> np.ndarray:
    if hasattr(value, "detach"):  # a torch tensor
        value = value.detach().cpu().numpy()
    return np.asarray(value)


def from_state_dict(
    state_dict: Mapping,
    arch: str | None = None,
    *,
    variant: str = "pytorch",
    nonlinearity: str = "tanh",
    dtype: object = None,
) -> Recurrent:
    """A cell holding these weights (PyTorch names; arrays, tensors, or an ``np.load`` npz).

    arch None infers it from weight_hh_l0's shape (G*H, H): G = 4 LSTM, 3 GRU, 1 RNN.
    dtype None keeps the weights' float32/float64 (anything else becomes float64). Missing
    biases (``bias=False``) become zeros. Bidirectional and projected LSTMs are refused.
    """
    arrays = {str(k): _to_numpy(v) for k, v in dict(state_dict).items()}
    unknown = sorted(k for k in arrays if not _KEY.match(k))
    if unknown:
        raise BadInput(
            f"unsupported parameters {', '.join(unknown[:3])}: only unidirectional RNN/GRU/LSTM "
            "weights named weight_ih_lK, weight_hh_lK, bias_ih_lK, bias_hh_lK are accepted"
        )
    if "weight_hh_l0" not in arrays or "weight_ih_l0" not in arrays:
        raise BadInput("state dict has no weight_ih_l0/weight_hh_l0: not an RNN/GRU/LSTM")
    rows, hidden = arrays["weight_hh_l0"].shape
    if arch is None:
        gates = rows // hidden if hidden and rows % hidden == 0 else 0
        if gates not in GATES_TO_ARCH:
            raise BadInput(f"weight_hh_l0 has shape {(rows, hidden)}: rows must be 1, 3 or 4 x H")
        arch = GATES_TO_ARCH[gates]
    num_layers = 1 + max(int(_KEY.match(k).group(2)) for k in arrays)
    if dtype is None:
        dt = arrays["weight_ih_l0"].dtype
        dtype = dt.type if dt in (np.float32, np.float64) else np.float64
    dtype = as_dtype(dtype)
    kw: dict = {"dtype": dtype}
    if arch == "gru":
        kw["variant"] = variant
    if arch == "rnn":
        kw["nonlinearity"] = nonlinearity
    cell = build(arch, arrays["weight_ih_l0"].shape[1], hidden, num_layers, **kw)
    for name, shape in cell._param_shapes().items():
        if name.startswith("bias") and name not in arrays:
            arrays[name] = np.zeros(shape, dtype=dtype)
        if name not in arrays:
            raise BadInput(f"state dict lacks {name}")
    cell.load_state_dict(arrays)
    return cell


def from_torch(
    module_or_state_dict,
    variant: str = "pytorch",
    dtype: object = None,
    *,
    nonlinearity: str | None = None,
) -> Recurrent:
    """A NumPy cell with the weights of a ``torch.nn.RNN/GRU/LSTM`` (or its state dict).

    For a module the architecture comes from its type and an RNN's nonlinearity from the
    module; for a bare state dict both are inferred (see ``from_state_dict``).
    """
    obj = module_or_state_dict
    if isinstance(obj, Mapping):
        return from_state_dict(
            obj, variant=variant, nonlinearity=nonlinearity or "tanh", dtype=dtype
        )
    if not callable(getattr(obj, "state_dict", None)):
        raise BadInput(f"expected a torch.nn.RNN/GRU/LSTM or a state dict, got {type(obj)!r}")
    arch = type(obj).__name__.lower()
    if arch not in CLASSES:
        raise BadInput(f"expected torch.nn.RNN, GRU or LSTM, got {type(obj).__name__}")
    if getattr(obj, "bidirectional", False):
        raise BadInput("bidirectional modules are not supported; use a unidirectional one")
    if getattr(obj, "proj_size", 0):
        raise BadInput("LSTM with proj_size > 0 is not supported")
    if nonlinearity is None:
        nonlinearity = getattr(obj, "nonlinearity", "tanh")
    return from_state_dict(
        obj.state_dict(), arch, variant=variant, nonlinearity=nonlinearity, dtype=dtype
    )
