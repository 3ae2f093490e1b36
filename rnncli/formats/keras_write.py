"""Keras layers built from neutral layers (or a file's own arrays), for writing ``.keras``,
``.weights.h5`` and legacy ``.h5`` files and for running the proof with Keras's own LSTM, GRU
and SimpleRNN (torch backend).

The inverse of ``keras_files``' mapping: kernel = PyTorch's weight_ih reordered to Keras's
gates and transposed; an LSTM's or RNN's two biases merge into Keras's one (only their sum
acts); a PyTorch-variant GRU keeps both as ``reset_after=True``'s (2, 3H) bias; a
reset-before (cho2014) GRU becomes ``reset_after=False`` with every bias merged into the
input bias (b_hn sits outside the reset there, so the merge is exact). A peephole LSTM has
no Keras layer: refused.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from rnncli.errors import BadInput
from rnncli.formats import Layer, layout
from rnncli.formats.keras_files import keras
from rnncli.formats.layout import reorder


def check_expressible(stack: list[Layer]) -> None:
    if layout.is_peephole(stack[0].arch):
        raise BadInput("Keras has no peephole LSTM layer")


def to_raw(layer: Layer) -> list[list[np.ndarray]]:
    """[kernel, recurrent_kernel, bias] per direction, float32, as Keras stores them."""
    arch = layer.arch
    out = []
    for d in layer.directions:
        kernel = reorder(d["weight_ih"], arch, "pytorch", "keras").T
        rec = reorder(d["weight_hh"], arch, "pytorch", "keras").T
        b_ih = reorder(d["bias_ih"], arch, "pytorch", "keras")
        b_hh = reorder(d["bias_hh"], arch, "pytorch", "keras")
        if layout.has_variant(arch) and layer.variant == "pytorch":
            bias = np.stack([b_ih, b_hh])
        else:
            bias = b_ih + b_hh
        out.append([np.asarray(a, np.float32) for a in (kernel, rec, bias)])
    return out


def _keras_layer(k, layer: Layer, sequences: bool, state: bool, name: str):
    cls = getattr(k.layers, layout.names_of(layer.arch).keras_class)
    kw = {"units": layer.hidden_size, "return_sequences": sequences, "return_state": state}
    if layout.has_variant(layer.arch):
        kw["reset_after"] = layer.variant == "pytorch"
    if layout.has_nonlinearity(layer.arch):
        kw["activation"] = layer.nonlinearity
    if layer.bidirectional:
        return k.layers.Bidirectional(cls(**kw), merge_mode="concat", name=name)
    return cls(name=name, **kw)


def _raws(stack: list[Layer]) -> list:
    return [x.raw if x.framework == "keras" and isinstance(x.raw, list) else to_raw(x)
            for x in stack]


def _set(layer_obj, raw: list[list[np.ndarray]]) -> None:
    layer_obj.set_weights([np.asarray(a, np.float32) for side in raw for a in side])


def sequential(stack: list[Layer]):
    """A Sequential of the stack, every layer returning its sequence (for writing)."""
    k = keras()
    check_expressible(stack)
    layers = [_keras_layer(k, x, True, False, _name(x, i)) for i, x in enumerate(stack)]
    model = k.Sequential([k.Input((None, stack[0].input_size)), *layers])
    for obj, raw in zip(layers, _raws(stack), strict=True):
        _set(obj, raw)
    return model


def _name(layer: Layer, i: int) -> str:
    clean = "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in layer.name)
    return clean or f"rnn_{i}"


def write(stack: list[Layer], path: Path, name: str) -> None:
    """Write ``.keras`` (model.save), ``.weights.h5`` (save_weights) or legacy ``.h5``."""
    from rnncli.fileio import write_atomic

    model = sequential(stack)

    def _save(tmp: str) -> None:
        target = tmp + (".weights.h5" if name == "keras-weights" else
                        ".keras" if name == "keras" else ".h5")
        if name == "keras-weights":
            model.save_weights(target)
        else:
            model.save(target)
        os.replace(target, tmp)

    write_atomic(path, _save)


def run(stack: list[Layer], x: np.ndarray):
    """(y, h_n, c_n, runtime) of Keras's own layers on a time-major batch."""
    k = keras()
    check_expressible(stack)
    inp = k.Input((None, stack[0].input_size))
    cur, hs, cs, objs = inp, [], [], []
    for i, layer in enumerate(stack):
        obj = _keras_layer(k, layer, True, True, _name(layer, i))
        outs = obj(cur)
        cur, states = outs[0], list(outs[1:])
        per = 2 if layout.has_cell(layer.arch) else 1
        for j in range(0, len(states), per):
            hs.append(states[j])
            if per == 2:
                cs.append(states[j + 1])
        objs.append(obj)
    model = k.Model(inp, [cur, *hs, *cs])
    for obj, raw in zip(objs, _raws(stack), strict=True):
        _set(obj, raw)
    res = model(np.ascontiguousarray(np.asarray(x, np.float32).transpose(1, 0, 2)))
    res = [np.asarray(k.ops.convert_to_numpy(r)) for r in res]
    n = len(hs)
    y = res[0].transpose(1, 0, 2)
    c = np.stack(res[1 + n:]) if cs else None
    return y, np.stack(res[1:1 + n]), c, f"Keras {k.__version__} ({k.backend.backend()})"
