"""Keras 3 files (.keras, legacy .h5, .weights.h5) written by Keras itself (torch backend)
at test time, read by rnncli.formats and traced by ``gates``: traces equal Keras's own
outputs; hostile files are refused in one line."""

from __future__ import annotations

import os
import warnings
import zipfile

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
from lazy_keras import keras  # noqa: E402

h5py = pytest.importorskip("h5py")

from rnncli import formats  # noqa: E402

SEQ = "0.5,-1,0.2;1,0.3,-0.7;-0.4,0.9,0.1;0.8,-0.2,-1"
X = np.array([[float(v) for v in s.split(",")] for s in SEQ.split(";")], np.float32)


def layer(kind: str, bi: bool, seq: bool = True):
    cls = {"lstm": keras.layers.LSTM, "gru": keras.layers.GRU, "rnn": keras.layers.SimpleRNN,
           "gru_before": keras.layers.GRU}[kind]
    kw = {"reset_after": False} if kind == "gru_before" else {}
    inner = cls(4, return_sequences=seq, **kw)
    return keras.layers.Bidirectional(inner) if bi else inner


def model(kind: str, bi: bool = False, layers: int = 1):
    """A seeded Sequential, every weight and bias nonzero (Keras zero-initialises biases)."""
    keras.utils.set_random_seed(7)
    m = keras.Sequential([keras.Input((None, 3)), *[layer(kind, bi) for _ in range(layers)]])
    rng = np.random.default_rng(1)
    for lay in m.layers:
        lay.set_weights([w + 0.3 * rng.normal(size=w.shape) for w in lay.get_weights()])
    return m


def save(m, path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if str(path).endswith(".weights.h5"):
            m.save_weights(path)
        else:
            m.save(path)
    return path


def hidden(result):
    return np.array([s["hidden"] for s in result["steps"]])


CASES = [("lstm", True, 2, ".keras"), ("gru_before", False, 1, ".h5")]
SLOW = [(k, bi, n, s) for k in ("lstm", "gru", "gru_before", "rnn") for bi in (False, True)
        for n in (1, 2) for s in (".keras", ".h5") if (k, bi, n, s) not in CASES]


@pytest.mark.slow  # Keras itself writes and runs the files (its import alone is ~3.5 s CPU)
@pytest.mark.parametrize("kind,bi,layers,suffix", CASES + SLOW)
def test_gates_trace_equals_keras(cli, tmp_path, kind, bi, layers, suffix):
    m = model(kind, bi, layers)
    path = save(m, tmp_path / f"m{suffix}")
    y = m.predict(X[None], verbose=0)[0]
    args = ["gates", "--weights", str(path), "--seq", SEQ]
    fwd = cli.json(*args, *(["--direction", "forward"] if bi else []))
    assert fwd["arch"] == kind.split("_")[0] and fwd["num_layers"] == layers
    assert fwd["variant"] == ("cho2014" if kind == "gru_before" else
                              "pytorch" if kind == "gru" else None)
    np.testing.assert_allclose(hidden(fwd), y[:, :4], atol=1e-6)
    if bi:
        bwd = cli.json(*args, "--direction", "backward")
        np.testing.assert_allclose(hidden(bwd)[::-1], y[:, 4:], atol=1e-6)


@pytest.mark.slow  # a whole library session or figure (~0.7-1.4 s CPU)
def test_weights_only_file_read_from_shapes(cli, tmp_path):
    m = model("gru", False, 1)
    path = save(m, tmp_path / "m.weights.h5")
    res = cli.json("gates", "--weights", str(path), "--seq", SEQ)
    np.testing.assert_allclose(hidden(res), m.predict(X[None], verbose=0)[0], atol=1e-6)


@pytest.mark.slow  # imports Keras and builds a model (~1.2-1.9 s CPU)
def test_list_layers_and_prefix(cli, tmp_path):
    keras.utils.set_random_seed(0)
    inp = keras.Input((None, 3))
    a = keras.layers.LSTM(4, return_sequences=True, name="enc")(inp)
    b = keras.layers.Dense(5)(a)
    out = keras.layers.GRU(2, name="dec")(b)
    path = save(keras.Model(inp, out), tmp_path / "f.keras")
    listed = cli.json("gates", "--weights", str(path), "--list-layers")
    assert [x["name"] for x in listed["layers"]] == ["enc", "dec"]
    assert listed["layers"][0]["gate_order"] == "i,f,c,o"
    assert listed["layers"][1]["gate_order"] == "z,r,h"
    res = cli("gates", "--weights", str(path), "--seq", SEQ)
    assert res.exit_code == 2 and "--prefix" in res.output
    assert cli.json("gates", "--weights", str(path), "--prefix", "dec",
                    "--seq", "1,2,3,4,5;0,1,0,1,0")["arch"] == "gru"


# ---- hostile files --------------------------------------------------------------------------

def test_zip_bomb_refused(cli, tmp_path):
    path = save(model("lstm"), tmp_path / "m.keras")
    bomb = tmp_path / "bomb.keras"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst:
        dst.writestr("config.json", src.read("config.json"))
        dst.writestr("model.weights.h5", b"\0" * (40 << 20))
    res = cli("gates", "--weights", str(bomb), "--seq", SEQ)
    assert res.exit_code == 2 and "zip bomb" in res.output


def test_huge_declared_shape_refused(cli, tmp_path):
    path = tmp_path / "huge.weights.h5"
    with h5py.File(path, "w") as f:
        g = f.create_group("layers/lstm/cell/vars")
        g.attrs["name"] = "lstm_cell"
        g.create_dataset("0", shape=(1 << 20, 1 << 10), dtype="f8")  # never written: tiny
    assert path.stat().st_size < 1 << 20
    res = cli("gates", "--weights", str(path), "--seq", SEQ)
    assert res.exit_code == 2 and "declares" in res.output


def test_lambda_layer_refused(cli, tmp_path):
    m = keras.Sequential([keras.Input((None, 3)), keras.layers.Lambda(lambda t: t * 2),
                          keras.layers.LSTM(2)])
    path = save(m, tmp_path / "lam.keras")
    res = cli("gates", "--weights", str(path), "--seq", SEQ)
    assert res.exit_code == 2 and "Lambda" in res.output and "refused" in res.output


def test_custom_object_refused(cli, tmp_path):
    @keras.saving.register_keras_serializable(package="evil")
    class Doubler(keras.layers.Layer):
        def call(self, x):
            return x * 2

    m = keras.Sequential([keras.Input((None, 3)), Doubler(), keras.layers.LSTM(2)])
    path = save(m, tmp_path / "custom.keras")
    res = cli("gates", "--weights", str(path), "--seq", SEQ)
    assert res.exit_code == 2 and "custom object" in res.output


def test_formats_sniff_from_content_not_name(tmp_path):
    path = save(model("rnn"), tmp_path / "m.keras")
    renamed = tmp_path / "model.bin"
    renamed.write_bytes(path.read_bytes())
    assert formats.read(renamed).fmt == "keras"
