"""Train torch RNN / GRU / LSTM on a memory task with the lesson's practices.

The budget of a run is a number of optimizer STEPS, so the same seed and thread count
give the same numbers on any machine, busy or not.  A wall-clock cap (``max_seconds``)
is kept only as a safety net; a run it stops is reported as ``stopped: "time-cap"``
(and is then not reproducible).

The practices, each with its source:

* Adam (or RMSprop, as Arjovsky et al. 2016 used on these tasks; plain SGD to see
  what clipping does without an adaptive step);
* gradient clipping by global norm (Pascanu et al. 2013; ``clip_grad_norm_``);
  ``clip=0`` turns it off, and every run records its largest gradient norm, the share
  of steps clipped and the loss spikes (steps whose loss jumps above twice the
  running average), so a run with and one without clipping can be compared;
* linear learning-rate warm-up over the first steps (common practice for recurrent
  networks trained with Adam);
* halving the learning rate when the validation loss stops improving (plateau decay);
* early stopping (Prechelt 1998) -- here on success: a run stops as soon as the
  validation metric meets the task's "solved" rule with a margin (so the test set
  clears it too), since data are fresh every step and cannot be over-fitted.

Every step draws a fresh batch, so there is no training set to memorise; the
validation set (early stopping, plateau) and the test set (the reported
metric) are fixed and drawn from different seeds.  How each task is scored is the
task's own business (:mod:`rnncli.experiments.tasks`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from rnncli import archs
from rnncli.experiments.tasks import Task

STOP_MARGIN = 0.7  # stop when the validation metric clears the rule with this margin
OPTIMIZERS = ("adam", "rmsprop", "sgd")
SPIKE = 2.0  # a loss above SPIKE x the running average (after warm-up) is a spike
CURVE_POINTS = 48  # the loss curve kept in the result: window means


@dataclass
class TrainConfig:
    """Hyper-parameters of one training run (defaults tuned on the adding task, CPU)."""

    hidden: int = 64
    batch: int = 64
    lr: float = 3e-3
    optimizer: str = "adam"  # adam | rmsprop | sgd
    clip: float = 1.0  # global gradient-norm clip; 0 = off
    warmup: int = 50  # steps of linear warm-up
    steps: int = 5000  # the budget: optimizer steps per run (fewer when solved)
    max_seconds: float = 900.0  # wall-clock safety cap per run, reported when hit
    eval_every: int = 25
    patience: int = 20  # evaluations without improvement before the lr is halved
    min_lr: float = 1e-4
    val_size: int = 512
    test_size: int = 1000
    seed: int = 0
    init: str = "default"  # see rnncli.experiments.inits.INITS
    radius: float | None = None  # rescale the recurrent weights to this spectral radius
    # torch intra-op threads during the run; 0 keeps torch's default.  1 by default: these
    # small models gain nothing from a second thread, and on a busy 2-core machine two
    # threads stalled each other (docs/memory.md).
    threads: int = 1


@dataclass
class RunResult:
    """The outcome of one (architecture, length) run, as reported."""

    arch: str
    seq_len: int
    metric_name: str
    metric: float
    baseline: float
    solved: bool
    steps: int
    seconds: float
    stopped: str  # solved | steps | time-cap | diverged
    extra: dict = field(default_factory=dict)
    model: object = field(default=None, repr=False, compare=False)  # the trained torch model

    def as_dict(self) -> dict:
        d = {
            "arch": self.arch,
            "seq_len": self.seq_len,
            "metric_name": self.metric_name,
            "metric": self.metric,
            "baseline": self.baseline,
            "solved": self.solved,
            "steps": self.steps,
            "seconds": round(self.seconds, 2),
            "stopped": self.stopped,
            "time_cap_hit": self.stopped == "time-cap",
        }
        d.update(self.extra)
        return d


class LossLog:
    """Every step's training loss and gradient norm (before clipping), summarised."""

    def __init__(self, clip: float, warmup: int) -> None:
        self.clip, self.warmup = clip, warmup
        self.losses: list[float] = []
        self.norms: list[float] = []
        self.spikes = 0
        self.ema = math.nan

    def add(self, loss: float, norm: float) -> None:
        step = len(self.losses)
        if step > self.warmup and loss > SPIKE * self.ema:
            self.spikes += 1
        self.ema = loss if math.isnan(self.ema) else 0.9 * self.ema + 0.1 * loss
        self.losses.append(loss)
        self.norms.append(norm)

    def summary(self) -> dict:
        import numpy as np

        norms = np.asarray(self.norms)
        finite = norms[np.isfinite(norms)]
        clipped = float((norms > self.clip).mean()) if self.clip > 0 and len(norms) else 0.0
        windows = np.array_split(np.asarray(self.losses), min(CURVE_POINTS, len(self.losses)))
        return {
            "train_loss": self.ema,
            "grad_norm_max": float(finite.max()) if finite.size else math.nan,
            "clipped_fraction": clipped,
            "loss_spikes": self.spikes,
            "loss_curve": [float(w.mean()) for w in windows if w.size],
        }


class Plateau:
    """Halve the learning rate after ``patience`` evaluations without a 1 % improvement."""

    def __init__(self, cfg: TrainConfig) -> None:
        self.cfg, self.scale, self.best, self.bad = cfg, 1.0, math.inf, 0

    def update(self, vloss: float, step: int) -> None:
        if vloss < 0.99 * self.best:
            self.best, self.bad = vloss, 0
            return
        if step <= self.cfg.warmup:  # no plateau decay while still warming up
            return
        self.bad += 1
        if self.bad >= self.cfg.patience and self.cfg.lr * self.scale > self.cfg.min_lr:
            self.scale, self.bad = self.scale * 0.5, 0

    def lr(self, step: int) -> float:
        """The learning rate of step ``step`` (0-based): warm-up times plateau scale."""
        return self.cfg.lr * self.scale * min(1.0, (step + 1) / max(self.cfg.warmup, 1))


def build_model(
    arch: str,
    input_size: int,
    hidden: int,
    output_size: int,
    init: str = "default",
    seed: int = 0,
    radius: float | None = None,
):
    """A one-layer recurrent network (tanh RNN, GRU or LSTM) with a linear readout.

    ``init`` other than PyTorch's default (and ``radius``) is applied by
    ``experiments.inits.init_torch`` (the identity init makes the RNN a ReLU IRNN).
    """
    import torch
    from torch import nn

    from rnncli.experiments.inits import init_torch, nonlinearity

    spec = archs.get(arch)
    kw = {"nonlinearity": nonlinearity(arch, init)} if "nonlinearity" in spec.options else {}

    class SeqModel(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.rnn = archs.torch_module(arch)(input_size, hidden, **kw)
            if init != "default" or radius is not None:
                init_torch(self.rnn, arch, init, seed, radius)
            self.readout = nn.Linear(hidden, output_size)

        def forward(self, x: torch.Tensor, last_only: bool = False) -> torch.Tensor:
            h, _ = self.rnn(x)  # (T, B, H)
            return self.readout(h[-1] if last_only else h)

    return SeqModel()


def make_optimizer(model, cfg: TrainConfig):
    import torch

    cls = {"adam": torch.optim.Adam, "rmsprop": torch.optim.RMSprop, "sgd": torch.optim.SGD}
    return cls[cfg.optimizer](model.parameters(), lr=cfg.lr)


Progress = Callable[[int, float, float, float], None]  # step, loss, lr, elapsed seconds


def train_one(
    task: Task, arch: str, seq_len: int, cfg: TrainConfig, progress: Progress | None = None
) -> RunResult:
    """Train one architecture on one length until solved or out of steps (or time cap).

    Denormal floats are flushed to zero while training: vanishing gradients reach float32's
    denormal range (< 1.2e-38) after about 200 steps at a decay of x0.65 per step, and x86
    CPUs compute on denormals many times slower (docs/memory.md).  Values that small change
    nothing.
    """
    import torch

    before = torch.get_num_threads()
    if cfg.threads > 0:
        torch.set_num_threads(cfg.threads)
    torch.set_flush_denormal(True)
    try:
        return _Run(task, arch, seq_len, cfg, progress).train()
    finally:
        torch.set_flush_denormal(False)  # torch's default
        torch.set_num_threads(before)


class _Run:
    """One training run: set-up, the step loop, evaluation and the final test."""

    def __init__(self, task: Task, arch: str, seq_len: int, cfg: TrainConfig, progress) -> None:
        import numpy as np
        import torch

        from rnncli.experiments.inits import applies

        self.task, self.arch, self.seq_len, self.cfg, self.progress = (
            task, arch, seq_len, cfg, progress)
        torch.manual_seed(cfg.seed)
        self.rng = np.random.default_rng([cfg.seed, seq_len, 0])
        val_rng = np.random.default_rng([cfg.seed, 1])
        self.val = task.generate(seq_len, cfg.val_size, val_rng).to_torch()
        self.init = cfg.init if applies(cfg.init, arch) else "default"  # forget-bias-1: LSTM
        self.model = build_model(arch, task.input_size, cfg.hidden, task.output_size,
                                 self.init, cfg.seed, cfg.radius)
        self.opt = make_optimizer(self.model, cfg)
        self.plateau = Plateau(cfg)
        self.log = LossLog(cfg.clip, cfg.warmup)

    def step(self, step: int) -> float:
        """One optimizer step on a fresh batch; returns the batch loss."""
        import torch

        lr = self.plateau.lr(step)
        for g in self.opt.param_groups:
            g["lr"] = lr
        batch = self.task.generate(self.seq_len, self.cfg.batch, self.rng).to_torch()
        loss, _ = self.task.score(self.model, batch)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        max_norm = self.cfg.clip if self.cfg.clip > 0 else math.inf
        norm = torch.nn.utils.clip_grad_norm_(self.model.parameters(), max_norm)
        self.opt.step()
        value = float(loss.detach())
        self.log.add(value, float(norm))
        return value

    def evaluate(self, step: int) -> bool:
        """Validation: True when solved (with the margin); feeds the plateau decay."""
        import torch

        with torch.no_grad():
            vloss, vmetric = self.task.score(self.model, self.val)
        if self.task.solved(vmetric, self.seq_len, margin=STOP_MARGIN):
            return True
        self.plateau.update(float(vloss), step)
        return False

    def loop(self, start: float) -> tuple[int, str]:
        """Steps until solved, out of steps, diverged or past the time cap."""
        cfg, step = self.cfg, 0
        while step < cfg.steps:
            value = self.step(step)
            step += 1
            if not math.isfinite(value):
                return step, "diverged"
            elapsed = time.perf_counter() - start
            if self.progress is not None:
                self.progress(step, self.log.ema, self.plateau.lr(step - 1), elapsed)
            if step % cfg.eval_every == 0 and self.evaluate(step):
                return step, "solved"
            if elapsed >= cfg.max_seconds:
                return step, "time-cap"
        return step, "steps"

    def train(self) -> RunResult:
        import numpy as np
        import torch

        start = time.perf_counter()
        steps, stopped = self.loop(start)
        seconds = time.perf_counter() - start
        task, T, cfg = self.task, self.seq_len, self.cfg
        extra = {"init": self.init, "final_lr": cfg.lr * self.plateau.scale,
                 **self.log.summary()}
        metric = math.nan
        if stopped != "diverged":
            test_rng = np.random.default_rng([cfg.seed, 2, T])
            with torch.no_grad():
                _, metric = task.score(self.model, task.generate(T, cfg.test_size,
                                                                 test_rng).to_torch())
            extra.update(task.extra_metrics(self.model, T, test_rng, cfg.test_size))
        return RunResult(self.arch, T, task.metric_name, metric, task.baseline(T),
                         task.solved(metric, T), steps, seconds, stopped, extra, self.model)


def iter_runs(
    task: Task,
    arch_names: list[str],
    lengths: list[int],
    cfg: TrainConfig,
    progress: Callable[[str, int], Progress | None] | None = None,
) -> Iterator[RunResult]:
    """Run every (length, architecture) pair in turn, yielding each result when done.

    ``progress(arch, seq_len)`` may return a per-step callback.  A KeyboardInterrupt
    propagates to the caller, which keeps the results already yielded.
    """
    names = [archs.get(a).name for a in arch_names]
    for seq_len in lengths:
        for arch in names:
            cb = progress(arch, seq_len) if progress is not None else None
            yield train_one(task, arch, seq_len, cfg, cb)
