"""PyTorch state dicts (``.pt``, safetensors) as a format: read through ``rnncli.checkpoint``
(the safe loader gates and bench use), written as a bare ``nn.LSTM/GRU/RNN`` state dict
(``weight_ih_l{k}``, ``weight_hh_l{k}``, ``bias_ih_l{k}``, ``bias_hh_l{k}``, ``_reverse``
for the backward direction: torch-lstm, torch-gru, torch-rnn), run by ``torch.nn``.

A state dict does not record ``batch_first`` nor an RNN's nonlinearity: read as
``batch_first=False`` and tanh (and said). torch has no reset-before GRU and no peephole
LSTM: writing one is refused with the error it would make (``rnncli.formats.convert``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rnncli import archs
from rnncli.errors import BadInput, MissingExtra
from rnncli.formats import Layer, Model, layout


def sniff(path: Path, name: str) -> bool:
    from rnncli import checkpoint

    kind = checkpoint.sniff(path)
    return kind == name or (name == "torch" and kind in ("torch", "npz"))


def _layers(w, prefix: str) -> list[Layer]:
    from rnncli import checkpoint

    out = []
    for k in range(w.num_layers):
        dirs = [checkpoint.layer_dict(w.state_dict, k)]
        if w.reverse is not None:
            dirs.append(checkpoint.layer_dict(w.reverse, k))
        dirs = [{key.removesuffix("_l0"): v for key, v in d.items()} for d in dirs]
        _fill_biases(dirs, w.arch)
        name = f"{prefix or 'rnn'}.l{k}"
        out.append(Layer(name, w.arch, int(dirs[0]["weight_ih"].shape[1]), w.hidden_size,
                         dirs, framework="pytorch", follows=k > 0))
    return out


def _fill_biases(dirs: list[dict], arch: str) -> None:
    for d in dirs:
        rows = d["weight_hh"].shape[0]
        for b in ("bias_ih", "bias_hh"):
            d.setdefault(b, np.zeros(rows))


def read(path: Path, name: str) -> Model:
    from rnncli import checkpoint

    ckpt = checkpoint.read(path)
    layers: list[Layer] = []
    for prefix in sorted(checkpoint.recurrent_groups(ckpt.arrays)):
        try:
            w = checkpoint.select(ckpt.arrays, prefix, ckpt.path)
        except BadInput as exc:
            if "bidirectional" not in str(exc):
                raise
            w = checkpoint.select(ckpt.arrays, prefix, ckpt.path, "forward")
        layers.extend(_layers(w, prefix))
    if not layers:
        checkpoint.select(ckpt.arrays, None, ckpt.path)  # raises the loader's own message
    notes = list(ckpt.notes)
    if any(layout.has_nonlinearity(x.arch) for x in layers):
        notes.append("nonlinearity: tanh assumed (a state dict does not record it)")
    return Model(ckpt.path, ckpt.fmt if ckpt.fmt in ("torch", "safetensors") else "torch",
                 layers, notes)


def from_module(module) -> list[Layer]:
    """The layers of a ``torch.nn.LSTM/GRU/RNN`` (proj_size refused)."""
    if getattr(module, "proj_size", 0):
        raise BadInput("an LSTM with proj_size has no ONNX/Keras equivalent here")
    arch = type(module).__name__.lower()
    if arch not in archs.names(torch_only=True):
        raise BadInput(f"{type(module).__name__}: not an nn.LSTM, nn.GRU or nn.RNN")
    sd = {k: v.detach().cpu().double().numpy() for k, v in module.state_dict().items()}
    layers = []
    for k in range(module.num_layers):
        dirs = []
        for tail in ([""] + (["_reverse"] if module.bidirectional else [])):
            d = {n: sd[f"{n}_l{k}{tail}"] for n in ("weight_ih", "weight_hh", "bias_ih",
                                                     "bias_hh") if f"{n}_l{k}{tail}" in sd}
            dirs.append(d)
        _fill_biases(dirs, arch)
        layers.append(Layer(f"rnn.l{k}", arch, int(dirs[0]["weight_ih"].shape[1]),
                            module.hidden_size, dirs,
                            nonlinearity=getattr(module, "nonlinearity", "tanh"),
                            batch_first=module.batch_first, follows=k > 0))
    return layers


def state_dict(stack: list[Layer]) -> dict[str, np.ndarray]:
    """The stack as one torch.nn module's state dict (float32 arrays)."""
    out = {}
    for k, layer in enumerate(stack):
        for d, params in enumerate(layer.directions):
            tail = f"_l{k}" + ("_reverse" if d else "")
            for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                out[n + tail] = np.ascontiguousarray(params[n], np.float32)
    return out


def check_expressible(stack: list[Layer]) -> None:
    """BadInput when torch.nn has no module computing this stack."""
    first = stack[0]
    if layout.is_peephole(first.arch):
        raise BadInput("torch.nn has no peephole LSTM")
    if layout.has_variant(first.arch) and first.variant == "cho2014":
        raise BadInput("torch.nn.GRU resets after the product (reset_after); this GRU resets "
                       "before it (Keras reset_after=False, ONNX linear_before_reset=0)")


def module(stack: list[Layer]):
    """A float32 torch.nn module holding the stack."""
    import torch

    check_expressible(stack)
    first = stack[0]
    kw = {"nonlinearity": first.nonlinearity} if layout.has_nonlinearity(first.arch) else {}
    mod = archs.torch_module(first.arch)(first.input_size, first.hidden_size,
                                         num_layers=len(stack),
                                         bidirectional=first.bidirectional,
                                         batch_first=False, **kw)
    mod.load_state_dict({k: torch.from_numpy(v) for k, v in state_dict(stack).items()})
    return mod.eval()


def write(stack: list[Layer], path: Path, name: str) -> None:
    from rnncli.fileio import write_atomic

    check_expressible(stack)
    sd = state_dict(stack)
    if name == "safetensors":
        try:
            from safetensors.numpy import save_file
        except ImportError:
            raise MissingExtra("safetensors", "safetensors") from None
        write_atomic(path, lambda tmp: save_file(sd, tmp))
        return
    import torch

    from rnncli.fileio import save_torch_atomic

    save_torch_atomic(path, {k: torch.from_numpy(v) for k, v in sd.items()})


def run(stack: list[Layer], x: np.ndarray, name: str, source: Path | None = None):
    """(y, h_n, c_n, runtime) of torch.nn on a time-major batch (float32)."""
    import torch

    mod = module(stack)
    with torch.no_grad():
        y, state = mod(torch.from_numpy(np.asarray(x, np.float32)))
    h, c = state if isinstance(state, tuple) else (state, None)
    return (y.numpy(), h.numpy(), None if c is None else c.numpy(),
            f"torch.nn.{type(mod).__name__}")
