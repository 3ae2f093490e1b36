"""Rendering for `rnncli memory`: the results table and a plain-words summary.

Works on the result dicts of ``rnncli.experiments.train.RunResult.as_dict``;
no torch here.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text


def _fmt(value: float | None, name: str) -> str:
    if value is None:
        return "-"
    if name == "accuracy":
        return f"{value:.3f}"
    return f"{value:.4f}" if value >= 1e-3 else f"{value:.2e}"


def _note(r: dict) -> str:
    if "recall_accuracy" in r:
        return f"recall acc {r['recall_accuracy']:.2f}"
    if "generalisation" in r:
        g = r["generalisation"]
        lo, hi = g["n_range"]
        return f"n {lo}-{hi}: {g['accuracy']:.2f}"
    return ""


def results_table(task: str, results: list[dict], solved_rule: str) -> Table:
    """One row per (length, architecture): metric beside its no-memory baseline."""
    metric = results[0]["metric_name"] if results else "metric"
    table = Table(title=f"memory: {task}", caption=f"solved: {solved_rule}", title_justify="left")
    table.add_column("T", justify="right")
    table.add_column("arch")
    table.add_column(f"test {metric}", justify="right")
    table.add_column("baseline", justify="right")
    table.add_column("solved")
    table.add_column("steps", justify="right")
    table.add_column("s", justify="right")
    has_note = any(_note(r) for r in results)
    if has_note:
        table.add_column("extra")
    for r in results:
        solved = Text("yes", style="green") if r["solved"] else Text("no", style="red")
        row = [
            str(r["seq_len"]), r["arch"], _fmt(r["metric"], metric),
            _fmt(r["baseline"], metric), solved, str(r["steps"]), f"{r['seconds']:.1f}",
        ]
        if has_note:
            row.append(_note(r))
        table.add_row(*row)
    return table


def summary(results: list[dict]) -> list[str]:
    """One line per length: who solved it, who stayed near the baseline."""
    lines = []
    for T in dict.fromkeys(r["seq_len"] for r in results):
        rows = [r for r in results if r["seq_len"] == T]
        solved = [r["arch"] for r in rows if r["solved"]]
        parts = []
        if solved:
            parts.append(f"solved by {', '.join(solved)}")
        for r in rows:
            if r["solved"]:
                continue
            m, b = r["metric"], r["baseline"]
            if m is None:
                parts.append(f"{r['arch']} diverged")
            elif r["metric_name"] == "accuracy":
                parts.append(f"{r['arch']} not solved ({m:.3f} vs chance {b:.3f})")
            else:
                parts.append(f"{r['arch']} not solved ({m / b:.0%} of the baseline)")
        lines.append(f"T={T}: " + "; ".join(parts))
    return lines


class TrainProgress:
    """A rich progress bar on stderr, one line per training run, with the live loss.

    ``with TrainProgress(console, budget_s) as p: iter_runs(..., progress=p.callback)``.
    Off when stderr is not a terminal (a finished-run line is printed instead by the caller).
    """

    def __init__(self, console, budget_s: float) -> None:  # noqa: ANN001
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self.budget_s = budget_s
        self.progress = Progress(
            TextColumn("{task.description}"), BarColumn(), TextColumn("loss {task.fields[loss]}"),
            TimeElapsedColumn(), console=console, transient=True, disable=not console.is_terminal,
        )

    def __enter__(self) -> TrainProgress:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc) -> None:  # noqa: ANN002
        self.progress.__exit__(*exc)

    def callback(self, arch: str, seq_len: int):  # noqa: ANN201
        """A per-step callback for one run (updates at most 10 times a second)."""
        import time

        tid = self.progress.add_task(f"{arch} T={seq_len}", total=self.budget_s, loss="-")
        last = [0.0]

        def cb(step: int, loss: float, lr: float, elapsed: float) -> None:
            now = time.monotonic()
            if now - last[0] > 0.1:
                last[0] = now
                self.progress.update(tid, completed=min(elapsed, self.budget_s), loss=f"{loss:.4g}")

        return cb

    def done(self) -> None:
        """Mark the latest run as finished."""
        if self.progress.task_ids:
            self.progress.update(self.progress.task_ids[-1], completed=self.budget_s)


def run_line(d: dict) -> str:
    """One line about a finished run, for stderr."""
    return (
        f"{d['arch']} T={d['seq_len']}: {d['metric_name']} {d['metric']:.4g} "
        f"(baseline {d['baseline']:.4g}), {'solved' if d['solved'] else 'not solved'}, "
        f"{d['steps']} steps, {d['seconds']:.1f} s"
    )
