"""`rnncli bench` under load: intervals, verdicts, spread, peak, contention, warnings.

Synthetic rows test the statistics exactly; tiny real runs test the wiring.  No test
asserts a timing.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from rnncli import fmt, machine, verdict
from rnncli.measure import analysis, stats
from rnncli.render import bench as view

TINY = ("-T", "3", "-B", "2", "-I", "3", "-H", "4", "--min-time", "0.005")


def _row(arch="lstm", median=1.0, samples=None, **kw):
    samples = samples if samples is not None else [[median] * 5]
    r = dict(arch=arch, impl="torch", mode="forward", seq_len=5, batch=1, input_size=1,
             hidden_size=1, num_layers=1, dtype="float32", device="cpu", batching="fixed",
             median_s=median, iqr_s=0.0, runs=sum(len(s) for s in samples), samples_s=samples,
             params=4, params_formula=4, first_call_s=median, tokens_per_s=5 / median,
             gflops=1.0, memory_bytes=None, kernel="ATen ops per step")
    r.update(kw)
    return r


def test_formatters():
    assert fmt.spread(0.1, 1.0, runs=2) == "2 runs" and fmt.spread(0.1, 1.0, runs=3) == "10%"
    assert fmt.spread(None, 1.0, runs=1) == "1 run"
    assert fmt.duration(0.0042) == "4.2ms" and fmt.duration(4.2e-6) == "4.2µs"
    assert fmt.duration(None) == "-" and fmt.duration(float("nan")) == "-"
    assert fmt.nbytes(1536) == "1.5 KiB" and fmt.count(12345) == "12.3k"
    assert fmt.percent(0.42) == "42%" and fmt.percent(20.0) == ">999%"


def test_clear_gap_is_a_verdict_with_interval():
    rng = np.random.default_rng(0)
    fast = _row("lstm", 1.0, [list(1.0 + 0.01 * rng.standard_normal(6)) for _ in range(3)])
    slow = _row("gru", 1.5, [list(1.5 + 0.01 * rng.standard_normal(6)) for _ in range(3)])
    r = stats.ratio(fast, slow)
    assert r.decided and r.lo > 1.0 and r.lo <= r.ratio <= r.hi and r.paired
    c = analysis.comparisons([fast, slow])[0]
    # the interval itself, never "± its larger side" (issue 19: "7.29 ± 7.41× faster")
    assert c["text"] == f"LSTM {verdict.ratio_text(r.ratio, r.lo, r.hi)} faster than GRU"
    assert "±" not in c["text"] and c["decided"] and c["outcome"] == "a"


def test_overlapping_rows_are_not_distinguishable():
    rng = np.random.default_rng(1)
    a = _row("lstm", 1.0, [list(1.0 + 0.2 * rng.standard_normal(6)) for _ in range(3)])
    b = _row("gru", 1.02, [list(1.02 + 0.2 * rng.standard_normal(6)) for _ in range(3)])
    r = stats.ratio(a, b)
    assert not r.decided and r.lo < 1.0 < r.hi
    text = analysis.comparisons([a, b])[0]["text"]
    assert "not distinguishable here (ratio" in text and "includes 1" in text


def test_fewer_than_five_runs_never_decide():
    fast = _row("lstm", 1.0, [[1.0, 1.0, 1.0, 1.0]])
    slow = _row("gru", 10.0, [[10.0] * 20])
    r = stats.ratio(fast, slow)
    assert not r.decided and "fewer than 5 timed runs" in r.why_not()


def test_rounds_are_paired_in_the_bootstrap():
    """A load spike in round 2 slows both rows alike: pairing by round sees through it."""
    base = [[1.0, 1.01, 0.99, 1.0], [3.0, 3.03, 2.97, 3.0], [1.0, 1.01, 0.99, 1.0]]
    fast = _row("lstm", 1.0, base)
    slow = _row("gru", 1.1, [[1.1 * v for v in r] for r in base])
    paired = stats.ratio(fast, slow)
    assert paired.paired and paired.decided and paired.hi < 1.2
    unpaired = stats.ratio(fast, _row("gru", 1.1, [[1.1 * v for r in base for v in r]]))
    assert not unpaired.paired and unpaired.hi - unpaired.lo > paired.hi - paired.lo


def test_same_times_same_interval():
    a = _row("lstm", 1.0, [[1.0, 1.1, 0.9, 1.05, 0.95]] * 2)
    b = _row("gru", 1.2, [[1.2, 1.3, 1.1, 1.25, 1.15]] * 2)
    assert stats.ratio(a, b).as_dict() == stats.ratio(a, b).as_dict()


def test_share_of_peak_above_one_is_a_flagged_error():
    rows = [_row("lstm", gflops=50.0), _row("gru", gflops=5.0)]
    analysis.add_peak_fractions(rows, {("float32", "cpu"): 25.0})
    assert rows[0]["peak_error"] and not rows[1]["peak_error"]
    assert rows[1]["peak_fraction"] == pytest.approx(0.2)
    warnings = analysis.warnings(rows, {})
    assert any("measurement error" in w for w in warnings)
    table = view.columns(rows)
    cells = {name: fn(rows[0]) for name, fn in table}
    assert cells["peak"] == "err!"


def test_single_run_rows_show_na_spread():
    r = _row("lstm", 1.0, [[1.0, 1.0]], iqr_s=None)
    cells = {name: fn(r) for name, fn in view.columns([r])}
    assert cells["IQR"] == "2 runs"


def test_warnings_repeated_under_the_table_near_verdicts():
    rows = [_row("lstm"), _row("gru", 2.0)]
    meta = {"contention": {"busy": True, "load": 6.0, "cores": 2, "action": "x"},
            "threads": 1, "cpu": "cpu", "cores": 2}
    report = {"meta": meta, "results": rows,
              "summary": {"warnings": analysis.warnings(rows, meta),
                          "verdict": analysis.verdict(rows)}}
    from io import StringIO

    from rich.console import Console

    buf = StringIO()
    view.render(report, Console(file=buf, width=80, no_color=True))
    text = buf.getvalue()
    assert text.index("busy machine") > text.index("median")
    assert text.index("busy machine") < text.index("faster than GRU")
    md = view.markdown(report)
    assert "| arch |" in md and "**warning**: busy machine" in md


def test_contention_falls_back_to_one_thread(monkeypatch):
    monkeypatch.setattr(machine, "load_average", lambda: 9.0)
    monkeypatch.setattr(machine, "usable_cores", lambda: 2)
    c = machine.contention(2, given=False)
    assert c.busy and c.threads == 1 and "1 thread" in c.action
    c = machine.contention(2, given=True, rounds_given=False)
    assert c.busy and c.threads == 2 and "rounds" in c.action
    monkeypatch.setattr(machine, "load_average", lambda: 0.1)
    monkeypatch.setattr(machine, "cpu_share", lambda: 1.0)
    assert not machine.contention(2, given=False).busy
    monkeypatch.setattr(machine, "cpu_share", lambda: 0.5)  # a load that just started
    c = machine.contention(2, given=False)
    assert c.busy and c.threads == 1 and c.cpu_share == 0.5


def test_cpu_share_probe_is_a_share():
    assert 0.0 < machine.cpu_share(0.02) <= 1.0


def test_busy_run_says_so_in_json_and_takes_more_rounds(cli, monkeypatch):
    import torch

    monkeypatch.setattr(machine, "load_average", lambda: 9.0)
    monkeypatch.setattr(machine, "usable_cores", lambda: 2)
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        data = cli.json("bench", *TINY, "--arch", "gru", "--mode", "forward", "--peak-n", "32")
    finally:
        torch.set_num_threads(before)
    meta = data["meta"]
    assert meta["threads"] == 1 and meta["contention"]["busy"]
    assert "1 thread" in meta["contention"]["action"]
    assert meta["rounds"] == 5 and meta["clock"] == "cpu"
    assert any("busy machine" in w for w in data["summary"]["warnings"])
    # the GEMM peak was measured between the rounds: once before, once after each round
    assert meta["peaks"][0]["measurements"] == 6


@pytest.mark.slow  # a bench run
def test_rows_keep_their_rounds_and_quartiles(cli):
    data = cli.json("bench", *TINY, "--arch", "rnn,lstm", "--mode", "forward", "--peak-n", "0",
                    "--rounds", "3")
    for r in data["results"]:
        assert len(r["samples_s"]) == 3 and r["runs"] == sum(map(len, r["samples_s"]))
        assert r["q1_s"] <= r["median_s"] <= r["q3_s"]
    comps = data["summary"]["comparisons"]
    assert comps and all({"ratio", "lo", "hi", "decided", "text"} <= set(c) for c in comps)


@pytest.mark.slow  # a bench run
def test_markdown_output(cli):
    res = cli("bench", *TINY, "--arch", "gru,lstm", "--mode", "forward", "--peak-n", "0",
              "--markdown")
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert any(ln.startswith("| arch | kernel |") for ln in lines)
    assert any(ln.startswith("| GRU |") for ln in lines)
    assert "\x1b[" not in res.stdout


def test_latency_preset(cli):
    data = cli.json("bench", "--preset", "latency", "-T", "3", "-I", "3", "-H", "4",
                    "--arch", "lstm", "--min-time", "0.005", "--peak-n", "0", "--rounds", "1")
    (row,) = data["results"]
    assert row["batch"] == 1 and row["mode"] == "forward"
    assert row["runs"] >= 100 and row["p99_s"] >= row["median_s"]
    res = cli("bench", "--preset", "latency", "-B", "4")
    assert res.exit_code == 2 and "--batch" in res.stderr


@pytest.mark.slow  # a bench run
def test_json_report_is_valid_json_with_samples(cli):
    res = cli("bench", *TINY, "--arch", "rnn", "--mode", "forward", "--peak-n", "0", "--json")
    assert res.exit_code == 0
    assert json.loads(res.stdout)["results"][0]["samples_s"]


@pytest.mark.slow  # sleeps until the CPU clock reaches its minimum: ~40 s of wall time
def test_cpu_clock_does_not_count_waiting():
    """Time spent off the CPU (here: sleeping, as when waiting for a busy core) is not
    counted by the CPU clock and is counted by the wall clock."""
    import time

    from rnncli.measure import timing

    def work_then_nap() -> None:
        t0 = time.process_time()
        while time.process_time() - t0 < 0.002:  # 2 ms on the CPU
            pass
        time.sleep(0.01)  # 10 ms off it

    wall = timing.measure(work_then_nap, min_run_time=0.03, num_threads=1, min_runs=3)
    cpu = timing.measure(work_then_nap, min_run_time=0.01, num_threads=1, min_runs=3,
                         clock="cpu")
    assert wall.median_s >= 0.011 and 0.0019 <= cpu.median_s < 0.008


def test_busy_one_thread_times_cpu_time(monkeypatch):
    monkeypatch.setattr(machine, "load_average", lambda: 9.0)
    monkeypatch.setattr(machine, "usable_cores", lambda: 2)
    c = machine.contention(1, given=True, rounds_given=True)
    assert c.busy and c.clock == "cpu" and "CPU time" in c.action
    assert machine.contention(1, given=True, clock="wall").clock == "wall"
    assert machine.contention(1, given=True, device="cuda").clock == "wall"
    assert machine.contention(4, given=True).clock == "wall"  # several threads: wall time
    monkeypatch.setattr(machine, "load_average", lambda: 0.0)
    monkeypatch.setattr(machine, "cpu_share", lambda: 1.0)
    assert machine.contention(1, given=True).clock == "wall"


def test_cpu_clock_refused_on_a_gpu(cli):
    res = cli("bench", "--clock", "cpu", "--device", "cuda")
    assert res.exit_code == 2 and "--clock" in res.stderr


def test_blocks_after_the_first_round_make_no_untimed_calls():
    """torch's Timer.timeit(n) makes max(n // 100, 2) untimed calls before every block: a
    slow row timed one call at a time ran three calls per timed one and bench took up to
    three times its estimate. A later round's blocks run exactly the calls they time."""
    from rnncli.measure import timing

    made = [0]

    def fn():
        made[0] += 1

    timer = timing.BlockTimer(fn, 1)
    for number in (1, 7):
        made[0] = 0
        times, calls, _ = timing.timed_round(timer, min_run_time=0.001, min_runs=5,
                                             number=number)
        assert made[0] == calls == number * len(times) and len(times) >= 5
    made[0] = 0
    single, calls = timing.single_calls(timer, min_run_time=0.001, min_runs=20)
    assert made[0] == calls == len(single) >= 20
