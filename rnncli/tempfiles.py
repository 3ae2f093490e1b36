"""The temporary files of rnncli's atomic writes: their one name pattern, and the removal
of stale ones.

An output ``DIR/NAME`` is written as ``DIR/.NAME.rnncli-XXXXXXXX<suffix>`` and renamed onto
``NAME`` when complete (``rnncli.fileio.write_atomic``). Ctrl-C, SIGTERM and write errors
remove it; SIGKILL (or a power cut) cannot, so the next write of the same output removes
the stale ones: only files of this exact pattern (``XXXXXXXX`` as ``tempfile`` makes it,
also without ``rnncli-`` as earlier versions named them, and the ``.probe`` files of
``check_writable``), last modified before the current process started. A write still in
progress in another process modifies its file continually, so it is never older.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from pathlib import Path

TAG = "rnncli-"
_STARTED = time.time()  # fallback when /proc is not there


def new(target: Path, suffix: str | None = None) -> str:
    """Create (mode 0600) and return the temporary file for ``target``."""
    parent = target.parent if str(target.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.{TAG}",
                               suffix=target.suffix if suffix is None else suffix, dir=parent)
    os.close(fd)
    return tmp


def pattern(target: Path) -> re.Pattern:
    """The names of ``target``'s temporary files."""
    suffixes = "|".join(re.escape(s) for s in dict.fromkeys((target.suffix, ".probe")))
    return re.compile(rf"\.{re.escape(target.name)}\.(?:{TAG})?[a-z0-9_]{{8}}(?:{suffixes})")


def process_start() -> float:
    """When this process started (epoch seconds), from /proc where there is one."""
    try:
        with open("/proc/self/stat", encoding="ascii") as fh:
            ticks = int(fh.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/stat", encoding="ascii") as fh:
            boot = next(int(line.split()[1]) for line in fh if line.startswith("btime"))
        return boot + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return _STARTED


def clear_stale(target: Path) -> list[str]:
    """Remove ``target``'s temporary files left by an earlier, killed process; their names."""
    parent = target.parent if str(target.parent) else Path(".")
    names = pattern(target)
    cutoff = process_start() - 1.0  # /proc/stat's boot time is whole seconds
    removed = []
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return removed
    for entry in entries:
        try:
            if names.fullmatch(entry.name) and entry.is_file(follow_symlinks=False) \
                    and entry.stat(follow_symlinks=False).st_mtime < cutoff:
                os.unlink(entry.path)
                removed.append(entry.name)
        except OSError:  # gone meanwhile, or not ours to remove
            continue
    return removed
