"""Hostile input (issue #15): every item ends in bounded time and memory with one line,
exit 2 for bad input (1 only for a failure of the machine), and nothing half-written.

Subprocess tests where the process matters (exit codes seen by a shell, signals, the
terminal's encoding and width, file modes); CliRunner tests elsewhere, for speed.
"""

from __future__ import annotations

import io
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from rnncli import fileio
from rnncli.errors import BadInput

ROOT = Path(__file__).resolve().parents[1]
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def run(*args: str, timeout: float = 60, **env: str) -> subprocess.CompletedProcess:
    """``python -m rnncli ARGS`` in a fresh process, as a shell script would run it."""
    full_env = {k: v for k, v in os.environ.items()
                if k not in ("NO_COLOR", "FORCE_COLOR", "COLUMNS", "RNNCLI_DEBUG")}
    full_env.update({"PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", **env})
    return subprocess.run([sys.executable, "-m", "rnncli", *args], capture_output=True,
                          text=True, env=full_env, timeout=timeout, check=False, cwd=ROOT)


def one_line(stderr: str, code_seen: int, want: int = 2, limit: int = 420) -> str:
    lines = stderr.splitlines()
    assert code_seen == want, stderr
    assert len(lines) == 1 and lines[0].startswith("rnncli: error: "), stderr
    assert len(lines[0]) <= limit, len(lines[0])
    assert "Traceback" not in stderr and "unexpected" not in stderr, stderr
    return lines[0]


def bad(cli, *args: str, expect: str) -> str:
    res = cli(*args)
    line = one_line(res.stderr, res.exit_code)
    assert expect.lower() in line.lower(), line
    assert res.stdout == "", res.stdout
    return line


# ---- exit codes: numbers no option accepts, checked centrally for every command ----------

@pytest.mark.parametrize(("args", "expect"), [
    (("gates", "--seed", "-1"), "--seed must be a seed"),
    (("gates", "--seed", "9" * 20), "--seed must be a seed"),
    (("gates", "--rows", "9" * 20), "too large"),
    (("gates", "--hidden", "9" * 3000), "--hidden"),
    (("quiz", "--seed", "-5"), "--seed must be a seed"),
    (("memory", "--threads", "100000"), "--threads must be a thread count"),
    (("memory", "--threads", "9" * 20), "--threads"),
    (("memory", "--lr", "inf"), "--lr: inf is not a finite number"),
    (("memory", "--lr", "1e308"), "--lr must be a learning rate"),
    (("memory", "--lr", "nan"), "not a finite number"),
    (("bench", "--threads", "0"), "--threads must be a thread count"),
    (("gates", "--hidden", "١٢"), "--hidden"),
])
def test_bad_numbers_exit_2_naming_the_option(cli, args, expect):
    bad(cli, *args, expect=expect)


def test_a_3000_digit_value_is_not_echoed_whole(cli):
    line = bad(cli, "gates", "--units", "9" * 3000, expect="--units")
    assert len(line) < 200


@pytest.mark.slow
def test_the_shell_sees_exit_2_and_one_short_line():
    res = run("gates", "--seed", "9" * 20)
    one_line(res.stderr, res.returncode)
    res = run("gates", "--units", "7" * 3000)
    assert len(one_line(res.stderr, res.returncode)) < 200


def test_cpp_frame_dumps_are_cut(monkeypatch, cli):
    from rnncli import cli as cli_mod

    msg = cli_mod._one_line("[enforce fail at alloc_cpu.cpp:118] data. DefaultCPUAllocator: "
                            "not enough memory\nException raised from alloc_cpu at x.cpp:1 "
                            "(most recent call first):\nframe #0: c10::Error")
    assert "frame #0" not in msg and "Exception raised" not in msg


@pytest.mark.parametrize(("exc", "code"), [
    (PermissionError(13, "Permission denied", "/x/y.csv"), 2),
    (NotADirectoryError(20, "Not a directory", "/etc/passwd/x"), 2),
    (OSError(28, "No space left on device", "/full/out.json"), 1),
    (MemoryError(), 1),
    (RecursionError("maximum recursion depth exceeded"), 2),
])
def test_os_and_memory_errors_are_one_line_with_the_right_code(exc, code):
    from rnncli import cli as cli_mod

    message, got = cli_mod._unexpected(exc)
    assert got == code and "unexpected" not in message
    if getattr(exc, "filename", None):
        assert exc.filename in message


# ---- files: regular files of bounded size, bounded stdin, declared array sizes -----------

def test_regular_file_refuses_fifo_device_directory_and_oversize(tmp_path):
    fifo = tmp_path / "f.csv"
    os.mkfifo(fifo)
    with pytest.raises(BadInput, match="not a regular file"):
        fileio.regular_file(fifo, "--input")  # returns at once: a FIFO is never opened
    with pytest.raises(BadInput, match="not a regular file"):
        fileio.regular_file("/dev/zero", "--compare")
    with pytest.raises(BadInput, match="is a directory"):
        fileio.regular_file(tmp_path, "--input")
    big = tmp_path / "big.csv"
    big.write_bytes(b"1\n" * 2000)
    with pytest.raises(BadInput, match="over the"):
        fileio.regular_file(big, "--input", max_bytes=1000)
    with pytest.raises(BadInput, match="no such file"):
        fileio.regular_file(tmp_path / "nope", "--input")
    with pytest.raises(BadInput, match="cannot read"):
        fileio.regular_file(big / "below-a-file", "--input")
    assert fileio.regular_file(big, "--input") == big


def test_read_bytes_checks_the_open_file_again(tmp_path, monkeypatch):
    """A path swapped for a FIFO or a bigger file after the check is refused on the open
    descriptor, not read forever; a plain file reads whole, non-UTF-8 text is one line."""
    fifo, big, ok = tmp_path / "f.json", tmp_path / "big.json", tmp_path / "ok.json"
    os.mkfifo(fifo)
    big.write_bytes(b"x" * 2000)
    ok.write_bytes(b"{\"a\": 1}")
    real = fileio.regular_file
    for swapped in (fifo, big):  # the check saw ok.json; the open finds the swapped file
        monkeypatch.setattr(fileio, "regular_file", lambda p, o, m, s=swapped: s)
        with pytest.raises(BadInput, match="changed while being read"):
            fileio.read_bytes(ok, "--compare", 1000)
    monkeypatch.setattr(fileio, "regular_file", real)
    assert fileio.read_text(ok, "--compare") == '{"a": 1}'
    ok.write_bytes(b"\xff\xfe")
    with pytest.raises(BadInput, match="--compare .*ok.json: not UTF-8 text"):
        fileio.read_text(ok, "--compare")


@pytest.mark.skipif(IS_ROOT, reason="root enters every directory")
def test_a_directory_the_user_cannot_enter(tmp_path, cli):
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "x.csv").write_text("1\n")
    locked.chmod(0)
    try:
        bad(cli, "gates", "--input", str(locked / "x.csv"), expect="permission denied")
    finally:
        locked.chmod(0o700)


@pytest.mark.slow
def test_gates_input_from_a_fifo_does_not_hang(tmp_path):
    fifo = tmp_path / "x.csv"
    os.mkfifo(fifo)
    res = run("gates", "--input", str(fifo), timeout=30)
    assert "not a regular file" in one_line(res.stderr, res.returncode)


def test_read_stdin_is_bounded_in_bytes():
    assert fileio.read_stdin(io.StringIO("1,2,3"), max_bytes=10) == "1,2,3"
    with pytest.raises(BadInput, match="more than 10 bytes"):
        fileio.read_stdin(io.StringIO("y\n" * 100), max_bytes=10)
    proc = subprocess.Popen(["yes"], stdout=subprocess.PIPE)  # never ends by itself
    try:
        with pytest.raises(BadInput, match="more than"):
            fileio.read_stdin(proc.stdout, max_bytes=1 << 16, wait_s=5)
    finally:
        proc.kill()
        proc.wait()


def test_read_stdin_is_bounded_in_time():
    proc = subprocess.Popen(["sleep", "10"], stdout=subprocess.PIPE)
    try:
        start = time.monotonic()
        assert fileio.read_stdin(proc.stdout, wait_s=0.2) == ""
        assert time.monotonic() - start < 2
    finally:
        proc.kill()
        proc.wait()


def _npz_declaring(path: Path, shape: tuple[int, ...]) -> None:
    """An .npz whose one member's header declares ``shape`` but holds 16 bytes of data."""
    import zipfile

    head = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        head, {"descr": "<f8", "fortran_order": False, "shape": shape})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("weight_ih_l0.npy", head.getvalue() + b"\0" * 16)


def test_npz_declared_sizes_are_checked_before_reading(tmp_path, cli):
    bomb = tmp_path / "bomb.npz"
    _npz_declaring(bomb, (60000, 5000))  # 2.4 GB declared
    with pytest.raises(BadInput, match="refused before reading"):
        fileio.load_numpy(bomb, ".npz")
    bad(cli, "gates", "--weights", str(bomb), expect="refused before reading")


def test_load_numpy_reads_only_the_arrays_asked_for(tmp_path):
    path = tmp_path / "two.npz"
    np.savez(path, keep=np.ones(3), skip=np.zeros(2))
    assert set(fileio.load_numpy(path, ".npz", want=["keep"])) == {"keep"}


# ---- files written: ordinary permissions ---------------------------------------------------

def test_new_files_respect_the_umask_and_existing_files_keep_their_mode(tmp_path):
    old = os.umask(0o027)
    try:
        new = fileio.write_text_atomic(tmp_path / "new.json", "{}")
        assert stat.S_IMODE(new.stat().st_mode) == 0o640
    finally:
        os.umask(old)
    kept = tmp_path / "kept.csv"
    kept.write_text("old")
    kept.chmod(0o604)
    fileio.write_text_atomic(kept, "new")
    assert stat.S_IMODE(kept.stat().st_mode) == 0o604 and kept.read_text() == "new"


@pytest.mark.slow
def test_plot_file_mode_from_a_real_run(tmp_path):
    pytest.importorskip("matplotlib")
    res = run("gates", "--seq", "1,0,1", "--plot", str(tmp_path / "g.png"), "--json")
    assert res.returncode == 0, res.stderr
    expected = 0o666 & ~_current_umask()
    assert stat.S_IMODE((tmp_path / "g.png").stat().st_mode) == expected


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@pytest.mark.parametrize("name", ["", "."])
def test_an_empty_output_name_is_refused(name):
    with pytest.raises(BadInput, match="not a file name"):
        fileio.check_writable(name)


# ---- the terminal: width, encoding, Ctrl-C --------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("columns", ["0", "5", "abc"])
def test_a_zero_or_tiny_width_still_prints(columns):
    res = run("gates", "--seq", "1,0", COLUMNS=columns)
    assert res.returncode == 0, res.stderr
    assert "LSTM" in res.stdout and len(res.stdout.splitlines()) > 5


@pytest.mark.slow
def test_an_ascii_terminal_gets_ascii_symbols_not_a_crash():
    res = run("gates", "--seq", "1,0", PYTHONIOENCODING="ascii")
    assert res.returncode == 0, res.stderr
    assert "sigma" in res.stdout
    res.stdout.encode("ascii")


@pytest.mark.slow
def _wait_for_cpu(pid: int, seconds: float, timeout: float = 30.0) -> None:
    """Wait until process ``pid`` has used ``seconds`` of CPU (from /proc; elsewhere a
    fixed nap), so a signal lands in the work, not in the interpreter's start-up."""
    stat = f"/proc/{pid}/stat"
    if not os.path.exists(stat):
        time.sleep(3 * seconds)
        return
    tick = os.sysconf("SC_CLK_TCK")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open(stat) as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        if (int(fields[11]) + int(fields[12])) / tick >= seconds:  # utime + stime
            return
        time.sleep(0.05)


@pytest.mark.slow  # a real process, signalled after it used 1 s of CPU
def test_ctrl_c_in_gates_prints_interrupted(tmp_path):
    steps = tmp_path / "long.csv"
    steps.write_text("1\n0\n0\n" * 100_000)  # 300k steps: the table (not --json) fits the estimate
    env = {k: v for k, v in os.environ.items() if k != "RNNCLI_DEBUG"}
    env.update(PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    proc = subprocess.Popen([sys.executable, "-m", "rnncli", "gates", "--input", str(steps),
                             "--hidden", "16"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    _wait_for_cpu(proc.pid, 1.0)  # past start-up (a loaded machine needs more than 1.5 s)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    # a shell reports both as 130: exit(130), or death by SIGINT after the message
    assert proc.returncode in (130, -signal.SIGINT), (proc.returncode, stderr)
    assert stderr == "rnncli: interrupted\n", stderr


def test_complex_inputs_and_weights_are_refused(cli, tmp_path):
    np.save(tmp_path / "z.npy", np.array([[1 + 2j], [0.5j]]))
    bad(cli, "gates", "--input", str(tmp_path / "z.npy"), expect="complex")
    bad(cli, "gates", "--seq", "1+2j,0", expect="not a number")
    np.savez(tmp_path / "w.npz", weight_ih_l0=np.ones((3, 1), complex),
             weight_hh_l0=np.ones((3, 3)))
    bad(cli, "gates", "--weights", str(tmp_path / "w.npz"), "--seq", "1", expect="complex")


@pytest.mark.slow
def test_an_ascii_terminal_reads_explain_too():
    res = run("explain", "lstm", PYTHONIOENCODING="ascii")
    assert res.returncode == 0, res.stderr[-300:]
    res.stdout.encode("ascii")
