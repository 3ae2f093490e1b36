"""Reproduce the weights behind ``rnncli gates --init trained``.

    python scripts/train_gates_toy.py                      # rewrites rnncli/data/gates_toy.*
    python scripts/train_gates_toy.py --hidden 8 --out w.npz  # your own size; then
    rnncli gates --weights w.npz --prefix lstm --seq 1,0,0,1

Trains torch.nn.LSTM, GRU and RNN (+ a linear read-out) on the toy task of
``rnncli.experiments.toy`` ("steps since the last 1") with a fixed seed, one CPU thread,
and saves the recurrent weights under ``{arch}.{pytorch name}`` and the read-out under
``{arch}.readout.weight/bias`` in one .npz, plus a .json of the settings and scores.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
import torch

from rnncli.experiments import toy


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hidden", type=int, default=toy.HIDDEN)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--archs", default=",".join(toy.TRAINED_ARCHS))
    ap.add_argument("--out", type=Path, default=toy.WEIGHTS_FILE)
    args = ap.parse_args()
    torch.set_num_threads(1)
    arrays, scores = {}, {}
    for arch in args.archs.split(","):
        t0 = time.perf_counter()
        sd, readout, rmse = toy.train(arch, args.hidden, args.seed, args.steps)
        secs = time.perf_counter() - t0
        arrays.update({f"{arch}.{k}": v for k, v in sd.items()})
        arrays.update({f"{arch}.readout.{k}": v for k, v in readout.items()})
        scores[arch] = {"val_rmse_steps": round(rmse, 4), "train_seconds": round(secs, 1)}
        print(f"{arch}: validation RMSE {rmse:.3f} steps ({secs:.1f} s)")
    np.savez(args.out, **arrays)
    _, y_val = toy.batch(np.random.default_rng(10_000 + args.seed), 512)  # train()'s val set
    baseline = float(y_val.std()) * toy.CAP
    meta = {
        "task": toy.TASK_NAME, "cap": toy.CAP, "p_one": toy.P_ONE, "train_len": toy.TRAIN_LEN,
        "hidden": args.hidden, "seed": args.seed, "steps": args.steps, "batch": 128,
        "optimizer": "Adam lr 1e-2, cosine decay, clip 1.0, LSTM forget bias +1",
        "scores": scores, "torch": torch.__version__, "numpy": np.__version__,
        "python": platform.python_version(),
        "baseline_rmse_steps": round(baseline, 4),  # always answering the mean
    }
    out_json = args.out.with_suffix(".json")
    out_json.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out} and {out_json}")


if __name__ == "__main__":
    main()
