"""Issue 25, writing files: SIGTERM and Ctrl-C during a write (sent to a real process
while its temporary file exists), a full disk (a failing writer; a real tiny tmpfs where
one can be mounted), stale temporary files of a killed run, a read-only output folder.
Each keeps the previous output, leaves no temporary file and exits 143/130/1/2."""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from rnncli import fileio, interrupt, tempfiles
from rnncli.errors import BadInput, RnncliError

ROOT = Path(__file__).resolve().parents[1]
OLD = b"previous output\n"

# The real CLI in a child process whose writes are slowed (every write of the temporary
# file sleeps), so the test can signal it while the temporary file exists.
SLOW_CHILD = textwrap.dedent("""
    import sys, time
    import rnncli.fileio as f
    opened = f._open_tmp
    class Slow:
        def __init__(self, fh): self.fh = fh
        def write(self, data):
            time.sleep(0.2)
            return self.fh.write(data)
        def __getattr__(self, name): return getattr(self.fh, name)
        def __enter__(self): return self
        def __exit__(self, *exc): self.fh.close()
    f._open_tmp = lambda tmp, binary: Slow(opened(tmp, binary))
    from rnncli.cli import app
    app(prog_name="rnncli", args=sys.argv[1:])
""")

COMMANDS = {
    "sentiment --save": ["sentiment", "--arch", "gru", "--steps", "2", "--embed", "4",
                         "--hidden", "4", "--save", "{out}.pt"],
    "seq2seq --export-data": ["seq2seq", "--task", "dates", "--export-data", "{out}.tsv"],
}


def _temps(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def _signal_while_writing(tmp_path: Path, args: list[str], sig: int):
    out = tmp_path / "out"
    args = [a.replace("{out}", str(out)) for a in args]
    target = Path(args[-1])
    target.write_bytes(OLD)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    # a child of a background job inherits SIGINT ignored (and rnncli keeps it so): reset
    proc = subprocess.Popen([sys.executable, "-c", SLOW_CHILD, *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    while not _temps(tmp_path) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proc.poll() is None, proc.communicate()
    assert _temps(tmp_path), "the temporary file never appeared"
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    return proc.returncode, err, target


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(COMMANDS))
@pytest.mark.parametrize("sig, code, word", [(signal.SIGTERM, 143, "terminated"),
                                             (signal.SIGINT, 130, "interrupted")])
def test_a_signal_during_a_write_keeps_the_old_file_and_no_temporary(tmp_path, name, sig,
                                                                      code, word):
    rc, err, target = _signal_while_writing(tmp_path, COMMANDS[name], sig)
    assert rc == code, err
    assert f"rnncli: {word}" in err
    assert "Traceback" not in err
    assert target.read_bytes() == OLD
    assert _temps(tmp_path) == []


class _FullDisk:
    """A temporary file whose writes fail as a full disk does (after ``room`` bytes)."""

    def __init__(self, fh, room: int = 64, code: int = errno.ENOSPC):
        self.fh, self.room, self.code = fh, room, code

    def write(self, data):
        if len(data) > self.room:
            raise OSError(self.code, os.strerror(self.code))
        self.room -= len(data)
        return self.fh.write(data)

    def __getattr__(self, name):
        return getattr(self.fh, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.fh.close()


@pytest.fixture
def full_disk(monkeypatch):
    opened = fileio._open_tmp

    def install(code: int = errno.ENOSPC):
        monkeypatch.setattr(fileio, "_open_tmp",
                            lambda tmp, binary: _FullDisk(opened(tmp, binary), code=code))
    return install


def test_full_disk_in_each_writer_is_one_line_exit_1_old_file_kept(tmp_path, full_disk):
    import torch

    full_disk()
    writers = {
        "m.pt": lambda p: fileio.save_torch_atomic(p, {"w": torch.zeros(1000)}),
        "r.json": lambda p: fileio.write_text_atomic(p, "x" * 1000),
        "d.bin": lambda p: fileio.write_bytes_atomic(p, b"x" * 1000),
    }
    for name, write in writers.items():
        target = tmp_path / name
        target.write_bytes(OLD)
        with pytest.raises(RnncliError) as info:
            write(target)
        assert info.value.exit_code == 1
        assert str(info.value) == (f"cannot write {target}: no space left on device; the "
                                   "previous file is kept")
        assert target.read_bytes() == OLD
    assert _temps(tmp_path) == []


def test_full_disk_through_the_cli_sentiment_save(cli, tmp_path, full_disk):
    full_disk()
    out = tmp_path / "m.pt"
    res = cli("sentiment", "--arch", "gru", "--steps", "2", "--embed", "4", "--hidden", "4",
              "--save", str(out))
    assert res.exit_code == 1
    assert res.stderr.strip().splitlines()[-1] == (
        f"rnncli: error: cannot write {out}: no space left on device; nothing was written")
    assert not out.exists() and _temps(tmp_path) == []


@pytest.mark.slow  # a whole library session or figure (~0.7-1.4 s CPU)
def test_a_figure_too_large_is_exit_1_naming_the_path(cli, tmp_path, full_disk):
    pytest.importorskip("matplotlib")
    full_disk(errno.EFBIG)
    plot = tmp_path / "g.png"
    res = cli("gates", "--seq", "1,0,0,1", "--plot", str(plot))
    assert res.exit_code == 1, res.output
    assert f"cannot write {plot}: file too large; nothing was written" in res.stderr
    assert _temps(tmp_path) == []


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("unshare") is None or not sys.platform.startswith("linux"),
                    reason="needs unshare to mount a private tmpfs")
def test_a_real_full_tmpfs(tmp_path):
    """seq2seq --save into a full tmpfs mounted in a private namespace (skipped where
    user namespaces are not allowed)."""
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    probe = subprocess.run(["unshare", "-rm", "sh", "-c", f"mount -t tmpfs -o size=64k tmpfs "
                            f"{mnt}"], capture_output=True)
    if probe.returncode:
        pytest.skip("cannot mount a tmpfs here")
    out = mnt / "m.pt"
    script = (f"mount -t tmpfs -o size=64k tmpfs {mnt} && printf old > {out} && "
              f"head -c 56k /dev/zero > {mnt}/filler && "
              f"{sys.executable} -m rnncli seq2seq --task dates --steps 1 --hidden 8 "
              f"--batch 8 --arch gru --save {out}; echo rc=$?; cat {out}; echo; ls -a {mnt}")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    res = subprocess.run(["unshare", "-rm", "sh", "-c", script], capture_output=True,
                         text=True, env=env, timeout=300)
    assert "rc=1" in res.stdout, res.stdout + res.stderr
    assert f"rnncli: error: cannot write {out}: no space left on device; the previous " \
           "file is kept" in res.stderr
    assert "Traceback" not in res.stderr and "RuntimeError" not in res.stderr
    listing = res.stdout.split("rc=1", 1)[1].split()
    assert listing[0] == "old" and sorted(listing[1:]) == [".", "..", "filler", "m.pt"]


def test_stale_temporary_files_of_a_killed_run_are_cleared_on_the_next_write(tmp_path):
    target = tmp_path / "m.pt"
    old = tempfiles.process_start() - 3600  # before this process started
    stale = [".m.pt.rnncli-ab12cd_x.pt", ".m.pt.zz99yy00.pt", ".m.pt.rnncli-q1w2e3r4.probe"]
    kept = [".m.pt.rnncli-fresh000.pt",  # as new as this process: another writer's
            ".m.pt.notours.pt", ".m.pt.rnncli-ab12cd_x.pt.bak", "m.pt.rnncli-ab12cd_x.pt",
            ".other.pt.rnncli-ab12cd_x.pt"]
    for name in stale + kept:
        (tmp_path / name).write_text("x")
        if name != ".m.pt.rnncli-fresh000.pt":
            os.utime(tmp_path / name, (old, old))
    fileio.write_text_atomic(target, "new")
    left = {p.name for p in tmp_path.iterdir()}
    assert left == {*kept, "m.pt"}
    assert tempfiles.pattern(target).fullmatch(".m.pt.rnncli-ab12cd_x.pt")


def test_a_signal_is_held_back_while_the_temporary_file_is_renamed(monkeypatch):
    with interrupt.signals_handled():
        with pytest.raises(interrupt.Terminated):
            with interrupt.deferred():
                os.kill(os.getpid(), signal.SIGTERM)
                done = True  # still runs: the signal waits for the block's end
        assert done and interrupt.exit_code() == 143
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL


def test_a_read_only_race_save_folder_is_refused_before_any_work(cli, tmp_path, monkeypatch):
    from rnncli.race import run

    monkeypatch.setattr(run, "plan", lambda req: pytest.fail("the race ran"))
    folder = tmp_path / "ro"
    folder.mkdir()
    monkeypatch.setattr(tempfiles, "new", _read_only)
    res = cli("race", "--series", "sine", "--save", str(folder))
    assert res.exit_code == 2
    assert f"--save {folder}/race.json: cannot write in {folder} (Read-only file system)" \
        in res.stderr


def _read_only(target, suffix=None):
    raise OSError(errno.EROFS, os.strerror(errno.EROFS))


def test_a_write_refused_by_the_os_for_another_reason_is_bad_input(tmp_path, full_disk):
    full_disk(errno.EACCES)
    with pytest.raises(BadInput, match="cannot write .*: permission denied; nothing"):
        fileio.write_text_atomic(tmp_path / "a.txt", "x" * 1000)


def test_a_library_writing_the_path_itself_on_a_full_disk(tmp_path, monkeypatch):
    """keras or safetensors write to the temporary path themselves: their own exception on
    a full file system still becomes the one line (statvfs says no space is left)."""
    from types import SimpleNamespace

    def torch_like(tmp):
        Path(tmp).write_bytes(b"partial")
        raise RuntimeError("[enforce fail at inline_container.cc:672] . unexpected pos 64 vs 0")

    target = tmp_path / "m.keras"
    target.write_bytes(OLD)
    monkeypatch.setattr(os, "statvfs", lambda p: SimpleNamespace(f_bavail=0))
    with pytest.raises(RnncliError, match=r"m.keras: no space left on device; the previous"):
        fileio.write_atomic(target, torch_like)
    assert target.read_bytes() == OLD and _temps(tmp_path) == []
    monkeypatch.setattr(os, "statvfs", lambda p: SimpleNamespace(f_bavail=10**6))
    with pytest.raises(RuntimeError, match="enforce fail"):  # not a full disk: unchanged
        fileio.write_atomic(target, torch_like)
    with pytest.raises(RnncliError, match="file too large"):
        fileio.write_atomic(target, lambda tmp: (_ for _ in ()).throw(
            ValueError("SafetensorError: File too large (os error 27)")))
    assert _temps(tmp_path) == []


@pytest.mark.slow
def test_sigkill_leaves_a_temporary_file_the_next_write_removes(tmp_path, cli):
    """SIGKILL cannot be handled: the temporary file stays (as the README says); the next
    write of the same output, by a later process, removes it."""
    args = COMMANDS["seq2seq --export-data"]
    rc, _, target = _signal_while_writing(tmp_path, args, signal.SIGKILL)
    assert rc == -signal.SIGKILL
    stale = _temps(tmp_path)
    assert len(stale) == 1 and tempfiles.pattern(target).fullmatch(stale[0])
    assert target.read_bytes() == OLD
    # written before this process started (the test runs in pytest's process, which may
    # have started minutes ago: a fixed "60 s ago" is not older than it in a long run)
    old = tempfiles.process_start() - 60
    os.utime(tmp_path / stale[0], (old, old))
    res = cli("seq2seq", "--task", "dates", "--export-data", str(target))
    assert res.exit_code == 0, res.output
    assert _temps(tmp_path) == [] and target.read_bytes() != OLD
