"""The proof lines of docs/convert.md: every conversion pair, max |Δ| per pair, and the
refused cases with the error they would have made. Files are written at run time by torch,
Keras (torch backend) and onnx.helper, then converted through ``rnncli.formats.convert``.

    KERAS_BACKEND=torch python benchmarks/convert_proofs.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import warnings
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "torch")
warnings.filterwarnings("ignore")
import numpy as np  # noqa: E402
import torch  # noqa: E402

from rnncli import archs  # noqa: E402
from rnncli.errors import BadInput  # noqa: E402
from rnncli.formats.convert import ConvertRequest, convert  # noqa: E402

DESTS = (".pt", ".safetensors", ".keras", ".weights.h5", ".h5", ".onnx")


def torch_file(tmp: Path, arch: str) -> Path:
    torch.manual_seed(0)
    module = archs.torch_module(arch)(8, 16, num_layers=2, bidirectional=True)
    path = tmp / f"{arch}.pt"
    torch.save(module.state_dict(), path)
    return path


def keras_gru(tmp: Path, seed: int) -> Path:
    import keras

    keras.utils.set_random_seed(seed)
    m = keras.Sequential([keras.Input((None, 8)),
                          keras.layers.GRU(16, reset_after=False, return_sequences=True)])
    rng = np.random.default_rng(seed)  # Keras starts biases at 0: give them values
    m.layers[0].set_weights([w + 0.1 * rng.standard_normal(w.shape)
                             for w in m.layers[0].get_weights()])
    path = tmp / f"gru_before_{seed}.keras"
    m.save(path)
    return path


def onnx_peephole(tmp: Path) -> Path:
    """An ONNX LSTM node with peepholes P (I=8, H=16; W, R, P ~ N(0, 0.3^2), B = 0)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    arrays = {"W": rng.normal(size=(1, 64, 8)) * 0.3, "R": rng.normal(size=(1, 64, 16)) * 0.3,
              "B": np.zeros((1, 128)), "P": rng.normal(size=(1, 48)) * 0.3}
    node = helper.make_node("LSTM", ["x", "W", "R", "B", "", "", "", "P"], ["y"],
                            hidden_size=16)
    graph = helper.make_graph(
        [node], "p", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["T", "B", 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        [numpy_helper.from_array(v.astype(np.float32), k) for k, v in arrays.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    path = tmp / "peephole.onnx"
    onnx.save(model, path)
    return path


def row(src: Path, dst: Path, label: str) -> str:
    doc = convert(ConvertRequest(src, dst, force=True))
    p = doc["proof"]
    return (f"| {label} | {src.suffix} -> {''.join(dst.suffixes)} | "
            f"{p['max_abs_output']:.1e} | {p['max_abs_state']:.1e} | "
            f"{p['source_runtime']} vs {p['destination_runtime']} |")


def refused(src: Path, dst: Path) -> float:
    try:
        convert(ConvertRequest(src, dst, force=True))
    except BadInput as exc:
        return float(str(exc).split("max |Δ| ")[1].split()[0])
    raise AssertionError("not refused")


def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        print("| layer (2 layers, bidirectional, I=8, H=16) | conversion | max \\|Δ\\| output "
              "| max \\|Δ\\| states | runtimes |")
        print("|---|---|---|---|---|")
        for arch in archs.names(torch_only=True):
            src = torch_file(tmp, arch)
            for suffix in DESTS[1:]:
                print(row(src, tmp / f"{arch}_out{suffix}", archs.get(arch).title))
            for mid, dst in ((".keras", ".onnx"), (".onnx", ".keras"), (".onnx", ".pt")):
                print(row(tmp / f"{arch}_out{mid}", tmp / f"{arch}_back{dst}",
                          archs.get(arch).title))
        errors = [refused(keras_gru(tmp, s), tmp / f"g{s}.pt") for s in range(5)]
        print()
        print("Keras GRU(reset_after=False) (I=8, H=16) -> .pt, refused; the error it would "
              "make over seeds 0-4: " + ", ".join(f"{e:.3f}" for e in errors))
        print(row(keras_gru(tmp, 0), tmp / "gru_before.onnx",
                  "GRU reset_after=False"))
        peep = onnx_peephole(tmp)
        print(f"\nONNX LSTM with peepholes -> .pt, refused; the error it would make: "
              f"{refused(peep, tmp / 'p.pt'):.4f}")
        print(row(peep, tmp / "peephole_copy.onnx", "peephole LSTM"))
    print(f"\npython {sys.version.split()[0]}, torch {torch.__version__}")


if __name__ == "__main__":
    main()
