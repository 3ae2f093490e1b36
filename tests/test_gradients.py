"""`rnncli gradients`: NumPy BPTT norms agree with torch autograd; inits; decay fit; CLI."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from rnncli.errors import BadInput
from rnncli.experiments import gradients as G
from rnncli.experiments import inits
from rnncli.experiments.tasks import TASKS

ADDING = TASKS["adding"]


@pytest.mark.parametrize(
    ("arch", "init"),
    [("rnn", "default"), ("gru", "default"), ("lstm", "default"), ("rnn", "identity"),
     ("gru", "orthogonal"), ("lstm", "forget-bias-1")],
)
def test_numpy_gradients_match_torch_autograd(arch, init):
    r = G.measure(arch, init, ADDING, 12, 6, seeds=2)
    assert r.crosscheck_rel_err is not None and r.crosscheck_rel_err < 1e-10
    assert r.grad_norms.shape == (12,)
    assert r.grad_norms[0] == pytest.approx(1.0)  # ‖∂L/∂h_T‖ = ‖w‖ = 1
    assert (r.seed_min <= r.grad_norms + 1e-15).all() and (r.grad_norms <= r.seed_max + 1e-15).all()


def test_norms_come_from_the_last_step_loss_only():
    from rnncli.scratch import build

    cell = build("gru", 2, 5, seed=3)
    x = G.probe_inputs(ADDING, 8, seed=0)
    w = G.probe_vector(5, seed=0)
    norms, g = G.norms_numpy(cell, x, w)
    np.testing.assert_allclose(g[-1], np.broadcast_to(w, g[-1].shape))  # dL/dh_T = w
    ref = G.grads_torch(cell, x, w, "gru", "tanh")
    np.testing.assert_allclose(g, ref, rtol=1e-9, atol=1e-14)
    assert norms.shape == (8, G.BATCH)


def test_orthogonal_identity_and_forget_bias_inits():
    rng = np.random.default_rng(0)
    H = 5
    for arch, gates in (("rnn", 1), ("gru", 3), ("lstm", 4)):
        from rnncli.scratch import build

        cell = build(arch, 2, H, seed=0)
        inits.init_params(cell.params, arch, "orthogonal", rng)
        W = cell.params["weight_hh_l0"]
        for g in range(gates):
            block = W[g * H : (g + 1) * H]
            np.testing.assert_allclose(block @ block.T, np.eye(H), atol=1e-12)
        inits.init_params(cell.params, arch, "identity", rng)
        for g in range(gates):
            np.testing.assert_array_equal(cell.params["weight_hh_l0"][g * H : (g + 1) * H],
                                          np.eye(H))
    irnn = build("rnn", 2, H, seed=0, nonlinearity=inits.nonlinearity("rnn", "identity"))
    inits.init_params(irnn.params, "rnn", "identity", rng)
    assert irnn.nonlinearity == "relu" and not irnn.params["bias_ih_l0"].any()
    lstm = build("lstm", 2, H, seed=0)
    inits.init_params(lstm.params, "lstm", "forget-bias-1", rng)
    forget = lstm.params["bias_ih_l0"][H : 2 * H] + lstm.params["bias_hh_l0"][H : 2 * H]
    np.testing.assert_array_equal(forget, np.ones(H))
    with pytest.raises(BadInput, match="LSTM only"):
        inits.init_params(build("gru", 2, H).params, "gru", "forget-bias-1", rng)


def test_init_torch_applies_the_same_init():
    import torch

    m = torch.nn.LSTM(2, 4)
    inits.init_torch(m, "lstm", "forget-bias-1", seed=0)
    b = (m.bias_ih_l0 + m.bias_hh_l0).detach().numpy()
    np.testing.assert_allclose(b[4:8], 1.0)


def test_decay_fit_recovers_a_geometric_rate():
    norms = 0.8 ** np.arange(30)
    assert G.fit_decay(norms) == pytest.approx(0.8)
    assert np.isnan(G.fit_decay(np.array([1.0, 0.0, 0.0])))
    assert G.log_distances(100) == [1, 2, 4, 8, 16, 32, 64, 99]


def test_irnn_keeps_the_gradient_that_the_tanh_rnn_loses():
    tanh = G.measure("rnn", "default", ADDING, 40, 16, seeds=2, crosscheck=False)
    irnn = G.measure("rnn", "identity", ADDING, 40, 16, seeds=2, crosscheck=False)
    assert tanh.grad_norms[-1] < 1e-3 * irnn.grad_norms[-1]
    assert irnn.decay_per_step > tanh.decay_per_step


def test_cli_json_schema(cli):
    data = cli.json("gradients", "--seq-len", "16", "--hidden", "8", "--seeds", "2",
                    "--init", "default,forget-bias-1")
    assert data["seq_len"] == 16
    pairs = [(r["arch"], r["init"]) for r in data["results"]]
    assert pairs == [("rnn", "default"), ("gru", "default"), ("lstm", "default"),
                     ("lstm", "forget-bias-1")]
    for r in data["results"]:
        assert len(r["grad_norms"]) == 16 and r["grad_norms"][0] == pytest.approx(1.0)
        assert 0 < r["decay_per_step"] < 1.5
        assert r["crosscheck"]["max_rel_err"] < 1e-10
        assert len(r["spread"]["min"]) == 16


def test_cli_after_training_and_plot(cli, tmp_path):
    png = tmp_path / "g.png"
    data = cli.json("gradients", "--seq-len", "5", "--hidden", "8", "--seeds", "1",
                    "--arch", "lstm", "--after-training", "adding", "--budget-s", "0.5",
                    "--plot", str(png))
    phases = [r["phase"] for r in data["results"]]
    assert phases == ["init", "trained"]
    trained = data["results"][1]
    assert trained["training"]["task"] == "adding" and trained["training"]["steps"] >= 1
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_cli_table(cli):
    res = cli("gradients", "--seq-len", "10", "--hidden", "4", "--seeds", "1")
    assert res.exit_code == 0, res.output
    assert "/step" in res.stdout and "autograd" in res.stdout
    assert max(len(line) for line in res.stdout.splitlines()) <= 80


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--seq-len", "1"], "--seq-len"),
        (["--arch", "tcn"], "--arch"),
        (["--init", "xavier"], "--init"),
        (["--init", "forget-bias-1", "--arch", "rnn,gru"], "LSTM only"),
        (["--seeds", "0"], "--seeds"),
        (["--hidden", "0"], "--hidden"),
        (["--after-training", "parity"], "unknown task"),
        (["--after-training", "temporal-order", "--seq-len", "5"], ">= 10"),
        (["--after-training", "adding", "--budget-s", "0"], "--budget-s"),
        (["--plot", "/nonexistent-dir/g.png"], "does not exist"),
        (["--plot", "g.txt"], ".png"),
    ],
)
def test_bad_input_exits_2(cli, args, needle):
    res = cli("gradients", *args)
    assert res.exit_code == 2, res.output
    assert "rnncli: error:" in res.output and needle in res.output
    assert "Traceback" not in res.output


def test_ctrl_c_keeps_finished_measurements(cli, monkeypatch):
    real, calls = G.measure, []

    def stop_on_second(*args, **kw):
        calls.append(args[0])
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kw)

    monkeypatch.setattr(G, "measure", stop_on_second)
    res = cli("gradients", "--seq-len", "6", "--hidden", "4", "--seeds", "1", "--json")
    assert res.exit_code == 130
    data = json.loads(res.stdout)
    assert data["interrupted"] is True and [r["arch"] for r in data["results"]] == ["rnn"]


def test_smoke_subprocess():
    cmd = [sys.executable, "-m", "rnncli", "gradients", "--seq-len", "8", "--hidden", "4",
           "--seeds", "1", "--json"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["results"][0]["arch"] == "rnn"


def test_help_does_not_import_torch():
    for command in ("gradients", "memory"):
        proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "rnncli", command,
                               "--help"], capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0
        assert not [ln for ln in proc.stderr.splitlines() if ln.rstrip().endswith(" torch")]
