"""Training throughput of ``rnncli sentiment`` against a plain hand-written torch loop,
and the CPU time of the bare default command.

    python benchmarks/bench_sentiment.py                    # LSTM, probes, 100 steps x 5
    python benchmarks/bench_sentiment.py --arch gru --json  # machine-readable
    python benchmarks/bench_sentiment.py --default-command --rounds 3  # `rnncli sentiment`

``--default-command`` runs the bare ``rnncli sentiment`` as a user would (a fresh process
each round, one torch thread, so the import counts) and reports the median CPU time
(user + system, from ``getrusage(RUSAGE_CHILDREN)``) and wall time: the bare default
must stay within 60 s of CPU at 1 thread.

Both sides train the same model (same initial weights) on the same batches of the
generated probe corpus (same ``batch_plan``): the plain loop pads each batch with
``torch.nn.utils.rnn.pad_sequence`` and runs zero_grad / forward / cross-entropy /
backward / clip_grad_norm_ / Adam step; ``rnncli.sentiment.train.fit`` adds what the
command needs (warm-up learning rate, the step-budgeted ``trainkit.run_steps`` loop with
its loss log and progress callback). Rounds alternate the two sides so that load from
other processes falls on both alike; the report gives the median steps/s of each, the
ratio (rnncli / plain; the target is >= 0.9) and the IQR, with a warning when IQR/median
> 10%. Speed is measured here, never asserted in tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SCHEMA = 1


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--arch", default="lstm", choices=["rnn", "gru", "lstm"])
    p.add_argument("--steps", type=int, default=100, help="optimizer steps per timing")
    p.add_argument("--rounds", type=int, default=5, help="alternating rounds")
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--hidden", type=int, default=32)
    p.add_argument("--embed", type=int, default=32)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--json", action="store_true", help="print only JSON")
    p.add_argument("--default-command", action="store_true",
                   help="time the bare `rnncli sentiment` instead (CPU and wall per round)")
    return p.parse_args(argv)


def default_command(rounds: int) -> dict:
    """CPU (user + system) and wall seconds of the bare `rnncli sentiment --json`."""
    import resource
    import subprocess

    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root), "OMP_NUM_THREADS": "1"}
    cpu, wall = [], []
    for _ in range(rounds):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "rnncli", "sentiment", "--json"], check=True,
                       capture_output=True, env=env, cwd=root)
        wall.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return {"command": "rnncli sentiment", "rounds": rounds, "cpu_s": summary(cpu),
            "wall_s": summary(wall), "limit_cpu_s": 60}


def plain_loop(model, data, plan, lr: float, clip: float) -> float:
    """The loop a user would write by hand; returns seconds."""
    import torch
    from torch import nn
    from torch.nn.utils.rnn import pad_sequence

    examples = [torch.tensor(s) for s in data.ids]
    labels = torch.tensor(data.labels)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    start = time.perf_counter()
    for idx in plan:
        ids = pad_sequence([examples[j] for j in idx], batch_first=True)
        lengths = torch.tensor([len(examples[j]) for j in idx])
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(ids, lengths), labels[idx])
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), clip)
        opt.step()
        loss.item()
    return time.perf_counter() - start


def measure(args) -> dict:
    import copy

    import torch

    from rnncli.sentiment import probes
    from rnncli.sentiment.models import ModelConfig, build
    from rnncli.sentiment.train import FitConfig, batch_plan, encode, fit
    from rnncli.tokens import Vocab, words

    torch.set_num_threads(args.threads)
    corpus = probes.build(0)
    vocab = Vocab.build(words(s.text) for s in corpus.train)
    data = encode(vocab, [s.text for s in corpus.train], [s.label for s in corpus.train])
    cfg = FitConfig(steps=args.steps, batch=args.batch)
    plan = batch_plan(len(data), cfg.batch, cfg.steps, cfg.seed)
    torch.manual_seed(0)
    base = build(ModelConfig(arch=args.arch, embed=args.embed, hidden=args.hidden),
                 len(vocab), 2)
    ours, plain = [], []
    fit(copy.deepcopy(base), data, FitConfig(steps=5, batch=args.batch))      # warm-up
    plain_loop(copy.deepcopy(base), data, plan[:5], cfg.lr, cfg.clip)
    for _ in range(args.rounds):
        log = fit(copy.deepcopy(base), data, cfg)
        ours.append(args.steps / log.seconds)
        plain.append(args.steps / plain_loop(copy.deepcopy(base), data, plan, cfg.lr, cfg.clip))
    return {"ours": ours, "plain": plain}


def summary(values: list[float]) -> dict:
    q = statistics.quantiles(values, n=4) if len(values) > 1 else [values[0]] * 3
    med = statistics.median(values)
    return {"median": med, "iqr": q[2] - q[0], "noisy": (q[2] - q[0]) / med > 0.10,
            "all": values}


def main(argv=None) -> None:
    args = parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
    if args.default_command:
        report = default_command(args.rounds)
        c, w = report["cpu_s"], report["wall_s"]
        print(json.dumps(report, indent=2) if args.json else
              f"rnncli sentiment, {args.rounds} rounds, 1 thread: CPU median {c['median']:.1f} s"
              f" (IQR {c['iqr']:.1f}), wall median {w['median']:.1f} s (IQR {w['iqr']:.1f});"
              " limit 60 s of CPU")
        return
    import torch

    raw = measure(args)
    ours, plain = summary(raw["ours"]), summary(raw["plain"])
    report = {
        "schema": SCHEMA, "arch": args.arch, "steps": args.steps, "rounds": args.rounds,
        "batch": args.batch, "hidden": args.hidden, "embed": args.embed,
        "threads": args.threads, "rnncli_steps_per_s": ours, "plain_steps_per_s": plain,
        "ratio": ours["median"] / plain["median"], "target": ">= 0.9",
        "machine": {"cpu": platform.processor() or platform.machine(),
                    "cores": os.cpu_count(), "python": platform.python_version(),
                    "torch": torch.__version__,
                    "utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())},
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"{args.arch} H={args.hidden} E={args.embed} B={args.batch}, {args.steps} steps x "
          f"{args.rounds} rounds, {args.threads} thread(s)")
    for name, s in (("rnncli fit", ours), ("plain loop", plain)):
        warn = "  (IQR > 10% of the median: noisy machine)" if s["noisy"] else ""
        print(f"  {name:<11} {s['median']:7.1f} steps/s  IQR {s['iqr']:.1f}{warn}")
    print(f"  ratio rnncli / plain: {report['ratio']:.3f} (target >= 0.9)")


if __name__ == "__main__":
    main()
