"""ONNX files written at test time by torch.onnx.export and onnx.helper, read by
rnncli.formats and traced by ``gates``: every trace equals onnxruntime on the file itself."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from rnncli import archs, formats  # noqa: E402

SEQ = "0.5,-1,0.2;1,0.3,-0.7;-0.4,0.9,0.1;0.8,-0.2,-1"
X = np.array([[float(v) for v in s.split(",")] for s in SEQ.split(";")], np.float32)


def export(tmp_path, arch, layers=1, bidirectional=False, batch_first=False, dynamo=False):
    """Write a seeded torch module with torch.onnx.export; return the file and module."""
    torch.manual_seed(3)
    module = archs.torch_module(arch)(3, 4, num_layers=layers, bidirectional=bidirectional,
                                      batch_first=batch_first)
    x = torch.randn(2, 5, 3) if batch_first else torch.randn(5, 2, 3)
    path = tmp_path / f"{arch}.onnx"
    axes = {0: "batch", 1: "seq"} if batch_first else {0: "seq", 1: "batch"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if dynamo:
            torch.onnx.export(module, (x,), path, dynamo=True, dynamic_shapes=(axes,),
                              verbose=False)
        else:
            torch.onnx.export(module, (x,), path, dynamo=False, input_names=["x"],
                              dynamic_axes={"x": axes})
    return path, module


def ort_run(path, x_tm, batch_first):
    """The whole file on onnxruntime for one sequence (T, I): its first output (T, D*H)."""
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    x = x_tm[None] if batch_first else x_tm[:, None]
    y = sess.run(None, {sess.get_inputs()[0].name: x})[0]
    return y[0] if batch_first else y[:, 0]


def hidden(result):
    return np.array([s["hidden"] for s in result["steps"]])


CASES = [("lstm", 2, True, True), ("gru", 1, False, False)]
SLOW = [(a, n, bi, bf) for a in ("lstm", "gru", "rnn") for n in (1, 2) for bi in (False, True)
        for bf in (False, True) if (a, n, bi, bf) not in CASES]


@pytest.mark.parametrize("arch,layers,bi,bf", CASES + [pytest.param(*c, marks=pytest.mark.slow)
                                                      for c in SLOW])
def test_gates_trace_equals_onnxruntime(cli, tmp_path, arch, layers, bi, bf):
    path, _ = export(tmp_path, arch, layers, bi, bf)
    y = ort_run(path, X, bf)
    args = ["gates", "--weights", str(path), "--seq", SEQ]
    fwd = cli.json(*args, *(["--direction", "forward"] if bi else []))
    assert fwd["arch"] == arch and fwd["num_layers"] == layers
    np.testing.assert_allclose(hidden(fwd), y[:, :4], atol=1e-6)
    if bi:
        bwd = cli.json(*args, "--direction", "backward")
        np.testing.assert_allclose(hidden(bwd)[::-1], y[:, 4:], atol=1e-6)


@pytest.mark.slow
def test_dynamo_exporter_lstm(cli, tmp_path):
    path, _ = export(tmp_path, "lstm", 2, True, True, dynamo=True)
    y = ort_run(path, X, True)
    fwd = cli.json("gates", "--weights", str(path), "--seq", SEQ, "--direction", "forward")
    np.testing.assert_allclose(hidden(fwd), y[:, :4], atol=1e-6)


def gru_node(tmp_path, lbr=0, name="g.onnx", **attrs):
    """A GRU node written with onnx.helper (ONNX's default reset-before variant)."""
    rng = np.random.default_rng(0)
    W, R = rng.normal(size=(1, 12, 3)), rng.normal(size=(1, 12, 4))
    B = rng.normal(size=(1, 24))
    inits = [numpy_helper.from_array(a.astype(np.float32), n)
             for n, a in (("w", W), ("r", R), ("b", B))]
    node = helper.make_node("GRU", ["x", "w", "r", "b"], ["y", "yh"], hidden_size=4,
                            linear_before_reset=lbr, **attrs)
    graph = helper.make_graph(
        [node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["T", 1, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    path = tmp_path / name
    onnx.save(model, path)
    return path


def test_reset_before_gru_traced_as_cho2014(cli, tmp_path):
    path = gru_node(tmp_path)
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    y = sess.run(None, {"x": X[:, None]})[0][:, 0, 0]
    res = cli.json("gates", "--weights", str(path), "--seq", SEQ)
    assert res["variant"] == "cho2014"
    np.testing.assert_allclose(hidden(res), y, atol=1e-6)
    model = formats.read(path)
    assert formats.describe(model.layers[0])["gate_order"] == "z,r,h"


def test_list_layers(cli, tmp_path):
    path, _ = export(tmp_path, "lstm", 2, True)
    res = cli.json("gates", "--weights", str(path), "--list-layers")
    assert [r["arch"] for r in res["layers"]] == ["lstm", "lstm"]
    assert res["layers"][1]["follows_previous"] is True
    assert res["layers"][0]["gate_order"] == "i,o,f,c"


def test_export_onnx_is_dynamic_and_exact(tmp_path):
    from rnncli.formats.onnx_files import export_onnx

    torch.manual_seed(0)
    module = torch.nn.GRU(3, 4, num_layers=2, bidirectional=True)
    path = export_onnx(module, tmp_path / "m.onnx")
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    for shape in ((5, 2, 3), (9, 1, 3)):  # a second shape: axes are not frozen
        x = torch.randn(*shape)
        with torch.no_grad():
            ref, h = module(x)
        y, hn = sess.run(None, {"x": x.numpy()})
        np.testing.assert_allclose(y, ref.numpy(), atol=1e-6)
        np.testing.assert_allclose(hn, h.numpy(), atol=1e-6)


# ---- hostile files ------------------------------------------------------------------------------

def test_external_data_refused(cli, tmp_path):
    path = gru_node(tmp_path)
    model = onnx.load(path)
    t = model.graph.initializer[0]
    t.data_location = TensorProto.EXTERNAL
    t.ClearField("raw_data")
    t.ClearField("float_data")
    entry = t.external_data.add()
    entry.key, entry.value = "location", "../../etc/passwd"
    onnx.save(model, tmp_path / "ext.onnx")
    res = cli("gates", "--weights", str(tmp_path / "ext.onnx"), "--seq", SEQ)
    assert res.exit_code == 2 and "outside the model's directory" in res.output
    assert "Traceback" not in res.output


def test_no_recurrent_node(cli, tmp_path):
    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["y"])], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])])
    onnx.save(helper.make_model(graph), tmp_path / "relu.onnx")
    res = cli("gates", "--weights", str(tmp_path / "relu.onnx"), "--seq", SEQ)
    assert res.exit_code == 2 and "no recurrent node" in res.output


@pytest.mark.parametrize("attrs,message", [
    ({"clip": 1.0}, "clip"),
    ({"activations": ["Relu", "Tanh"]}, "activations"),
])
def test_unsupported_attributes_refused(cli, tmp_path, attrs, message):
    path = gru_node(tmp_path, **attrs)
    res = cli("gates", "--weights", str(path), "--seq", SEQ)
    assert res.exit_code == 2 and message in res.output


def test_mismatched_w_r_refused(cli, tmp_path):
    path = gru_node(tmp_path)
    model = onnx.load(path)
    model.graph.initializer[1].CopyFrom(numpy_helper.from_array(
        np.zeros((1, 12, 5), np.float32), "r"))
    onnx.save(model, tmp_path / "bad.onnx")
    res = cli("gates", "--weights", str(tmp_path / "bad.onnx"), "--seq", SEQ)
    assert res.exit_code == 2 and "mismatched" in res.output
    assert len(res.output.strip().splitlines()) == 1


def test_missing_extra_is_one_line(cli, tmp_path, monkeypatch):
    path = gru_node(tmp_path)
    monkeypatch.setitem(__import__("sys").modules, "onnx", None)
    res = cli("gates", "--weights", str(path), "--seq", SEQ)
    assert res.exit_code == 1 and "rnncli[onnx]" in res.output
    assert len(res.output.strip().splitlines()) == 1


def test_proof_without_onnxruntime_says_reference_cells(cli, tmp_path, monkeypatch):
    torch.manual_seed(0)
    torch.save(torch.nn.LSTM(3, 4).state_dict(), tmp_path / "l.pt")
    monkeypatch.setitem(__import__("sys").modules, "onnxruntime", None)
    doc = cli.json("convert", str(tmp_path / "l.pt"), str(tmp_path / "l.onnx"))
    assert doc["proof"]["destination_runtime"] == "rnncli reference cells"
    assert any("rnncli[onnx]" in n for n in doc["notes"])
    assert doc["proof"]["max_abs_output"] <= 1e-6


def test_tensorflow_checkpoint_refused_with_reason(cli, tmp_path):
    (tmp_path / "model.ckpt.index").write_bytes(b"\0" * 64)
    res = cli("gates", "--weights", str(tmp_path / "model.ckpt.index"), "--seq", SEQ)
    assert res.exit_code == 2 and "TensorFlow" in res.output


def test_stored_initial_state_refused_and_index_picks(cli, tmp_path):
    path = gru_node(tmp_path)
    model = onnx.load(path)
    node = model.graph.node[0]
    node.input.extend(["", "h0"])
    model.graph.initializer.append(numpy_helper.from_array(np.ones((1, 1, 4), np.float32),
                                                           "h0"))
    onnx.save(model, tmp_path / "h0.onnx")
    res = cli("gates", "--weights", str(tmp_path / "h0.onnx"), "--seq", SEQ)
    assert res.exit_code == 2 and "initial_h" in res.output
    assert cli.json("gates", "--weights", str(path), "--prefix", "0", "--seq", SEQ)["arch"] \
        == "gru"
