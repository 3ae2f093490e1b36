"""Rendering for `rnncli sentiment`: accuracy tables, verdict lines, gate statistics and
the optional figure. Works on the plain result dict of ``rnncli.sentiment.run``; no torch.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from rnncli import fmt
from rnncli.sentiment.heldout import SCOPES


def _acc(entry: dict, seeds: int) -> str:
    return fmt.plus_minus(fmt.fixed(entry["mean"]), fmt.fixed(entry["sd"]) if seeds > 1 else None)


def accuracy_table(result: dict) -> Table:
    models = result["models"]
    seeds = max(m["seeds"] for m in models)
    table = Table(title=f"sentiment: {result['dataset']['name']}", title_justify="left",
                  caption="95% interval: Wilson, counts pooled over seeds"
                  + ("; ± is the sd over seeds" if seeds > 1 else ""))
    for col, just in (("model", "left"), ("params", "right"), ("steps", "right"),
                      ("train s", "right"), ("val", "right"), ("test", "right"),
                      ("95% interval", "right")):
        table.add_column(col, justify=just)
    for m in models:
        t = m["sets"]["test"]
        table.add_row(m["name"], f"{m['params']:,}", str(m["steps"]), f"{m['seconds']:.1f}",
                      _acc(m["sets"]["val"], seeds), _acc(t, seeds),
                      f"{t['lo']:.2f}-{t['hi']:.2f}")
    return table


def probe_table(result: dict) -> Table | None:
    models = result["models"]
    if "order" not in models[0]["sets"]:
        return None
    seeds = max(m["seeds"] for m in models)
    table = Table(title="probe sets (accuracy)", title_justify="left",
                  caption="1st: share of 'X but Y' answers that follow X instead of Y")
    for col in ("model", "order", "negation", "contrast", "1st", "override"):
        table.add_column(col, justify="left" if col == "model" else "right")
    for m in models:
        s = m["sets"]
        table.add_row(m["name"], _acc(s["order"], seeds), _acc(s["negation"], seeds),
                      _acc(s["contrast"], seeds), f"{s['contrast']['first_clause']:.2f}",
                      _acc(s["override"], seeds))
    return table


STYLE = dict(zip(SCOPES, ("red", "yellow", "green"), strict=True))


def heldout_table(result: dict) -> Table | None:
    """In-distribution beside held-out accuracy for every model and baseline."""
    held = result.get("held_out")
    if not held:
        return None
    seeds = max(m["seeds"] for m in result["models"])
    table = Table(title="held-out compositions: accuracy in distribution -> held out",
                  title_justify="left",
                  caption=f"held out: negation and intensifiers on {', '.join(held['bare'])} "
                  f"(seen only bare); {len(held['pairs'])} 'X but Y' pairs never seen "
                  f"together; verdicts under the tables"
                  + ("; means over seeds, ± the sd of the held-out accuracy" if seeds > 1
                     else ""))
    table.add_column("model")
    for c in ("negation", "contrast", "intensifier"):
        table.add_column(f"{c}\nin / held out", justify="right")
    for m in result["models"]:
        cells = [Text(f"{g['in_distribution']['accuracy']:.2f} / "
                      + _acc({"mean": g["held_out"]["accuracy"], "sd": g["held_out"]["sd"]},
                             seeds), style=STYLE[g["verdict"]])
                 for g in m["generalisation"].values()]
        table.add_row(m["name"], *cells)
    return table


def memory_table(result: dict) -> Table | None:
    models = result["models"]
    if "memory" not in models[0]["sets"]:
        return None
    ks = list(models[0]["sets"]["memory"]["by_k"])
    most = result["dataset"].get("info", {}).get("train_filler_max", "?")
    table = Table(title="memory: accuracy with k neutral words after the verdict",
                  title_justify="left", caption=f"training sentences had at most {most}")
    table.add_column("model")
    for k in ks:
        table.add_column(f"k={k}", justify="right")
    for m in models:
        by_k = m["sets"]["memory"]["by_k"]
        table.add_row(m["name"], *(f"{by_k[k]:.2f}" for k in ks))
    return table


def gate_table(result: dict) -> Table | None:
    stats = result.get("gate_stats") or {}
    if not stats:
        return None
    table = Table(title="gate saturation on the test set (layer 1, forward)",
                  title_justify="left",
                  caption="units saturated > half the steps; mean share of steps < 0.1 / > 0.9 "
                  "(after Karpathy et al. 2015); GRU update z > 0.9 means keep the old "
                  "state (PyTorch's convention)")
    for col in ("model", "gate", "units", "mostly <0.1", "mostly >0.9", "mean <0.1",
                "mean >0.9"):
        table.add_column(col, justify="left" if col in ("model", "gate") else "right")
    for name, s in stats.items():
        for gate, g in s["gates"].items():
            table.add_row(name, gate, str(s["units"]), str(g["units_mostly_left"]),
                          str(g["units_mostly_right"]), f"{g['mean_left']:.2f}",
                          f"{g['mean_right']:.2f}")
    return table


def dataset_lines(result: dict) -> list[str]:
    ds = result["dataset"]
    lines = [f"data: {ds['name']}: {ds['sizes']['train']} train, {ds['sizes']['val']} val, "
             f"{ds['sizes']['test']} test sentences; vocabulary {result['vocab_size']}"]
    info = ds.get("info", {})
    if info.get("citation"):
        lines.append(f"citation: {info['citation']}")
        lines.append(f"licence: {info['licence']}")
    for p in info.get("published", []):
        lines.append(f"published: {p['model']} {p['accuracy']:.1f}% ({p['protocol']}; "
                     f"{p['source']}); this run: one fixed {info.get('split', '')} split")
    if ds.get("skipped"):
        first = ", ".join(f"line {n} ({why})" for n, why in ds["skipped"][:5])
        more = len(ds["skipped"]) - 5
        lines.append(f"skipped {len(ds['skipped'])} unreadable lines: {first}"
                     + (f" and {more} more (see --json)" if more > 0 else ""))
    return lines


def stop_lines(result: dict) -> list[str]:
    """A line for every model that did not use its whole step budget."""
    return [f"{m['name']}: stopped early ({', '.join(m['stopped'])}) after {m['steps']} "
            "steps; its numbers are not comparable" for m in result["models"]
            if set(m["stopped"]) - {"steps"}]


def verdict_lines(result: dict) -> list[str]:
    """The claims' verdicts, then the held-out compositions' (when the run had them)."""
    held = (result.get("held_out") or {}).get("verdicts", [])
    return [v["line"] for v in [*result["verdicts"], *held]]


def report(result: dict) -> list:
    """What the command prints, in order: lines (str) and tables."""
    items: list = list(dataset_lines(result))
    items += [t for t in (accuracy_table(result), probe_table(result), heldout_table(result),
                          memory_table(result)) if t is not None]
    items += stop_lines(result) + verdict_lines(result)
    items += (result.get("outcome") or {}).get("lines", [])
    items += [t for t in (gate_table(result),) if t is not None]
    return items


class Progress:
    """A transient progress bar per trained model on stderr."""

    def __init__(self, console, steps: int, n_runs: int = 0):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self.steps = steps
        self.n_runs, self.started = n_runs, 0
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(),
                            MofNCompleteColumn(), TextColumn("loss {task.fields[loss]}"),
                            console=console, transient=True)

    def __enter__(self) -> Progress:
        self.bar.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.bar.__exit__(*exc)

    def callback(self, name: str, seed: int):
        self.started += 1
        n = max(self.n_runs, self.started)
        task = self.bar.add_task(f"run {self.started} of {n}: {name} (seed {seed})",
                                 total=self.steps, loss="-")

        def update(step: int, loss: float) -> None:
            self.bar.update(task, completed=step, loss=f"{loss:.3f}")

        return update


def plot(result: dict, path) -> None:
    """Save :func:`figure` atomically (and keep it for an ``--html`` page)."""
    from rnncli.fileio import save_figure_atomic

    fig = figure(result)
    import matplotlib.pyplot as plt

    save_figure_atomic(fig, path)
    plt.close(fig)


def figure(result: dict):
    """Memory curve (probes: mean over seeds, band = min-max of the seeds, a mark at the
    longest filler seen in training) or test accuracy bars with intervals."""
    from rnncli.errors import MissingExtra

    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise MissingExtra("matplotlib", "plot") from None
    models = result["models"]
    fig, ax = plt.subplots(figsize=(7.6, 4))
    if "memory" in models[0]["sets"]:
        _memory_curves(ax, result)
    else:
        names = [m["name"] for m in models]
        t = [m["sets"]["test"] for m in models]
        ax.bar(names, [e["mean"] for e in t],
               yerr=[[e["mean"] - e["lo"] for e in t], [e["hi"] - e["mean"] for e in t]])
        ax.set_ylabel("test accuracy (95% Wilson interval)")
        ax.set_ylim(0, 1)
    ax.set_title(f"rnncli sentiment: {result['dataset']['name']}")
    fig.tight_layout()
    return fig


def _seed_band(ax, ks: list[int], per_seed: list[dict], colour) -> None:
    """min-max over the seeds at each k (nothing with one seed)."""
    if len(per_seed) > 1:
        lo = [min(s[str(k)] for s in per_seed) for k in ks]
        hi = [max(s[str(k)] for s in per_seed) for k in ks]
        ax.fill_between(ks, lo, hi, color=colour, alpha=0.15, lw=0)


def _memory_curves(ax, result: dict) -> None:
    seeds = max(m["seeds"] for m in result["models"])
    for m in result["models"]:
        mem = m["sets"]["memory"]
        ks = [int(k) for k in mem["by_k"]]
        (line,) = ax.plot(ks, list(mem["by_k"].values()), marker="o", label=m["name"])
        _seed_band(ax, ks, mem.get("by_k_per_seed") or [], line.get_color())
    most = result["dataset"].get("info", {}).get("train_filler_max")
    if isinstance(most, int | float):
        ax.axvline(most, color="black", lw=1, ls=":",
                   label=f"longest filler in training (k={most:g})")
    ax.set_xlabel("k neutral words after the deciding clause")
    spread = f" (mean of {seeds} seeds; band = min-max)" if seeds > 1 else " (one seed)"
    ax.set_ylabel("accuracy" + spread)
    ax.set_ylim(-0.02, 1.02)
    ax.axhline(0.5, color="grey", lw=0.8, ls="--", label="chance (0.5)")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False)
