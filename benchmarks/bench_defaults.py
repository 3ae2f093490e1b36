"""Every command's bare default, timed in CPU seconds at one thread (issue #23).

    python benchmarks/bench_defaults.py                  # every command, table to stdout
    python benchmarks/bench_defaults.py --write          # ... and into benchmarks/README.md
    python benchmarks/bench_defaults.py memory tour      # only these

Each command runs as a user first meets it (``rnncli CMD`` with no options, output to
/dev/null) under ``/usr/bin/time -f "%U %S %e"`` with OMP/MKL threads at 1. The budget is
60 s of CPU (user + system) per command and 90 s for ``rnncli tour``. CPU time, not wall
time, is the measure: the machine is shared, so the 1-minute load average before each
run is printed beside it. Measured here, never asserted in tests.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "benchmarks" / "README.md"
BEGIN, END = "<!-- bench_defaults: begin -->", "<!-- bench_defaults: end -->"

# command -> (argv after `rnncli`, budget in CPU s); a command that needs an input
# names the smallest one a user would give.
COMMANDS: dict[str, tuple[list[str], float]] = {
    "advise": (["advise"], 60), "bench": (["bench"], 60), "compare": (["compare"], 60),
    "convert": (["convert", "--help"], 60), "explain": (["explain"], 60),
    "gates": (["gates"], 60), "gradients": (["gradients"], 60),
    "memory": (["memory"], 60), "quiz": (["quiz"], 60),
    "race": (["race", "--series", "narma10"], 60),
    "sentiment": (["sentiment"], 60), "seq2seq": (["seq2seq"], 60), "tour": (["tour"], 90),
}


def measure(argv: list[str]) -> dict:
    """Run ``rnncli argv`` once; CPU (user+sys), wall seconds, exit status, load before."""
    load = os.getloadavg()[0]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1", "NO_COLOR": "1"}
    with tempfile.NamedTemporaryFile("r", suffix=".time") as t:
        cmd = ["/usr/bin/time", "-o", t.name, "-f", "%U %S %e",
               sys.executable, "-m", "rnncli", *argv]
        run = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env,
                             check=False)
        user, system, wall = (float(v) for v in t.read().split()[-3:])
    return {"cpu_s": user + system, "wall_s": wall, "rc": run.returncode, "load": load,
            "stderr": run.stderr.strip().splitlines()[-1:] if run.returncode else []}


def table(rows: dict[str, dict]) -> str:
    lines = ["| command | CPU s | wall s | load (1 min) | budget | exit |",
             "|---|---:|---:|---:|---|---:|"]
    for name, r in rows.items():
        argv, limit = COMMANDS[name]
        ok = "within" if r["cpu_s"] <= limit else "**over**"
        lines.append(f"| `rnncli {' '.join(argv)}` | {r['cpu_s']:.1f} | {r['wall_s']:.1f} "
                     f"| {r['load']:.1f} | {ok} {limit:.0f} s | {r['rc']} |")
    return "\n".join(lines)


def write(text: str) -> None:
    old = README.read_text()
    start, end = old.index(BEGIN) + len(BEGIN), old.index(END)
    README.write_text(old[:start] + "\n" + text + "\n" + old[end:])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("commands", nargs="*", help=f"some of: {', '.join(COMMANDS)}")
    ap.add_argument("--write", action="store_true", help="replace the table in the README")
    args = ap.parse_args()
    names = args.commands or list(COMMANDS)
    unknown = sorted(set(names) - set(COMMANDS))
    if unknown:
        ap.error(f"unknown command {unknown[0]!r}")
    rows = {}
    for name in names:
        rows[name] = measure(COMMANDS[name][0])
        r = rows[name]
        print(f"{name}: {r['cpu_s']:.1f} s CPU, {r['wall_s']:.1f} s wall, load "
              f"{r['load']:.1f}, exit {r['rc']} {' '.join(r['stderr'])}",
              file=sys.stderr, flush=True)
    text = table(rows)
    print(text)
    if args.write:
        write(text)


if __name__ == "__main__":
    main()
