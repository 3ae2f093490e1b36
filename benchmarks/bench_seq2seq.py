"""Training throughput of `rnncli seq2seq` against a plain hand-written torch loop.

Both sides train the same model (same initial weights, same batches, same Adam, warm-up
and clipping) for the same steps; the script first checks that their losses agree, so
the ratio measures only what rnncli's loop adds (trainkit.run_steps, batch slicing,
the progress callback).  Rounds are interleaved (ours, plain, ours, ...) so load from
other processes falls on both alike; it prints medians, IQRs and the ratio.

    python benchmarks/bench_seq2seq.py                       # GRU + dot attention, reverse
    python benchmarks/bench_seq2seq.py --arch lstm --attention additive --steps 100
    python benchmarks/bench_seq2seq.py --json
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _setup(args):
    from rnncli.seq2seq import data, tasks
    from rnncli.seq2seq.models import ModelConfig
    from rnncli.seq2seq.train import TrainConfig, encode_corpus

    train, test = tasks.get(args.task).make(seed=0, n_train=5000, n_test=200,
                                            split="simple")
    corpus = data.build_corpus(train, test, tasks.get(args.task).tokens)
    enc, _ = encode_corpus(corpus)
    mcfg = ModelConfig(args.arch, len(corpus.src_vocab), len(corpus.tgt_vocab),
                       hidden=args.hidden, embed=args.hidden, attention=args.attention)
    cfg = TrainConfig(steps=args.steps, batch=args.batch)
    return enc, mcfg, cfg


def ours(enc, mcfg, cfg) -> tuple[float, list[float]]:
    import torch

    from rnncli.seq2seq.models import build
    from rnncli.seq2seq.train import train

    torch.manual_seed(0)
    model = build(mcfg)
    calls = []
    start = time.perf_counter()
    log = train(model, enc, cfg, seed=0, progress=lambda i, loss: calls.append(i))
    return time.perf_counter() - start, log.losses


def plain(enc, mcfg, cfg) -> tuple[float, list[float]]:
    """The loop a reader would write by hand around the same model."""
    import torch
    from torch.nn import functional as F

    from rnncli.seq2seq.models import build

    torch.manual_seed(0)
    model = build(mcfg)
    model.train()
    gen = torch.Generator().manual_seed(0)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    losses = []
    start = time.perf_counter()
    for i in range(cfg.steps):
        for g in opt.param_groups:
            g["lr"] = cfg.lr * min(1.0, (i + 1) / cfg.warmup)
        idx = torch.randint(len(enc), (cfg.batch,), generator=gen)
        s, t = int(enc.src_len[idx].max()), int(enc.tgt_len[idx].max()) + 1
        logits, _ = model(enc.src[idx, :s], enc.src_len[idx], enc.dec_in[idx, :t])
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                               enc.dec_out[idx, :t].reshape(-1), ignore_index=0)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.clip)
        opt.step()
        losses.append(loss.item())
    return time.perf_counter() - start, losses


def _iqr(xs: list[float]) -> float:
    q = statistics.quantiles(xs, n=4) if len(xs) > 1 else [xs[0]] * 3
    return q[2] - q[0]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--task", default="reverse")
    p.add_argument("--arch", default="gru")
    p.add_argument("--attention", default="dot")
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--steps", type=int, default=60)
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--json", action="store_true")
    args = p.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    enc, mcfg, cfg = _setup(args)
    _, a = ours(enc, mcfg, cfg)   # warm-up (oneDNN kernels, torch.optim's first import)
    _, b = plain(enc, mcfg, cfg)
    if max(abs(x - y) for x, y in zip(a, b, strict=True)) > 1e-4 * max(1.0, abs(a[0])):
        sys.exit("the two loops disagree; refusing to time different computations")
    t_ours, t_plain = [], []
    for _ in range(args.rounds):
        t_ours.append(ours(enc, mcfg, cfg)[0] / args.steps)
        t_plain.append(plain(enc, mcfg, cfg)[0] / args.steps)
    mo, mp = statistics.median(t_ours), statistics.median(t_plain)
    result = {
        "config": vars(args), "ours_ms_per_step": 1e3 * mo, "plain_ms_per_step": 1e3 * mp,
        "ours_iqr_ms": 1e3 * _iqr(t_ours), "plain_iqr_ms": 1e3 * _iqr(t_plain),
        "ratio": mo / mp, "python": platform.python_version(), "torch": torch.__version__,
        "machine": platform.machine(), "utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"{args.arch} + {args.attention} attention, H={args.hidden}, B={args.batch}, "
          f"{args.steps} steps x {args.rounds} rounds, {args.threads} thread(s)")
    print(f"rnncli loop: {1e3 * mo:7.2f} ms/step (IQR {1e3 * _iqr(t_ours):.2f})")
    print(f"plain loop:  {1e3 * mp:7.2f} ms/step (IQR {1e3 * _iqr(t_plain):.2f})")
    print(f"ratio rnncli / plain: {mo / mp:.3f}  (losses agree)")
    for name, ts, m in (("rnncli", t_ours, mo), ("plain", t_plain, mp)):
        if _iqr(ts) > 0.1 * m:
            print(f"warning: {name} IQR is over 10% of its median; the machine is busy")


if __name__ == "__main__":
    main()
