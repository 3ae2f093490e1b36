"""Long-memory benchmark tasks, as published, with their no-memory baselines.

Each task is data: a :class:`Task` in the registry :data:`TASKS` holds its generator,
sizes, scorer, metric, baseline, extra metrics and solved rule, so the training loop
never asks which task it runs.  Adding a task means: a generator, a scorer (or one of
the four below), a ``Task`` entry, a row in docs/memory.md and a test.

Each generator returns a :class:`Batch` of NumPy arrays (time-major, like
``torch.nn.RNN``): ``x`` (T, B, I) float32 one-hot or real inputs, ``y`` the
targets and, where only some steps are scored, ``mask`` (T, B).

* adding (Arjovsky, Shah & Bengio 2016, after Hochreiter & Schmidhuber 1997):
  channel 0 holds values ~ U[0, 1], channel 1 is zero except one marker in
  each half, ``[0, T//2)`` and ``[T//2, T)``; the target is the sum of the two
  marked values.  Predicting the mean, 1, gives MSE = Var(u1 + u2) = 2/12 = 0.167.
* copy (Arjovsky et al. 2016): 10 symbols drawn from 8, then T-1 blanks, a
  delimiter, 10 more blanks (length T + 20); the output is blank for T + 10
  steps and then the 10 symbols.  A model that knows *when* to output but has
  no memory of *what* scores cross-entropy 10 log 8 / (T + 20) per step.
* temporal order (Hochreiter & Schmidhuber 1997, task 6a): a sequence of
  distractors a-d opened by B and closed by E, with X or Y at one early and one
  middle position; the class (XX, XY, YX, YY) is asked at the end.  The paper's
  positions for T ~ 100 are [10, 20] and [50, 60]; we scale them with T
  (``[0.1T, 0.2T]`` and ``[0.5T, 0.6T]``).  Chance (no memory) is 1/4.
* counting a^n b^n (Weiss, Goldberg & Yahav 2018): n a's then n b's, padded to
  T; at every b the model says whether this b ends the run.  Trained with
  n in [1, T//2].  A model with no memory answers the same at every b, so it
  gets a whole sequence right only when n = 1: baseline 1 / (T//2).

Every task also has a **longer test** (``Task.longer``): the trained model, unchanged,
scored on sequences longer than any it was trained on, by the task's own metric and
solved rule.  Counting tests n in [T//2 + 1, T] (runs up to twice the longest trained
one; Weiss et al. 2018 test their LSTMs on n far beyond the trained range); the others
run at 2T (adding: markers in [0, T) and [T, 2T); copy: a delay of 2T; temporal order:
the X/Y ranges scaled to 2T).  ``scope`` turns the two results into the shared verdict
words (``rnncli.verdict.scope``): not shown (not solved at T), in distribution only, or
generalises to held-out lengths.

NumPy is imported inside the generators and torch inside the scorers, so that the
command line can list the tasks (``--task`` help) without loading either.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

from rnncli import verdict as rule
from rnncli.errors import BadInput

if TYPE_CHECKING:
    import numpy as np

COPY_SYMBOLS = 8  # symbols 1..8; 0 is blank, 9 the delimiter
COPY_LEN = 10  # how many symbols to remember
TEMPORAL_SYMBOLS = ("a", "b", "c", "d", "B", "E", "X", "Y")
TEMPORAL_CLASSES = ("XX", "XY", "YX", "YY")
COUNT_SYMBOLS = ("a", "b", "pad")


@dataclass(frozen=True)
class Batch:
    """One batch of a task: inputs, targets and (for masked tasks) the scored steps."""

    x: np.ndarray  # (T, B, I) float32
    y: np.ndarray  # adding (B,) float32; copy (T, B) int64; temporal (B,) int64; counting (T, B)
    mask: np.ndarray | None = None  # (T, B) bool, counting only
    n: np.ndarray | None = None  # counting: the n of each sequence (B,)

    def to_torch(self) -> dict:
        """The arrays as torch tensors (shared memory): ``{"x", "y"[, "mask"]}``."""
        import torch

        d = {"x": torch.from_numpy(self.x), "y": torch.from_numpy(self.y)}
        if self.mask is not None:
            d["mask"] = torch.from_numpy(self.mask)
        return d


# ---------------------------------------------------------------- generators
def adding(seq_len: int, batch: int, rng: np.random.Generator) -> Batch:
    """The adding problem: sum the two marked values of a U[0, 1] sequence."""
    import numpy as np

    T = seq_len
    values = rng.random((T, batch))
    first = rng.integers(0, T // 2, size=batch)  # one marker in [0, T//2)
    second = rng.integers(T // 2, T, size=batch)  # one marker in [T//2, T)
    markers = np.zeros((T, batch))
    cols = np.arange(batch)
    markers[first, cols] = 1.0
    markers[second, cols] = 1.0
    x = np.stack([values, markers], axis=-1).astype(np.float32)  # (T, B, 2)
    y = (values[first, cols] + values[second, cols]).astype(np.float32)  # (B,)
    return Batch(x, y)


def copy(seq_len: int, batch: int, rng: np.random.Generator) -> Batch:
    """The copy task: recall 10 symbols after T blanks (input one-hot over 10, target 9 classes)."""
    import numpy as np

    T = seq_len
    total = T + 2 * COPY_LEN
    symbols = rng.integers(1, COPY_SYMBOLS + 1, size=(COPY_LEN, batch))
    inp = np.zeros((total, batch), dtype=np.int64)
    inp[:COPY_LEN] = symbols
    inp[COPY_LEN + T - 1] = COPY_SYMBOLS + 1  # the delimiter, after T-1 blanks
    y = np.zeros((total, batch), dtype=np.int64)
    y[T + COPY_LEN :] = symbols  # blanks for T+10 steps, then the symbols
    x = np.eye(COPY_SYMBOLS + 2, dtype=np.float32)[inp]  # (T+20, B, 10)
    return Batch(x, y)


def temporal_positions(seq_len: int) -> tuple[tuple[int, int], tuple[int, int]]:
    """The ranges (inclusive) of the early and the middle X/Y position for length T."""
    T = seq_len
    return (round(0.1 * T), round(0.2 * T)), (round(0.5 * T), round(0.6 * T))


def temporal_order(seq_len: int, batch: int, rng: np.random.Generator) -> Batch:
    """Temporal order (H&S 1997, 6a): classify the order of X/Y at two random positions."""
    import numpy as np

    T = seq_len
    (a1, b1), (a2, b2) = temporal_positions(T)
    inp = rng.integers(0, 4, size=(T, batch))  # distractors a, b, c, d
    inp[0] = 4  # B
    inp[T - 1] = 5  # E
    cols = np.arange(batch)
    t1 = rng.integers(a1, b1 + 1, size=batch)
    t2 = rng.integers(a2, b2 + 1, size=batch)
    s1 = rng.integers(0, 2, size=batch)  # 0 = X, 1 = Y
    s2 = rng.integers(0, 2, size=batch)
    inp[t1, cols] = 6 + s1
    inp[t2, cols] = 6 + s2
    x = np.eye(len(TEMPORAL_SYMBOLS), dtype=np.float32)[inp]  # (T, B, 8)
    y = (2 * s1 + s2).astype(np.int64)  # XX=0, XY=1, YX=2, YY=3
    return Batch(x, y)


def counting(
    seq_len: int, batch: int, rng: np.random.Generator, n_range: tuple[int, int] | None = None
) -> Batch:
    """a^n b^n padded to ``seq_len``; target 1 at the last b, 0 at other b's (mask = b steps)."""
    import numpy as np

    lo, hi = n_range if n_range is not None else (1, seq_len // 2)
    T = max(seq_len, 2 * hi)
    n = rng.integers(lo, hi + 1, size=batch)
    t = np.arange(T)[:, None]  # (T, 1)
    inp = np.where(t < n, 0, np.where(t < 2 * n, 1, 2))  # a, b, pad
    mask = (t >= n) & (t < 2 * n)  # the b steps are scored
    y = (t == 2 * n - 1).astype(np.float32)  # (T, B): 1 where the b run ends
    x = np.eye(len(COUNT_SYMBOLS), dtype=np.float32)[inp]  # (T, B, 3)
    return Batch(x, y, mask=mask, n=n)


# ---------------------------------------------------------------- scorers
# A scorer takes the model (``model(x, last_only)`` -> readout) and a batch of tensors
# (``Batch.to_torch``) and returns the training loss (a tensor) and the task metric (a float).


def regress_last(model, b: dict) -> tuple[Any, float]:
    """MSE of the prediction at the last step; the metric is the MSE itself."""
    import torch.nn.functional as F

    pred = model(b["x"], last_only=True)[:, 0]
    loss = F.mse_loss(pred, b["y"])
    return loss, float(loss.detach())


def classify_last(model, b: dict) -> tuple[Any, float]:
    """Cross-entropy of the class read at the last step; the metric is the accuracy."""
    import torch.nn.functional as F

    logits = model(b["x"], last_only=True)
    loss = F.cross_entropy(logits, b["y"])
    return loss, float((logits.argmax(-1) == b["y"]).float().mean())


def classify_all(model, b: dict) -> tuple[Any, float]:
    """Cross-entropy per step over every step; the metric is that cross-entropy (nats)."""
    import torch.nn.functional as F

    logits = model(b["x"])  # (T, B, C)
    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), b["y"].reshape(-1))
    return loss, float(loss.detach())


def end_of_run(model, b: dict) -> tuple[Any, float]:
    """A binary decision at every masked step; a sequence counts only if all are right."""
    import torch.nn.functional as F

    logits = model(b["x"])[..., 0]  # (T, B)
    mask = b["mask"]
    loss = F.binary_cross_entropy_with_logits(logits[mask], b["y"][mask])
    wrong = ((logits > 0).float() != b["y"]) & mask
    return loss, float((~wrong.any(dim=0)).float().mean())


# ---------------------------------------------------------------- extra metrics
def copy_recall(task: Task, model, seq_len: int, rng, size: int) -> dict:
    """Accuracy on the 10 recalled symbols alone (the cross-entropy averages all steps)."""
    b = task.generate(seq_len, size, rng).to_torch()
    logits = model(b["x"])[-COPY_LEN:]
    acc = (logits.argmax(-1) == b["y"][-COPY_LEN:]).float().mean()
    return {"recall_accuracy": float(acc)}


# ---------------------------------------------------------------- longer sequences
LONGER = 2  # the longer test runs at LONGER x T


def longer_length(task: Task, model, seq_len: int, rng, size: int) -> dict:
    """The task's metric at ``LONGER`` x T, beside the baseline and the rule at that length."""
    T = LONGER * seq_len
    _, metric = task.score(model, task.generate(T, size, rng).to_torch())
    return {"test": f"T={T}", "seq_len": T, "metric": metric, "baseline": task.baseline(T),
            "solved": task.solved(metric, T)}


def longer_counts(task: Task, model, seq_len: int, rng, size: int) -> dict:
    """Counting on n in [T//2 + 1, T]: runs up to twice as long as any trained on.

    A memoryless model is right only when n = 1, so its score here is 0.
    """
    n_max = seq_len // 2
    lo, hi = n_max + 1, 2 * n_max
    _, acc = task.score(model, counting(seq_len, size, rng, n_range=(lo, hi)).to_torch())
    return {"test": f"n {lo}-{hi}", "seq_len": 2 * hi, "n_range": [lo, hi], "metric": acc,
            "baseline": 0.0, "solved": task.solved(acc, seq_len)}


SCOPES = (rule.NOT_SHOWN, rule.IN_DISTRIBUTION, rule.GENERALISES.format(what="lengths"))


def _as_verdict(solved: bool | None) -> rule.Verdict:
    return rule.Verdict("held" if solved else "not held", "", "run" if solved else None)


def scope(solved: bool, longer_solved: bool | None) -> str:
    """What a run showed (the shared ``verdict.scope``): "not shown" (not solved at T),
    "in distribution only" (solved at T, not on the longer test) or "generalises to
    held-out lengths". ``longer_solved`` None (no longer test ran) claims no more than
    in distribution."""
    longer = None if longer_solved is None else _as_verdict(longer_solved)
    return rule.scope(_as_verdict(solved), longer, "lengths")


# ---------------------------------------------------------------- the registry
Generator = Callable[[int, int, "np.random.Generator"], Batch]
Scorer = Callable[[Any, dict], "tuple[Any, float]"]
Extras = Callable[["Task", Any, int, Any, int], dict]  # (task, model, T, rng, size)


@dataclass(frozen=True)
class Task:
    """A task as data: generator, sizes, scorer, metric, baseline, extras, solved rule."""

    name: str
    summary: str  # one line for --help and docs
    generate: Generator  # (seq_len, batch, rng) -> Batch
    input_size: int
    output_size: int
    score: Scorer  # (model, torch batch) -> (loss, metric)
    metric_name: str
    higher_is_better: bool
    baseline_of: Callable[[int], float]  # seq_len -> metric of the best memoryless model
    min_len: int
    source: str  # key of rnncli.knowledge.sources
    solved_rule: str
    extra_steps: int = 0  # time steps the network runs beyond T (copy: 20)
    extras: Extras | None = None  # task-specific metrics after training
    longer: Extras = longer_length  # the longer-sequence test (see the module docstring)
    longer_rule: str = f"the same rule at {LONGER}T"
    quick: dict | None = None  # the options ``memory --quick`` sets (None: no quick preset)

    def baseline(self, seq_len: int) -> float:
        """The metric of the best model without memory (see the module docstring)."""
        return self.baseline_of(seq_len)

    def seq_steps(self, seq_len: int) -> int:
        """How many time steps the network actually runs for length T."""
        return seq_len + self.extra_steps

    def solved(self, metric: float, seq_len: int, margin: float = 1.0) -> bool:
        """The per-task criterion (documented in docs/memory.md).

        ``margin`` < 1 tightens it (training stops on the validation set at margin 0.7 so that
        the test set, a different sample, clears the plain rule too).
        """
        if metric is None or not math.isfinite(metric):
            return False
        if self.higher_is_better:
            return metric >= 1.0 - 0.05 * margin  # accuracy >= 0.95
        return metric < 0.1 * margin * self.baseline(seq_len)  # a tenth of the baseline

    def check_len(self, seq_len: int) -> int:
        if seq_len < self.min_len:
            raise BadInput(
                f"--seq-len: {self.name} needs a length >= {self.min_len}, got {seq_len}"
            )
        return seq_len

    def extra_metrics(self, model, seq_len: int, rng, size: int) -> dict:
        """The task's extra metrics of a trained model (no gradients), or {}."""
        if self.extras is None:
            return {}
        import torch

        with torch.no_grad():
            return self.extras(self, model, seq_len, rng, size)

    def longer_test(self, model, seq_len: int, rng, size: int) -> dict:
        """The trained model on longer sequences than it was trained on (no gradients)."""
        import torch

        with torch.no_grad():
            return self.longer(self, model, seq_len, rng, size)


TASKS: dict[str, Task] = {
    t.name: t
    for t in (
        Task(
            name="adding", summary="sum the two marked values of a sequence (MSE)",
            generate=adding, input_size=2, output_size=1, score=regress_last,
            metric_name="mse", higher_is_better=False, baseline_of=lambda T: 2.0 / 12.0,
            min_len=2, source="arjovsky2016", solved_rule="test MSE < 0.1 x baseline (0.0167)",
            # memory --quick: T=50,100, small and fast; GRU and LSTM solve both lengths well
            # inside the step budget, the tanh RNN uses all of it (docs/memory.md)
            quick={"seq_len": "50,100", "steps": 2000, "hidden": 32, "batch": 32, "lr": 2e-2},
        ),
        Task(
            name="copy", summary="recall 10 symbols after T blanks (cross-entropy)",
            generate=copy, input_size=COPY_SYMBOLS + 2, output_size=COPY_SYMBOLS + 1,
            score=classify_all, metric_name="cross-entropy", higher_is_better=False,
            baseline_of=lambda T: COPY_LEN * math.log(COPY_SYMBOLS) / (T + 2 * COPY_LEN),
            min_len=1, source="arjovsky2016", solved_rule="test cross-entropy < 0.1 x baseline",
            extra_steps=2 * COPY_LEN, extras=copy_recall,
        ),
        Task(
            name="temporal-order",
            summary="classify the order of two far-apart symbols (accuracy)",
            generate=temporal_order, input_size=len(TEMPORAL_SYMBOLS),
            output_size=len(TEMPORAL_CLASSES), score=classify_last, metric_name="accuracy",
            higher_is_better=True, baseline_of=lambda T: 1.0 / len(TEMPORAL_CLASSES),
            min_len=10, source="hochreiter1997", solved_rule="test accuracy >= 0.95",
        ),
        Task(
            name="counting", summary="find where the b run of a^n b^n ends (accuracy)",
            generate=counting, input_size=len(COUNT_SYMBOLS), output_size=1,
            score=end_of_run, metric_name="accuracy", higher_is_better=True,
            baseline_of=lambda T: 1.0 / (T // 2),  # right only when n = 1
            min_len=4, source="weiss2018",
            solved_rule="test accuracy (end of every b run exact) >= 0.95",
            longer=longer_counts, longer_rule="the same rule on n in [T//2 + 1, T]",
        ),
    )
}

#: The tasks as a closed choice for typer options (``--help`` lists them).
TaskName = Enum("TaskName", {name: name for name in TASKS}, type=str)


def help_text() -> str:
    """One phrase per task, for the ``--task`` option's help."""
    return "; ".join(f"{t.name}: {t.summary}" for t in TASKS.values()) + "."


def get_task(name: str, option: str = "--task") -> Task:
    """Look a task up by name, or raise BadInput naming ``option`` and the accepted ones."""
    key = str(getattr(name, "value", name)).strip().lower()
    if key not in TASKS:
        raise BadInput(f"{option}: unknown task {name!r}; accepted: {', '.join(TASKS)}")
    return TASKS[key]
