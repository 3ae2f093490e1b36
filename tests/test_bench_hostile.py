"""`rnncli bench` against hostile and oversized input (issue #15's bench items).

Every case ends in bounded time with one short line and a non-zero exit; no test
measures anything big.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys

import pytest

from rnncli.measure import engine, output

TINY = ("-T", "3", "-B", "2", "-I", "3", "-H", "4", "--min-time", "0.005", "--peak-n", "0",
        "--arch", "rnn", "--mode", "forward")


def _one_line(res, code: int, *words: str) -> str:
    assert res.exit_code == code, res.output
    lines = res.stderr.strip().splitlines()
    assert lines and lines[-1].startswith("rnncli: error:"), res.stderr
    assert "Traceback" not in res.output and len(lines[-1]) < 300
    for w in words:
        assert w in lines[-1], lines[-1]
    return lines[-1]


@pytest.mark.slow  # a bench run
def test_output_that_cannot_be_saved_fails_after_printing(cli, tmp_path, monkeypatch):
    def full_disk(path, text, what=""):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(output, "write_text_atomic", full_disk)
    res = cli("bench", *TINY, "-o", str(tmp_path / "r.json"))
    _one_line(res, 1, "could not save", "No space left")
    assert "RNN" in res.stdout  # the table was printed before failing
    assert not (tmp_path / "r.json").exists()


def test_output_empty_name_and_proc(cli):
    _one_line(cli("bench", *TINY, "-o", ""), 2, "--output")
    res = cli("bench", *TINY, "-o", "/proc/rnncli-bench.json")
    assert res.exit_code != 0 and "Traceback" not in res.output
    assert "rnncli: error:" in res.stderr


def test_peak_n_counts_in_the_estimate(cli, monkeypatch):
    monkeypatch.setattr(engine, "run_case", lambda *a: pytest.fail("should not run"))
    _one_line(cli("bench", *TINY[:-6], "--peak-n", "12000"), 2, "--peak-n", "--force")
    _one_line(cli("bench", "--peak-n", "100000"), 2, "--peak-n")
    _one_line(cli("bench", "--peak-n", "8"), 2, "--peak-n 8: 0 (no peak) or at least 16")


def test_compare_device_and_fifo_refused(cli, tmp_path):
    if os.path.exists("/dev/zero"):
        _one_line(cli("bench", *TINY, "--compare", "/dev/zero"), 2, "not a regular file")
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    _one_line(cli("bench", *TINY, "--compare", str(fifo)), 2, "not a regular file")


def test_compare_deeply_nested_json(cli, tmp_path):
    p = tmp_path / "deep.json"
    p.write_text("[" * 200_000 + "]" * 200_000)
    _one_line(cli("bench", *TINY, "--compare", str(p)), 2, "--compare")


def test_compare_too_big(cli, tmp_path, monkeypatch):
    from rnncli.measure import baseline

    monkeypatch.setattr(baseline, "MAX_BYTES", 10)
    p = tmp_path / "big.json"
    p.write_text(json.dumps({"meta": {}, "results": []}))
    _one_line(cli("bench", *TINY, "--compare", str(p)), 2, "MiB")


@pytest.mark.parametrize("value", ["1e22", "10000000000000000000000", "2147483648"])
def test_absurd_sizes_are_one_line_even_with_force(cli, value):
    _one_line(cli("bench", "--hidden", value, "--force"), 2, "--hidden")


def test_a_build_failure_is_one_short_line(cli, monkeypatch):
    from rnncli.measure import impls

    def boom(case, threads=1, clock="wall"):
        raise RuntimeError("[enforce fail at alloc_cpu.cpp:117] can't allocate memory\n"
                           "frame #0: c10::ThrowEnforceNotMet\nframe #1: ...")

    monkeypatch.setattr(impls, "build", boom)
    line = _one_line(cli("bench", *TINY, "--force"), 1, "can't allocate memory")
    assert "frame" not in line


def test_interrupted_runs_never_overwrite_an_earlier_partial_file(cli, tmp_path,
                                                                 monkeypatch):
    monkeypatch.chdir(tmp_path)
    real = engine.run_case
    calls = []

    def flaky(case, cfg):
        calls.append(case)
        if len(calls) % 2 == 0:
            raise KeyboardInterrupt
        return real(case, cfg)

    monkeypatch.setattr(engine, "run_case", flaky)
    args = ("bench", *TINY[:-4], "--arch", "rnn,gru", "--rounds", "1")
    first = cli(*args)
    second = cli(*args)
    assert first.exit_code == second.exit_code == 130
    names = sorted(os.listdir(tmp_path))
    assert names == ["rnncli-bench-partial-2.json", "rnncli-bench-partial.json"]
    assert "rnncli-bench-partial-2.json" in second.stderr
    for n in names:
        assert json.loads((tmp_path / n).read_text())["meta"]["interrupted"] is True


@pytest.mark.slow
def test_subprocess_exit_codes():
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    res = subprocess.run([sys.executable, "-m", "rnncli", "bench", "--compare", "/dev/zero"],
                         capture_output=True, text=True, timeout=60, env=env)
    assert res.returncode == 2 and res.stderr.count("\n") == 1
    res = subprocess.run([sys.executable, "-m", "rnncli", "bench", "--hidden",
                          "10000000000000000000000", "--force"], capture_output=True,
                         text=True, timeout=60, env=env)
    assert res.returncode == 2 and res.stderr.count("\n") == 1
