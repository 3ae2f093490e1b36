"""What the numbers were measured on, and with which clock: versions, BLAS, CPU,
threads, commit, free memory, the load before a run (``contention``) and the clocks a
run may time with (``CLOCKS``).  Standard library only at module level: ``bench``, the runtimes and
the HTML reports share it.

pyperf and pytest-benchmark store the same kind of metadata beside every result;
without it a timing cannot be compared with another.  Sources of each field:
``torch.__config__.show()`` (BLAS, MKL, oneDNN, CPU capability),
``numpy.show_config(mode="dicts")`` (NumPy's BLAS), ``/proc/cpuinfo`` (CPU model),
``git rev-parse`` (commit, only when rnncli runs from a git checkout).
"""

from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

SCHEMA_VERSION = 1

#: The clocks a run can time with: wall time, or the CPU time of the whole process (all
#: its threads: torch's and BLAS's workers are counted too).
CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}


def cpu_model() -> str | None:
    """The CPU model name from /proc/cpuinfo (Linux), else platform.processor()."""
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return platform.processor() or None
    m = re.search(r"^model name\s*:\s*(.+)$", text, re.M)
    return m.group(1).strip() if m else (platform.processor() or None)


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def load_average() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


def free_memory_bytes(device: str = "cpu") -> int | None:
    """MemAvailable from /proc/meminfo (CPU) or torch.cuda.mem_get_info (CUDA)."""
    if device == "cuda":
        import torch

        return int(torch.cuda.mem_get_info()[0])
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def check_device(device: str) -> None:
    """BadInput for ``--device cuda`` where torch sees no CUDA device."""
    import torch

    from rnncli.errors import BadInput

    if device == "cuda" and not torch.cuda.is_available():
        raise BadInput(f"--device cuda: CUDA is not available here (torch {torch.__version__}); "
                       "use --device cpu")


@dataclass
class Contention:
    """Load from other processes seen before the run, and what the run does about it.

    With more runnable threads than cores, OpenMP threads wait on each other at every
    parallel region and small kernels (one RNN step) slow down by 10× or more; one
    thread is then far steadier.  Interleaved rounds spread the remaining load evenly.
    """

    load: float | None
    cores: int
    cpu_share: float | None  # share of a core a 0.1 s probe loop got (1.0: all of it)
    threads_asked: int
    threads: int  # what the run uses
    busy: bool
    action: str | None = None
    clock: str = "wall"  # "cpu": thread CPU time (busy machine, one thread, CPU device)

    def as_dict(self) -> dict:
        return dict(self.__dict__)


#: A probe loop that gets less than this share of a core means other processes compete.
BUSY_SHARE = 0.8


_LAST_SHARE: list[tuple[float, float]] = []  # (when, share): one probe serves 5 s


def cpu_share(seconds: float = 0.1) -> float:
    """The share of one core a busy loop of ``seconds`` gets (process CPU time / wall).

    Immediate, where the load average is a one-minute mean that lags a load that has
    just started (measured: two CPU burners started 2 s before a run left the load
    average at 1.4 on 2 cores, and bench timed them into its wall-clock medians).
    """
    if _LAST_SHARE and time.perf_counter() - _LAST_SHARE[0][0] < 5.0:
        return _LAST_SHARE[0][1]
    w0, c0 = time.perf_counter(), time.process_time()
    while time.perf_counter() - w0 < seconds:
        pass
    wall = time.perf_counter() - w0
    share = min(1.0, (time.process_time() - c0) / wall) if wall > 0 else 1.0
    _LAST_SHARE[:] = [(time.perf_counter(), share)]
    return share


def contention(threads: int, given: bool, rounds_given: bool = True,
               clock: str = "auto", device: str = "cpu") -> Contention:
    """Judge the load before a run and decide what to do about it.

    Busy: fall back to one thread unless ``threads`` was given; with one thread on the
    CPU, time with the process's CPU time (``clock`` "auto"), so that time spent waiting
    for a core is not counted; take more rounds unless they were given.
    """
    load, cores, share = load_average(), usable_cores(), cpu_share()
    busy = (load is not None and load + threads > cores + 1) or share < BUSY_SHARE
    c = Contention(load, cores, round(share, 2), threads, threads, busy)
    if busy and threads > 1 and not given:
        c.threads = 1
    c.clock = _clock(clock, busy, c.threads, device)
    c.action = _actions(c, clock == "auto", rounds_given)
    return c


def _actions(c: Contention, auto_clock: bool, rounds_given: bool) -> str | None:
    if not c.busy:
        return None
    acts = []
    if c.threads < c.threads_asked:
        acts.append(f"measured with 1 thread instead of {c.threads_asked} (pass --threads to "
                    "insist)")
    if c.clock == "cpu" and auto_clock:
        acts.append("timed the process's CPU time, not wall time (waiting for a core is not "
                    "counted; --clock wall to change)")
    if not rounds_given:
        acts.append("took more interleaved rounds (--rounds to choose)")
    return "; ".join(acts) or None


def _clock(clock: str, busy: bool, threads: int, device: str) -> str:
    if clock != "auto":
        return clock
    return "cpu" if (busy and threads == 1 and device == "cpu") else "wall"


def git_commit() -> str | None:
    """``HEAD`` of the checkout rnncli runs from (``+dirty`` if modified), else None."""
    root = Path(__file__).resolve().parents[1]
    if not (root / ".git").exists():
        return None
    try:
        sha = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                             text=True, timeout=5, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "-uno"],
                               capture_output=True, text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return sha + ("+dirty" if dirty else "") if sha else None


def _torch_build() -> dict:
    import torch

    show = torch.__config__.show()

    def line(pattern: str) -> str | None:
        m = re.search(pattern, show)
        return m.group(1).strip() if m else None

    return {
        "blas": line(r"BLAS_INFO=([^,\s]+)"),
        "mkl": line(r"- (Intel\(R\) (?:oneAPI )?Math Kernel Library[^\n]*)"),
        "onednn": line(r"- (Intel\(R\) MKL-DNN[^\n]*|oneDNN[^\n]*)"),
        "cpu_capability": line(r"CPU capability usage: (\S+)"),
        "mkldnn_enabled": bool(torch.backends.mkldnn.is_available()),
        "interop_threads": torch.get_num_interop_threads(),
    }


def _numpy_blas() -> dict:
    import numpy as np

    try:
        cfg = np.show_config(mode="dicts")
        blas = cfg.get("Build Dependencies", {}).get("blas", {})
        name, version = blas.get("name"), blas.get("version")
    except Exception:  # older NumPy: no dict mode
        name = version = None
    env = {k: os.environ[k] for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                                      "MKL_NUM_THREADS") if k in os.environ}
    return {"name": name, "version": version,
            "threads": "set by " + ", ".join(f"{k}={v}" for k, v in env.items()) if env
            else "BLAS default (usually one per core)"}


def meta(*, threads: int, device: str, extra: dict | None = None) -> dict:
    """The ``meta`` block of ``rnncli bench --json``."""
    import numpy as np
    import torch

    from rnncli import __version__

    info = {
        "schema_version": SCHEMA_VERSION,
        "tool": f"rnncli {__version__}",
        "utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "implementation": sys.implementation.name,
        "platform": platform.platform(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "torch_build": _torch_build(),
        "numpy_blas": _numpy_blas(),
        "cpu": cpu_model(),
        "cores": usable_cores(),
        "threads": threads,
        "load_average": load_average(),
        "device": device,
        "cuda_device": (torch.cuda.get_device_name(0) if device == "cuda" else None),
        "git_commit": git_commit(),
    }
    info.update(extra or {})
    return info
