"""Rendering for `rnncli race`: the results table, the verdict, a progress bar and the
``--plot`` figure. Works on the result dict of ``rnncli.race.run.execute``; no torch here,
matplotlib only inside ``figure``."""

from __future__ import annotations

import time
from functools import partial

from rich import box
from rich.table import Table

from rnncli import fmt
from rnncli.errors import MissingExtra

_num = partial(fmt.sig, tiny=1e-3)  # errors: 3 significant digits, tiny ones as 1.2e-04


def _pm(mean: float, sd: float) -> str:
    return fmt.plus_minus(_num(mean), fmt.sig(sd, 1))


def _tuned(result: dict) -> bool:
    return len(result["tuning"]["configs"]) > 1


def _skill(row: dict) -> str:
    return f"{row['skill']:.2f}" if row["skill"] is not None else "-"


def _rows(result: dict) -> list[list[str]]:
    """Table rows: model, [W, lr], params, RMSE, MAE, skill, train s, [ms/win]."""
    tuned, window = _tuned(result), result["data"]["window"]
    out = []
    for b in result["baselines"]:
        conf = [str(window) if b["name"] == "linear AR" else "-"] if tuned else []
        out.append([b["name"], *conf, str(b["params"] or "-"), _num(b["rmse"]),
                    _num(b["mae"]), _skill(b), "-", *([] if tuned else ["-"])])
    for m in result["models"]:
        conf = [f"{m['config']['window']}, {m['config']['lr']:g}"] if tuned else []
        out.append([f"{m['title']} H={m['hidden']}", *conf, str(m["params"]),
                    _pm(m["rmse_mean"], m["rmse_sd"]), _num(m["mae_mean"]), _skill(m),
                    f"{m['train_s']:.1f}",
                    *([] if tuned else [f"{m['latency_ms']:.2f}"])])
    return out


def table(result: dict) -> Table:
    """Baselines first, then each architecture (at its configuration chosen on validation
    when tuned): test RMSE/MAE (mean ± sd over seeds)."""
    d = result["data"]
    where = ("each model at its configuration chosen on validation" if _tuned(result)
             else f"window {d['window']}")
    t = Table(title=f"race: {d['target']}, horizon {d['horizon']}, {where}; errors on the "
              "test period", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    cols = [("model", "left"), ("params", "right"), ("RMSE", "right"), ("MAE", "right"),
            ("skill", "right"), ("train s", "right"), ("ms/win", "right")]
    if _tuned(result):  # the config instead of the latency (--json has it): 80 columns
        cols[1:1], cols[-1:] = [("W, lr", "left")], []
    for name, justify in cols:
        t.add_column(name, justify=justify, no_wrap=True)
    for row in _rows(result):
        t.add_row(*row)
    return t


def sensitivity(result: dict) -> Table | None:
    """Every configuration's test RMSE (mean ± sd over seeds) per architecture; the one
    chosen on validation marked *. None for a one-configuration race."""
    if not _tuned(result):
        return None
    models = result["models"]
    t = Table(title="sensitivity: test RMSE per configuration (* chosen on validation)",
              title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    t.add_column("window, lr", no_wrap=True)
    for m in models:
        t.add_column(m["title"], justify="right", no_wrap=True)
    for c in result["tuning"]["configs"]:
        cells = []
        for m in models:
            cell = c["models"].get(m["arch"])
            cells.append("-" if cell is None else
                         _pm(cell["rmse_mean"], cell["rmse_sd"]) +
                         ("*" if cell["selected"] else " "))
        t.add_row(f"{c['window']}, {c['lr']:g}", *cells)
    return t


def _warnings(result: dict) -> list[str]:
    cfg = result["config"]
    out = [f"warning: {cfg['warning']}"] if "warning" in cfg else []
    expected = {"steps", "wall-cap"} if cfg["equal"] == "time" else {"steps"}
    for m in result["models"]:
        odd = [x for x in m["stopped"] if x not in expected]
        if odd:
            out.append(f"{m['title']}: some runs stopped early ({', '.join(odd)})")
    return out


def caption(result: dict) -> list[str]:
    """Lines under the table: what skill means, the split, seeds, notes and warnings."""
    d, cfg = result["data"], result["config"]
    s = d["split"]
    seeds = ",".join(str(x) for x in cfg["seeds"])
    budget = (f"{cfg['time_s']:g} s each" if cfg["equal"] == "time"
              else f"{cfg['steps']} steps each")
    out = [f"{d['source']}; inputs {', '.join(d['features'])}; scale {d['scale']} "
           f"(fitted on training rows)",
           f"split by time: {s['train_targets']} train, {s['val_targets']} validation, "
           f"{s['test_targets']} test targets (test from row {s['test_start_row']}); "
           f"seeds {seeds}; {budget} (--equal {cfg['equal']})",
           "skill = 1 - RMSE / RMSE(persistence); ± is the sd over seeds (MAE: mean; "
           "--json has its sd)" + ("; W: window" if _tuned(result) else
                                   "; ms/win: one forward pass on one window")]
    g = result["tuning"]["grid"]
    if _tuned(result):
        out.append(f"tuned alike: window {'/'.join(map(str, g['window']))} x lr "
                   f"{'/'.join(f'{v:g}' for v in g['lr'])}, chosen per architecture (and the "
                   "AR's window) on validation error, never the test period (equal tuning "
                   "budgets, as Melis et al. 2018)")
    out += d["notes"]
    if d["citation"]:
        out.append(f"source: {d['citation']}")
    return out + _warnings(result)


def verdict(result: dict) -> list[str]:
    return [f"verdict: {result['verdict'][0]}"] + [f"  {x}" for x in result["verdict"][1:]]


def text(result: dict, with_tables: bool = True) -> list:
    """Everything the command prints without --json, in order (tables and lines)."""
    tables = [table(result), sensitivity(result)] if with_tables else []
    return [t for t in tables if t is not None] + caption(result) + [""] + verdict(result)


class RaceProgress:
    """One progress bar on stderr over all runs; off when stderr is not a terminal."""

    def __init__(self, console, n_runs: int, steps: int, timed: bool) -> None:
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self.timed = timed
        self.per_run = 1 if timed else steps
        self.progress = Progress(TextColumn("{task.description}"), BarColumn(),
                                 TextColumn("loss {task.fields[loss]}"), TimeElapsedColumn(),
                                 console=console, transient=True,
                                 disable=not console.is_terminal)
        self.task = self.progress.add_task("race", total=n_runs * self.per_run, loss="-")
        self.done_runs = 0
        self.last = 0.0

    def __enter__(self) -> RaceProgress:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.progress.__exit__(*exc)

    def start(self, arch: str, seed: int):
        n = self.progress.tasks[0].total // self.per_run
        self.progress.update(self.task, description=f"run {self.done_runs + 1} of "
                             f"{max(n, self.done_runs + 1):.0f}: {arch} seed {seed}")

        def cb(step: int, loss: float) -> None:
            now = time.monotonic()
            if now - self.last > 0.1:
                self.last = now
                done = self.done_runs * self.per_run + (0 if self.timed else step)
                self.progress.update(self.task, completed=done, loss=f"{loss:.3g}")

        return cb

    def finished(self, _run) -> None:
        self.done_runs += 1
        self.progress.update(self.task, completed=self.done_runs * self.per_run)


def _time_axis(result: dict) -> tuple[list[float], str]:
    """The test targets' positions in the series' own time index (years for sunspots),
    else their row numbers, and the axis name."""
    preds, h = result["_predictions"], result["data"]["horizon"]
    rows = [int(o) + h for o in preds["origins"]]
    index = result.get("_time_index")
    if index:
        return [index["values"][r] for r in rows], index["name"]
    return rows, "row of the series (time step)"


def _prediction_panels(axes, result: dict, runs: list, colour: dict) -> None:
    preds = result["_predictions"]
    xs, name = _time_axis(result)
    seed0 = min(r.seed for r in runs)
    several = len({r.seed for r in runs}) > 1
    for ax, m in zip(axes, result["models"], strict=False):
        run = next(r for r in runs if r.arch == m["arch"] and r.seed == seed0)
        ax.plot(xs, preds["truth"], color="black", lw=1, label="truth")
        ax.plot(xs, preds["persistence"], color="grey", lw=0.8, ls=":", label="persistence")
        ax.plot(xs, run.pred, color=colour[m["arch"]], lw=1, label=m["title"])
        mean = f" (table: mean of {len({r.seed for r in runs})})" if several else ""
        ax.set_title(f"{m['title']}, seed {run.seed}{mean}: test RMSE {run.rmse:.3g}",
                     fontsize=9)
        ax.set_xlabel(name)
    axes[0].set_ylabel(result["data"]["target"])


def _curve_panels(axes, runs: list, colour: dict) -> None:
    for ax, key, label in ((axes[0], "step", "optimizer step"),
                           (axes[1], "seconds", "wall time, s")):
        for r in runs:
            xs = [c[key] for c in r.curve]
            ax.plot(xs, [c["val_loss"] for c in r.curve], color=colour[r.arch], lw=0.8,
                    alpha=0.8, label=r.arch.upper() if r.seed == runs[0].seed else None)
        ax.set_yscale("log")
        ax.set_xlabel(label)
        ax.set_ylabel("validation MSE (scaled)")
        ax.set_title("validation loss, every seed", fontsize=9)


def _legend(fig, axes) -> None:
    handles = {}
    for ax in axes:
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(lab, h)
    fig.legend(handles.values(), handles.keys(), loc="center left", bbox_to_anchor=(1.0, 0.5),
               fontsize=8, frameon=False)


def figure(result: dict, runs: list, path) -> None:
    """Save :func:`draw` atomically (and keep it for an ``--html`` page)."""
    from rnncli.fileio import save_figure_atomic

    fig = draw(result, runs)
    import matplotlib.pyplot as plt

    save_figure_atomic(fig, path)
    plt.close(fig)


def draw(result: dict, runs: list):
    """Test predictions against the truth on the series' own time axis (one panel per
    architecture, its first seed, named), and validation loss against step and against
    wall time (every run); no empty panel. Legends outside."""
    try:
        import matplotlib
    except ImportError:
        raise MissingExtra("matplotlib", "plot") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [m["arch"] for m in result["models"]]
    colour = {n: f"C{i}" for i, n in enumerate(names)}
    n = max(1, len(names))
    fig = plt.figure(figsize=(max(8.0, 4 * n), 6.5))
    grid = fig.add_gridspec(2, 2 * n)  # top: n panels of 2 cells; bottom: 2 of n cells
    top = [fig.add_subplot(grid[0, 2 * i:2 * i + 2]) for i in range(len(names))]
    bottom = [fig.add_subplot(grid[1, :n]), fig.add_subplot(grid[1, n:])]
    _prediction_panels(top, result, runs, colour)
    _curve_panels(bottom, runs, colour)
    _legend(fig, [*top, bottom[0]])
    fig.suptitle(f"rnncli race: {result['data']['source']}", fontsize=10)
    fig.tight_layout()
    return fig
