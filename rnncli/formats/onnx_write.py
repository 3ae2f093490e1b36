"""ONNX written by rnncli: one ``LSTM``/``GRU``/``RNN`` node per layer, built directly with
``onnx.helper`` (opset 17), and run on onnxruntime for the proof.

One node per layer, time-major inside, Transpose+Reshape between layers (Y (T, D, B, H) ->
(T, B, D*H)), dynamic ``seq`` and ``batch`` axes, outputs ``y``, ``h_n`` (and ``c_n``) laid
out as torch.nn's; a batch-first stack (from Keras) takes and gives (B, T, ...). W, R, B, P
come from the layer's own ONNX arrays where it was read from ONNX (``raw``), else from the
neutral layer through the porting table. Source: onnx Operators.md (LSTM, GRU, RNN).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rnncli.errors import BadInput, MissingExtra
from rnncli.formats import Layer, layout
from rnncli.formats.layout import reorder
from rnncli.formats.onnx_files import OPSET, require_onnx


def to_raw(layer: Layer) -> dict:
    """The ONNX node's W, R, B, P and attributes for a neutral layer."""
    arch = layout.base_arch(layer.arch)
    dirs = layer.directions

    def stack(key: str) -> np.ndarray:
        return np.stack([reorder(d[key], arch, "pytorch", "onnx") for d in dirs])

    at = {"hidden_size": layer.hidden_size,
          "direction": "bidirectional" if layer.bidirectional else "forward"}
    if layout.has_variant(arch):
        at["linear_before_reset"] = int(layer.variant == "pytorch")
    if layout.has_nonlinearity(arch) and layer.nonlinearity == "relu":
        at["activations"] = ["Relu"] * len(dirs)
    P = None
    if layout.is_peephole(layer.arch):
        P = np.stack([np.concatenate([d["weight_ci"], d["weight_co"], d["weight_cf"]])
                      for d in dirs])
    B = np.concatenate([stack("bias_ih"), stack("bias_hh")], axis=1)
    return {"op": layout.names_of(arch).onnx_op, "cell": layout.has_cell(arch),
            "W": stack("weight_ih"), "R": stack("weight_hh"), "B": B, "P": P,
            "attrs": at}


def _node(raw: dict, k: int, x: str, inits: list):
    """The recurrent node of layer ``k`` reading ``x``, its initializers appended."""
    from onnx import helper, numpy_helper

    names = []
    for key in ("W", "R", "B", "P"):
        if raw.get(key) is None:
            names.append("")
            continue
        names.append(f"{key}_{k}")
        inits.append(numpy_helper.from_array(np.asarray(raw[key], np.float32), f"{key}_{k}"))
    inputs = [x, *names[:3]] + (["", "", "", names[3]] if names[3] else [])
    outputs = [f"Y_{k}", f"Y_h_{k}"] + ([f"Y_c_{k}"] if raw["cell"] else [])
    attrs = {a: v for a, v in raw["attrs"].items()
             if a in ("hidden_size", "direction", "linear_before_reset", "activations")}
    return helper.make_node(raw["op"], inputs, outputs, name=f"{raw['op'].lower()}_{k}",
                            **attrs)


def _layer_nodes(raws: list[dict], batch_first: bool) -> tuple[list, list]:
    """(nodes, initializers) from x to y: one recurrent node per layer, time-major inside,
    Y (T, D, B, H) -> (T, B, D*H) between layers."""
    from onnx import helper, numpy_helper

    nodes, inits = [], [numpy_helper.from_array(np.array([0, 0, -1], np.int64), "flat")]
    cur = "x"
    if batch_first:
        nodes.append(helper.make_node("Transpose", ["x"], ["x_tm"], perm=[1, 0, 2]))
        cur = "x_tm"
    for k, raw in enumerate(raws):
        nodes.append(_node(raw, k, cur, inits))
        nodes.append(helper.make_node("Transpose", [f"Y_{k}"], [f"Yt_{k}"], perm=[0, 2, 1, 3]))
        nodes.append(helper.make_node("Reshape", [f"Yt_{k}", "flat"], [f"out_{k}"]))
        cur = f"out_{k}"
    nodes.append(helper.make_node("Transpose", [cur], ["y"], perm=[1, 0, 2]) if batch_first
                 else helper.make_node("Identity", [cur], ["y"]))
    return nodes, inits


def build(stack: list[Layer], raws: list[dict] | None = None):
    """A ModelProto running the stack: input x, outputs y, h_n[, c_n] as torch.nn's."""
    onnx = require_onnx()
    from onnx import TensorProto, helper

    raws = raws or [to_raw(layer) for layer in stack]
    first, batch_first = stack[0], stack[0].batch_first
    seq_axes = ["batch", "seq"] if batch_first else ["seq", "batch"]
    nodes, inits = _layer_nodes(raws, batch_first)
    L = len(raws)
    outs = [("h_n", "Y_h")] + ([("c_n", "Y_c")] if raws[0]["cell"] else [])
    for name, part in outs:
        nodes.append(helper.make_node("Concat", [f"{part}_{k}" for k in range(L)], [name],
                                      axis=0))
    f32 = TensorProto.FLOAT
    graph = helper.make_graph(
        nodes, "rnncli", [helper.make_tensor_value_info("x", f32, [*seq_axes,
                                                                   first.input_size])],
        [helper.make_tensor_value_info("y", f32, [*seq_axes, stack[-1].output_size])]
        + [helper.make_tensor_value_info(n, f32, [L * len(first.directions), "batch",
                                                  first.hidden_size]) for n, _ in outs],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="rnncli")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def write(stack: list[Layer], path: Path) -> None:
    from rnncli.fileio import write_bytes_atomic

    model = build(stack)
    write_bytes_atomic(path, model.SerializeToString())


def export_onnx(module, path: str | Path, dynamic: bool = True) -> Path:
    """Write a ``torch.nn.LSTM/GRU/RNN`` as ONNX nodes (atomic): input ``x``, outputs ``y``,
    ``h_n`` (``c_n``) as the module returns them, sequence and batch axes dynamic.

    ``dynamic=False`` is refused: the nodes are written shape-free; nothing is gained by
    freezing them (torch.onnx.export's default exporter in torch 2.13 freezes a GRU's
    sequence length, the reason this writer exists)."""
    if not dynamic:
        raise BadInput("export_onnx writes dynamic axes only")
    from rnncli.formats.torch_files import from_module

    stack = from_module(module)
    write(stack, Path(path))
    return Path(path)


# ---- running -------------------------------------------------------------------------------------

def session(model_bytes: bytes, threads: int = 1):
    """An onnxruntime CPU session pinned to ``threads`` intra-op threads."""
    try:
        import onnxruntime as ort
    except ImportError:
        raise MissingExtra("onnxruntime", "onnx") from None
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    return ort.InferenceSession(model_bytes, opts, providers=["CPUExecutionProvider"])


def run(stack: list[Layer], x: np.ndarray):
    """The stack on onnxruntime: the file's own W/R/B (``raw``) where it was read from ONNX,
    in nodes of their own (the rest of the source graph is not run)."""
    raws = [layer.raw if isinstance(layer.raw, dict) and "W" in layer.raw else to_raw(layer)
            for layer in stack]
    sess = session(build(stack, raws).SerializeToString())
    xin = np.asarray(x, np.float32)
    if stack[0].batch_first:
        xin = np.ascontiguousarray(xin.transpose(1, 0, 2))
    outs = sess.run(None, {"x": xin})
    y = outs[0].transpose(1, 0, 2) if stack[0].batch_first else outs[0]
    return y, outs[1], outs[2] if len(outs) > 2 else None, "onnxruntime"
