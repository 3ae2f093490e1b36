"""Hostile input to the other commands (issue #15, "every command bounds its work"): each
oversized or bad request ends at once with one line naming the estimate or the problem,
exit 2, nothing written. The bounds live in each command (gradients, memory, compare,
advise, bench, quiz); the checks shared by all live in rnncli.options / fileio / cli."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def refused(cli, *args: str, expect: str) -> str:
    res = cli(*args)
    lines = res.stderr.splitlines()
    assert res.exit_code == 2, (args, res.output[-500:])
    assert len(lines) == 1 and lines[0].startswith("rnncli: error: "), res.stderr[-500:]
    assert "unexpected" not in lines[0] and len(lines[0]) < 420
    assert expect.lower() in lines[0].lower(), lines[0]
    return lines[0]


@pytest.mark.parametrize(("args", "expect"), [
    (("gates", "--hidden", "8000", "--init", "random"), "--force"),
    (("gates", "--layers", "1000000"), "--force"),
    (("gradients", "--seeds", "1000000000", "--seq-len", "2", "--hidden", "1"), "--force"),
    (("gradients", "--seq-len", "1000000000"), "--force"),
    (("gradients", "--hidden", "1000000"), "--force"),
    (("memory", "--seq-len", "100000000"), "--force"),
    (("memory", "--hidden", "1000000"), "--force"),
    (("memory", "--batch", "100000000"), "--force"),
    (("memory", "--threads", "100000"), "--threads"),
    (("compare", "--measure", "--hidden", "100000"), "--force"),
    (("advise", "--measure", "--params-max", "1000000000"), "--force"),
    (("advise", "--measure", "--input-size", "100000000"), "--force"),
    (("bench", "--peak-n", "12000"), "--force"),
    (("bench", "--hidden", "1e22", "--force"), "--hidden"),
    (("quiz", "--answers", "١,٢"), "--answers"),
    (("gradients", "--after-training", "sorting"), "--after-training"),
])
def test_oversized_or_bad_requests_are_refused_at_once(cli, args, expect):
    refused(cli, *args, expect=expect)


def test_bench_compare_needs_a_bounded_regular_file(cli, tmp_path):
    import os

    refused(cli, "bench", "--compare", "/dev/zero", expect="not a regular file")
    os.mkfifo(tmp_path / "fifo.json")
    refused(cli, "bench", "--compare", str(tmp_path / "fifo.json"), expect="not a regular file")
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    refused(cli, "bench", "--compare", str(deep), expect="--compare")


@pytest.mark.parametrize("target", ["/proc/rnncli-test.json", ""])
def test_bench_output_that_cannot_be_saved_fails_before_the_work(cli, target):
    refused(cli, "bench", "-o", target, "--seq-len", "5", "--hidden", "4", "--batch", "1",
            expect="")


def test_gates_plot_under_proc_fails_before_the_work(cli):
    refused(cli, "gates", "--plot", "/proc/gates.png", expect="cannot write")


@pytest.mark.slow
def test_yes_piped_into_the_quiz_is_bounded():
    yes = subprocess.Popen(["yes"], stdout=subprocess.PIPE)
    try:
        proc = subprocess.run([sys.executable, "-m", "rnncli", "quiz", "--json"],
                              stdin=yes.stdout, capture_output=True, text=True, timeout=60,
                              cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    finally:
        yes.kill()
        yes.wait()
    assert proc.returncode == 2, proc.stderr[-500:]
    assert "more than" in proc.stderr and proc.stderr.count("\n") == 1


@pytest.mark.parametrize("args", [
    ("memory", "-o", "/proc/rnncli-memory.json", "--seq-len", "5", "--max-steps", "1"),
    ("gradients", "--plot", "/proc/rnncli-gradients.png", "--seq-len", "5", "--hidden", "2"),
    ("bench", "--plot", "/proc/rnncli-bench.png", "--seq-len", "5", "--hidden", "4"),
])
def test_outputs_that_cannot_be_written_fail_before_any_work(cli, args):
    refused(cli, *args, expect="cannot write")
