"""Train torch RNN / GRU / LSTM on a memory task with the lesson's practices.

The budget of a run is a number of optimizer STEPS, so the same seed and thread count
give identical numbers on the same machine, busy or not (another CPU's floating-point
kernels move them within the seed spread).  A wall-clock cap (``max_seconds``)
is kept only as a safety net; a run it stops is reported as ``stopped: "wall-cap"``
(and is then not reproducible).  The loop, seeding and warm-up are
:mod:`rnncli.trainkit`'s, shared with the other training commands.

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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from rnncli import archs
from rnncli.experiments.tasks import Task, scope
from rnncli.trainkit import run_steps, set_lr, torch_session, warmup_lr

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
    stopped: str  # solved | steps | wall-cap | diverged
    extra: dict = field(default_factory=dict)
    longer: dict | None = None  # Task.longer_test: the model on longer sequences
    model: object = field(default=None, repr=False, compare=False)  # the trained torch model

    def as_dict(self) -> dict:
        d = {
            "arch": self.arch,
            "seq_len": self.seq_len,
            "metric_name": self.metric_name,
            "metric": self.metric,
            "baseline": self.baseline,
            "solved": self.solved,
            "longer": self.longer,
            "verdict": scope(self.solved, self.longer["solved"] if self.longer else None),
            "steps": self.steps,
            "seconds": round(self.seconds, 2),
            "stopped": self.stopped,
            "wall_cap_hit": self.stopped == "wall-cap",
        }
        d.update(self.extra)
        return d


def loss_summary(losses: list[float], norms: list[float], clip: float, warmup: int) -> dict:
    """The run's loss curve (window means), spikes, largest gradient norm, share clipped.

    A spike is a step after warm-up whose loss exceeds ``SPIKE`` times the running
    average (exponential, 0.9) of the steps before it.
    """
    import numpy as np

    ema, spikes = math.nan, 0
    for step, loss in enumerate(losses):
        if step > warmup and loss > SPIKE * ema:
            spikes += 1
        ema = loss if math.isnan(ema) else 0.9 * ema + 0.1 * loss
    g = np.asarray(norms, dtype=float)
    finite = g[np.isfinite(g)]
    windows = np.array_split(np.asarray(losses, dtype=float), max(min(CURVE_POINTS, len(losses)),
                                                                  1))
    return {
        "train_loss": ema,
        "grad_norm_max": float(finite.max()) if finite.size else math.nan,
        "clipped_fraction": float((g > clip).mean()) if clip > 0 and g.size else 0.0,
        "loss_spikes": spikes,
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
        return warmup_lr(step, self.cfg.lr * self.scale, self.cfg.warmup)


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
            self.rnn = archs.trainable_module(arch)(input_size, hidden, **kw)
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


Progress = Callable[[int, float], None]  # step, training loss


def train_one(
    task: Task, arch: str, seq_len: int, cfg: TrainConfig, progress: Progress | None = None
) -> RunResult:
    """Train one architecture on one length until solved or out of steps (or wall cap).

    ``trainkit.torch_session`` seeds torch, sets the threads and flushes denormal floats
    while training: vanishing gradients reach float32's denormal range after about 200
    steps at a decay of x0.65 per step, and x86 CPUs compute on denormals many times
    slower (docs/memory.md).  Ctrl-C propagates (the caller keeps the finished runs).
    """
    with torch_session(cfg.seed, cfg.threads):
        run = _Run(task, arch, seq_len, cfg)
        log = run_steps(run.step, cfg.steps, cap_s=cfg.max_seconds, evaluate=run.evaluate,
                        eval_every=cfg.eval_every, progress=progress)
        if log.stopped == "interrupted":
            raise KeyboardInterrupt
        return run.result(log)


STOPPED = {"early": "solved", "steps": "steps", "wall-cap": "wall-cap", "diverged": "diverged"}


class _Run:
    """One training run: set-up, one optimizer step, evaluation and the final test."""

    def __init__(self, task: Task, arch: str, seq_len: int, cfg: TrainConfig) -> None:
        import numpy as np

        from rnncli.experiments.inits import applies

        self.task, self.arch, self.seq_len, self.cfg = task, arch, seq_len, cfg
        self.rng = np.random.default_rng([cfg.seed, seq_len, 0])
        val_rng = np.random.default_rng([cfg.seed, 1])
        self.val = task.generate(seq_len, cfg.val_size, val_rng).to_torch()
        self.init = cfg.init if applies(cfg.init, arch) else "default"  # forget-bias-1: LSTM
        self.model = build_model(arch, task.input_size, cfg.hidden, task.output_size,
                                 self.init, cfg.seed, cfg.radius)
        self.opt = make_optimizer(self.model, cfg)
        self.plateau = Plateau(cfg)
        self.norms: list[float] = []

    def step(self, step: int) -> float:
        """One optimizer step on a fresh batch; returns the batch loss."""
        import torch

        set_lr(self.opt, self.plateau.lr(step))
        batch = self.task.generate(self.seq_len, self.cfg.batch, self.rng).to_torch()
        loss, _ = self.task.score(self.model, batch)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        max_norm = self.cfg.clip if self.cfg.clip > 0 else math.inf
        self.norms.append(float(torch.nn.utils.clip_grad_norm_(self.model.parameters(),
                                                               max_norm)))
        self.opt.step()
        return float(loss.detach())

    def evaluate(self, step: int) -> dict:
        """Validation: stop when solved (with the margin); feeds the plateau decay."""
        import torch

        with torch.no_grad():
            vloss, vmetric = self.task.score(self.model, self.val)
        if self.task.solved(vmetric, self.seq_len, margin=STOP_MARGIN):
            return {"stop": True}
        self.plateau.update(float(vloss), step)
        return {"stop": False}

    def result(self, log) -> RunResult:
        """Score the trained model on the test set (unless it diverged)."""
        import numpy as np
        import torch

        task, T, cfg = self.task, self.seq_len, self.cfg
        stopped = STOPPED[log.stopped]
        extra = {"init": self.init, "final_lr": cfg.lr * self.plateau.scale,
                 **loss_summary(log.losses, self.norms, cfg.clip, cfg.warmup)}
        metric, longer = math.nan, None
        if stopped != "diverged":
            test_rng = np.random.default_rng([cfg.seed, 2, T])
            test = task.generate(T, cfg.test_size, test_rng).to_torch()
            with torch.no_grad():
                _, metric = task.score(self.model, test)
            extra.update(task.extra_metrics(self.model, T, test_rng, cfg.test_size))
            longer = task.longer_test(self.model, T, test_rng, cfg.test_size)
        return RunResult(self.arch, T, task.metric_name, metric, task.baseline(T),
                         task.solved(metric, T), log.steps, log.seconds, stopped, extra,
                         longer, self.model)


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
