"""Run the NumPy-against-torch benchmark and say which speed targets are met.

    python benchmarks/speed_targets.py                   # runs rnncli bench (about a minute)
    python benchmarks/speed_targets.py --from-json r.json   # a saved `rnncli bench --json`
    python benchmarks/speed_targets.py --markdown        # also print the table for README

It runs ``rnncli bench --impl numpy,torch,naive --threads 1 --json`` (the one harness;
see benchmarks/README.md) and holds each ratio NumPy / torch, with the 95 % bootstrap
interval bench computes, against its target:

- LSTM forward: NumPy within 2x of ``torch.nn.LSTM`` under ``no_grad``;
- forward + backward, every architecture: NumPy no slower than torch (ratio <= 1).

"met" needs the whole interval at or below the target, "not met" the whole interval
above it; otherwise the run cannot tell ("undecided here": rerun on a quieter machine).
Speed is measured here, never asserted in tests.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = [sys.executable, "-m", "rnncli", "bench", "--impl", "numpy,torch,naive",
         "--threads", "1", "--json"]
#: (arch, mode, target ratio NumPy / torch, text)
TARGETS = (("lstm", "forward", 2.0, "LSTM forward: NumPy <= 2x torch (no_grad)"),
           ("rnn", "train", 1.0, "RNN fwd+bwd: NumPy <= torch"),
           ("gru", "train", 1.0, "GRU fwd+bwd: NumPy <= torch"),
           ("lstm", "train", 1.0, "LSTM fwd+bwd: NumPy <= torch"))


def numpy_over_torch(report: dict, arch: str, mode: str) -> tuple[float, float, float] | None:
    """(ratio, lo, hi) of NumPy time / torch time from bench's comparisons."""
    for c in report["summary"]["comparisons"]:
        if c["field"] != "impl" or c["arch"] != arch or c["mode"] != mode:
            continue
        if {c["fast"], c["slow"]} != {"numpy", "torch"}:
            continue
        if c["fast"] == "torch":  # ratio = numpy / torch already
            return c["ratio"], c["lo"], c["hi"]
        return 1 / c["ratio"], 1 / c["hi"], 1 / c["lo"]
    return None


def judge(found: tuple[float, float, float] | None, target: float) -> str:
    if found is None:
        return "not measured"
    ratio, lo, hi = found
    if hi <= target:
        return f"met: {ratio:.2f}x (95% interval {lo:.2f} to {hi:.2f})"
    if lo > target:
        return f"NOT met: {ratio:.2f}x (95% interval {lo:.2f} to {hi:.2f})"
    return f"undecided here: {ratio:.2f}x, interval {lo:.2f} to {hi:.2f} straddles {target:g}"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--from-json", metavar="FILE", help="a saved rnncli bench --json report")
    p.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    p.add_argument("--save", metavar="FILE", help="keep the JSON report")
    args = p.parse_args(argv)
    if args.from_json:
        report = json.loads(Path(args.from_json).read_text(encoding="utf-8"))
    else:
        run = subprocess.run(BENCH, capture_output=True, text=True, cwd=ROOT, check=False)
        if run.returncode != 0:
            sys.stderr.write(run.stderr)
            return run.returncode
        report = json.loads(run.stdout)
    if args.save:
        Path(args.save).write_text(json.dumps(report, indent=1), encoding="utf-8")
    if args.markdown:
        sys.path.insert(0, str(ROOT))
        from rnncli.render.bench import markdown

        print(markdown(report), end="\n\n")
    meta = report["meta"]
    print(f"threads {meta['threads']}, {meta['rounds']} rounds, load average "
          f"{meta.get('load_average_before')} -> {meta.get('load_average_after')} on "
          f"{meta.get('cores')} cores, commit {meta.get('git_commit')}")
    for arch, mode, target, text in TARGETS:
        print(f"{text}: {judge(numpy_over_torch(report, arch, mode), target)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
