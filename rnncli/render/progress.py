"""Progress bars on stderr for long jobs: training runs (`memory`, `gradients
--after-training`) and measurements (`gradients`).

One rich bar per job, transient, updated at most 10 times a second; off when stderr is
not a terminal (the caller prints a finished-job line instead).  Training runs count
optimizer steps against the run's step budget, so the bar is the budget itself.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class TrainProgress:
    """``with TrainProgress(console, total_steps) as p: iter_runs(..., progress=p.callback)``."""

    def __init__(self, console, total_steps: int, n_runs: int | None = None) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self.total = total_steps
        self.n_runs = n_runs  # the plan's runs: each bar says "run k of n"
        self.started = 0
        self.progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[note]}"), TimeElapsedColumn(), console=console,
            transient=True, disable=not console.is_terminal,
        )

    def __enter__(self) -> TrainProgress:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.progress.__exit__(*exc)

    def _throttled(self, tid, total: int) -> Callable[[int, str], None]:
        last = [0.0]

        def update(done: int, note: str) -> None:
            now = time.monotonic()
            if now - last[0] > 0.1 or done >= total:
                last[0] = now
                self.progress.update(tid, completed=min(done, total), note=note)

        return update

    def callback(self, arch: str, seq_len: int) -> Callable[[int, float], None]:
        """A per-step callback ``cb(step, loss)`` for one training run (``trainkit``'s)."""
        self.started += 1
        tid = self.progress.add_task(f"{self.run_label()}: {arch} T={seq_len}",
                                     total=self.total, note="")
        update = self._throttled(tid, self.total)
        return lambda step, loss: update(step, f"loss {loss:.4g}")

    def run_label(self) -> str:
        """'run k of n' for the latest run started (the plan's total grows if it does)."""
        n = max(self.n_runs or 0, self.started)
        return f"run {self.started} of {n}" if n else f"run {self.started}"

    def job(self, description: str, total: int) -> Callable[[int], None]:
        """A callback ``tick(done)`` for a job of ``total`` units (e.g. seeds)."""
        self.started += 1
        label = f"{self.run_label()}: {description}" if self.n_runs else description
        tid = self.progress.add_task(label, total=total, note="")
        update = self._throttled(tid, total)
        return lambda done: update(done, "")

    def done(self) -> None:
        """Mark the latest job as finished."""
        if self.progress.task_ids:
            tid = self.progress.task_ids[-1]
            self.progress.update(tid, completed=self.progress.tasks[-1].total)
