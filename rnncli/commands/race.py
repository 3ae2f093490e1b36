"""`rnncli race`: RNN, GRU and LSTM trained on one series beside baselines, over seeds.

Parse -> rnncli.race.run (plan: checks + estimate; execute) -> rnncli.render.race.
torch is imported only when training starts.
"""

from __future__ import annotations

import importlib.util
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from rnncli.options import JsonFlag, complete_torch_archs
from rnncli.race.options import MAX_ROWS, Features, FillOption, MaxRows, Target
from rnncli.race.series import SERIES
from rnncli.report import wants_figures

SeriesName = Enum("SeriesName", {n: n for n in SERIES}, type=str)


class Scale(str, Enum):
    standard = "standard"
    none = "none"


class Equal(str, Enum):
    steps = "steps"
    params = "params"
    time = "time"


def _opt(*names: str, help: str, **kw):
    return typer.Option(*names, help=help, **kw)


def _tune_item(text: str) -> str:
    """``--tune`` values are checked while typer parses them (bad ones: one line, exit 2)."""
    from rnncli.errors import BadInput
    from rnncli.race.tune import check_item

    try:
        return check_item(text)
    except BadInput as e:
        raise typer.BadParameter(str(e).removeprefix("--tune ").removeprefix("--tune: "),
                                 param_hint="'--tune'") from None


def race(
    data: Annotated[Path | None, _opt("--data", help="CSV file with a header row.")] = None,
    series: Annotated[SeriesName | None, _opt(
        "--series", help="Built-in series (sunspots, co2 need the `data` extra).")] = None,
    target: Target = None,
    features: Features = None,
    horizon: Annotated[int, _opt("--horizon", help="Steps ahead to forecast.")] = 1,
    window: Annotated[int, _opt("--window", help="Input window length.")] = 50,
    scale: Annotated[Scale, _opt("--scale", help="Fitted on training rows only.")] =
        Scale.standard,
    period: Annotated[int | None, _opt("--period", help="Season length for seasonal "
                                       "persistence.")] = None,
    fill: FillOption = None,
    arch: Annotated[str, _opt("--arch", help="Comma list of rnn, gru, lstm.",
                                   autocompletion=complete_torch_archs)] =
        "rnn,gru,lstm",
    hidden: Annotated[int, _opt("--hidden", min=1, help="Hidden size.")] = 32,
    layers: Annotated[int, _opt("--layers", min=1, help="Recurrent layers.")] = 1,
    steps: Annotated[int, _opt("--steps", min=1, help="Optimizer steps per run.")] = 500,
    equal: Annotated[Equal, _opt("--equal", help="Same steps; about the same parameters "
                                 "(widths fitted); or the same wall time (not reproducible)."
                                 )] = Equal.steps,
    time_s: Annotated[float, _opt("--time-s", help="Seconds per run with --equal time.")] =
        3.0,
    seeds: Annotated[str, _opt("--seeds", help="Comma list of seeds.")] = "0,1,2,3,4",
    batch: Annotated[int, _opt("--batch", min=1, help="Windows per optimizer step.")] = 32,
    lr: Annotated[float, _opt("--lr", help="Adam learning rate after warm-up.")] = 1e-2,
    tune: Annotated[list[str] | None, typer.Option(
        "--tune", parser=_tune_item, metavar="KEY=V1,V2",
        help="Tune every architecture alike, chosen on validation: KEY=V1,V2 "
        "with KEY window or lr, repeatable (e.g. --tune window=12,50 --tune "
        "lr=0.003,0.01: 4 configurations).")] = None,
    length: Annotated[int | None, _opt("--length", help="Rows of a generated series "
                                       "(default 2000).")] = None,
    data_seed: Annotated[int, _opt("--data-seed", help="Seed of a generated series.")] = 0,
    threads: Annotated[int, _opt("--threads", help="torch CPU threads.")] = 1,
    max_rows: MaxRows = MAX_ROWS,
    force: Annotated[bool, _opt("--force", help="Run even if the estimate is over the "
                                "limits.")] = False,
    plot: Annotated[Path | None, _opt("--plot", help="Save a PNG of predictions and "
                                      "validation curves.")] = None,
    save: Annotated[Path | None, _opt("--save", help="Directory for JSON, predictions and "
                                      "weights.")] = None,
    json: JsonFlag = False,
) -> None:
    """Race RNN, GRU and LSTM on your series beside persistence, seasonal persistence and
    a least-squares linear AR; test RMSE/MAE over seeds, a paired comparison, a verdict.

    Examples: `rnncli race --series narma10`,
    `rnncli race --data prices.csv --target close --horizon 5`.
    Ctrl-C keeps the finished runs and exits 130. Details: docs/race.md.
    """
    from rnncli import console
    from rnncli.errors import MissingExtra
    from rnncli.fileio import check_writable
    from rnncli.interrupt import INTERRUPTED_EXIT
    from rnncli.race import run
    from rnncli.race.save import check_dir
    from rnncli.render import race as view

    req = _request(
        data=data, series=series, target=target, features=features, horizon=horizon,
        window=window, scale=scale, period=period, fill=fill, arch=arch, hidden=hidden,
        layers=layers, steps=steps, equal=equal, time_s=time_s, seeds=seeds, batch=batch,
        lr=lr, tune=tune, length=length, data_seed=data_seed, threads=threads,
        max_rows=max_rows, force=force)
    cfg = req.config
    if plot is not None:
        check_writable(plot, (".png",))
        if importlib.util.find_spec("matplotlib") is None:  # say so before training
            raise MissingExtra("matplotlib", "plot")
    if save is not None:
        check_dir(save)
    the_plan = run.plan(req)
    _announce(the_plan)
    n_runs = the_plan.n_runs
    with view.RaceProgress(console.err(), n_runs, cfg.steps, cfg.equal == "time") as bar:
        result, runs = run.execute(the_plan, bar.start, bar.finished)
    _outputs(result, runs, the_plan, plot, save, json)
    if result["interrupted"]:
        console.err().print(f"interrupted: kept {len(result['runs'])} of {n_runs} runs",
                            soft_wrap=True)
        raise typer.Exit(INTERRUPTED_EXIT)


def _request(*, data, series, target, features, horizon, window, scale, period, fill, arch,
             hidden, layers, steps, equal, time_s, seeds, batch, lr, tune, length, data_seed,
             threads, max_rows, force):
    """The parsed options as one explicit ``run.Request`` (lists and bounds checked)."""
    from rnncli.errors import BadInput
    from rnncli.options import int_list, trainable_arch_list
    from rnncli.race import run
    from rnncli.race.train import RaceConfig

    for name, value in (("--lr", lr), ("--time-s", time_s)):
        if not value > 0:
            raise BadInput(f"{name} must be a positive number, got {value}")
    cfg = RaceConfig(
        archs=trainable_arch_list(arch),
        hidden_base=hidden, layers=layers, steps=steps, batch=batch, lr=lr,
        seeds=int_list(seeds, "--seeds", minimum=0), equal=equal.value, time_s=time_s,
        threads=threads)
    return run.Request(
        csv=str(data) if data else None, series=series.value if series else None,
        length=length, data_seed=data_seed, target=target, features=features,
        fill=fill.value if fill else None, horizon=horizon, window=window, scale=scale.value,
        period=period, max_rows=max_rows, force=force, config=cfg,
        tune=list(tune or []), rerun=_rerun(data, series))


def _rerun(data: Path | None, series) -> str:
    """The command a user reruns to check more configurations (data choice only)."""
    if data is not None:
        return f"rnncli race --data {data} ..."
    return f"rnncli race --series {series.value if series else 'NAME'}"


def _announce(the_plan) -> None:
    from rnncli import console

    cfg, est = the_plan.request.config, the_plan.estimate
    budget = f"{cfg.time_s:g} s" if cfg.equal == "time" else f"{cfg.steps} steps"
    n_conf = len(the_plan.configs)
    grid = f" x {n_conf} configurations" if n_conf > 1 else ""
    console.err().print(
        f"race: {len(cfg.archs)} architectures x {len(cfg.seeds)} seeds{grid}, {budget} each; "
        f"estimated ~{est.seconds:.0f} s, {est.memory_bytes / 2**20:.0f} MiB",
        soft_wrap=True)


def _outputs(result: dict, runs: list, the_plan, plot, save, json: bool) -> None:
    from rnncli import console
    from rnncli.race.save import save as save_dir
    from rnncli.render import race as view

    if save is not None and runs:
        save_dir(save, result, runs, the_plan.prep)
    if json:
        console.print_json({k: v for k, v in result.items() if not k.startswith("_")})
    else:
        con = console.out()
        for item in view.text(result, bool(runs)):
            con.print(item)
    if wants_figures(plot) and runs:  # after the tables: an --html page reads in that order
        view.figure(result, runs, plot)
