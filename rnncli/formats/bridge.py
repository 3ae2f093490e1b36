"""From the neutral layers to what the rest of rnncli uses: the ``checkpoint.Weights`` that
``gates`` traces and ``bench`` times, and a run through rnncli's reference cells (the proof's
runtime when a framework is not installed).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rnncli.formats import Layer, Model, describe


def _named(stack: list[Layer], d: int) -> dict[str, np.ndarray]:
    out = {}
    for k, layer in enumerate(stack):
        for n, v in layer.directions[d].items():
            out[f"{n}_l{k}"] = np.asarray(v, np.float64)
    return out


def to_weights(stack: list[Layer], path: Path, prefix: str = ""):
    """The stack as the ``checkpoint.Weights`` gates and bench read from PyTorch files."""
    from rnncli.checkpoint import Weights

    first = stack[0]
    return Weights(_named(stack, 0), prefix or first.name, first.arch, first.input_size,
                   first.hidden_size, len(stack), path,
                   reverse=_named(stack, 1) if first.bidirectional else None)


def header(model: Model, stack: list[Layer]) -> list[str]:
    """Lines gates prints above the trace: framework, gate order, variant, directions."""
    info = describe(stack[0])
    names = ", ".join(x.name for x in stack)
    lines = [f"weights: {model.path}, {info['framework']} ({model.fmt}), layer(s) {names}: "
             f"{info['title']}, stored gate order {info['gate_order']}, read into PyTorch's"]
    from rnncli.formats.layout import has_variant

    if has_variant(stack[0].arch):
        lines.append("GRU variant: " + ("reset after the product (PyTorch's, Keras "
                     "reset_after=True, ONNX linear_before_reset=1)" if stack[0].variant ==
                     "pytorch" else "cho2014: reset before the product (Keras "
                     "reset_after=False, ONNX linear_before_reset=0); torch.nn.GRU cannot run "
                     "it, rnncli's cells can"))
    lines.append("directions: " + " and ".join(info["directions"]))
    return lines + [n for x in stack for n in x.notes] + model.notes


def run_reference(stack: list[Layer], x: np.ndarray):
    """(y (T, B, D*H), h_n (L*D, B, H), c_n or None) through rnncli's reference cells."""
    from rnncli import checkpoint

    w = to_weights(stack, Path("."))
    opts = {"variant": stack[0].variant, "nonlinearity": stack[0].nonlinearity}
    inp, hs, cs = np.asarray(x, np.float64), [], []
    for k in range(len(stack)):
        outs = []
        for d, sd in enumerate([w.state_dict, w.reverse][: len(stack[k].directions)]):
            cell = checkpoint.to_cell(w, impl="reference", state_dict=checkpoint.layer_dict(
                sd, k), **opts)
            seq = inp[::-1] if d else inp
            y, state, _ = cell.forward(np.ascontiguousarray(seq))
            outs.append(y[::-1] if d else y)
            state = state if isinstance(state, tuple) else (state,)
            hs.append(state[0][0])
            if len(state) > 1:
                cs.append(state[1][0])
        inp = np.concatenate(outs, axis=-1)
    return inp, np.stack(hs), (np.stack(cs) if cs else None), "rnncli reference cells"


def torch_weights(path: Path, prefix: str | None = None):
    """(``checkpoint.Weights``, kind) of a Keras/ONNX file's stack for a torch.nn module
    (bench --weights); BadInput naming why when torch.nn has no such module."""
    from rnncli import formats
    from rnncli.errors import BadInput
    from rnncli.formats.torch_files import check_expressible

    model = formats.read(path)
    stack = formats.pick_stack(model, prefix)
    try:
        check_expressible(stack)
    except BadInput as exc:
        raise BadInput(f"{path}: no PyTorch module computes this layer ({exc}); bench times "
                       "torch.nn modules. rnncli gates --weights traces it") from None
    return to_weights(stack, model.path), f"{formats.get(model.fmt).title} file"
