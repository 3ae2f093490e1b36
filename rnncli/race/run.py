"""A race from request to result: ``plan`` checks everything and estimates the cost before
anything large is allocated; ``execute`` runs the baselines and the models and assembles
the result (the data ``--json`` prints and the table shows)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from rnncli.errors import BadInput
from rnncli.knowledge.sources import SOURCES
from rnncli.limits import refuse_oversized
from rnncli.race import baselines, data, models, series, tune, verdict
from rnncli.race.train import RaceConfig, RunResult, race

MAX_SECONDS = 30 * 60
MAX_BYTES = 2 * 1024**3


@dataclass
class Request:
    """Everything the command line asked for (already parsed into Python values)."""

    csv: str | None = None
    series: str | None = None
    length: int | None = None
    data_seed: int = 0
    target: str | None = None
    features: str | None = None
    fill: str | None = None
    horizon: int = 1
    window: int = 50
    scale: str = "standard"
    period: int | None = None
    max_rows: int = 1_000_000
    force: bool = False
    config: RaceConfig = field(default_factory=lambda: RaceConfig(["rnn", "gru", "lstm"]))
    tune: list[str] = field(default_factory=list)   # --tune KEY=V1,V2 items
    rerun: str = "rnncli race"                      # the command, for the one-config note


@dataclass
class Plan:
    request: Request
    frame: series.Frame
    selected: data.Selected
    preps: dict[int, data.Prepared]                 # by window
    configs: list[tune.Config]
    period: int | None
    estimate: models.Estimate

    @property
    def prep(self) -> data.Prepared:
        """The first configuration's data (the scaling is the same for every window)."""
        return self.preps[self.configs[0].window]

    @property
    def n_runs(self) -> int:
        return len(self.configs) * len(self.request.config.archs) * len(
            self.request.config.seeds)


def _frame(req: Request) -> series.Frame:
    if (req.csv is None) == (req.series is None):
        raise BadInput("give exactly one of --data FILE.csv or --series NAME")
    if req.csv is not None:
        return data.read_csv(req.csv, req.max_rows)
    if req.length is not None and req.length > req.max_rows:
        raise BadInput(f"--length {req.length} is over the --max-rows limit "
                       f"({req.max_rows}); raise --max-rows to generate it")
    return series.load(req.series, req.length, req.data_seed)


def _check_cost(est: models.Estimate, force: bool) -> None:
    refuse_oversized("this race", seconds=est.seconds, nbytes=est.memory_bytes,
                     max_seconds=MAX_SECONDS, max_bytes=MAX_BYTES, force=force,
                     lower="lower --steps, --seeds, --hidden, --batch or --window")


def _estimate(cfg: RaceConfig, preps: dict[int, data.Prepared],
              configs: list[tune.Config]) -> models.Estimate:
    """Every configuration's cost added up (memory: the largest)."""
    total = models.Estimate(0.0, 0)
    for c in configs:
        prep = preps[c.window]
        est = models.estimate(cfg.hidden, prep.x.shape[1], cfg.layers, c.window, cfg.batch,
                              cfg.steps, len(cfg.seeds), max(len(prep.val), len(prep.test)))
        if cfg.equal == "time":
            est.seconds = cfg.time_s * len(cfg.archs) * len(cfg.seeds)
        total = models.Estimate(total.seconds + est.seconds,
                                max(total.memory_bytes, est.memory_bytes))
    return total


def plan(req: Request) -> Plan:
    """Read and check the data, size the models, estimate the cost; refuse what is too big."""
    if req.window < 1:
        raise BadInput(f"--window must be at least 1, got {req.window}")
    if req.period is not None and req.period < 1:
        raise BadInput(f"--period must be at least 1, got {req.period}")
    configs = tune.grid(req.tune, req.window, req.config.lr)
    frame = _frame(req)
    selected = data.select(frame, req.target, req.features, req.fill or frame.fill)
    preps = {c.window: data.prepare(selected, c.window, req.horizon, req.scale)
             for c in configs}
    tune.check_same_targets(preps)
    cfg = req.config
    n_in = selected.x.shape[1]
    if cfg.equal == "params":
        cfg.hidden = models.equal_params_hidden(cfg.archs, n_in, cfg.hidden_base, cfg.layers)
    else:
        cfg.hidden = {a: cfg.hidden_base for a in cfg.archs}
    est = _estimate(cfg, preps, configs)
    _check_cost(est, req.force)
    period = req.period if req.period is not None else frame.period
    return Plan(req, frame, selected, preps, configs, period, est)


TIME_NAMES = ("year", "date", "time", "week", "month", "day", "t")


def time_index(frame: series.Frame, n_rows: int) -> dict | None:
    """The series' own time column (``year`` for sunspots), for the plot's x axis: a column
    named like a time, strictly increasing, one value per row used; else None."""
    import numpy as np

    for name, col in frame.columns.items():
        if name.lower() in TIME_NAMES and len(col) == n_rows and bool(
                np.all(np.diff(col) > 0)):
            return {"name": name, "values": [float(v) for v in col]}
    return None


def _data_info(p: Plan, ar_window: int) -> dict:
    return {"source": p.frame.source, "citation": p.frame.citation,
            "target": p.selected.target, "features": p.selected.features,
            "window": ar_window, "horizon": p.prep.horizon, "scale": p.request.scale,
            "period": p.period, "split": p.prep.split_info(), "notes": p.selected.notes}


def _config_info(cfg: RaceConfig) -> dict:
    keys = ("archs", "hidden", "layers", "steps", "batch", "lr", "warmup", "clip", "seeds",
            "threads", "equal", "time_s", "cap_s")
    info = {k: getattr(cfg, k) for k in keys}
    if cfg.equal == "time":
        info["warning"] = ("--equal time: each run trains for the same wall time, so the "
                           "step counts and the numbers depend on this machine and its load; "
                           "they do not reproduce elsewhere")
    return info


def _baselines(p: Plan) -> tuple[list, dict, int]:
    """Baseline test scores and predictions; the linear AR's window is chosen like the
    models' configurations: lowest validation RMSE (test never looked at)."""
    def val_rmse(prep: data.Prepared) -> float:
        on_val = copy.copy(prep)
        on_val.test = prep.val
        scores, _ = baselines.run(on_val, None)
        return next(s.rmse for s in scores if s.name == "linear AR")

    windows = list(p.preps)
    w = min(windows, key=lambda k: val_rmse(p.preps[k])) if len(windows) > 1 else windows[0]
    scores, preds = baselines.run(p.preps[w], p.period)
    for s in scores:
        if s.name == "linear AR" and len(windows) > 1:
            s.note += f"; window {w} (chosen on validation)"
    return scores, preds, w


def _train_all(p: Plan, on_start, on_done) -> tuple[list[RunResult], bool]:
    """Every configuration in turn (Ctrl-C keeps the finished runs of every one)."""
    runs: list[RunResult] = []
    for c in p.configs:
        cfg = replace(p.request.config, lr=c.lr)
        done, interrupted = race(p.preps[c.window], cfg, on_start, on_done)
        runs += done
        if interrupted:
            return runs, True
    return runs, False


def _per_config(p: Plan, runs: list[RunResult], order: list[str]) -> dict[str, str | None]:
    """Each complete configuration's ranking (an interrupted one is left out)."""
    out = {}
    for c in p.configs:
        mine = [r for r in runs if r.config == c]
        if {r.arch for r in mine} == set(order):
            dec = verdict.decisions(verdict.pairs(mine, order))
            out[c.label] = verdict.decided_ranking(verdict.summarise(mine, 1.0), dec)
    return out


def _tuning(p: Plan, runs: list[RunResult], order: list[str],
            chosen: dict[str, tune.Config], rows: list[dict], tuned_pairs: list[dict]) -> dict:
    """The sensitivity view and how robust the tuned ranking is across configurations."""
    tuned = verdict.decided_ranking(rows, verdict.decisions(tuned_pairs))
    robust = verdict.robustness(tuned, _per_config(p, runs, order))
    if robust["kind"] == "one-config":
        robust["line"] = tune.note_one_config(p.configs[0], p.request.rerun)
    return {"grid": {"window": sorted({c.window for c in p.configs}),
                     "lr": sorted({c.lr for c in p.configs})},
            "selected_on": "validation MSE, mean over seeds",
            "selected": {a: c.as_dict() for a, c in chosen.items()},
            "configs": tune.sensitivity(runs, p.configs, order, chosen),
            "robustness": robust,
            "sources": {k: SOURCES[k] for k in tune.SOURCES}}


def _selected(p: Plan, runs: list[RunResult]) -> tuple[list[str], dict, list[RunResult]]:
    """The architectures that ran, each one's configuration chosen on validation, and the
    runs of those configurations."""
    ran = {r.arch for r in runs}
    order = [a for a in p.request.config.archs if a in ran]
    chosen = {a: tune.select(runs, p.configs, a) for a in order}
    return order, chosen, [r for r in runs if r.config == chosen[r.arch]]


def _lines(p: Plan, best, rows, pair_list, scores, tuning) -> list[str]:
    """The verdict: baselines, then the ranking and its robustness, then every pair."""
    lines = verdict.lines(best, rows, pair_list, scores)
    robust = tuning["robustness"]
    if len(rows) > 1 and robust["kind"] == "one-config":
        rank = verdict.ranking_text(rows, verdict.decisions(pair_list))
        lines.insert(1, f"ranking here: {rank}; {robust['line']}")
    elif len(rows) > 1:
        lines.insert(1, f"ranking: {robust['line']}")
    return lines


def execute(p: Plan, on_start: Callable | None = None,
            on_done: Callable[[RunResult], None] | None = None) -> tuple[dict, list]:
    """Baselines, the race in every configuration, the selection on validation, the
    summaries and the verdict. Returns (result, the runs of the selected configurations)."""
    scores, base_preds, ar_window = _baselines(p)
    runs, interrupted = _train_all(p, on_start, on_done)
    order, chosen, best = _selected(p, runs)
    persist = scores[0].rmse
    rows = verdict.summarise(best, persist)
    for row in rows:
        row["config"] = chosen[row["arch"]].as_dict()
        row["val_mse"] = tune.shown(tune.val_mean([r for r in best if r.arch == row["arch"]]))
    pair_list = verdict.pairs(best, order)
    tuning = _tuning(p, runs, order, chosen, rows, pair_list)
    result = {
        "data": _data_info(p, ar_window),
        "config": _config_info(p.request.config),
        "estimate": {"seconds": p.estimate.seconds, "memory_bytes": p.estimate.memory_bytes},
        "baselines": [s.as_dict() for s in scores],
        "models": rows,
        "pairs": pair_list,
        "tuning": tuning,
        "verdict": _lines(p, best, rows, pair_list, scores, tuning),
        "outcome": {**verdict.outcome(best, rows, pair_list, scores),
                    "robustness": tuning["robustness"]["kind"]},
        "runs": [r.as_dict() for r in runs],
        "interrupted": interrupted,
    }
    for row in result["baselines"]:
        row["skill"] = 1 - row["rmse"] / persist if persist > 0 else None
    result["_predictions"] = {"truth": baselines.truth(p.prep, p.prep.test),
                              "origins": p.prep.test, **base_preds}
    result["_time_index"] = time_index(p.frame, len(p.prep.y))
    return result, best
