"""Do the commands' time estimates match the time they take? (issue #23)

    python benchmarks/bench_estimates.py            # every case below, a Markdown table
    python benchmarks/bench_estimates.py bench      # only the cases of one command

Every command prints an estimate before it starts and refuses work estimated above its
limit. This runs small, fixed cases of the commands whose ``--json`` carries the
estimate (``bench``: ``meta.estimate_s``; ``race``, ``sentiment``: ``estimate.seconds``)
at one thread, and reports the estimate beside the CPU time (user + system) and the wall
time the process used: ratio = CPU / estimate (1 is a perfect estimate, 2 means the
estimate was half the CPU time used). A bench estimate covers the timed work; the CPU
time adds start-up (about 1-2 s: Python, torch). The machine is shared, so the load
average before each run is printed beside it. Measured here, never asserted in tests.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CASES: list[tuple[str, list[str]]] = [
    ("bench", ["bench", "--seq-len", "100", "--batch", "16", "--hidden", "64", "--mode",
               "forward", "--min-time", "0.2", "--rounds", "2", "--peak-n", "0"]),
    ("bench", ["bench", "--seq-len", "50,100,200,400", "--batch", "8", "--hidden", "32",
               "--min-time", "0.1", "--peak-n", "0"]),
    ("bench", ["bench"]),
    ("race", ["race", "--series", "narma10", "--steps", "150", "--seeds", "0,1",
              "--length", "800"]),
    ("sentiment", ["sentiment", "--steps", "150"]),
]


def estimate_of(name: str, data: dict) -> float | None:
    if name == "bench":
        return data.get("meta", {}).get("estimate_s")
    return (data.get("estimate") or {}).get("seconds")


def measure(argv: list[str]) -> dict:
    load = os.getloadavg()[0]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1", "NO_COLOR": "1"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "rnncli", *argv, "--json"],
                         capture_output=True, text=True, cwd=ROOT, env=env, check=False)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if run.returncode != 0:
        raise SystemExit(f"rnncli {' '.join(argv)} failed: {run.stderr.strip()[-300:]}")
    return {"data": json.loads(run.stdout), "cpu_s": cpu, "wall_s": wall, "load": load}


def main() -> None:
    only = set(sys.argv[1:])
    lines = ["| command | estimate s | CPU s | wall s | CPU / estimate | load (1 min) |",
             "|---|---:|---:|---:|---:|---:|"]
    for name, argv in CASES:
        if only and name not in only:
            continue
        r = measure(argv)
        est = estimate_of(name, r["data"])
        ratio = f"{r['cpu_s'] / est:.2f}" if est else "n/a"
        line = (f"| `rnncli {' '.join(argv)}` | {est or 0:.1f} | {r['cpu_s']:.1f} | "
                f"{r['wall_s']:.1f} | {ratio} | {r['load']:.1f} |")
        print(line, file=sys.stderr, flush=True)
        lines.append(line)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
