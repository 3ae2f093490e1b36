"""`rnncli bench` with the user's model and batches, plots, and CUDA wiring without a GPU."""

from __future__ import annotations

import pytest
import torch

from rnncli import machine, tokens
from rnncli.measure import budget, impls, usermodel, workloads
from rnncli.measure.spec import Case

FAST = ("--min-time", "0.005", "--peak-n", "0", "--rounds", "1")


def test_weights_from_a_state_dict(cli, tmp_path):
    torch.manual_seed(0)
    net = torch.nn.GRU(5, 7, num_layers=2)
    path = tmp_path / "gru.pt"
    torch.save({"model": {"rnn." + k: v for k, v in net.state_dict().items()}}, path)
    data = cli.json("bench", "--weights", str(path), "-T", "3", "-B", "2", *FAST)
    rows = data["results"]
    assert {r["arch"] for r in rows} == {"gru"}
    assert all((r["input_size"], r["hidden_size"], r["num_layers"]) == (5, 7, 2) for r in rows)
    assert all(r["weights"] == str(path) for r in rows)
    assert data["meta"]["options"]["weights"] == str(path)


def test_bidirectional_weights_time_both_directions(cli, tmp_path):
    net = torch.nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    path = tmp_path / "bi.pt"
    torch.save({"model_state_dict": net.state_dict(), "epoch": 2}, path)
    data = cli.json("bench", "--weights", str(path), "-T", "3", "-B", "2", *FAST)
    for r in data["results"]:
        assert r["bidirectional"] is True and r["num_layers"] == 2
        assert r["params"] == r["params_formula"] == sum(p.numel() for p in net.parameters())
    case = Case("lstm", "torch", "forward", 2, 1, 3, 4, 2, weights=str(path),
                bidirectional=True)
    module = workloads._torch_modules(case)
    for name, value in net.state_dict().items():
        assert torch.equal(module.state_dict()[name], value)


def test_weights_are_loaded_into_the_timed_module(tmp_path):
    torch.manual_seed(0)
    net = torch.nn.LSTM(3, 4)
    path = tmp_path / "lstm.pt"
    torch.save(net.state_dict(), path)
    case = Case("lstm", "torch", "forward", 2, 1, 3, 4, 1, weights=str(path))
    module = workloads._torch_modules(case)
    for name, value in net.state_dict().items():
        assert torch.equal(module.state_dict()[name], value)


def test_weights_from_a_vocab_checkpoint_pick_the_rnn_prefix(cli, tmp_path):
    enc, dec = torch.nn.LSTM(6, 8), torch.nn.GRU(5, 9)
    sd = {**{f"encoder.rnn.{k}": v for k, v in enc.state_dict().items()},
          **{f"decoder.rnn.{k}": v for k, v in dec.state_dict().items()},
          "encoder.embedding.weight": torch.zeros(10, 6)}
    vocab = tokens.Vocab.build([["a", "b"]])
    ckpt = tokens.pack_checkpoint(sd, kind="seq2seq", arch="gru", tokens="word", vocab=vocab,
                                  embedding_key="encoder.embedding.weight",
                                  rnn_prefix="decoder.rnn", settings={})
    path = tmp_path / "s2s.pt"
    torch.save(ckpt, path)
    model = usermodel.read_model(str(path))
    assert (model.arch, model.input_size, model.hidden_size, model.kind) == ("gru", 5, 9,
                                                                              "seq2seq")
    data = cli.json("bench", "--weights", str(path), "-T", "2", "-B", "1", "--mode",
                    "forward", *FAST)
    assert data["results"][0]["hidden_size"] == 9


def test_weights_conflicts_and_bad_files(cli, tmp_path):
    path = tmp_path / "m.pt"
    torch.save(torch.nn.RNN(2, 3).state_dict(), path)
    for extra in (("--hidden", "5"), ("--arch", "lstm")):
        res = cli("bench", "--weights", str(path), *extra)
        assert res.exit_code == 2 and "--weights" in res.stderr
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint")
    res = cli("bench", "--weights", str(bad))
    assert res.exit_code == 2 and res.stderr.count("\n") == 1


def test_lengths_time_packed_against_padded(cli):
    data = cli.json("bench", "--lengths", "uniform:2-6", "-B", "4", "-I", "3", "-H", "4",
                    "--arch", "lstm", *FAST)
    rows = data["results"]
    assert sorted({(r["mode"], r["batching"]) for r in rows}) == [
        ("forward", "packed"), ("forward", "padded"), ("train", "packed"), ("train", "padded")]
    lengths = rows[0]["lengths"]
    assert len(lengths) == 4 and all(2 <= n <= 6 for n in lengths)
    assert all(r["seq_len"] == max(lengths) for r in rows)
    by = {(r["mode"], r["batching"]): r for r in rows}
    assert by[("forward", "packed")]["flops"] < by[("forward", "padded")]["flops"] or \
        len(set(lengths)) == 1
    assert by[("forward", "packed")]["tokens_per_s"] == pytest.approx(
        sum(lengths) / by[("forward", "packed")]["median_s"])
    comps = [c for c in data["summary"]["comparisons"] if c["field"] == "batching"]
    assert len(comps) == 2  # one per mode


def test_lengths_from_a_file_and_bad_specs(cli, tmp_path):
    p = tmp_path / "lengths.txt"
    p.write_text("3, 5\n2\n")
    data = cli.json("bench", "--lengths", str(p), "-I", "2", "-H", "3", "--arch", "gru",
                    "--mode", "forward", *FAST)
    assert data["results"][0]["lengths"] == [3, 5, 2]
    for spec in ("uniform:5-2", "uniform:0-3", "uniform:a-b", str(tmp_path / "none.txt")):
        res = cli("bench", "--lengths", spec)
        assert res.exit_code == 2 and "--lengths" in res.stderr, spec
    p.write_text("3 x 4")
    assert cli("bench", "--lengths", str(p)).exit_code == 2
    res = cli("bench", "--lengths", "uniform:2-4", "-T", "9")
    assert res.exit_code == 2 and "--seq-len" in res.stderr


def test_packed_and_padded_give_the_same_real_outputs():
    case = Case("gru", "torch", "forward", 5, 3, 2, 4, 1, batching="packed",
                lengths=(5, 2, 3))
    module = workloads._torch_modules(case)
    x = workloads._input(case)
    packed = workloads._forward_fn(case, module)(x)
    assert packed.shape == (10, 4)  # the real steps only
    padded = module(x)[0]
    assert torch.allclose(padded[:2, 1], module(x[:2, 1:2])[0][:, 0], atol=1e-6)


@pytest.mark.slow
def test_plots_small_multiples_and_bars(cli, tmp_path):
    pytest.importorskip("matplotlib")
    sweep = tmp_path / "sweep.png"
    res = cli("bench", "-T", "2,4", "-B", "1", "-I", "2", "-H", "2", "--arch", "rnn,gru",
              "--impl", "torch,numpy", *FAST, "--plot", str(sweep))
    assert res.exit_code == 0, res.output
    assert sweep.read_bytes()[:4] == b"\x89PNG" and f"rnncli: wrote {sweep}" in res.stderr
    bars = tmp_path / "bars.svg"
    res = cli("bench", "-T", "2", "-B", "1", "-I", "2", "-H", "2", "--arch", "lstm", *FAST,
              "--plot", str(bars))
    assert res.exit_code == 0, res.output
    assert b"<svg" in bars.read_bytes()[:500]


def test_cuda_rows_are_wired_without_a_gpu(monkeypatch):
    """What can be checked without a GPU: the CUDA case synchronises, measures memory with
    the allocator, names cuDNN, and the budget reads CUDA's free memory."""
    case = Case("lstm", "torch", "train", 2, 1, 3, 4, 1, device="cuda")
    cpu = Case("lstm", "torch", "train", 2, 1, 3, 4, 1)
    monkeypatch.setattr(workloads, "_torch_modules", lambda c: _cpu_module(cpu))
    monkeypatch.setattr(workloads, "_input", lambda c: torch.randn(2, 1, 3))
    wl = impls.build(case)
    assert wl.sync is torch.cuda.synchronize
    assert wl.memory_how == "cuda-allocator-peak"
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda: (123, 456))
    assert machine.free_memory_bytes("cuda") == 123
    assert budget.call_s(case) < budget.call_s(cpu)

    class Node:
        def name(self):
            return "CudnnRnnBackward0"

    class Out:
        grad_fn = Node()

    assert workloads.fused_kernel(lambda x: (Out(), None), torch.zeros(2, 1, 3)) == \
        "cuDNN fused RNN"


def test_a_device_is_synchronised_before_every_clock_reading(monkeypatch):
    """torch's own timer synchronises an accelerator; ours (a clock we pass) must too, or a
    CUDA block would time kernel launches, not kernels."""
    from rnncli.measure import engine, timing

    events = []
    timer = timing.BlockTimer(lambda: events.append("call"), 1, "wall",
                              sync=lambda: events.append("sync"))
    timing.timed_round(timer, min_run_time=0.001, min_runs=3, number=2)
    blocks = "".join("c" if e == "call" else "s" for e in events).split("s")
    assert events[-1] == "sync" and all(b in ("", "cc") for b in blocks)
    case = Case("lstm", "torch", "forward", 2, 1, 3, 4, 1)  # a row's sync reaches its timer
    wl = impls.build(case)
    wl.sync = lambda: events.append("row sync")
    monkeypatch.setattr(impls, "build", lambda c, threads=1, clock="wall": wl)
    cfg = engine.RunConfig(min_time=0.001, min_runs=2)
    prepared = engine.prepare(case, cfg)
    events.clear()
    engine.time_round(prepared, cfg)
    assert "row sync" in events


def _cpu_module(case):
    torch.manual_seed(0)
    return torch.nn.LSTM(case.input_size, case.hidden_size)


def test_budget_covers_every_registered_implementation():
    from rnncli.measure.impls import DEFAULT_COST, IMPLS

    assert budget.cost("some-new-impl") == DEFAULT_COST
    for name, impl in IMPLS.items():
        for arch in impl.archs():
            case = Case(arch, name, impl.modes[-1], 50, 8, 16, 32, 1)
            assert 0 < budget.call_s(case) < 10 and budget.memory_bytes(case) > 0
    # an implementation the cost model does not know still gets an estimate
    assert budget.call_s(Case("lstm", "some-new-impl", "train", 50, 8, 16, 32, 1)) > 0
