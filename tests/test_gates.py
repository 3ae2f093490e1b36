"""`rnncli gates --json` against PyTorch: the gates it prints are what torch computes.

The reference gates are computed here with torch operations from the SAME saved weights,
layer by layer; the reference's hidden states are first checked against torch.nn.LSTM/GRU/
RNN itself, so the reference is anchored to PyTorch. The cho2014 GRU has no torch module:
its reference is written independently below from Cho et al. (2014), eq. 5-8.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch

from rnncli import archs
from rnncli.experiments import toy

MODULES = {a: archs.torch_module(a) for a in archs.names(torch_only=True)}
SEQ = "0.5,1;0,1;1,0;-1,0.25;0,0"  # T=5, I=2
X = torch.tensor([[0.5, 1], [0, 1], [1, 0], [-1, 0.25], [0, 0]], dtype=torch.float64)


def reference(sd: dict, arch: str, x: torch.Tensor, variant: str = "pytorch",
              nonlinearity: str = "tanh"):
    """Per layer, per step: {name: (T, H)} in torch float64, from a PyTorch state dict."""
    sd = {k: v.double() for k, v in sd.items()}
    layers, inp = [], x
    L = 1 + max(int(k.rsplit("_l", 1)[1]) for k in sd)
    for k in range(L):
        W_ih, W_hh, b_ih, b_hh = (sd[f"{n}_l{k}"] for n in
                                  ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))
        H = W_hh.shape[1]
        h, c = torch.zeros(H, dtype=torch.float64), torch.zeros(H, dtype=torch.float64)
        rec: dict[str, list] = {}
        for x_t in inp:
            gi, gh = W_ih @ x_t + b_ih, W_hh @ h + b_hh
            if arch == "lstm":
                i, f, g, o = (gi + gh).split(H)
                i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
                c = f * c + i * g
                h = o * torch.tanh(c)
                vals = {"input": i, "forget": f, "candidate": g, "output": o, "cell": c}
            elif arch == "gru":
                r = torch.sigmoid(gi[:H] + gh[:H])
                z = torch.sigmoid(gi[H:2 * H] + gh[H:2 * H])
                if variant == "cho2014":  # reset applied to h BEFORE the recurrent product
                    n = torch.tanh(gi[2 * H:] + W_hh[2 * H:] @ (r * h) + b_hh[2 * H:])
                else:
                    n = torch.tanh(gi[2 * H:] + r * gh[2 * H:])
                h = (1 - z) * n + z * h
                vals = {"reset": r, "update": z, "candidate": n}
            else:
                act = torch.tanh if nonlinearity == "tanh" else torch.relu
                h = act(gi + gh)
                vals = {}
            vals["hidden"] = h
            for name, v in vals.items():
                rec.setdefault(name, []).append(v)
        rec = {n: torch.stack(v) for n, v in rec.items()}
        layers.append(rec)
        inp = rec["hidden"]
    return layers


def check(doc: dict, ref: dict, arch: str) -> None:
    """Every gate, the hidden and (LSTM) the cell state of every step, to 1e-9."""
    assert [s["t"] for s in doc["steps"]] == list(range(1, len(doc["steps"]) + 1))
    for name in ref:
        if name in ("hidden", "cell"):
            ours = np.array([s[name] for s in doc["steps"]])
        else:
            ours = np.array([s["gates"][name] for s in doc["steps"]])
        np.testing.assert_allclose(ours, ref[name].numpy(), rtol=0, atol=1e-9, err_msg=name)
    expected = {"lstm": {"input", "forget", "candidate", "output"},
                "gru": {"reset", "update", "candidate"}, "rnn": set()}[arch]
    assert set(doc["steps"][0]["gates"]) == expected
    assert ("cell" in doc["steps"][0]) == (arch == "lstm")


@pytest.mark.parametrize("arch", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize("layer", [0, 1])
def test_weights_match_torch_every_arch_and_layer(cli, tmp_path, arch, layer):
    torch.manual_seed(3)
    module = MODULES[arch](2, 4, 2).double()
    path = tmp_path / "w.pt"
    torch.save(module.state_dict(), path)
    ref = reference(module.state_dict(), arch, X)
    with torch.no_grad():  # anchor the reference to torch.nn itself
        out, _ = module(X)
    np.testing.assert_allclose(ref[-1]["hidden"].numpy(), out.numpy(), atol=1e-12)
    doc = cli.json("gates", "--weights", str(path), "--seq", SEQ, "--layer", str(layer))
    assert (doc["arch"], doc["num_layers"], doc["layer"], doc["init"]) == (arch, 2, layer,
                                                                           "weights")
    assert (doc["input_size"], doc["hidden_size"]) == (2, 4)
    assert doc["variant"] == ("pytorch" if arch == "gru" else None)
    assert doc["steps"][1]["input"] == [0.0, 1.0]
    check(doc, ref[layer], arch)


def test_default_layer_is_the_top_one(cli, tmp_path):
    torch.manual_seed(1)
    module = torch.nn.GRU(2, 3, 3)
    torch.save(module.state_dict(), tmp_path / "g.pt")
    doc = cli.json("gates", "--weights", str(tmp_path / "g.pt"), "--seq", SEQ)
    assert doc["layer"] == 2
    check(doc, reference(module.state_dict(), "gru", X)[2], "gru")


@pytest.mark.parametrize("layer", [0, 1])
def test_gru_cho2014_matches_independent_reference(cli, tmp_path, layer):
    torch.manual_seed(5)
    module = torch.nn.GRU(2, 3, 2)
    np.savez(tmp_path / "g.npz", **{k: v.numpy() for k, v in module.state_dict().items()})
    doc = cli.json("gates", "--weights", str(tmp_path / "g.npz"), "--seq", SEQ,
                   "--gru-variant", "cho2014", "--layer", str(layer))
    assert doc["variant"] == "cho2014"
    ref = reference(module.state_dict(), "gru", X, variant="cho2014")[layer]
    check(doc, ref, "gru")
    pytorch = reference(module.state_dict(), "gru", X)[layer]  # the variants really differ
    assert not torch.allclose(ref["candidate"], pytorch["candidate"], atol=1e-6)


def test_relu_rnn_and_npz_weights(cli, tmp_path):
    torch.manual_seed(2)
    module = torch.nn.RNN(2, 3, nonlinearity="relu")
    np.savez(tmp_path / "r.npz", **{k: v.numpy() for k, v in module.state_dict().items()})
    doc = cli.json("gates", "--weights", str(tmp_path / "r.npz"), "--seq", SEQ,
                   "--nonlinearity", "relu")
    check(doc, reference(module.state_dict(), "rnn", X, nonlinearity="relu")[0], "rnn")


class Model(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embed = torch.nn.Linear(2, 2)
        self.encoder = torch.nn.Module()
        self.encoder.lstm = torch.nn.LSTM(2, 3)
        self.decoder = torch.nn.GRU(3, 3)
        self.head = torch.nn.Linear(3, 1)


def test_whole_model_prefix_and_autodetect(cli, tmp_path):
    torch.manual_seed(4)
    model = Model()
    path = tmp_path / "model.pth"
    torch.save({"epoch": 3, "model": model.state_dict()}, path)  # a typical checkpoint
    doc = cli.json("gates", "--weights", str(path), "--prefix", "model.encoder.lstm",
                   "--seq", SEQ)
    check(doc, reference(model.encoder.lstm.state_dict(), "lstm", X)[0], "lstm")
    doc = cli.json("gates", "--weights", str(path), "--prefix", "model.decoder.",
                   "--seq", "1,0,1;0,0,1")
    assert doc["arch"] == "gru" and doc["input_size"] == 3
    # with one recurrent layer only, it is found without --prefix
    only = {f"net.rnn.{k}": v for k, v in model.encoder.lstm.state_dict().items()}
    only["net.head.weight"] = torch.ones(1, 3)
    torch.save(only, tmp_path / "one.pt")
    doc = cli.json("gates", "--weights", str(tmp_path / "one.pt"), "--seq", SEQ)
    check(doc, reference(model.encoder.lstm.state_dict(), "lstm", X)[0], "lstm")


@pytest.mark.parametrize("arch", ["lstm", "gru", "rnn"])
def test_trained_matches_torch_and_solves_the_task(cli, arch):
    sd, readout, _ = toy.load_trained(arch)
    seq = [1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 1, 0]
    x = torch.tensor(seq, dtype=torch.float64)[:, None]
    doc = cli.json("gates", "--arch", arch, "--init", "trained", "--seq",
                   ",".join(map(str, seq)))
    assert doc["init"] == "trained" and doc["hidden_size"] == 3
    ref = reference({k: torch.from_numpy(v) for k, v in sd.items()}, arch, x)[0]
    check(doc, ref, arch)
    guess = toy.readout_steps(np.array([s["hidden"] for s in doc["steps"]]), readout)
    truth = toy.targets(np.array(seq, float)) * toy.CAP
    assert np.max(np.abs(guess - truth)) < 0.5, (guess, truth)


def test_trained_gates_tell_the_story(cli):
    """At a 1 the count must be thrown away: some LSTM unit's forget gate and some GRU
    unit's update gate sit lower at the 1s than between them."""
    seq = "1,0,0,0,1,0,0,1,0,0,0,0,1,0"
    ones = np.array(seq.split(","), float) == 1
    for arch, gate in (("lstm", "forget"), ("gru", "update")):
        doc = cli.json("gates", "--arch", arch, "--init", "trained", "--seq", seq)
        g = np.array([s["gates"][gate] for s in doc["steps"]])
        drop = g[~ones].mean(axis=0) - g[ones].mean(axis=0)  # per unit
        assert drop.max() > 0.3, (arch, drop)


def test_random_init_is_seeded_and_bounded(cli, tmp_path):
    a = cli.json("gates", "--seq", SEQ, "--seed", "7", "--hidden", "5", "--layers", "2")
    b = cli.json("gates", "--seq", SEQ, "--seed", "7", "--hidden", "5", "--layers", "2")
    c = cli.json("gates", "--seq", SEQ, "--seed", "8", "--hidden", "5", "--layers", "2")
    assert a == b and a != c
    assert (a["init"], a["num_layers"], a["layer"], a["hidden_size"]) == ("random", 2, 1, 5)
    from rnncli.scratch import build

    sd = build("lstm", 2, 5, 2, seed=7).to_state_dict()
    bound = 1 / np.sqrt(5)  # PyTorch's U(-1/sqrt(H), 1/sqrt(H)) for every weight and bias
    assert all(np.abs(v).max() <= bound for v in sd.values())
    check(a, reference({k: torch.from_numpy(v) for k, v in sd.items()}, "lstm", X)[1], "lstm")


def test_arch_all_gives_three_traces(cli):
    docs = cli.json("gates", "--arch", "all", "--seq", "1,0,0,1")
    assert [d["arch"] for d in docs] == ["lstm", "gru", "rnn"]
    assert all(len(d["steps"]) == 4 and d["steps"][0]["input"] == [1.0] for d in docs)
    res = cli("gates", "--arch", "all", "--init", "trained", "--seq", "1,0,0,1")
    assert res.exit_code == 0
    for head in ("LSTM", "GRU (pytorch)", "RNN", "steps since the last 1"):
        assert head in res.stdout
    assert max(len(line) for line in res.stdout.splitlines()) <= 80


def test_table_reading_units_and_width(cli):
    res = cli("gates", "--init", "trained", "--seq", "1,0,0,0,1,0")
    assert res.exit_code == 0, res.output
    assert "forgets: f = " in res.stdout and "writes: i = " in res.stdout
    assert max(len(line) for line in res.stdout.splitlines()) <= 80
    res = cli("gates", "--hidden", "20", "--seq", "1,0,0,1")
    assert "most active units" in res.stdout
    res = cli("gates", "--hidden", "20", "--seq", "1,0,0,1", "--units", "0,19")
    assert res.exit_code == 0 and "most active" not in res.stdout


@pytest.mark.slow
def test_long_sequence_table_is_capped(cli, tmp_path):
    path = tmp_path / "long.npy"
    np.save(path, (np.random.default_rng(0).random(100_000) < 0.2).astype(np.float32))
    res = cli("gates", "--arch", "rnn", "--input", str(path), "--rows", "5")
    assert res.exit_code == 0, res.output
    assert "showing steps 1-5 of 100000" in res.stdout
    assert len(res.stdout.splitlines()) < 60


@pytest.mark.slow
def test_plot(cli, tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "g.png"
    res = cli("gates", "--arch", "all", "--seq", "1,0,0,1", "--plot", str(path))
    assert res.exit_code == 0, res.output
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow
def test_subprocess_smoke_without_torch(tmp_path):
    """A real process: --init trained and .npz weights never import torch."""
    np.savez(tmp_path / "w.npz", **{k: v.numpy() for k, v in torch.nn.GRU(1, 2).state_dict()
                                    .items()})
    for extra in (["--init", "trained"], ["--weights", str(tmp_path / "w.npz")]):
        proc = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "rnncli", "gates", "--seq", "1,0,1",
             *extra], capture_output=True, text=True, timeout=60,
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert "1 " in proc.stdout
        imported = [line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines()
                    if line.startswith("import time:")]
        assert "torch" not in imported
    proc = subprocess.run([sys.executable, "-m", "rnncli", "gates", "--seq", "1,x"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith("rnncli: error: ") and proc.stderr.count("\n") == 1


def test_default_sequence_and_units_leave_json_whole(cli):
    doc = cli.json("gates")
    assert [s["input"] for s in doc["steps"]] == [[1.0], [0.0], [0.0], [1.0], [0.0], [0.0],
                                                   [1.0]]
    text = " ".join(cli("gates").stdout.split())  # undo the wrapping at 80 columns
    assert "the lesson's sequence" in text and "weights: trained (the default" in text
    assert doc["init"] == "trained"  # issue 14 item 16: trained by default, and said so
    text = " ".join(cli("gates", "--init", "random").stdout.split())
    assert "weights: random" in text and "'Xavier'; it is not" in text
    full = cli.json("gates", "--hidden", "8", "--seq", "1,0")
    some = cli.json("gates", "--hidden", "8", "--seq", "1,0", "--units", "2")
    assert full == some and len(full["steps"][0]["hidden"]) == 8
