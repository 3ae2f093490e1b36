"""Why do GRU and LSTM sit on a plateau on NARMA-10 at long windows? Measurements.

Uses the race's own pipeline (``rnncli.race``: the same data, split, scaling, training
loop, seeds and best-on-validation weights) and changes one thing at a time:

- ``lr``:      the Adam learning rate (window 50);
- ``bias``:    the gate biases at initialisation (LSTM forget gate, GRU update gate);
- ``grad``:    |d yhat / d x(t-k)| for every step back k, at initialisation and after
               training (mean over 256 validation windows; which inputs the forecast uses);
- ``gates``:   gate saturation at initialisation and after training (fraction of gate
               values below 0.1 or above 0.9, mean gate value, on validation windows);
- ``prefix``:  window 50 with the oldest 38 steps of every window set to 0 (the training
               mean), i.e. the information of window 12 in a 50-step window;
- ``windows``: windows 10 to 30 (u(t-9) is the first input of a 10-step window);
- ``detach``:  the same masked window 50, with the recurrent state detached after the 38
               zero steps (no gradient flows back through them): the last 12 steps then
               start from the state the zero prefix leaves, not from 0.

Validation MSE is in standard units (the target scaled by the training rows' sd), as the
race's curves are; test RMSE in original units. 1 thread, seeded: the same numbers on the
same machine.

    python benchmarks/narma_plateau.py all --seeds 0
    python benchmarks/narma_plateau.py lr bias --seeds 0,1
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rnncli.race import data, models, series, train  # noqa: E402
from rnncli.race.train import RaceConfig  # noqa: E402

GATES = {"lstm": ("i", "f", "g", "o"), "gru": ("r", "z", "n")}


def prepared(window: int, mask_prefix: int = 0) -> data.Prepared:
    frame = series.load("narma10", None, 0)
    prep = data.prepare(data.select(frame, None, None, frame.fill), window, 1)
    if mask_prefix:
        windows = prep.windows

        def masked(origins, windows=windows):
            w = windows(origins).copy()
            w[:, :mask_prefix] = 0.0
            return w
        prep.windows = masked
    return prep


def set_bias(model, arch: str, value: float) -> None:
    """Gate bias at initialisation: LSTM forget gate (b_ih + b_hh = value), GRU update gate."""
    import torch

    h = model.rnn.hidden_size
    sl = {"lstm": slice(h, 2 * h), "gru": slice(h, 2 * h)}[arch]
    with torch.no_grad():
        model.rnn.bias_ih_l0[sl] = value
        model.rnn.bias_hh_l0[sl] = 0.0


def detached(model, cut: int):
    """The forecaster, with the state detached after the first ``cut`` steps."""
    import torch

    class Detached(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.rnn, self.head = model.rnn, model.head

        def forward(self, x):
            _, state = self.rnn(x[:, :cut])
            state = tuple(s.detach() for s in state) if isinstance(state, tuple) \
                else state.detach()
            out, _ = self.rnn(x[:, cut:], state)
            return self.head(out[:, -1]).squeeze(-1)
    return Detached()


def train_run(arch: str, seed: int, window: int = 50, lr: float = 0.01, steps: int = 500,
              bias: float | None = None, mask_prefix: int = 0, detach: bool = False):
    prep = prepared(window, mask_prefix)
    cfg = RaceConfig([arch], steps=steps, lr=lr, seeds=[seed])
    cfg.hidden = {arch: 32}
    build = models.build

    def built(a, n_in, hidden, layers):
        m = build(a, n_in, hidden, layers)
        if bias is not None:
            set_bias(m, a, bias)
        return detached(m, mask_prefix) if detach else m
    train.models.build = built
    try:
        r = train.train_one(prep, arch, seed, cfg)
    finally:
        train.models.build = build
    val = min(c["val_loss"] for c in r.curve)
    return prep, r, val


def _model(arch: str, seed: int, state: dict | None, bias: float | None = None):
    import torch

    torch.manual_seed(seed)
    m = models.build(arch, 2, 32, 1)
    if bias is not None:
        set_bias(m, arch, bias)
    if state is not None:
        m.load_state_dict(state)
    return m


def grad_per_step(model, prep: data.Prepared, n: int = 256) -> np.ndarray:
    """Mean |d yhat / d x(t-k)| over n validation windows, per step back k and input."""
    import torch

    x = torch.from_numpy(prep.windows(prep.val[:n])).requires_grad_(True)
    model(x).sum().backward()
    g = x.grad.abs().mean(0).numpy()          # (W, F), oldest first
    return g[::-1]                            # k = 0 is the last step of the window


def gate_values(model, arch: str, prep: data.Prepared, n: int = 256) -> dict:
    """Gate activations of a one-layer torch RNN on n validation windows, step by step."""
    import torch

    rnn = model.rnn
    x = torch.from_numpy(prep.windows(prep.val[:n]))
    h = torch.zeros(x.shape[0], rnn.hidden_size)
    c = torch.zeros_like(h)
    out = {g: [] for g in GATES[arch]}
    with torch.no_grad():
        for t in range(x.shape[1]):
            gi = x[:, t] @ rnn.weight_ih_l0.T + rnn.bias_ih_l0
            gh = h @ rnn.weight_hh_l0.T + rnn.bias_hh_l0
            if arch == "lstm":
                i, f, g, o = (gi + gh).chunk(4, 1)
                i, f, g, o = i.sigmoid(), f.sigmoid(), g.tanh(), o.sigmoid()
                c = f * c + i * g
                h = o * c.tanh()
                vals = {"i": i, "f": f, "g": g, "o": o}
            else:
                ir, iz, in_ = gi.chunk(3, 1)
                hr, hz, hn = gh.chunk(3, 1)
                r, z = (ir + hr).sigmoid(), (iz + hz).sigmoid()
                n_ = (in_ + r * hn).tanh()
                h = (1 - z) * n_ + z * h
                vals = {"r": r, "z": z, "n": n_}
            for k, v in vals.items():
                out[k].append(v)
    return {k: torch.stack(v, 1).numpy() for k, v in out.items()}  # (B, W, H)


def saturation(vals: dict) -> dict:
    res = {}
    for k, v in vals.items():
        if k in ("g", "n"):
            res[k] = {"mean_abs": float(np.abs(v).mean()),
                      "saturated": float((np.abs(v) > 0.9).mean())}
        else:
            res[k] = {"mean": float(v.mean()),
                      "saturated": float(((v < 0.1) | (v > 0.9)).mean())}
    return res


def exp_lr(seeds, out):
    for arch in ("gru", "lstm"):
        for lr in (0.001, 0.003, 0.01, 0.03):
            for s in seeds:
                _, r, val = train_run(arch, s, lr=lr)
                out.append({"exp": "lr", "arch": arch, "lr": lr, "seed": s, "val_mse": val,
                            "test_rmse": r.rmse, "best_step": r.best_step})
                print(json.dumps(out[-1]), flush=True)


def exp_bias(seeds, out):
    for arch, values in (("lstm", (-2.0, 0.0, 1.0, 3.0)), ("gru", (-2.0, 0.0, 1.0, 3.0))):
        for b in values:
            for s in seeds:
                _, r, val = train_run(arch, s, bias=b)
                out.append({"exp": "bias", "arch": arch, "bias": b, "seed": s,
                            "val_mse": val, "test_rmse": r.rmse})
                print(json.dumps(out[-1]), flush=True)


def exp_prefix(seeds, out):
    for arch in ("rnn", "gru", "lstm"):
        for s in seeds:
            for window, mask in ((12, 0), (50, 38), (50, 0)):
                _, r, val = train_run(arch, s, window=window, mask_prefix=mask)
                out.append({"exp": "prefix", "arch": arch, "window": window,
                            "masked_oldest": mask, "seed": s, "val_mse": val,
                            "test_rmse": r.rmse})
                print(json.dumps(out[-1]), flush=True)


def exp_windows(seeds, out):
    for arch in ("rnn", "gru", "lstm"):
        for window in (10, 11, 14, 16, 20, 30):
            for s in seeds:
                _, r, val = train_run(arch, s, window=window)
                out.append({"exp": "windows", "arch": arch, "window": window, "seed": s,
                            "val_mse": val, "test_rmse": r.rmse})
                print(json.dumps(out[-1]), flush=True)


def exp_detach(seeds, out):
    for arch in ("gru", "lstm"):
        for s in seeds:
            _, r, val = train_run(arch, s, window=50, mask_prefix=38, detach=True)
            out.append({"exp": "detach", "arch": arch, "window": 50, "masked_oldest": 38,
                        "detached_after": 38, "seed": s, "val_mse": val, "test_rmse": r.rmse})
            print(json.dumps(out[-1]), flush=True)


def _grad_row(arch, window, when, g):
    ks = [k for k in (0, 1, 9, 10, 20, 30, 49) if k < len(g)]
    return {"exp": "grad", "arch": arch, "window": window, "when": when,
            "u": {k: float(g[k, 0]) for k in ks}, "y": {k: float(g[k, 1]) for k in ks}}


def exp_grad_gates(seeds, out):
    for arch in ("rnn", "gru", "lstm"):
        for window in (50, 12):
            s = seeds[0]
            prep, r, val = train_run(arch, s, window=window)
            for when, state in (("init", None), ("trained", r.state)):
                m = _model(arch, s, state)
                out.append(_grad_row(arch, window, when, grad_per_step(m, prep)))
                print(json.dumps(out[-1]), flush=True)
                if arch != "rnn":
                    sat = saturation(gate_values(m, arch, prep))
                    out.append({"exp": "gates", "arch": arch, "window": window,
                                "when": when, **sat})
                    print(json.dumps(out[-1]), flush=True)


EXPERIMENTS = {"lr": exp_lr, "bias": exp_bias, "prefix": exp_prefix, "detach": exp_detach,
               "windows": exp_windows,
               "grad": exp_grad_gates}


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("which", nargs="+", choices=[*EXPERIMENTS, "all"])
    p.add_argument("--seeds", default="0")
    p.add_argument("--out", default=None, help="write every row as JSON to this file")
    args = p.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",")]
    which = list(EXPERIMENTS) if "all" in args.which else args.which
    out: list[dict] = []
    for name in which:
        EXPERIMENTS[name](seeds, out)
    if args.out:
        Path(args.out).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
