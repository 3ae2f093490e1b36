"""Train torch RNN / GRU / LSTM on a memory task with the lesson's practices.

The practices, each with its source:

* Adam (or RMSprop, as Arjovsky et al. 2016 used on these tasks);
* gradient clipping by global norm (Pascanu et al. 2013; ``clip_grad_norm_``);
* linear learning-rate warm-up over the first steps (Goyal et al. 2017);
* halving the learning rate when the validation loss stops improving (plateau decay);
* early stopping (Prechelt 1998) -- here on success: a run stops as soon as the
  validation metric meets the task's "solved" rule with a margin (so the test set
  clears it too), since data are fresh every step and cannot be over-fitted;
* a wall-clock budget per run.

Every step draws a fresh batch, so there is no training set to memorise; the
validation set (early stopping, plateau) and the test set (the reported
metric) are fixed and drawn from different seeds.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from rnncli.errors import BadInput
from rnncli.experiments.tasks import COPY_LEN, Batch, Task
from rnncli.options import ARCHS

STOP_MARGIN = 0.7  # stop when the validation metric clears the rule with this margin


@dataclass
class TrainConfig:
    """Hyper-parameters of one training run (defaults tuned on the adding task, CPU)."""

    hidden: int = 64
    batch: int = 64
    lr: float = 3e-3
    optimizer: str = "adam"  # adam | rmsprop
    clip: float = 1.0
    warmup: int = 50  # steps of linear warm-up
    max_steps: int = 100_000
    budget_s: float = 60.0
    eval_every: int = 25
    patience: int = 20  # evaluations without improvement before the lr is halved
    min_lr: float = 1e-4
    val_size: int = 512
    test_size: int = 1000
    seed: int = 0
    init: str = "default"  # see rnncli.experiments.inits.INITS
    # torch intra-op threads during the run; 0 keeps torch's default.  1 by default: these
    # small models gain nothing from a second thread (T=100, H=64, B=64, per step: rnn
    # 5.4/6.6 ms, gru 16.3/17.2, lstm 7.8/6.5 with 1/2 threads), and on a busy 2-core machine
    # two threads stalled each other (an LSTM did 23 steps in 26 s instead of ~1000).
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
    stopped: str  # solved | budget | max-steps | diverged
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
        }
        d.update(self.extra)
        return d


def build_model(  # noqa: ANN201
    arch: str, input_size: int, hidden: int, output_size: int, init: str = "default", seed: int = 0
):
    """A one-layer recurrent network (tanh RNN, GRU or LSTM) with a linear readout.

    ``init`` other than PyTorch's default is applied by ``experiments.inits.init_torch``
    (the identity init makes the RNN a ReLU IRNN).
    """
    import torch
    from torch import nn

    from rnncli.experiments.inits import init_torch, nonlinearity

    class SeqModel(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            cls = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[arch]
            kw = {"nonlinearity": nonlinearity(arch, init)} if arch == "rnn" else {}
            self.rnn = cls(input_size, hidden, **kw)
            init_torch(self.rnn, arch, init, seed)
            self.readout = nn.Linear(hidden, output_size)

        def forward(self, x: torch.Tensor, last_only: bool = False) -> torch.Tensor:
            h, _ = self.rnn(x)  # (T, B, H)
            return self.readout(h[-1] if last_only else h)

    return SeqModel()


def to_torch(b: Batch) -> dict:
    import torch

    d = {"x": torch.from_numpy(b.x), "y": torch.from_numpy(b.y)}
    if b.mask is not None:
        d["mask"] = torch.from_numpy(b.mask)
    return d


def loss_and_metric(model, task: Task, b: dict):  # noqa: ANN001, ANN201
    """The training loss (a tensor) and the task metric (a float) on one batch."""
    import torch.nn.functional as F

    if task.kind == "regress-last":
        pred = model(b["x"], last_only=True)[:, 0]
        loss = F.mse_loss(pred, b["y"])
        return loss, float(loss.detach())
    if task.kind == "classify-last":
        logits = model(b["x"], last_only=True)
        loss = F.cross_entropy(logits, b["y"])
        acc = (logits.argmax(-1) == b["y"]).float().mean()
        return loss, float(acc)
    if task.kind == "classify-all":
        logits = model(b["x"])  # (T, B, C)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), b["y"].reshape(-1))
        return loss, float(loss.detach())
    # end-of-run: binary decision at every b; a sequence counts only if all are right
    logits = model(b["x"])[..., 0]  # (T, B)
    mask = b["mask"]
    loss = F.binary_cross_entropy_with_logits(logits[mask], b["y"][mask])
    wrong = ((logits > 0).float() != b["y"]) & mask
    acc = (~wrong.any(dim=0)).float().mean()
    return loss, float(acc)


def extra_metrics(model, task: Task, seq_len: int, rng: np.random.Generator, size: int) -> dict:  # noqa: ANN001
    """Task-specific extras: copy's recall accuracy, counting's generalisation to longer n."""
    import torch

    with torch.no_grad():
        if task.name == "copy":
            b = to_torch(task.generate(seq_len, size, rng))
            logits = model(b["x"])[-COPY_LEN:]
            acc = (logits.argmax(-1) == b["y"][-COPY_LEN:]).float().mean()
            return {"recall_accuracy": float(acc)}
        if task.name == "counting":
            n_max = seq_len // 2
            b = to_torch(task.generate(seq_len, size, rng, n_range=(n_max + 1, 2 * n_max)))
            _, acc = loss_and_metric(model, task, b)
            return {"generalisation": {"n_range": [n_max + 1, 2 * n_max], "accuracy": acc}}
    return {}


Progress = Callable[[int, float, float, float], None]  # step, loss, lr, elapsed seconds


def train_one(
    task: Task, arch: str, seq_len: int, cfg: TrainConfig, progress: Progress | None = None
) -> RunResult:
    """Train one architecture on one length until solved, out of budget or out of steps.

    Denormal floats are flushed to zero while training: vanishing gradients reach float32's
    denormal range (< 1.2e-38) after about 200 steps at a decay of x0.65 per step, and x86
    CPUs compute on denormals many times slower (measured: an LSTM step at T=200, H=64,
    B=64 took 457 ms with denormals, 30 ms flushed).  Values that small change nothing.
    """
    import torch

    before = torch.get_num_threads()
    if cfg.threads > 0:
        torch.set_num_threads(cfg.threads)
    torch.set_flush_denormal(True)
    try:
        return _train_one(task, arch, seq_len, cfg, progress)
    finally:
        torch.set_flush_denormal(False)  # torch's default
        torch.set_num_threads(before)


def _train_one(task: Task, arch: str, seq_len: int, cfg: TrainConfig, progress) -> RunResult:  # noqa: ANN001
    import torch

    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng([cfg.seed, seq_len, 0])
    val = to_torch(task.generate(seq_len, cfg.val_size, np.random.default_rng([cfg.seed, 1])))
    from rnncli.experiments.inits import applies

    init = cfg.init if applies(cfg.init, arch) else "default"  # forget-bias-1: LSTM only
    model = build_model(arch, task.input_size, cfg.hidden, task.output_size, init, cfg.seed)
    opt_cls = torch.optim.Adam if cfg.optimizer == "adam" else torch.optim.RMSprop
    opt = opt_cls(model.parameters(), lr=cfg.lr)

    scale, best, bad = 1.0, math.inf, 0  # plateau decay state
    step, stopped, loss_ema = 0, "max-steps", math.nan
    start = time.perf_counter()
    while step < cfg.max_steps:
        lr = cfg.lr * scale * min(1.0, (step + 1) / max(cfg.warmup, 1))  # warm-up
        for g in opt.param_groups:
            g["lr"] = lr
        loss, _ = loss_and_metric(model, task, to_torch(task.generate(seq_len, cfg.batch, rng)))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.clip)
        opt.step()
        step += 1
        value = float(loss.detach())
        if not math.isfinite(value):
            stopped = "diverged"
            break
        loss_ema = value if math.isnan(loss_ema) else 0.9 * loss_ema + 0.1 * value
        elapsed = time.perf_counter() - start
        if progress is not None:
            progress(step, loss_ema, lr, elapsed)
        if step % cfg.eval_every == 0:
            with torch.no_grad():
                vloss, vmetric = loss_and_metric(model, task, val)
            if task.solved(vmetric, seq_len, margin=STOP_MARGIN):
                stopped = "solved"
                break
            if float(vloss) < 0.99 * best:
                best, bad = float(vloss), 0
            elif step > cfg.warmup:  # no plateau decay while still warming up
                bad += 1
                if bad >= cfg.patience and cfg.lr * scale > cfg.min_lr:
                    scale, bad = scale * 0.5, 0  # plateau: halve the learning rate
        if elapsed >= cfg.budget_s:
            stopped = "budget"
            break
    seconds = time.perf_counter() - start

    test_rng = np.random.default_rng([cfg.seed, 2, seq_len])
    with torch.no_grad():
        _, metric = loss_and_metric(
            model, task, to_torch(task.generate(seq_len, cfg.test_size, test_rng))
        )
    extra = {"init": init, "final_lr": cfg.lr * scale, "train_loss": loss_ema}
    extra.update(extra_metrics(model, task, seq_len, test_rng, cfg.test_size))
    return RunResult(
        arch, seq_len, task.metric_name, metric, task.baseline(seq_len),
        task.solved(metric, seq_len), step, seconds, stopped, extra, model,
    )


def iter_runs(
    task: Task,
    archs: list[str],
    lengths: list[int],
    cfg: TrainConfig,
    progress: Callable[[str, int], Progress | None] | None = None,
) -> Iterator[RunResult]:
    """Run every (length, architecture) pair in turn, yielding each result when done.

    ``progress(arch, seq_len)`` may return a per-step callback.  A KeyboardInterrupt
    propagates to the caller, which keeps the results already yielded.
    """
    for arch in archs:
        if arch not in ARCHS:
            raise BadInput(f"--arch: unknown value {arch!r}; accepted: {', '.join(ARCHS)}")
    for seq_len in lengths:
        for arch in archs:
            cb = progress(arch, seq_len) if progress is not None else None
            yield train_one(task, arch, seq_len, cfg, cb)
