"""``rnncli convert SRC DST``: move a recurrent layer stack between PyTorch, Keras and ONNX,
and prove it with numbers.

SRC is read into the neutral layers (its format from its content), DST written in the
format its name asks for, then both run a seeded random batch through their own runtime
(torch.nn, Keras with the torch backend, onnxruntime; rnncli's reference cells where a
runtime is not installed, and said): the proof is the max |Δ| of the outputs and of the
final states. A conversion that cannot be exact is refused before anything is written,
with the size of the error it would have made, measured the same way.

The porting traps of the lesson are shown where they apply: gate orders (one table,
``layout``), Keras's merged bias and ``unit_forget_bias``, TF1's forget bias added at run
time (not stored; TF checkpoints need TensorFlow and are not read), the GRU's reset variant.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from rnncli import formats
from rnncli.errors import BadInput, MissingExtra
from rnncli.formats import Format, Layer, bridge, layout

PROOF_STEPS = 7
PROOF_BATCH = 3


@dataclass(frozen=True)
class ConvertRequest:
    src: Path
    dst: Path
    prefix: str | None = None
    seed: int = 0
    force: bool = False  # overwrite an existing DST


def batch(stack: list[Layer], seed: int) -> np.ndarray:
    """The proof's seeded batch (T, B, I), standard normal, float32."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal((PROOF_STEPS, PROOF_BATCH, stack[0].input_size)).astype(
        np.float32)


def run(fmt: Format, stack: list[Layer], x: np.ndarray, notes: list[str]):
    """The format's own runtime, or rnncli's reference cells when it is not installed."""
    try:
        return fmt.run(stack, x)
    except MissingExtra as exc:
        notes.append(f"{fmt.title}: {exc}; ran rnncli's reference cells instead")
        return bridge.run_reference(stack, x)


def delta(a, b) -> tuple[float, float]:
    """(max |Δ| of the outputs, of the final states)."""
    out = float(np.max(np.abs(np.asarray(a[0], np.float64) - b[0])))
    states = [float(np.max(np.abs(np.asarray(a[i], np.float64) - b[i])))
              for i in (1, 2) if a[i] is not None and b[i] is not None]
    return out, max(states) if states else 0.0


def _error_if(stack: list[Layer], changed: list[Layer], x: np.ndarray) -> float:
    """Max |Δ| of the outputs if the stack were run as ``changed`` (the error a refused
    conversion would make), through rnncli's reference cells."""
    return delta(bridge.run_reference(stack, x), bridge.run_reference(changed, x))[0]


def _without_peepholes(layer: Layer) -> Layer:
    return replace(layer, arch=layout.base_arch(layer.arch), directions=[
        {k: v for k, v in d.items() if not k.startswith("weight_c")} for d in layer.directions])


def refusal(stack: list[Layer], dst: Format, x: np.ndarray) -> str | None:
    """Why DST cannot hold this stack exactly, with the measured error; None when it can."""
    first = stack[0]
    if layout.is_peephole(first.arch) and dst.framework != "onnx":
        err = _error_if(stack, [_without_peepholes(layer) for layer in stack], x)
        return (f"{layout.CONVENTIONS[dst.framework].title} has no peephole LSTM: dropping "
                f"the peepholes (ONNX P) would change the outputs by max |Δ| {err:.3g} on a "
                "seeded random batch; convert to .onnx")
    if first.variant == "cho2014" and dst.framework == "pytorch":
        err = _error_if(stack, [replace(layer, variant="pytorch") for layer in stack], x)
        return ("torch.nn.GRU applies the reset gate after the product (reset_after); this "
                "GRU applies it before (Keras reset_after=False, ONNX linear_before_reset=0): "
                f"loading it into nn.GRU would change the outputs by max |Δ| {err:.3g} on a "
                "seeded random batch; convert to .onnx or .keras, which express it")
    return None


_TF1 = ("TF1's LSTMCell(forget_bias=1.0) added 1 to the forget gate at run time without "
        "storing it: weights from TF1 need +1 on the forget bias. TF checkpoints need "
        "TensorFlow to read and are not supported")
_GRU_AFTER = ("GRU variant: reset after the product: nn.GRU, Keras reset_after=True, ONNX "
              "linear_before_reset=1; b_hn kept apart (a runtime without that bias, e.g. flax "
              "nnx's GRU, cannot hold it)")
# (applies(source framework, destination framework, first layer), the trap in one line)
_TRAPS = (
    (lambda s, d, x: "keras" in (s, d) and layout.has_cell(x.arch), _TF1),
    (lambda s, d, x: d == "keras" and not layout.has_variant(x.arch),
     "Keras stores one bias: PyTorch's bias_ih + bias_hh are summed (only their sum acts)"),
    (lambda s, d, x: s == "keras" != d
     and not (layout.has_variant(x.arch) and x.variant == "pytorch"),
     "Keras has one bias here: written as bias_ih, bias_hh zeros (the sum unchanged)"),
    (lambda s, d, x: d == "onnx" and layout.has_cell(x.arch),
     "OpenVINO's own LSTMSequence stores gates f,i,c,o: give OpenVINO this .onnx (its ONNX "
     "reader reorders) rather than copying arrays"),
    (lambda s, d, x: layout.has_variant(x.arch) and x.variant == "pytorch", _GRU_AFTER),
    (lambda s, d, x: layout.has_variant(x.arch) and x.variant != "pytorch",
     "GRU variant: reset before the product (cho2014): Keras reset_after=False, ONNX "
     "linear_before_reset=0"),
)


def traps(model, stack: list[Layer], dst: Format) -> list[str]:
    """The porting traps that apply to this conversion, in one line each."""
    first = stack[0]
    arch = layout.base_arch(first.arch)
    src_conv = layout.CONVENTIONS[first.framework]
    dst_conv = layout.CONVENTIONS[dst.framework]
    same = src_conv.letters[arch] == dst_conv.letters[arch]
    notes = [f"gate order {','.join(src_conv.letters[arch])} ({src_conv.title}) -> "
             f"{','.join(dst_conv.letters[arch])} ({dst_conv.title}): "
             + ("same order" if same else "row blocks reordered")
             + ("; kernels transposed" if src_conv.transposed != dst_conv.transposed else "")]
    notes += [n for layer in stack for n in layer.notes] + list(model.notes)
    notes += [text for applies, text in _TRAPS
              if applies(first.framework, dst.framework, first)]
    return notes


def _check_paths(req: ConvertRequest) -> Format:
    from rnncli.fileio import check_writable

    dst = formats.for_destination(req.dst)
    if req.dst.exists() and not req.force:
        raise BadInput(f"{req.dst} exists; add --force to overwrite it")
    if req.dst.resolve() == Path(req.src).resolve():
        raise BadInput("SRC and DST are the same file")
    check_writable(req.dst)
    return dst


def convert(req: ConvertRequest) -> dict:
    """Read, check, write, prove; the record ``convert`` renders (and prints as --json)."""
    dst = _check_paths(req)
    model = formats.read(req.src, "SRC")
    stack = formats.pick_stack(model, req.prefix)
    x = batch(stack, req.seed)
    why = refusal(stack, dst, x)
    if why:
        raise BadInput(f"refused: {why}")
    notes = traps(model, stack, dst)
    dst.write(stack, req.dst)
    src_out = run(formats.get(model.fmt), stack, x, notes)
    back = formats.pick_stack(formats.read(req.dst, "DST"), None)
    dst_out = run(dst, back, x, notes)
    out_err, state_err = delta(src_out, dst_out)
    return {
        "source": {"path": str(model.path), "format": model.fmt},
        "destination": {"path": str(req.dst), "format": dst.name,
                        "gate_order": ",".join(layout.CONVENTIONS[dst.framework].letters[
                            layout.base_arch(stack[0].arch)])},
        "layers": [formats.describe(layer) for layer in stack],
        "notes": notes,
        "proof": {"max_abs_output": out_err, "max_abs_state": state_err,
                  "shape": [PROOF_STEPS, PROOF_BATCH, stack[0].input_size], "seed": req.seed,
                  "source_runtime": src_out[3], "destination_runtime": dst_out[3]},
    }
