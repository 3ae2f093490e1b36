"""How long the default `rnncli race --series narma10` takes (3 architectures x 5 seeds).

Runs the command as a user would (a fresh process each repeat, so the torch import counts)
and reports, per repeat, the wall time and the CPU time of the process; the median and the
IQR over repeats; the machine's load average before and after (the development machine is
shared: the CPU time is the better guide when the load is high); and the machine, versions
and commit (``rnncli.machine.meta``). Speed is measured here, never asserted.

    python benchmarks/bench_race.py                 # 3 repeats of the default race
    python benchmarks/bench_race.py --repeats 1 --json
    python benchmarks/bench_race.py -- --series mackey-glass --steps 300   # other options

The same seed and thread count give the same numbers on one machine: the script also
checks that every repeat printed the same test RMSE values.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("race_args", nargs="*", help="options passed to rnncli race (after --)")
    return p.parse_args(argv)


def one_run(race_args: list[str]) -> dict:
    """One `rnncli race ... --json` in a fresh process: wall, CPU and the RMSE values."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "rnncli", "race", *race_args, "--json"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"rnncli race failed: {proc.stderr.strip()}")
    data = json.loads(proc.stdout)
    return {"wall_s": wall,
            "cpu_s": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
            "rmse": [r["rmse"] for r in data["runs"]], "verdict": data["verdict"]}


def summary(values: list[float]) -> dict:
    q = statistics.quantiles(values, n=4) if len(values) > 1 else [values[0]] * 3
    return {"median": statistics.median(values), "iqr": q[2] - q[0], "values": values}


def main(argv=None) -> None:
    args = parse_args(argv)
    race_args = args.race_args or ["--series", "narma10"]
    sys.path.insert(0, str(ROOT))
    from rnncli.machine import load_average, meta

    load_before = load_average()
    runs = [one_run(race_args) for _ in range(args.repeats)]
    report = {"command": "rnncli race " + " ".join(race_args), "repeats": args.repeats,
              "wall": summary([r["wall_s"] for r in runs]),
              "cpu": summary([r["cpu_s"] for r in runs]),
              "reproduced": all(r["rmse"] == runs[0]["rmse"] for r in runs),
              "verdict": runs[0]["verdict"], "load_before": load_before,
              "load_after": load_average(), "machine": meta(threads=1, device="cpu")}
    if args.json:
        print(json.dumps(report, indent=2))
        return
    w, c = report["wall"], report["cpu"]
    print(f"{report['command']}: {args.repeats} repeat(s), 1 thread")
    print(f"  wall  median {w['median']:.1f} s  IQR {w['iqr']:.1f} s")
    print(f"  CPU   median {c['median']:.1f} s  IQR {c['iqr']:.1f} s")
    print(f"  same numbers every repeat: {report['reproduced']}")
    print(f"  load average before/after: {load_before} / {report['load_after']}")
    if w["median"] > 1.3 * c["median"]:
        print("  note: wall time well over CPU time: other processes shared the cores")


if __name__ == "__main__":
    main()
