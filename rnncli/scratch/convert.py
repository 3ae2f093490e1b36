"""Building cells by name and moving weights between torch.nn.RNN/GRU/LSTM and the cells.

Which class serves an architecture comes from the registry (``rnncli.archs``: each spec
names its fast and its reference class). ``infer_arch`` is the one place that tells an
architecture from a state dict's names and shapes (``rnncli.checkpoint`` asks it too).

torch is never imported here: tensors are turned into arrays by duck typing
(``.detach().cpu().numpy()``), so ``import rnncli.scratch`` stays light.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np

from rnncli import archs
from rnncli.errors import BadInput
from rnncli.scratch.base import Recurrent, as_dtype, real_array
from rnncli.scratch.reference_cells import reference_class

IMPLS = ("fast", "reference")
#: Every parameter name a registered architecture has, without the layer suffix.
PARAM_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh",
               *(n for spec in archs.SPECS.values() for n in spec.extra_params))
_KEY = re.compile(rf"^({'|'.join(PARAM_NAMES)})_l(\d+)$")

#: The fast NumPy class of each architecture that has one: {"rnn": RNN, "gru": GRU, ...}.
CLASSES: dict[str, type[Recurrent]] = {
    name: archs.resolve(spec.scratch_fast) for name, spec in archs.SPECS.items()
    if spec.scratch_fast
}
#: The reference class of every architecture (reference_cells.py).
REFERENCE_CLASSES: dict[str, type[Recurrent]] = {
    name: reference_class(name) for name in archs.SPECS
}


def cell_class(arch: str, impl: str = "fast") -> type[Recurrent]:
    """The class for an architecture: ``impl="fast"`` (the reference one where there is no
    fast cell, as for the peephole LSTM) or ``impl="reference"``."""
    if impl not in IMPLS:
        raise BadInput(f"impl must be one of {', '.join(IMPLS)}, got {impl!r}")
    name = archs.get(arch).name
    if impl == "fast" and name in CLASSES:
        return CLASSES[name]
    return REFERENCE_CLASSES[name]


def _take_options(spec: archs.ArchSpec, kw: dict) -> None:
    """Drop other architectures' options given at their default (or None); refuse the rest."""
    for other in archs.SPECS.values():
        for option, choices in other.options.items():
            if option in spec.options or option not in kw:
                continue
            if kw.pop(option) not in (None, choices[0]):
                raise BadInput(f"{option} applies to the {other.title} only")
    for option in spec.options:
        if option in kw and kw[option] is None:
            del kw[option]


def build(
    arch: str,
    input_size: int,
    hidden_size: int,
    num_layers: int = 1,
    *,
    impl: str = "fast",
    **kw,
) -> Recurrent:
    """``build("lstm", 8, 16, 2, seed=0)``: a cell by registry name or alias.

    ``impl="reference"`` gives the cell of ``reference.py`` (what ``gates`` traces);
    ``kw``: dtype, seed, rng, batch_first, and the architecture's options (variant,
    nonlinearity); another architecture's option is accepted only at its default.
    """
    spec = archs.get(arch)
    cls = cell_class(spec.name, impl)
    _take_options(spec, kw)
    return cls(input_size, hidden_size, num_layers, **kw)




def infer_arch(state_dict: Mapping) -> str:
    """The registry name of the architecture whose parameters these are.

    An architecture's extra parameters (the peephole LSTM's ``weight_ci_l0``...) name it;
    otherwise weight_hh_l0's shape (G·H, H) decides (G gate blocks, from the registry;
    weight_ih cannot: I may equal G·H).
    """
    extra = archs.from_extra_params(state_dict)
    if extra is not None:
        return extra.name
    if "weight_hh_l0" not in state_dict:
        raise BadInput("state dict has no weight_hh_l0: not an RNN/GRU/LSTM")
    shape = tuple(np.shape(state_dict["weight_hh_l0"]))
    rows, hidden = shape if len(shape) == 2 else (0, 0)
    blocks = rows // hidden if hidden and rows % hidden == 0 else 0
    try:
        return archs.from_gate_blocks(blocks).name
    except BadInput as exc:
        raise BadInput(f"weight_hh_l0 has shape {shape}: {exc}") from None


def _default_dtype(arr: np.ndarray) -> type:
    return arr.dtype.type if arr.dtype in (np.float32, np.float64) else np.float64


def _check_names(arrays: dict) -> None:
    unknown = sorted(k for k in arrays if not _KEY.match(k))
    if unknown:
        raise BadInput(
            f"unsupported parameters {', '.join(unknown[:3])}: only unidirectional weights "
            f"named {', '.join(n + '_lK' for n in PARAM_NAMES)} are accepted"
        )
    if "weight_hh_l0" not in arrays or "weight_ih_l0" not in arrays:
        raise BadInput("state dict has no weight_ih_l0/weight_hh_l0: not an RNN/GRU/LSTM")
    if np.ndim(arrays["weight_ih_l0"]) != 2 or np.ndim(arrays["weight_hh_l0"]) != 2:
        raise BadInput("weight_ih_l0 and weight_hh_l0 must be 2-D")


def from_state_dict(
    state_dict: Mapping,
    arch: str | None = None,
    *,
    variant: str = "pytorch",
    nonlinearity: str = "tanh",
    dtype: object = None,
    batch_first: bool = False,
) -> Recurrent:
    """A cell holding these weights (PyTorch names; arrays, tensors, or an ``np.load`` npz).

    arch None infers it (``infer_arch``). dtype None keeps the weights' float32/float64
    (anything else becomes float64); complex weights are refused. Missing biases
    (``bias=False``) become zeros. Bidirectional and projected LSTMs are refused.
    """
    arrays = {str(k): real_array(v, None, str(k)) for k, v in dict(state_dict).items()}
    _check_names(arrays)
    spec = archs.get(arch if arch is not None else infer_arch(arrays))
    num_layers = 1 + max(int(_KEY.match(k).group(2)) for k in arrays)
    dtype = as_dtype(_default_dtype(arrays["weight_ih_l0"]) if dtype is None else dtype)
    options = {"variant": variant, "nonlinearity": nonlinearity}  # the spec keeps its own
    kw = {k: v for k, v in options.items() if k in spec.options}
    input_size, hidden = arrays["weight_ih_l0"].shape[1], arrays["weight_hh_l0"].shape[1]
    cell = build(
        spec.name, input_size, hidden, num_layers, dtype=dtype, batch_first=batch_first, **kw
    )
    cell.load_state_dict(_with_zero_biases(arrays, cell._param_shapes()))
    return cell


def _with_zero_biases(arrays: dict, shapes: dict) -> dict:
    """Zeros for absent biases (a module built with ``bias=False``); other gaps are refused."""
    for name, shape in shapes.items():
        if name.startswith("bias") and name not in arrays:
            arrays[name] = np.zeros(shape, dtype=np.float64)
        if name not in arrays:
            raise BadInput(f"state dict lacks {name}")
    return arrays


def _torch_arch(module) -> str:
    """The registry name of a torch.nn module's class (nn.LSTM -> "lstm")."""
    kind = type(module).__name__
    for name in archs.names(torch_only=True):
        if archs.get(name).torch_module == kind:
            return name
    raise BadInput(f"expected torch.nn.RNN, GRU or LSTM, got {kind}")


def from_torch(
    module_or_state_dict,
    variant: str = "pytorch",
    dtype: object = None,
    *,
    nonlinearity: str | None = None,
) -> Recurrent:
    """A NumPy cell with the weights of a ``torch.nn.RNN/GRU/LSTM`` (or its state dict).

    For a module the architecture comes from its type, an RNN's nonlinearity and
    ``batch_first`` from the module (the cell then takes and gives (B, T, ·) like it);
    for a bare state dict both are inferred (see ``from_state_dict``).
    """
    obj = module_or_state_dict
    if isinstance(obj, Mapping):
        return from_state_dict(
            obj, variant=variant, nonlinearity=nonlinearity or "tanh", dtype=dtype
        )
    if not callable(getattr(obj, "state_dict", None)):
        raise BadInput(f"expected a torch.nn.RNN/GRU/LSTM or a state dict, got {type(obj)!r}")
    arch = _torch_arch(obj)
    if getattr(obj, "bidirectional", False):
        raise BadInput("bidirectional modules are not supported; use a unidirectional one")
    if getattr(obj, "proj_size", 0):
        raise BadInput("LSTM with proj_size > 0 is not supported")
    if nonlinearity is None:
        nonlinearity = getattr(obj, "nonlinearity", "tanh")
    return from_state_dict(
        obj.state_dict(),
        arch,
        variant=variant,
        nonlinearity=nonlinearity,
        dtype=dtype,
        batch_first=bool(getattr(obj, "batch_first", False)),
    )
