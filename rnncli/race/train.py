"""Training one (architecture, seed) forecaster, and the whole race.

Every run: Adam with a linear warm-up (``trainkit.warmup_lr``), mini-batches of training
windows drawn by a NumPy generator seeded with the run's seed, MSE on the scaled target,
gradient-norm clipping, the validation loss every ``eval_every`` steps, and the weights
with the lowest validation loss kept for the test (the test period is touched once, at
the end). The budget is a number of optimizer steps (``--equal steps``/``params``); with
``--equal time`` it is wall-clock seconds, which depend on the machine and its load.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from rnncli import trainkit
from rnncli.interrupt import keep_finished
from rnncli.race import baselines, models
from rnncli.race.data import Prepared
from rnncli.race.tune import Config

LATENCY_REPEATS = 30


@dataclass
class RaceConfig:
    archs: list[str]
    hidden_base: int = 32           # --hidden
    hidden: dict[str, int] = field(default_factory=dict)  # per architecture (set by plan)
    layers: int = 1
    steps: int = 500
    batch: int = 32
    lr: float = 1e-2
    warmup: int = 20
    clip: float = 1.0
    seeds: list[int] = field(default_factory=lambda: [0, 1, 2, 3, 4])
    threads: int = 1
    equal: str = "steps"            # steps | params | time
    time_s: float = 3.0             # --equal time: seconds per run
    cap_s: float = 600.0            # safety net per run (steps budgets)
    evals: int = 20                 # validation points per run

    @property
    def eval_every(self) -> int:
        return max(1, self.steps // self.evals)


@dataclass
class RunResult:
    arch: str
    seed: int
    hidden: int
    params: int
    rmse: float
    mae: float
    steps: int
    train_s: float
    latency_ms: float
    stopped: str
    best_step: int
    curve: list[dict]                       # {"step", "seconds", "val_loss"}
    pred: np.ndarray = field(repr=False)    # test predictions, original units
    state: dict | None = field(default=None, repr=False)
    val_mse: float = math.inf               # best validation MSE (scaled): selects configs
    window: int = 0
    lr: float = 0.0

    @property
    def config(self) -> Config:
        return Config(self.window, self.lr)

    def as_dict(self) -> dict:
        keys = ("arch", "seed", "window", "lr", "hidden", "params", "val_mse", "rmse", "mae",
                "steps", "train_s", "latency_ms", "stopped", "best_step", "curve")
        out = {k: getattr(self, k) for k in keys}
        if not math.isfinite(self.val_mse):  # no validation point (diverged at once)
            out["val_mse"] = None
        return out


def _mse(model, x, y) -> float:
    import torch

    with torch.no_grad():
        return float(torch.mean((model(x) - y) ** 2))


def latency_ms(model, window) -> float:
    """Median wall time of one forward pass on one window, in milliseconds."""
    import torch

    times = []
    with torch.no_grad():
        model(window)  # warm-up
        for _ in range(LATENCY_REPEATS):
            start = time.perf_counter()
            model(window)
            times.append(time.perf_counter() - start)
    return float(np.median(times) * 1e3)


class _Run:
    """The state of one training run: model, optimizer, batches, best weights."""

    def __init__(self, prep: Prepared, arch: str, seed: int, cfg: RaceConfig) -> None:
        import torch

        self.prep, self.cfg = prep, cfg
        self.model = models.build(arch, prep.x.shape[1], cfg.hidden[arch], cfg.layers)
        self.opt = torch.optim.Adam(self.model.parameters(), lr=cfg.lr)
        self.rng = np.random.default_rng(seed)
        self.val_x = torch.from_numpy(prep.windows(prep.val))
        self.val_y = torch.from_numpy(prep.targets(prep.val).astype(np.float32))
        self.best = (math.inf, 0, None)
        self.curve: list[dict] = []
        self.start = time.perf_counter()

    def step(self, i: int) -> float:
        import torch

        trainkit.set_lr(self.opt, trainkit.warmup_lr(i, self.cfg.lr, self.cfg.warmup))
        idx = self.rng.choice(self.prep.train, self.cfg.batch)
        x = torch.from_numpy(self.prep.windows(idx))
        y = torch.from_numpy(self.prep.targets(idx).astype(np.float32))
        loss = torch.mean((self.model(x) - y) ** 2)
        self.opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.cfg.clip)
        self.opt.step()
        return loss.item()

    def evaluate(self, i: int) -> dict:
        v = _mse(self.model, self.val_x, self.val_y)
        self.curve.append({"step": i, "seconds": time.perf_counter() - self.start,
                           "val_loss": v})
        if v < self.best[0]:
            state = {k: t.detach().clone() for k, t in self.model.state_dict().items()}
            self.best = (v, i, state)
        return {}


def train_one(prep: Prepared, arch: str, seed: int, cfg: RaceConfig,
              progress: Callable[[int, float], None] | None = None) -> RunResult:
    """Train one forecaster; score the best-on-validation weights on the test period."""
    import torch

    with trainkit.torch_session(seed, cfg.threads):
        run = _Run(prep, arch, seed, cfg)
        timed = cfg.equal == "time"
        log = trainkit.run_steps(
            run.step, 10**9 if timed else cfg.steps,
            cap_s=cfg.time_s if timed else cfg.cap_s, evaluate=run.evaluate,
            eval_every=run.cfg.eval_every, progress=progress)
        if log.steps % cfg.eval_every and log.stopped != "diverged":
            run.evaluate(log.steps)  # the last steps count too
        if run.best[2] is not None:
            run.model.load_state_dict(run.best[2])
        test_x = torch.from_numpy(prep.windows(prep.test))
        with torch.no_grad():
            pred = prep.unscale(run.model(test_x).numpy())
        rmse, mae = baselines.errors(pred, baselines.truth(prep, prep.test))
        lat = latency_ms(run.model, test_x[:1])
    return RunResult(
        arch=arch, seed=seed, hidden=cfg.hidden[arch],
        params=trainkit.param_count(run.model), rmse=rmse, mae=mae, steps=log.steps,
        train_s=log.seconds, latency_ms=lat, stopped=log.stopped, best_step=run.best[1],
        curve=run.curve, pred=pred, state=run.model.state_dict(), val_mse=run.best[0],
        window=prep.window, lr=cfg.lr)


def iter_runs(prep: Prepared, cfg: RaceConfig,
              on_start: Callable[[str, int], Callable[[int, float], None] | None] | None = None,
              ) -> Iterator[RunResult]:
    """Every architecture under every seed, seed-major so an interruption leaves whole
    seeds. A run stopped by Ctrl-C is not yielded: the interruption goes on up."""
    for seed in cfg.seeds:
        for arch in cfg.archs:
            r = train_one(prep, arch, seed, cfg, on_start(arch, seed) if on_start else None)
            if r.stopped == "interrupted":
                raise KeyboardInterrupt
            yield r


def race(prep: Prepared, cfg: RaceConfig,
         on_start: Callable[[str, int], Callable[[int, float], None] | None] | None = None,
         on_done: Callable[[RunResult], None] | None = None) -> tuple[list[RunResult], bool]:
    """The finished runs, and whether Ctrl-C stopped the race (``interrupt.keep_finished``)."""
    done = keep_finished(iter_runs(prep, cfg, on_start), on_done)
    return done.items, done.interrupted
