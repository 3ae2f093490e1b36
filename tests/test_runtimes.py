"""`rnncli bench --runtime`: every runtime checked against torch before timing, the JSON
layout per runtime, a disagreeing runtime reported and not timed, dynamic axes, threads
as set, the missing-extra line.  Timings are never asserted."""

from __future__ import annotations

import dataclasses
import json
import os

import numpy as np
import pytest
import torch

from rnncli import runtimes
from rnncli.measure import runtime_findings, workloads
from rnncli.measure.spec import Case
from rnncli.runtimes import RUNTIMES

FAST = ("--min-time", "0.02", "--peak-n", "0", "--rounds", "2", "--mode", "forward")
TINY = ("-T", "5", "-B", "2", "-I", "3", "-H", "4")


def _installed(name: str):
    return pytest.mark.skipif(not RUNTIMES[name].is_installed(), reason=f"{name} not installed")


def _check_rows(data: dict, name: str, archs: set[str]) -> None:
    rows = [r for r in data["results"] if r["impl"] == name]
    assert {r["arch"] for r in rows} == archs
    for r in rows:
        a = r["agreement"]
        assert a["agrees"] and a["dynamic_axes"] and a["max_abs_diff"] <= runtimes.TOLERANCE
        assert a["shapes"][0] == [r["seq_len"], r["batch"]] and a["shapes"][1] != a["shapes"][0]
        assert r["runtime"] == name and r["setup_s"] >= 0 and r["first_call_s"] >= 0
        assert r["median_s"] > 0 and r["runs"] >= 2
        q = r["torch_ratio"]
        assert q["lo"] <= q["ratio"] <= q["hi"]
        assert q["verdict"]["evidence"]["unit"] == "timed run"
        # the pair's interval is the comparison's (one bootstrap), turned torch ÷ runtime
        (c,) = [c for c in data["summary"]["comparisons"] if c["field"] == "impl"
                and {c["fast"], c["slow"]} == {"torch", name}
                and (c["arch"], c["mode"]) == (r["arch"], r["mode"])]
        if c["fast"] == name:
            assert (q["ratio"], q["lo"], q["hi"]) == (c["ratio"], c["lo"], c["hi"])
        else:
            assert q["ratio"] == pytest.approx(1 / c["ratio"]) and q["lo"] == 1 / c["hi"]
        assert r["threads_as_set"]
    info = data["summary"]["runtimes"]
    assert info["tolerance"] == runtimes.TOLERANCE and info["not_timed"] == []
    assert "torch" in info["threads_as_set"] and name in info["threads_as_set"]
    assert any("not timed" in rule for rule in info["rules"])


@pytest.mark.slow  # a whole library session or figure (~0.7-1.4 s CPU)
@_installed("onnxruntime")
def test_onnxruntime_agrees_and_reports_its_fields(cli):
    data = cli.json("bench", *TINY, "--arch", "rnn,gru,lstm", "--runtime",
                    "torch,onnxruntime", *FAST)
    _check_rows(data, "onnxruntime", {"rnn", "gru", "lstm"})
    row = next(r for r in data["results"] if r["impl"] == "onnxruntime")
    assert row["inference_only"] is True
    assert row["threads_as_set"] == "intra_op_num_threads=1, inter_op_num_threads=1"
    assert data["meta"]["options"]["runtimes"] == ["torch", "onnxruntime"]
    assert {f["arch"] for f in data["summary"]["runtimes"]["fastest"]} == {"rnn", "gru", "lstm"}


@pytest.mark.slow
@_installed("onnxruntime")
def test_inference_only_runtimes_have_no_training_rows(cli):
    res = cli("bench", *TINY, "--arch", "gru", "--runtime", "onnxruntime", "--mode", "train",
              "--min-time", "0.02", "--peak-n", "0", "--rounds", "2", "--json")
    assert res.exit_code == 0, res.output
    assert "--runtime onnxruntime is inference only" in res.stderr


@pytest.mark.slow
@_installed("onnxruntime")
def test_table_states_the_rules(cli):
    res = cli("bench", *TINY, "--arch", "gru", "--runtime", "onnxruntime", *FAST)
    assert res.exit_code == 0, res.output
    out = " ".join(res.stdout.split())
    assert "runtimes · forward" in out and "torch ÷ it (95%)" in out
    assert "threads as set: torch: torch.set_num_threads(" in out
    assert "intra_op_num_threads=1" in out and "outputs vs torch, max |Δ|" in out
    assert "reported, not timed" in out


@pytest.mark.slow
@_installed("openvino")
def test_openvino_agrees(cli):
    data = cli.json("bench", *TINY, "--arch", "gru,lstm", "--runtime", "openvino", *FAST)
    _check_rows(data, "openvino", {"gru", "lstm"})
    assert "INFERENCE_NUM_THREADS=1" in data["summary"]["runtimes"]["threads_as_set"]["openvino"]


@pytest.mark.slow
@_installed("jax")
def test_jax_agrees_forward_and_train(cli):
    data = cli.json("bench", *TINY, "--arch", "rnn,gru,lstm", "--runtime", "jax",
                    "--min-time", "0.02", "--peak-n", "0", "--rounds", "2")
    _check_rows(data, "jax", {"rnn", "gru", "lstm"})
    modes = {r["mode"] for r in data["results"] if r["impl"] == "jax"}
    assert modes == {"forward", "train"}
    threads = data["summary"]["runtimes"]["threads_as_set"]["jax"]
    assert "intra_op_parallelism_threads=1" in threads
    if hasattr(os, "sched_getaffinity"):  # XLA's flags alone left JAX on every core
        first = min(os.sched_getaffinity(0))
        assert f"pinned to CPU {first} (affinity)" in threads


@pytest.mark.slow  # imports JAX in a fresh interpreter
@_installed("jax")
def test_the_jax_worker_runs_on_the_cpus_it_is_given():
    """The one setting that limits XLA's threads is the worker's CPU affinity, set before
    JAX is imported; the worker reports the mask it actually got."""
    import subprocess
    import sys

    if not hasattr(os, "sched_getaffinity"):
        pytest.skip("no CPU affinity on this OS")
    from rnncli.runtimes import jaxrun

    cpus = jaxrun.worker_cpus(1)
    code = ("import json, rnncli.runtimes.jax_worker as w; print(json.dumps(w.cpus()))")
    env = dict(os.environ, RNNCLI_JAX_CPUS=",".join(map(str, cpus)), JAX_PLATFORMS="cpu")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True, timeout=120).stdout
    assert json.loads(out) == cpus and len(cpus) == 1


@_installed("onnxruntime")
def test_a_disagreeing_runtime_is_reported_not_timed(cli, monkeypatch):
    """A wrong weight (the torch side changed after export) must stop the row."""
    rt = RUNTIMES["onnxruntime"]

    def prepare(module, *args):
        compiled = rt.prepare(module, *args)
        with torch.no_grad():
            module.weight_hh_l0[0, 0] += 0.5
        return compiled

    monkeypatch.setitem(RUNTIMES, "onnxruntime", dataclasses.replace(rt, prepare=prepare))
    res = cli("bench", *TINY, "--arch", "gru", "--runtime", "onnxruntime", *FAST, "--json")
    assert res.exit_code == 0, res.output
    import json

    data = json.loads(res.stdout)
    assert {r["impl"] for r in data["results"]} == {"torch"}
    (bad,) = data["summary"]["runtimes"]["not_timed"]
    assert bad["runtime"] == "onnxruntime" and bad["arch"] == "gru"
    assert bad["agreement"]["agrees"] is False
    assert bad["agreement"]["max_abs_diff"] > runtimes.TOLERANCE
    text = cli("bench", *TINY, "--arch", "gru", "--runtime", "onnxruntime", *FAST)
    assert "NOT TIMED: onnxruntime GRU forward" in " ".join(text.stdout.split())


def test_frozen_axes_fail_the_second_shape():
    case = Case("gru", "onnxruntime", "forward", 6, 2, 3, 4, 1)
    torch.manual_seed(0)
    module = torch.nn.GRU(3, 4)
    x = np.random.default_rng(0).standard_normal((6, 2, 3)).astype(np.float32)
    with torch.no_grad():
        first = module(torch.from_numpy(x))[0].numpy()

    def frozen(inp):  # answers only the exported shape, as a frozen export would
        if inp.shape != x.shape:
            raise ValueError(f"Got invalid dimensions for input: x, expected {x.shape}")
        return first

    compiled = runtimes.Compiled(frozen, 0.0, "1", "test")
    with pytest.raises(runtimes.Disagreement) as e:
        runtimes.check_agreement("frozen", compiled, module, x, case)
    assert e.value.record["dynamic_axes"] is False
    assert e.value.record["diffs"][0] <= runtimes.TOLERANCE
    assert "invalid dimensions" in e.value.record["error"]


def test_second_shape_differs():
    for t, b in ((1, 1), (2, 1), (200, 32)):
        assert runtimes.second_shape(t, b) != (t, b)


def test_missing_extra_is_one_line(cli, monkeypatch):
    rt = RUNTIMES["openvino"]
    monkeypatch.setitem(RUNTIMES, "openvino", dataclasses.replace(rt, package="no_such_pkg_x"))
    res = cli("bench", "--runtime", "torch,openvino")
    assert res.exit_code == 1
    assert res.stderr.strip().splitlines() == [
        "rnncli: error: no_such_pkg_x is not installed; install the extra: "
        "pip install 'rnncli[openvino]'"]


def test_unknown_runtime_is_refused(cli):
    res = cli("bench", "--runtime", "torch,tensorrt")
    assert res.exit_code == 2
    assert "--runtime" in res.stderr and "onnxruntime" in res.stderr


def test_all_means_torch_and_the_installed_ones(monkeypatch):
    names = runtimes.installed()
    assert names[0] == "torch" and "torch-compile" not in names
    assert all(RUNTIMES[n].is_installed() for n in names[1:])


@pytest.mark.slow
@_installed("onnxruntime")
def test_runtime_runs_the_users_weights(cli, tmp_path):
    torch.manual_seed(3)
    net = torch.nn.LSTM(3, 5, num_layers=2)
    path = tmp_path / "lstm.pt"
    torch.save(net.state_dict(), path)
    data = cli.json("bench", "--weights", str(path), "-T", "4", "-B", "2", "--runtime",
                    "onnxruntime", *FAST)
    rows = {r["impl"]: r for r in data["results"]}
    assert set(rows) == {"torch", "onnxruntime"}
    assert rows["onnxruntime"]["agreement"]["agrees"]
    assert rows["onnxruntime"]["note"] == "weights from the file"
    case = Case("lstm", "onnxruntime", "forward", 4, 2, 3, 5, 2, weights=str(path))
    module = workloads._torch_modules(dataclasses.replace(case, impl="torch"))
    for name, value in net.state_dict().items():
        assert torch.equal(module.state_dict()[name], value)


@_installed("onnxruntime")
@pytest.mark.parametrize("arch", runtimes.RUNTIME_ARCHS)
def test_runtime_workload_params_and_step(arch):
    from rnncli.measure import engine

    case = Case(arch, "onnxruntime", "forward", 2, 2, 3, 5, 2)
    wl = workloads.runtime_workload(case)
    assert wl.params_module == engine.formula_params(case)
    assert wl.extra["agreement"]["agrees"]
    wl.step()  # runs


def test_compare_merges_three_files(cli, tmp_path):
    import json

    data = cli.json("bench", *TINY, "--arch", "gru,lstm", *FAST)
    paths = []
    for i, cpu in enumerate(("AMD EPYC", "Apple M2", "Intel Xeon")):
        d = json.loads(json.dumps(data))
        d["meta"]["cpu"] = cpu
        for r in d["results"]:
            r["median_s"] *= i + 1
        if i == 2:  # a machine that lacks the LSTM row
            d["results"] = [r for r in d["results"] if r["arch"] != "lstm"]
        p = tmp_path / f"m{i}.json"
        p.write_text(json.dumps(d))
        paths.append(str(p))
    merged = cli.json("bench", "--compare", ",".join(paths))
    assert [m["cpu"] for m in merged["machines"]] == ["AMD EPYC", "Apple M2", "Intel Xeon"]
    assert [m["name"] for m in merged["machines"]] == ["m0", "m1", "m2"]
    by_arch = {r["arch"]: r for r in merged["rows"]}
    assert by_arch["gru"]["vs_first"] == pytest.approx([1.0, 2.0, 3.0])
    assert by_arch["lstm"]["median_s"][2] is None and by_arch["lstm"]["vs_first"][2] is None
    res = cli("bench", "--compare", ",".join(paths))
    assert res.exit_code == 0, res.output
    out = " ".join(res.stdout.split())
    assert "A = m0: AMD EPYC" in out and "C = m2: Intel Xeon" in out and "(3.00×)" in out
    bad = cli("bench", "--compare", f"{paths[0]},{tmp_path / 'none.json'}")
    assert bad.exit_code == 2 and "none.json" in bad.stderr


def _row(arch, impl, median, ratio=None, decided=False):
    kernel = {"gru": "ATen ops per step", "lstm": "oneDNN fused RNN"}[arch]
    r = {"arch": arch, "impl": impl, "mode": "forward", "seq_len": 200, "batch": 1,
         "input_size": 64, "hidden_size": 128, "num_layers": 1, "median_s": median,
         "kernel": kernel if impl == "torch" else "other"}
    if ratio:
        r["torch_ratio"] = {"ratio": ratio[0], "lo": ratio[1], "hi": ratio[2], "verdict": {
            "decided": decided, "winner": impl if decided else None}}
    return r


def test_findings_name_torchs_kernel_only_when_another_runtime_is_faster():
    rows = [_row("gru", "torch", 3.4e-3), _row("lstm", "torch", 1.0e-3),
            _row("gru", "onnxruntime", 6.6e-4, (5.1, 5.0, 5.2), True),
            _row("lstm", "onnxruntime", 7.3e-4, (1.4, 1.3, 1.5), True)]
    lines = runtime_findings.findings(rows)
    assert "fastest GRU runtime measured at forward T=200 B=1" in lines[0]
    assert lines[0].endswith("onnxruntime")
    (kernel,) = [line for line in lines if "the GRU's slowness is torch's kernel" in line]
    assert "5.10× (95% 5.00–5.20)" in kernel and "torch's GRU takes 3.40× its LSTM's" in kernel
    tie = [*rows[:2], _row("gru", "onnxruntime", 3.3e-3, (1.03, 0.9, 1.2), False)]
    assert not any("torch's kernel" in line for line in runtime_findings.findings(tie))
    assert "(not distinguishable from torch)" in runtime_findings.findings(tie)[0]


@pytest.mark.slow
@_installed("onnxruntime")
def test_advise_measure_names_the_fastest_runtime(cli):
    data = cli.json("advise", "--measure", "--latency-ms", "5", "--seq-len", "20",
                    "--input-size", "4")
    text = json.dumps(data)
    assert "fastest runtime measured (same weights, torch, onnxruntime" in text


@pytest.mark.slow
@_installed("onnxruntime")
def test_runtime_with_an_onnx_file_as_weights(cli, tmp_path):
    from rnncli.formats.onnx_write import export_onnx

    torch.manual_seed(0)
    path = export_onnx(torch.nn.GRU(6, 10, num_layers=2), tmp_path / "g.onnx")
    data = cli.json("bench", "--weights", str(path), "-T", "8", "-B", "2", "--runtime",
                    "onnxruntime", *FAST)
    _check_rows(data, "onnxruntime", {"gru"})
