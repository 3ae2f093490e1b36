"""``rnncli convert``: every pair of formats, each destination checked by its own library
against the source torch module (<= 1e-6, float32); refusals measured; bad paths refused."""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
torch = pytest.importorskip("torch")
from lazy_keras import keras  # noqa: E402

ort = pytest.importorskip("onnxruntime")
onnx = pytest.importorskip("onnx")
pytest.importorskip("safetensors")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from rnncli import archs  # noqa: E402

X = np.random.default_rng(5).standard_normal((6, 2, 3)).astype(np.float32)


def torch_module(arch: str, bi: bool, layers: int = 2):
    torch.manual_seed(11)
    return archs.torch_module(arch)(3, 4, num_layers=layers, bidirectional=bi).eval()


def torch_out(module) -> np.ndarray:
    with torch.no_grad():
        return module(torch.from_numpy(X))[0].numpy()


def run_file(path, fmt: str, arch: str, bi: bool) -> np.ndarray:
    """The written file through its own library (time-major output for X)."""
    if fmt == "onnx":
        sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        if sess.get_inputs()[0].shape[0] == "batch":  # written from Keras: batch first
            return sess.run(None, {"x": X.transpose(1, 0, 2)})[0].transpose(1, 0, 2)
        return sess.run(None, {"x": X})[0]
    if fmt in ("keras", "h5"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = keras.saving.load_model(path)  # our own file: safe mode stays on
        return model.predict(X.transpose(1, 0, 2), verbose=0).transpose(1, 0, 2)
    if fmt == "safetensors":
        from safetensors.torch import load_file

        sd = load_file(path)
    else:
        sd = torch.load(path, weights_only=True)
    module = torch_module(arch, bi)
    module.load_state_dict(sd)
    return torch_out(module)


SUFFIX = {"pt": ".pt", "safetensors": ".safetensors", "keras": ".keras", "h5": ".h5",
          "onnx": ".onnx"}


def convert(cli, src, dst, *extra):
    return cli.json("convert", str(src), str(dst), *extra)


FAST = [("lstm", True, "onnx", "pt"), ("gru", False, "safetensors", "onnx")]
SLOW = [(a, bi, d1, d2) for a in ("lstm", "gru", "rnn") for bi in (False, True)
        for d1 in SUFFIX for d2 in SUFFIX if d1 != d2 and (a, bi, d1, d2) not in FAST
        and d1 in ("onnx", "keras", "h5") and (d2 != "h5" or d1 == "onnx")]


@pytest.mark.parametrize("arch,bi,mid,dst", FAST + [pytest.param(*c, marks=pytest.mark.slow)
                                                  for c in SLOW])
def test_chain_pt_to_mid_to_dst(cli, tmp_path, arch, bi, mid, dst):
    """.pt -> mid -> dst: each file, run by its own library, equals the torch module."""
    module = torch_module(arch, bi)
    ref = torch_out(module)
    torch.save(module.state_dict(), tmp_path / "src.pt")
    a, b = tmp_path / f"a{SUFFIX[mid]}", tmp_path / f"b{SUFFIX[dst]}"
    for s, d in ((tmp_path / "src.pt", a), (a, b)):
        doc = convert(cli, s, d)
        assert doc["proof"]["max_abs_output"] <= 1e-6
        assert doc["proof"]["max_abs_state"] <= 1e-6
        assert "reference" not in doc["proof"]["source_runtime"]
    for path, fmt in ((a, mid), (b, dst)):
        np.testing.assert_allclose(run_file(path, fmt, arch, bi), ref, atol=1e-6)


def keras_gru_reset_before(tmp_path):
    keras.utils.set_random_seed(0)
    m = keras.Sequential([keras.Input((None, 3)), keras.layers.GRU(4, reset_after=False,
                                                                   return_sequences=True)])
    rng = np.random.default_rng(0)
    m.layers[0].set_weights([w + 0.2 * rng.normal(size=w.shape)
                             for w in m.layers[0].get_weights()])
    m.save(tmp_path / "g.keras")
    return m, tmp_path / "g.keras"


@pytest.mark.slow  # Keras writes the file (its import alone is ~3.5 s CPU)
def test_reset_before_gru_refused_into_torch_with_its_error(cli, tmp_path):
    _, src = keras_gru_reset_before(tmp_path)
    res = cli("convert", str(src), str(tmp_path / "g.pt"))
    assert res.exit_code == 2 and "refused" in res.output and "max |Δ|" in res.output
    err = float(res.output.split("max |Δ| ")[1].split()[0])
    assert 0.01 < err < 1
    assert not (tmp_path / "g.pt").exists()


@pytest.mark.slow  # Keras writes the file
def test_reset_before_gru_into_onnx_is_exact(cli, tmp_path):
    m, src = keras_gru_reset_before(tmp_path)
    doc = convert(cli, src, tmp_path / "g.onnx")
    assert doc["proof"]["max_abs_output"] <= 1e-6
    sess = ort.InferenceSession(str(tmp_path / "g.onnx"), providers=["CPUExecutionProvider"])
    y = sess.run(None, {"x": X.transpose(1, 0, 2)})[0]  # Keras's layout: batch first
    np.testing.assert_allclose(y, m.predict(X.transpose(1, 0, 2), verbose=0), atol=1e-6)


def test_peephole_onnx_refused_into_keras(cli, tmp_path):
    rng = np.random.default_rng(0)
    arrays = {"W": rng.normal(size=(1, 8, 3)), "R": rng.normal(size=(1, 8, 2)),
              "B": np.zeros((1, 16)), "P": rng.normal(size=(1, 6))}
    node = helper.make_node("LSTM", ["x", "W", "R", "B", "", "", "", "P"], ["y"],
                            hidden_size=2)
    graph = helper.make_graph(
        [node], "p", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["T", "B", 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        [numpy_helper.from_array(v.astype(np.float32), k) for k, v in arrays.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, tmp_path / "p.onnx")
    res = cli("convert", str(tmp_path / "p.onnx"), str(tmp_path / "p.keras"))
    assert res.exit_code == 2 and "peephole" in res.output and "max |Δ|" in res.output
    doc = convert(cli, tmp_path / "p.onnx", tmp_path / "p2.onnx")  # ONNX keeps P
    assert doc["layers"][0]["arch"] == "peephole" and doc["proof"]["max_abs_output"] <= 1e-6


def test_paths_checked_first(cli, tmp_path):
    torch.save(torch_module("rnn", False, 1).state_dict(), tmp_path / "r.pt")
    (tmp_path / "exists.onnx").write_bytes(b"x")
    res = cli("convert", str(tmp_path / "r.pt"), str(tmp_path / "exists.onnx"))
    assert res.exit_code == 2 and "--force" in res.output
    res = cli("convert", str(tmp_path / "r.pt"), str(tmp_path / "r.txt"))
    assert res.exit_code == 2 and "format" in res.output
    res = cli("convert", str(tmp_path / "missing.pt"), str(tmp_path / "m.onnx"))
    assert res.exit_code == 2 and "no such file" in res.output


@pytest.mark.slow  # Keras writes the file
def test_traps_shown(cli, tmp_path):
    torch.save(torch_module("lstm", False, 1).state_dict(), tmp_path / "l.pt")
    doc = convert(cli, tmp_path / "l.pt", tmp_path / "l.keras")
    text = " ".join(doc["notes"])
    assert "i,f,g,o (PyTorch) -> i,f,c,o (Keras 3)" in text and "transposed" in text
    assert "TF1" in text and "summed" in text
    doc = convert(cli, tmp_path / "l.keras", tmp_path / "l.onnx")
    assert "i,f,c,o (Keras 3) -> i,o,f,c (ONNX)" in " ".join(doc["notes"])
    assert "unit_forget_bias" in " ".join(doc["notes"])  # Keras's LSTM default


@pytest.mark.slow  # Keras writes the file
def test_bench_weights_reads_onnx_and_refuses_reset_before(cli, tmp_path):
    from rnncli.formats.onnx_files import export_onnx
    from rnncli.measure.usermodel import read_model

    export_onnx(torch_module("gru", True), tmp_path / "g.onnx")
    m = read_model(str(tmp_path / "g.onnx"))
    assert (m.arch, m.num_layers, m.bidirectional, m.hidden_size) == ("gru", 2, True, 4)
    _, src = keras_gru_reset_before(tmp_path)
    with pytest.raises(Exception, match="no PyTorch module"):
        read_model(str(src))
