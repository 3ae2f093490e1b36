"""`rnncli compare`: exact figures against torch, the lesson's rows with evidence, bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from rnncli import archs, formulas
from rnncli.knowledge import comparison
from rnncli.knowledge.sources import SOURCES

ASPECTS = {"parameters", "memory", "training_speed", "long_sequences",
           "vanishing_gradients", "best_for"}


def test_json_schema(cli):
    d = cli.json("compare", "--input-size", "10", "--hidden", "20", "--layers", "2",
                 "--seq-len", "7", "--batch", "3")
    assert set(d) >= {"schema_version", "sizes", "archs", "rows", "measured", "sources"}
    assert d["sizes"] == {"input_size": 10, "hidden_size": 20, "num_layers": 2, "seq_len": 7,
                          "batch": 3, "dtype_bytes": 4}
    assert list(d["archs"]) == list(archs.names())  # every registered architecture
    for a in d["archs"].values():
        assert set(a) >= {"equations", "gates", "state", "params", "param_formula",
                          "forward_flops_per_step", "activation_bytes_per_step"}
        assert a["equations"] and all("\n" not in e for e in a["equations"])
    assert d["archs"]["lstm"]["state"] == "h and c" and d["archs"]["gru"]["state"] == "h"
    assert {r["aspect"] for r in d["rows"]} == ASPECTS
    assert d["measured"] is None


def test_every_row_has_evidence_with_known_sources(cli):
    d = cli.json("compare")
    for row in d["rows"]:
        assert set(row["lesson"]) == {"rnn", "gru", "lstm"}
        assert row["evidence"], row["aspect"]
        for ev in row["evidence"]:
            assert ev["kind"] in ("computed", "source", "measured")
            if ev["kind"] == "source":
                assert ev["source"] in SOURCES
    assert set(d["sources"]) <= set(SOURCES)
    cited = {ev["source"] for r in d["rows"] for ev in r["evidence"] if ev["source"]}
    for key in ("chung2014", "jozefowicz2015", "greff2017", "weiss2018", "arjovsky2016",
                "britz2017", "rnncli-memory"):
        assert key in cited


@pytest.mark.parametrize("sizes", [(3, 5, 1), (64, 128, 1), (7, 4, 3)])
def test_params_match_torch_modules(cli, sizes):
    torch = pytest.importorskip("torch")
    i, h, layers = sizes
    d = cli.json("compare", "--input-size", str(i), "--hidden", str(h), "--layers",
                 str(layers))
    for arch, cls in (("rnn", torch.nn.RNN), ("gru", torch.nn.GRU), ("lstm", torch.nn.LSTM)):
        module = cls(i, h, num_layers=layers)
        assert d["archs"][arch]["params"] == sum(p.numel() for p in module.parameters())
    # the lesson's Low / Medium / High is an exact ratio
    assert d["archs"]["gru"]["params"] * 4 == d["archs"]["lstm"]["params"] * 3
    assert d["archs"]["rnn"]["params"] * 4 == d["archs"]["lstm"]["params"]
    # the peephole column: the LSTM's weights plus w_ci, w_cf, w_co (H each) per layer
    assert d["archs"]["peephole"]["params"] == d["archs"]["lstm"]["params"] + 3 * h * layers
    assert d["archs"]["peephole"]["params"] == formulas.param_count("peephole", i, h, layers)


def test_memory_scales_with_sequence_and_kept_values(cli):
    d = cli.json("compare", "--hidden", "16", "--seq-len", "9", "--batch", "2")
    for a in d["archs"].values():
        assert a["activation_bytes_sequence"] == 9 * a["activation_bytes_per_step"]
        assert a["activation_bytes_per_step"] == a["kept_values_per_unit"] * 16 * 2 * 4
    assert (d["archs"]["rnn"]["activation_bytes_per_step"]
            < d["archs"]["gru"]["activation_bytes_per_step"]
            < d["archs"]["lstm"]["activation_bytes_per_step"])


def test_lesson_corrections_are_stated(cli):
    rows = {r["aspect"]: r for r in cli.json("compare")["rows"]}
    assert "3/4" in rows["parameters"]["finding"]
    assert "Solved" in rows["vanishing_gradients"]["verdict"]
    assert "rnncli gradients" in rows["vanishing_gradients"]["finding"]
    assert "--measure" in rows["training_speed"]["finding"]


def _row(arch, median, iqr=0.0, runs=9, jitter=0.01):
    # three interleaved rounds of 3 timed runs, as quick_measure's rows carry them
    rounds = [[median * (1 + jitter * k) for k in (-1, 0, 1)]] * (runs // 3) if runs >= 3 \
        else [[median] * runs]
    return {"arch": arch, "median_s": median, "iqr_s": iqr if runs >= 3 else None,
            "tokens_per_s": 1 / median, "runs": runs, "samples_s": rounds}


def test_speed_verdict_says_when_gru_is_not_faster():
    v = comparison.speed_verdict([_row("rnn", 0.01), _row("gru", 0.03), _row("lstm", 0.02)])
    assert v["gru_faster_than_lstm"] is False
    assert "does not" in v["text"] and "30.00 ms" in v["text"] and "20.00 ms" in v["text"]
    assert "LSTM 1.50× (95% " in v["text"] and "±" not in v["text"]
    v = comparison.speed_verdict([_row("gru", 0.01), _row("lstm", 0.02)])
    assert v["gru_faster_than_lstm"] is True and "as the lesson says" in v["text"]
    v = comparison.speed_verdict([_row("gru", 0.0200, jitter=0.2),
                                  _row("lstm", 0.0201, jitter=0.2)])
    assert v["gru_faster_than_lstm"] is None and "not distinguishable" in v["text"]


def test_a_single_lstm_run_gives_no_verdict_and_no_zero_iqr():
    # issue 19: a verdict from a single LSTM run shown with "IQR 0.00 ms"
    data = comparison.build()
    comparison.add_measurements(data, [_row("gru", 0.01, iqr=0.0002),
                                       _row("lstm", 0.03, runs=1)], {})
    m = data["measured"]
    assert m["gru_faster_than_lstm"] is None and "IQR 0.00" not in m["text"]
    assert "LSTM 30.00 ms (1 run)" in m["text"]
    assert "1 timed run, at least 5 needed (observed GRU 3.00× faster" in m["text"]
    row = next(r for r in data["rows"] if r["aspect"] == "training_speed")
    assert row["verdict"] == "not decided here" and "(1 run)" in row["finding"]
    from rnncli.render.compare import _iqr_cell
    assert _iqr_cell(m["archs"]["lstm"]) == "1 run"


@pytest.mark.slow  # times the cells: about 0.7 s of CPU on a loaded machine
def test_measure_adds_timings(cli, monkeypatch):
    pytest.importorskip("torch")
    import rnncli.measure as measure

    real = measure.quick_measure
    monkeypatch.setattr(measure, "quick_measure",
                        lambda *a, **k: real(*a, **{**k, "budget_s": 1.5}))
    d = cli.json("compare", "--measure", "--input-size", "2", "--hidden", "4",
                 "--seq-len", "3", "--batch", "2")
    m = d["measured"]
    assert set(m["archs"]) == {"rnn", "gru", "lstm"}
    for a in m["archs"].values():
        assert a["median_s"] > 0 and (a["iqr_s"] is None) == (a["runs"] < 3)
    assert "GRU" in m["text"] and "LSTM" in m["text"]
    speed = next(r for r in d["rows"] if r["aspect"] == "training_speed")
    assert any(ev["kind"] == "measured" for ev in speed["evidence"])


@pytest.mark.parametrize("args", [["--hidden", "0"], ["--layers", "-1"], ["--batch", "x"],
                                  ["--seq-len", "0"], ["--input-size", "0"]])
def test_bad_input_is_one_line_exit_2(cli, args):
    res = cli("compare", *args)
    assert res.exit_code == 2
    assert "Traceback" not in res.output
    assert len(res.stderr.strip().splitlines()) == 1


def test_table_fits_80_columns(cli):
    res = cli("compare")
    assert res.exit_code == 0
    assert max(len(line) for line in res.stdout.splitlines()) <= 80


@pytest.mark.slow  # a subprocess: a fresh interpreter start
def test_no_torch_import():
    for cmd in (["compare"], ["advise", "--seq-len", "5"], ["quiz", "--count", "1",
                                                               "--answers", "1"]):
        p = subprocess.run([sys.executable, "-X", "importtime", "-m", "rnncli", *cmd],
                           capture_output=True, text=True, stdin=subprocess.DEVNULL,
                           timeout=60)
        assert p.returncode == 0, p.stderr[-500:]
        mods = {line.rsplit("|", 1)[-1].strip() for line in p.stderr.splitlines()
                if line.startswith("import time:")}
        assert "torch" not in mods, cmd


@pytest.mark.slow  # a subprocess: a fresh interpreter start
def test_subprocess_smoke():
    p = subprocess.run([sys.executable, "-m", "rnncli", "compare", "--json"],
                       capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60)
    assert p.returncode == 0
    assert json.loads(p.stdout)["archs"]["lstm"]["params"] == 99328


@pytest.mark.parametrize("args", [["--hidden", "100000"], ["--input-size", "100000000"],
                                  ["--seq-len", "1000000", "--batch", "1000"]])
def test_oversized_measure_is_refused_before_allocating(cli, monkeypatch, args):
    import rnncli.measure as measure

    def never(*a, **k):
        raise AssertionError("quick_measure must not run")

    monkeypatch.setattr(measure, "quick_measure", never)
    res = cli("compare", "--measure", *args)
    assert res.exit_code == 2, res.output
    (line,) = res.stderr.strip().splitlines()
    assert "GiB" in line and "--force" in line


def test_bounds_estimate_grows_with_every_size():
    from rnncli.knowledge import bounds

    base = bounds.step_cost("lstm", 64, 128, 1, 200, 32)
    for bigger in [(128, 128, 1, 200, 32), (64, 256, 1, 200, 32), (64, 128, 2, 200, 32),
                   (64, 128, 1, 400, 32), (64, 128, 1, 200, 64)]:
        cost = bounds.step_cost("lstm", *bigger)
        assert cost[0] > base[0] and cost[1] > base[1]
    assert base[0] < bounds.MAX_BYTES and base[1] < bounds.MAX_STEP_FLOPS  # defaults run


def test_peephole_column_is_shown_and_not_in_the_lessons_words(cli):
    res = cli("compare")
    assert "Peephole LSTM" in res.stdout and "99,712" in res.stdout
    d = cli.json("compare")
    assert d["archs"]["peephole"]["in_lesson"] is False
    assert all("peephole" not in row["lesson"] for row in d["rows"])


def test_iqr_is_not_written_as_a_half_width():
    from rnncli.knowledge import comparison

    data = comparison.build()
    rows = [{**_row(a, m), "iqr_s": 0.0001}
            for a, m in (("rnn", 0.001), ("gru", 0.002), ("lstm", 0.003))]
    comparison.add_measurements(data, rows, {})
    row = next(r for r in data["rows"] if r["aspect"] == "training_speed")
    assert "±" not in row["finding"] and "(IQR 0.10 ms)" in row["finding"]
