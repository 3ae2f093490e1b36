"""A race from request to result: ``plan`` checks everything and estimates the cost before
anything large is allocated; ``execute`` runs the baselines and the models and assembles
the result (the data ``--json`` prints and the table shows)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from rnncli.errors import BadInput
from rnncli.limits import refuse_oversized
from rnncli.race import baselines, data, models, series, verdict
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


@dataclass
class Plan:
    request: Request
    frame: series.Frame
    selected: data.Selected
    prep: data.Prepared
    period: int | None
    estimate: models.Estimate


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


def plan(req: Request) -> Plan:
    """Read and check the data, size the models, estimate the cost; refuse what is too big."""
    if req.window < 1:
        raise BadInput(f"--window must be at least 1, got {req.window}")
    if req.period is not None and req.period < 1:
        raise BadInput(f"--period must be at least 1, got {req.period}")
    frame = _frame(req)
    selected = data.select(frame, req.target, req.features, req.fill or frame.fill)
    prep = data.prepare(selected, req.window, req.horizon, req.scale)
    cfg = req.config
    n_in = prep.x.shape[1]
    if cfg.equal == "params":
        cfg.hidden = models.equal_params_hidden(cfg.archs, n_in, cfg.hidden_base, cfg.layers)
    else:
        cfg.hidden = {a: cfg.hidden_base for a in cfg.archs}
    eval_windows = max(len(prep.val), len(prep.test))
    est = models.estimate(cfg.hidden, n_in, cfg.layers, req.window, cfg.batch, cfg.steps,
                          len(cfg.seeds), eval_windows)
    if cfg.equal == "time":
        est.seconds = cfg.time_s * len(cfg.archs) * len(cfg.seeds)
    _check_cost(est, req.force)
    period = req.period if req.period is not None else frame.period
    return Plan(req, frame, selected, prep, period, est)


def _data_info(p: Plan) -> dict:
    return {"source": p.frame.source, "citation": p.frame.citation,
            "target": p.selected.target, "features": p.selected.features,
            "window": p.prep.window, "horizon": p.prep.horizon, "scale": p.request.scale,
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


def execute(p: Plan, on_start: Callable | None = None,
            on_done: Callable[[RunResult], None] | None = None) -> tuple[dict, list]:
    """Baselines, the race, the summaries and the verdict. Returns (result, runs)."""
    scores, base_preds = baselines.run(p.prep, p.period)
    runs, interrupted = race(p.prep, p.request.config, on_start, on_done)
    persist = scores[0].rmse
    rows = verdict.summarise(runs, persist)
    order = [r["arch"] for r in rows]
    pair_list = verdict.pairs(runs, order)
    result = {
        "data": _data_info(p),
        "config": _config_info(p.request.config),
        "estimate": {"seconds": p.estimate.seconds, "memory_bytes": p.estimate.memory_bytes},
        "baselines": [s.as_dict() for s in scores],
        "models": rows,
        "pairs": pair_list,
        "verdict": verdict.lines(runs, rows, pair_list, scores),
        "outcome": verdict.outcome(runs, rows, pair_list, scores),
        "runs": [r.as_dict() for r in runs],
        "interrupted": interrupted,
    }
    for row in result["baselines"]:
        row["skill"] = 1 - row["rmse"] / persist if persist > 0 else None
    result["_predictions"] = {"truth": baselines.truth(p.prep, p.prep.test),
                              "origins": p.prep.test, **base_preds}
    return result, runs
