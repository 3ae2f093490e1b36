"""Shared pieces of every training command (memory, sentiment, seq2seq, race).

- ``torch_session(seed, threads)``: seeds torch, sets its intra-op threads and flushes
  denormals for the duration, restoring the previous settings afterwards.
- ``warmup_lr(step, base, warmup)``: linear warm-up, a common practice for Adam on
  recurrent models (the step count, not the clock, decides).
- ``run_steps(...)``: the step-budgeted loop. The budget is a number of optimizer steps,
  so the same seed and thread count give identical numbers on the same machine and torch
  version, busy or idle (on another CPU the floating-point kernels differ and results move
  within their seed spread: PyTorch's reproducibility notes); ``cap_s`` is a
  wall-clock safety net only, and ``StepLog.stopped`` says when it was hit. A non-finite
  loss stops the run as ``"diverged"``; Ctrl-C stops it as ``"interrupted"`` and keeps the
  steps already taken.
- Statistics for results over seeds: ``mean_sd``, ``t_interval`` (Student t for a mean of
  a few seeds, e.g. a paired difference), ``wilson`` (95% interval of an accuracy).

torch is imported inside the functions that need it, never at module level.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from rnncli.errors import BadInput

# Two-sided 97.5% quantiles of Student's t for 1..30 degrees of freedom (standard tables;
# scipy.stats.t.ppf(0.975, df) gives the same to 3 decimals); 1.96 beyond.
_T975 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
         2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
         2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042)


@contextmanager
def torch_session(seed: int, threads: int = 1) -> Iterator[None]:
    """Seed torch, use ``threads`` intra-op threads (0 keeps torch's) and flush denormals.

    Denormal floats appear when gradients vanish and make x86 arithmetic many times
    slower; flushing them changes no result that matters.
    """
    import torch

    before = torch.get_num_threads()
    if threads > 0:
        torch.set_num_threads(threads)
    torch.manual_seed(seed)
    torch.set_flush_denormal(True)
    try:
        yield
    finally:
        torch.set_flush_denormal(False)
        torch.set_num_threads(before)


def warmup_lr(step: int, base: float, warmup: int) -> float:
    """Learning rate at ``step`` (0-based): linear ramp over ``warmup`` steps, then ``base``."""
    return base * min(1.0, (step + 1) / max(warmup, 1))


def set_lr(optimizer, lr: float) -> None:
    for group in optimizer.param_groups:
        group["lr"] = lr


@dataclass
class StepLog:
    """What a step-budgeted run did."""

    steps: int = 0
    seconds: float = 0.0
    stopped: str = "steps"  # steps | wall-cap | diverged | interrupted | early
    losses: list[float] = field(default_factory=list)  # training loss of every step
    evals: list[dict] = field(default_factory=list)     # what ``evaluate`` returned


def run_steps(
    step: Callable[[int], float],
    steps: int,
    *,
    cap_s: float | None = None,
    evaluate: Callable[[int], dict] | None = None,
    eval_every: int = 0,
    progress: Callable[[int, float], None] | None = None,
) -> StepLog:
    """Call ``step(i)`` (one optimizer step, returns its loss) ``steps`` times.

    ``evaluate(i)`` runs every ``eval_every`` steps and at the end; if it returns a dict
    with ``"stop": True`` the run ends early as ``"early"``. ``progress(i, loss)`` is
    called after every step (for a progress bar on stderr).
    """
    if steps < 1:
        raise BadInput("--steps: must be at least 1")
    log = StepLog()
    start = time.perf_counter()
    try:
        for i in range(steps):
            loss = float(step(i))
            log.steps, log.seconds = i + 1, time.perf_counter() - start
            log.losses.append(loss)
            if progress is not None:
                progress(i + 1, loss)
            stopped = _why_stop(log, loss, i + 1, steps, cap_s, evaluate, eval_every)
            if stopped:
                log.stopped = stopped
                break
    except KeyboardInterrupt:
        log.stopped = "interrupted"
    log.seconds = time.perf_counter() - start
    return log


def _why_stop(log: StepLog, loss: float, done: int, steps: int, cap_s: float | None,
              evaluate: Callable[[int], dict] | None, eval_every: int) -> str | None:
    """The reason to stop after step ``done`` (diverged, early, wall-cap), or None."""
    if not math.isfinite(loss):
        return "diverged"
    if evaluate is not None and eval_every and done % eval_every == 0:
        log.evals.append(evaluate(done))
        if log.evals[-1].get("stop"):
            return "early"
    if cap_s is not None and log.seconds >= cap_s and done < steps:
        return "wall-cap"
    return None


def mean_sd(values: Sequence[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (sd 0.0 for a single value)."""
    n = len(values)
    if n == 0:
        return math.nan, math.nan
    m = sum(values) / n
    if n == 1:
        return m, 0.0
    return m, math.sqrt(sum((v - m) ** 2 for v in values) / (n - 1))


def t_quantile(df: int) -> float:
    """Two-sided 95% Student t quantile for ``df`` degrees of freedom."""
    if df < 1:
        return math.inf
    return _T975[df - 1] if df <= len(_T975) else 1.96


def t_interval(values: Sequence[float]) -> tuple[float, float, float]:
    """Mean and 95% interval (lo, hi) of the mean; infinite half-width for one value."""
    m, sd = mean_sd(values)
    n = len(values)
    half = t_quantile(n - 1) * sd / math.sqrt(n) if n > 1 else math.inf
    return m, m - half, m + half


def wilson(correct: int, total: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score 95% interval of an accuracy ``correct / total``."""
    if total <= 0:
        return math.nan, math.nan
    p = correct / total
    denom = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denom
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def param_count(model) -> int:
    """Trainable parameters of a torch module."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
