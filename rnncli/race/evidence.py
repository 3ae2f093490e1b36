"""A short race as evidence for `rnncli advise --data FILE.csv` / `--series NAME`.

The race (``SHORT_STEPS`` optimizer steps, seeds ``SHORT_SEEDS``, the race's other
defaults) becomes one more scored reason beside the lesson's rules, marked "measured":

- the race is tuned alike for every architecture over ``SHORT_TUNE`` (windows 12 and 50,
  chosen on validation, as ``rnncli race --tune``), so a ranking that flips with the
  window is seen;
- if no recurrent model beats the best baseline (persistence, seasonal persistence or
  the least-squares linear AR), no cell gets points, and the reason says so: the data
  do not ask for recurrence;
- if the ranking does not hold in every configuration tried (it flips, or holds only at
  the tuned best), no cell gets points either: a ranking that changes with a setting is
  no evidence for one cell;
- otherwise the best architecture, and every architecture indistinguishable from it
  (paired 95% interval over seeds containing 0), gets ``POINTS``.

``POINTS`` = 2: more than one rule of thumb (1 each) because it was measured on the
user's own data, less than the counting rule (3), which is a proven capability limit.
"""

from __future__ import annotations

from typing import Any

from rnncli import archs
from rnncli.race import run
from rnncli.race.train import RaceConfig

SHORT_STEPS = 200
SHORT_SEEDS = [0, 1, 2]
SHORT_TUNE = ["window=12,50"]
POINTS = 2.0


def request(csv: str | None, series: str | None, force: bool = False,
            target: str | None = None, features: str | None = None, fill: str | None = None,
            max_rows: int = 1_000_000) -> run.Request:
    """The short race's request (all torch architectures, race defaults otherwise; the
    data options as `race` takes them)."""
    cfg = RaceConfig(list(archs.names(torch_only=True)), steps=SHORT_STEPS,
                     seeds=list(SHORT_SEEDS))
    return run.Request(csv=csv, series=series, target=target, features=features, fill=fill,
                       max_rows=max_rows, force=force, config=cfg, tune=list(SHORT_TUNE))


def _why(result: dict[str, Any], winners: list[str]) -> str:
    d = result["data"]
    rmse = ", ".join(f"{m['title']} {m['rmse_mean']:.3g}" for m in result["models"])
    base = ", ".join(f"{b['name']} {b['rmse']:.3g}" for b in result["baselines"])
    grid = result.get("tuning", {}).get("grid", {}).get("window", [])
    tuned = f" x windows {'/'.join(map(str, grid))} chosen on validation" if len(grid) > 1 else ""
    head = (f"short race on your data ({d['source']}, column {d['target']!r}; "
            f"{SHORT_STEPS} steps x {len(result['config']['seeds'])} seeds{tuned}): "
            f"test RMSE {rmse}; baselines {base}")
    if not result["outcome"]["beats_baselines"]:
        return f"{head}. {result['verdict'][0]}: no cell earns points; try the baseline first"
    if not winners:
        line = result["tuning"]["robustness"]["line"]
        return f"{head}. {line}: no cell earns points from a ranking that changes"
    names = "/".join(archs.get(a).title for a in winners)
    return f"{head}. Best: {names} (within the seed spread of each other); +{POINTS:g}"


def reason(result: dict[str, Any]) -> dict[str, Any]:
    """The race as one of ``rnncli.knowledge.advice``'s scored reasons."""
    out = result["outcome"]
    robust = out.get("robustness") == "holds"
    winners = ([out["best"], *out["tied_with_best"]]
               if out["beats_baselines"] and robust else [])
    points = {a: (POINTS if a in winners else 0.0) for a in archs.names(torch_only=True)}
    where = result["data"]["source"].split(":")[0].removeprefix("--series ")
    return {"question": "race", "answer": where, "points": points,
            "favours": [a for a in points if a in winners] if len(winners) < len(points)
            else [], "why": _why(result, winners), "source": None, "evidence": "measured"}


def fold(advice_result: dict[str, Any], race_result: dict[str, Any],
         answers: dict[str, Any]) -> dict[str, Any]:
    """Add the race's reason to an ``advice.advise`` result and re-rank (same rules)."""
    from rnncli.knowledge import advice, advice_settings

    reasons = [*advice_result["reasons"], reason(race_result)]
    scores = advice.totals(reasons)
    rank = advice.ranking(scores)
    settings = advice_settings.settings(rank[0], answers)
    keys = sorted({r["source"] for r in reasons if r["source"]}
                  | {n["source"] for n in settings["notes"] if n["source"]})
    public = {k: v for k, v in race_result.items() if k not in ("runs", "pairs")
              and not k.startswith("_")}
    return {**advice_result, "recommendation": rank[0], "runner_up": rank[1],
            "scores": scores, "ranking": rank, "reasons": reasons,
            "tradeoff": advice.tradeoff(reasons, scores, rank), "settings": settings,
            "sources": {k: advice.SOURCES[k] for k in keys}, "race": public}
