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
    assert (r.cell is not None) == (arch == "lstm")
    assert r.grad_norms.shape == (12,)
    assert r.grad_norms[0] == pytest.approx(1.0)  # ‖∂L/∂h_T‖ = ‖w‖ = 1
    assert (r.seed_min <= r.grad_norms + 1e-15).all() and (r.grad_norms <= r.seed_max + 1e-15).all()


def test_norms_come_from_the_last_step_loss_only():
    from rnncli.scratch import build

    cell = build("gru", 2, 5, seed=3)
    x = G.probe_inputs(ADDING, 8, seed=0)
    w = G.probe_vector(5, seed=0)
    g = G.grads_numpy(cell, x, w)["h"]
    np.testing.assert_allclose(g[-1], np.broadcast_to(w, g[-1].shape))  # dL/dh_T = w
    ref = G.grads_torch(cell, x, w, "gru", "tanh")["h"]
    np.testing.assert_allclose(g, ref, rtol=1e-9, atol=1e-14)
    assert g.shape[:2] == (8, G.BATCH)


def _lstm_equations_in_torch(cell, x: np.ndarray, w: np.ndarray) -> tuple:
    """The LSTM written out in torch autograd, h_t computed FROM c_t, so that c_t.grad is
    the total ∂L/∂c_t (through h_t and through c_{t+1})."""
    import torch

    p = {k: torch.from_numpy(v).requires_grad_() for k, v in cell.to_state_dict().items()}
    H = cell.hidden_size
    h = torch.zeros(x.shape[1], H, dtype=torch.float64)
    c = torch.zeros_like(h)
    hs, cs = [], []
    for x_t in torch.from_numpy(x):
        a = x_t @ p["weight_ih_l0"].T + p["bias_ih_l0"] + h @ p["weight_hh_l0"].T
        a = a + p["bias_hh_l0"]
        i, f, g, o = a.split(H, dim=1)  # PyTorch's gate order
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        c.retain_grad()
        h.retain_grad()
        hs.append(h)
        cs.append(c)
    (hs[-1] @ torch.from_numpy(w)).sum().backward()
    return (np.stack([t.grad.numpy() for t in hs]), np.stack([t.grad.numpy() for t in cs]))


@pytest.mark.parametrize("init", ["default", "forget-bias-1"])
def test_lstm_cell_gradient_is_the_total_dl_dc(init):
    from rnncli.scratch import build

    cell = build("lstm", 2, 5, dtype=np.float64, seed=1)
    inits.init_params(cell.params, "lstm", init, np.random.default_rng(0))
    x, w = G.probe_inputs(ADDING, 9, seed=2), G.probe_vector(5, seed=2)
    ours = G.grads_numpy(cell, x, w)
    dh, dc = _lstm_equations_in_torch(cell, x, w)
    np.testing.assert_allclose(ours["h"], dh, rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(ours["c"], dc, rtol=1e-10, atol=1e-15)
    # torch's own nn.LSTM: retain_grad on the c passed to the next step sees the cell path
    ref = G.grads_torch(cell, x, w, "lstm", "tanh")
    np.testing.assert_allclose(ours["c_carried"], ref["c"], rtol=1e-10, atol=1e-15)


def test_forget_bias_keeps_more_gradient_on_the_cell_path():
    default = G.measure("lstm", "default", ADDING, 40, 16, seeds=2, crosscheck=False)
    fb1 = G.measure("lstm", "forget-bias-1", ADDING, 40, 16, seeds=2, crosscheck=False)
    assert fb1.cell.norms[30] > 10 * default.cell.norms[30]
    assert fb1.cell.norms[30] > fb1.grad_norms[30]  # c carries more than h, 30 steps back


def test_radius_above_one_explodes_and_below_vanishes():
    relu = G.measure("rnn", "identity", ADDING, 30, 16, seeds=2, radius=1.2)
    assert relu.grad_norms[-1] > 100 and relu.decay_per_step > 1.1
    assert relu.crosscheck_rel_err < 1e-10
    small = G.measure("rnn", "orthogonal", ADDING, 30, 16, seeds=2, radius=0.5,
                      crosscheck=False)
    assert small.grad_norms[-1] < 1e-6
    rng = np.random.default_rng(0)
    from rnncli.scratch import build

    gru = build("gru", 2, 6, seed=0)
    inits.init_params(gru.params, "gru", "default", rng, radius=1.7)
    for block in np.split(gru.params["weight_hh_l0"], 3):
        assert inits.spectral_radius(block) == pytest.approx(1.7)


def test_cli_shows_exploding_gradients(cli):
    res = cli("gradients", "--arch", "rnn", "--init", "identity", "--radius", "1.2",
              "--seq-len", "30", "--hidden", "8", "--seeds", "1")
    assert res.exit_code == 0, res.output
    assert "GROWS going back" in res.stdout and "--clip" in res.stdout


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
        if r["arch"] == "lstm":
            c = r["cell"]
            assert len(c["grad_norms"]) == 16 and 0 < c["grad_norms"][0] < 1
            assert len(c["spread"]["max"]) == 16 and c["decay_per_step"] > 0
        else:
            assert r["cell"] is None


@pytest.mark.slow
def test_cli_after_training_and_plot(cli, tmp_path):
    png = tmp_path / "g.png"
    data = cli.json("gradients", "--seq-len", "5", "--hidden", "8", "--seeds", "1",
                    "--arch", "lstm", "--after-training", "adding", "--steps", "20",
                    "--plot", str(png))
    phases = [r["phase"] for r in data["results"]]
    assert phases == ["init", "trained"]
    trained = data["results"][1]
    assert trained["training"]["task"] == "adding" and 1 <= trained["training"]["steps"] <= 20
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_cli_table(cli):
    res = cli("gradients", "--seq-len", "10", "--hidden", "4", "--seeds", "1")
    assert res.exit_code == 0, res.output
    assert "/step" in res.stdout and "autograd" in res.stdout and "lstm c" in res.stdout
    assert "Reading: all curves decay" in res.stdout and "forget-bias-1" in res.stdout
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
        (["--after-training", "parity"], "--after-training"),
        (["--after-training", "sorting"], "--after-training"),
        (["--seeds", "1000000000", "--seq-len", "2", "--hidden", "1"], "--force"),
        (["--seq-len", "1000000000"], "--force"),
        (["--seq-len", "1e9"], "--seq-len"),
        (["--hidden", "1000000"], "--force"),
        (["--radius", "-1"], "--radius"),
        (["--after-training", "adding", "--steps", "0"], "--steps"),
        (["--after-training", "temporal-order", "--seq-len", "5"], ">= 10"),
        (["--after-training", "adding", "--budget-s", "0"], "--max-seconds"),
        (["--plot", "/nonexistent-dir/g.png"], "does not exist"),
        (["--plot", "g.txt"], ".png"),
    ],
)
def test_bad_input_exits_2(cli, args, needle):
    res = cli("gradients", *args)
    assert res.exit_code == 2, res.output
    assert "rnncli: error:" in res.output and needle in res.output
    assert "Traceback" not in res.output and len(res.output.strip().splitlines()) == 1


def test_ctrl_c_keeps_finished_measurements(cli, monkeypatch):
    real, calls = G.measure_probe, []

    def stop_on_second(*args, **kw):
        calls.append(args[0])
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kw)

    monkeypatch.setattr(G, "measure_probe", stop_on_second)
    res = cli("gradients", "--seq-len", "6", "--hidden", "4", "--seeds", "1", "--json")
    assert res.exit_code == 130
    data = json.loads(res.stdout)
    assert data["interrupted"] is True and [r["arch"] for r in data["results"]] == ["rnn"]


@pytest.mark.slow
def test_smoke_subprocess():
    cmd = [sys.executable, "-m", "rnncli", "gradients", "--seq-len", "8", "--hidden", "4",
           "--seeds", "1", "--json"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["results"][0]["arch"] == "rnn"


@pytest.mark.slow
def test_help_does_not_import_torch():
    for command in ("gradients", "memory"):
        proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "rnncli", command,
                               "--help"], capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0
        assert not [ln for ln in proc.stderr.splitlines() if ln.rstrip().endswith(" torch")]


def test_progress_counts_seeds_and_training_steps():
    from io import StringIO

    from rich.console import Console

    from rnncli.render.progress import TrainProgress

    ticks = []
    probe = G.Probe(ADDING, 6, 4, seeds=3)
    list(G.iter_measurements(["rnn"], ["default"], probe,
                             job_progress=lambda name, total: ticks.append((name, total))
                             or (lambda done: ticks.append(done))))
    assert ticks == [("rnn default", 3), 1, 2, 3]
    buf = StringIO()
    with TrainProgress(Console(file=buf, force_terminal=True, width=80), 10) as bar:
        tick = bar.job("lstm default", 3)
        tick(3)
        bar.callback("gru", 50)(10, 0.5)
        bar.done()
    assert "lstm default" in buf.getvalue() and "gru T=50" in buf.getvalue()
