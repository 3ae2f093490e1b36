"""ONNX: the ``LSTM``, ``GRU`` and ``RNN`` nodes of a graph, read and written.

Reading maps a node's inputs by POSITION, as the operator specs define them (X, W, R, B,
sequence_lens, initial_h, initial_c, P), never by initializer names (exporters give them
meaningless ones such as ``onnx::LSTM_348``), and its attributes ``hidden_size``,
``direction``, ``linear_before_reset``, ``layout``, ``activations``, ``clip`` and
``input_forget``. Non-default activations, clip and input_forget are refused with the
reason: rnncli's cells are the default ones. W/R/B/P must be stored (initializers or
Constant nodes); external data is read only from a regular file beside the model (what
torch.onnx.export writes: ``model.onnx.data``), any other location is refused.

Writing builds the nodes directly with ``onnx.helper`` (``write``, ``export_onnx``): one
node per layer, time-major inside, Transpose+Reshape between layers (Y (T, D, B, H) ->
(T, B, D*H)), dynamic ``seq`` and ``batch`` axes, outputs ``y``, ``h_n`` (and ``c_n``) laid
out as torch.nn's. The proof runs on onnxruntime. Sources: onnx Operators.md (LSTM, GRU, RNN).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rnncli.errors import BadInput, MissingExtra, short
from rnncli.formats import MAX_VALUES, Layer, Model, check_sizes, layout
from rnncli.formats.layout import reorder

OPSET = 17
_PASS = ("Transpose", "Reshape", "Squeeze", "Unsqueeze", "Identity", "Cast")


def require_onnx():
    try:
        import onnx
    except ImportError:
        raise MissingExtra("onnx", "onnx") from None
    return onnx


# ---- reading ---------------------------------------------------------------------------------

def sniff(path: Path, name: str = "onnx") -> bool:
    """A protobuf ModelProto starts with field 1 (ir_version, a varint): byte 0x08."""
    with open(path, "rb") as fh:
        head = fh.read(9)
    return len(head) >= 2 and head[0] == 0x08 and head[8:9] != b"{"


def _load(path: Path):
    onnx = require_onnx()
    try:
        model = onnx.load(str(path), load_external_data=False)
    except Exception as exc:  # protobuf's DecodeError and friends
        raise BadInput(f"{path}: not a readable ONNX model ({short(exc, 60)})") from None
    return model


def _constants(graph, path: Path) -> dict:
    """name -> TensorProto of every initializer and Constant node; external data is read
    only from a file beside the model (torch.onnx.export's ``model.onnx.data``)."""
    out = {t.name: t for t in graph.initializer}
    for node in graph.node:
        if node.op_type == "Constant":
            for a in node.attribute:
                if a.name == "value":
                    out[node.output[0]] = a.t
    for name, t in out.items():
        if t.data_location == 1 or t.external_data:  # TensorProto.EXTERNAL
            _external(t, name, path)
    return out


def _external(t, name: str, path: Path) -> None:
    """Load a tensor's external data from a regular file in the model's own directory;
    refuse any other location (absolute, '..', a subdirectory, a link, a device)."""
    import stat

    from onnx.external_data_helper import load_external_data_for_tensor

    info = {e.key: e.value for e in t.external_data}
    where = info.get("location", "")
    target = path.parent / where
    if not where or Path(where).name != where or where in (".", ".."):
        raise BadInput(f"{path}: tensor {name!r} refers to external data at {where!r}, "
                       "outside the model's directory; refused")
    try:
        st = target.lstat()
    except OSError:
        raise BadInput(f"{path}: tensor {name!r}: external data file {where!r} is missing"
                       ) from None
    if not stat.S_ISREG(st.st_mode):
        raise BadInput(f"{path}: tensor {name!r}: external data {where!r} is not a regular "
                       "file; refused")
    count = int(np.prod(list(t.dims), dtype=np.int64))
    check_sizes(f"{path}: {name}", count, MAX_VALUES)
    end = int(info.get("offset", 0)) + int(info.get("length", count * 4))
    if end > st.st_size:
        raise BadInput(f"{path}: tensor {name!r} reads past the end of {where!r}")
    load_external_data_for_tensor(t, str(path.parent))


def _array(consts: dict, name: str, what: str, path: Path, label: str) -> np.ndarray | None:
    if not name:
        return None
    if name not in consts:
        raise BadInput(f"{path}: node {label}: {what} ({name!r}) is computed in the graph, "
                       "not stored; rnncli reads stored weights only")
    t = consts[name]
    check_sizes(f"{path}: {label} {what}", int(np.prod(list(t.dims), dtype=np.int64)),
                MAX_VALUES)
    from onnx import numpy_helper

    arr = numpy_helper.to_array(t)
    if arr.dtype.kind != "f":
        raise BadInput(f"{path}: node {label}: {what} has dtype {arr.dtype}, not floating")
    return arr.astype(np.float64)


def _attrs(node) -> dict:
    from onnx import helper

    out = {}
    for a in node.attribute:
        v = helper.get_attribute_value(a)
        if isinstance(v, bytes):
            v = v.decode()
        elif isinstance(v, list):
            v = [x.decode() if isinstance(x, bytes) else x for x in v]
        out[a.name] = v
    return out


def _check_attrs(arch: str, at: dict, dirs: int, label: str) -> str:
    """Refuse what rnncli's cells cannot compute; the RNN's nonlinearity."""
    if at.get("clip") is not None:
        raise BadInput(f"node {label}: clip={at['clip']} is not supported (rnncli's cells do "
                       "not clip pre-activations)")
    if at.get("input_forget", 0):
        raise BadInput(f"node {label}: input_forget=1 (coupled input-forget gate) is not "
                       "supported")
    acts = [str(a).lower() for a in at.get("activations", [])]
    want = list(layout.names_of(arch).onnx_activations) * dirs
    if layout.has_nonlinearity(arch) and acts and set(acts) == {"relu"}:
        return "relu"
    if acts and acts != want:
        raise BadInput(f"node {label}: activations {at['activations']} are not the default "
                       f"{want[: len(want) // dirs]}; rnncli's cells use the defaults")
    return "tanh"


def _shapes(W, R, B, arch: str, hidden: int, dirs: int, label: str) -> None:
    gh = layout.blocks(arch) * hidden
    if W.ndim != 3 or W.shape[:2] != (dirs, gh):
        raise BadInput(f"node {label}: W has shape {W.shape}; expected ({dirs}, {gh}, I) for "
                       f"hidden_size {hidden} and {dirs} direction(s)")
    if R.shape != (dirs, gh, hidden):
        raise BadInput(f"node {label}: R has shape {R.shape}, W {W.shape}: mismatched; "
                       f"expected R ({dirs}, {gh}, {hidden})")
    if B is not None and B.shape != (dirs, 2 * gh):
        raise BadInput(f"node {label}: B has shape {B.shape}; expected ({dirs}, {2 * gh})")


def _direction(at: dict, label: str) -> int:
    d = at.get("direction", "forward")
    if d == "reverse":
        raise BadInput(f"node {label}: direction=reverse alone (a backward-only layer) is not "
                       "supported; export the layer as bidirectional or forward")
    if d not in ("forward", "bidirectional"):
        raise BadInput(f"node {label}: unknown direction {d!r}")
    return 2 if d == "bidirectional" else 1


def _neutral(arch: str, W, R, B, P, d: int) -> dict:
    """One direction in PyTorch's order from ONNX's (W[iofc]/[zrh], B = Wb then Rb)."""
    gh = W.shape[1]
    b = np.zeros(2 * gh) if B is None else B[d]
    out = {"weight_ih": reorder(W[d], arch, "onnx", "pytorch"),
           "weight_hh": reorder(R[d], arch, "onnx", "pytorch"),
           "bias_ih": reorder(b[:gh], arch, "onnx", "pytorch"),
           "bias_hh": reorder(b[gh:], arch, "onnx", "pytorch")}
    if P is not None:
        p_i, p_o, p_f = np.split(P[d], 3)  # P[iof]
        out.update(weight_ci=p_i, weight_cf=p_f, weight_co=p_o)
    return out


def _peepholes(consts: dict, name: str, arch: str, shape: tuple, path: Path, label: str):
    """(P or None, notes): an LSTM's peepholes (all zeros: a plain LSTM, and said)."""
    P = _array(consts, name, "P", path, label) if layout.has_cell(arch) else None
    if P is not None and not P.any():
        return None, [f"{label}: P (peepholes) is all zeros: read as a plain LSTM"]
    if P is not None and P.shape != shape:
        raise BadInput(f"node {label}: P has shape {P.shape}; expected {shape}")
    return P, []


def _layer(node, consts: dict, path: Path, index: int) -> Layer:
    arch = layout.arch_for("onnx_op", node.op_type)
    label = node.name or f"#{index} ({node.op_type})"
    at = _attrs(node)
    dirs = _direction(at, label)
    nonlin = _check_attrs(arch, at, dirs, label)
    inputs = list(node.input) + [""] * 8
    W, R, B = (_array(consts, inputs[i], n, path, label) for i, n in enumerate("WRB", 1))
    if W is None or R is None:
        raise BadInput(f"{path}: node {label} lacks W or R")
    hidden = int(at.get("hidden_size", R.shape[-1]))
    _shapes(W, R, B, arch, hidden, dirs, label)
    P, notes = _peepholes(consts, inputs[7], arch, (dirs, 3 * hidden), path, label)
    if P is not None:
        arch = layout.PEEPHOLE
    dirs_params = [_neutral(arch, W, R, B, P, d) for d in range(dirs)]
    before = layout.has_variant(arch) and not at.get("linear_before_reset", 0)
    variant = "cho2014" if before else "pytorch"
    raw = {"op": node.op_type, "cell": layout.has_cell(arch), "W": W, "R": R, "B": B,
           "P": P, "attrs": at}
    return Layer(label, arch, int(W.shape[2]), hidden, dirs_params, variant=variant,
                 nonlinearity=nonlin, batch_first=bool(at.get("layout", 0)),
                 framework="onnx", raw=raw, notes=notes)


def _state_inputs(node, consts: dict, fed: set, label: str) -> list[str]:
    """sequence_lens, initial_h, initial_c (inputs 4-6): a stored nonzero one is refused
    (rnncli traces from zeros over whole sequences); one fed at run time is noted."""
    notes = []
    for pos, what in ((4, "sequence_lens"), (5, "initial_h"), (6, "initial_c")):
        name = node.input[pos] if len(node.input) > pos else ""
        if name in consts and what != "sequence_lens":
            from onnx import numpy_helper

            if np.any(numpy_helper.to_array(consts[name])):
                raise BadInput(f"node {label}: a stored nonzero {what} is not supported "
                               "(rnncli starts from zeros)")
        elif name in fed:
            notes.append(f"{label}: {what} is a graph input; rnncli runs "
                         + ("whole sequences" if pos == 4 else "from a zero state"))
    return notes


def _producers(graph) -> dict:
    return {out: node for node in graph.node for out in node.output}


def _feeds_from(node, producers: dict):
    """The recurrent node whose Y reaches this node's X through reshaping ops only."""
    name = node.input[0]
    for _ in range(16):
        src = producers.get(name)
        if src is None:
            return None
        if layout.arch_for("onnx_op", src.op_type):
            return src if name == src.output[0] else None
        if src.op_type not in _PASS:
            return None
        name = src.input[0]
    return None


def read(path: Path, name: str = "onnx") -> Model:
    model = _load(path)
    graph = model.graph
    nodes = [n for n in graph.node if layout.arch_for("onnx_op", n.op_type)
             and n.domain in ("", "ai.onnx")]
    if not nodes:
        ops = sorted({n.op_type for n in graph.node})
        raise BadInput(f"{path}: no recurrent node (LSTM, GRU, RNN) in the graph; it has "
                       f"{', '.join(ops[:8]) or 'no nodes'}")
    consts = _constants(graph, path)
    producers = _producers(graph)
    layers = []
    fed = {i.name for i in graph.input}
    for i, node in enumerate(nodes):
        layer = _layer(node, consts, path, i)
        layer.notes += _state_inputs(node, consts, fed, layer.name)
        layer.follows = i > 0 and _feeds_from(node, producers) is nodes[i - 1]
        layers.append(layer)
    return Model(path, name, layers)


# ---- writing and running: rnncli.formats.onnx_write ----------------------------------------

def write(stack: list[Layer], path: Path, name: str = "onnx") -> None:
    from rnncli.formats import onnx_write

    onnx_write.write(stack, path)


def run(stack: list[Layer], x: np.ndarray, name: str = "onnx", source: Path | None = None):
    from rnncli.formats import onnx_write

    return onnx_write.run(stack, x)


def export_onnx(module, path: str | Path, dynamic: bool = True) -> Path:
    """``rnncli.formats.onnx_write.export_onnx``: a torch.nn.LSTM/GRU/RNN as ONNX nodes."""
    from rnncli.formats import onnx_write

    return onnx_write.export_onnx(module, path, dynamic)
