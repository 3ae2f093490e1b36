"""Does `rnncli bench` hold under load?  The default run, quiet and beside CPU burners.

    python benchmarks/load_check.py              # 1 quiet run, then 5 loaded runs
    python benchmarks/load_check.py --loaded 3 --burners 2

It runs the default ``rnncli bench --json`` once as it is ("quiet": on a shared machine
that is relative, and the report prints the load average around every run), then
``--loaded`` times while ``--burners`` processes spin on the CPU (a busy Python loop
each; they are ended by their process id after every run).  It reports, per row, how far
each loaded median moved from the quiet one, and whether every loaded run gave the same
verdicts (the "faster than" / "not distinguishable here" lines).  Targets (issue #16):
the same verdicts in 5 of 5 loaded runs, medians within 25 % of the quiet run.
Measured here, never asserted in tests.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BURN = "import time\nwhile True:\n    pass\n"


def bench(extra: list[str]) -> dict:
    cmd = [sys.executable, "-m", "rnncli", "bench", "--json", *extra]
    run = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    if run.returncode != 0:
        raise SystemExit(f"rnncli bench failed ({run.returncode}): {run.stderr.strip()}")
    return json.loads(run.stdout)


def verdicts(report: dict) -> list[str]:
    """The decided comparisons, as (pair, winner) text; undecided pairs say so."""
    out = []
    for c in report["summary"]["comparisons"]:
        pair = f"{c['mode']} {c['impl']} {'/'.join(sorted([c['fast'], c['slow']]))}"
        out.append(f"{pair}: {c['fast'] + ' faster' if c['decided'] else 'undecided'}")
    return sorted(out)


def contradictions(quiet: list[str], loaded: list[str]) -> list[str]:
    """Pairs decided both times but with a different winner (worse than 'undecided')."""
    q = dict(v.split(": ") for v in quiet)
    return [p for p, w in (v.split(": ") for v in loaded)
            if w != "undecided" and q.get(p, "undecided") != "undecided" and q[p] != w]


def medians(report: dict) -> dict[str, float]:
    return {f"{r['arch']} {r['mode']}": r["median_s"] for r in report["results"]}


def loaded_run(burners: int, extra: list[str]) -> dict:
    procs = [subprocess.Popen([sys.executable, "-c", BURN]) for _ in range(burners)]
    try:
        time.sleep(2.0)  # let the load average see them
        return bench(extra)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=10)


def _describe(tag: str, report: dict) -> str:
    m = report["meta"]
    c = m.get("contention") or {}
    return (f"{tag}: load {m.get('load_average_before')} -> {m.get('load_average_after')}, "
            f"threads {m['threads']}, rounds {m['rounds']}, busy={c.get('busy')}"
            f"{' (' + c['action'] + ')' if c.get('action') else ''}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--loaded", type=int, default=5)
    p.add_argument("--burners", type=int, default=2)
    p.add_argument("--bench-args", default="", help="extra options for rnncli bench")
    args = p.parse_args(argv)
    extra = args.bench_args.split()
    quiet = bench(extra)
    print(_describe("quiet", quiet))
    base_v, base_m = verdicts(quiet), medians(quiet)
    same, worst = 0, 0.0
    for i in range(args.loaded):
        rep = loaded_run(args.burners, extra)
        v, m = verdicts(rep), medians(rep)
        shifts = {k: m[k] / base_m[k] - 1 for k in base_m if k in m}
        worst = max([worst, *(abs(s) for s in shifts.values())])
        same += v == base_v
        moved = ", ".join(f"{k} {s:+.0%}" for k, s in shifts.items())
        print(_describe(f"loaded {i + 1}", rep))
        print(f"  medians vs quiet: {moved}")
        flips = contradictions(base_v, v)
        print(f"  verdicts {'same' if v == base_v else 'DIFFERENT'}"
              + ("" if v == base_v else f": now {sorted(set(v) - set(base_v))}")
              + (f"; CONTRADICTED: {flips}" if flips else ""))
    print(f"quiet verdicts: {base_v}")
    print(f"same verdicts in {same} of {args.loaded} loaded runs (target: all); largest "
          f"median shift {worst:.0%} (target: within 25%)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
