"""What the race supports: per-architecture summaries, paired differences over seeds, and
the plain sentences the command prints.

Runs with the same seed are paired (same data, same batch order; the weights differ by
architecture). For two architectures A and B the per-seed differences RMSE_A - RMSE_B get
a Student t 95% interval (``trainkit.t_interval``). If it contains 0 the two are
"indistinguishable here"; otherwise the better one is "better by |mean| ± half-width".
Against a baseline (one number, no seed) the same interval is taken over RMSE_A - RMSE_base.
"""

from __future__ import annotations

from rnncli import archs, fmt, trainkit
from rnncli.race.baselines import Score
from rnncli.race.train import RunResult


def _row(arch: str, mine: list[RunResult], persistence_rmse: float) -> dict:
    rmse = [r.rmse for r in mine]
    m, sd = trainkit.mean_sd(rmse)
    mae_m, mae_sd = trainkit.mean_sd([r.mae for r in mine])
    return {
        "arch": arch, "title": archs.get(arch).title, "hidden": mine[0].hidden,
        "params": mine[0].params, "seeds": [r.seed for r in mine], "rmse": rmse,
        "rmse_mean": m, "rmse_sd": sd, "mae_mean": mae_m, "mae_sd": mae_sd,
        "skill": 1 - m / persistence_rmse if persistence_rmse > 0 else None,
        "train_s": trainkit.mean_sd([r.train_s for r in mine])[0],
        "steps": trainkit.mean_sd([r.steps for r in mine])[0],
        "latency_ms": trainkit.mean_sd([r.latency_ms for r in mine])[0],
        "stopped": sorted({r.stopped for r in mine}),
    }


def summarise(runs: list[RunResult], persistence_rmse: float) -> list[dict]:
    """Per architecture: mean ± sd of RMSE and MAE, skill, params, time, latency."""
    return [_row(arch, [r for r in runs if r.arch == arch], persistence_rmse)
            for arch in dict.fromkeys(r.arch for r in runs)]


def _paired(runs: list[RunResult], a: str, b: str) -> list[float]:
    by_seed = {r.seed: r.rmse for r in runs if r.arch == b}
    return [r.rmse - by_seed[r.seed] for r in runs if r.arch == a and r.seed in by_seed]


def pairs(runs: list[RunResult], order: list[str]) -> list[dict]:
    """Paired RMSE differences for every pair of architectures (first minus second)."""
    out = []
    for i, a in enumerate(order):
        for b in order[i + 1:]:
            diffs = _paired(runs, a, b)
            mean, lo, hi = trainkit.t_interval(diffs)
            out.append({"a": a, "b": b, "diffs": diffs, "mean": mean, "lo": lo, "hi": hi,
                        "distinguishable": bool(len(diffs) > 1 and (hi < 0 or lo > 0))})
    return out


_fmt = fmt.sig  # RMSE and its differences: 3 significant digits


def _pair_line(p: dict) -> str:
    ta, tb = archs.get(p["a"]).title, archs.get(p["b"]).title
    n = len(p["diffs"])
    if n < 2:
        return (f"{ta} vs {tb}: one seed, no spread to judge a difference by (use "
                "--seeds 0,1,2,3,4)")
    if not p["distinguishable"]:
        return (f"{ta} and {tb} are indistinguishable here (RMSE difference "
                f"{_fmt(p['mean'])}, within the seed-to-seed spread: 95% interval "
                f"{_fmt(p['lo'])} .. {_fmt(p['hi'])} over {n} seeds)")
    better, worse = (ta, tb) if p["mean"] < 0 else (tb, ta)
    half = (p["hi"] - p["lo"]) / 2
    return (f"{better} better than {worse} by {_fmt(abs(p['mean']))} ± {_fmt(half)} RMSE "
            f"(95% interval, paired over {n} seeds)")


def _vs_baseline(runs: list[RunResult], arch: str, base: Score) -> tuple[float, float, float]:
    """Mean and 95% interval of RMSE_arch - RMSE_base over seeds (one seed: the value)."""
    diffs = [r.rmse - base.rmse for r in runs if r.arch == arch]
    if len(diffs) == 1:
        return diffs[0], diffs[0], diffs[0]
    return trainkit.t_interval(diffs)


def _baseline_lines(runs: list[RunResult], rows: list[dict], scores: list[Score]) -> list:
    best_arch = min(rows, key=lambda r: r["rmse_mean"])
    title = best_arch["title"]
    persist = next(s for s in scores if s.name == "persistence")
    best_base = min(scores, key=lambda s: s.rmse)
    _, lo, hi = _vs_baseline(runs, best_arch["arch"], best_base)
    if best_base is persist and not hi < 0:  # no evidence that anything does better
        return ["nothing beats persistence: the series looks unpredictable from its past "
                f"(best model {title}, RMSE {_fmt(best_arch['rmse_mean'])} against "
                f"{_fmt(persist.rmse)} for the last value)"]
    if hi < 0:
        return [f"{title} beats every baseline: RMSE {_fmt(best_arch['rmse_mean'])} against "
                f"{_fmt(best_base.rmse)} ({best_base.name}); skill vs persistence "
                f"{best_arch['skill']:.2f}"]
    if lo > 0:
        return [f"the {best_base.name} baseline beats every recurrent model (RMSE "
                f"{_fmt(best_base.rmse)} against {_fmt(best_arch['rmse_mean'])} for the "
                f"best, {title}): recurrence buys nothing here"]
    return [f"{title} and the {best_base.name} baseline are within the seed-to-seed spread "
            f"(RMSE {_fmt(best_arch['rmse_mean'])} against {_fmt(best_base.rmse)})"]


def lines(runs: list[RunResult], rows: list[dict], pair_list: list[dict],
          scores: list[Score]) -> list[str]:
    """The verdict, most important first."""
    if not rows:
        return ["no run finished: nothing to compare"]
    out = _baseline_lines(runs, rows, scores)
    best = min(rows, key=lambda r: r["rmse_mean"])["arch"]
    out += [_pair_line(p) for p in pair_list if best in (p["a"], p["b"])]
    out += [_pair_line(p) for p in pair_list if best not in (p["a"], p["b"])]
    return out


def outcome(runs: list[RunResult], rows: list[dict], pair_list: list[dict],
            scores: list[Score]) -> dict:
    """The verdict as data: the best architecture, whether it beats the best baseline
    (95% interval of the paired difference below 0; with one seed, the difference), and
    the architectures indistinguishable from it."""
    if not rows:
        return {"best": None, "best_baseline": None, "beats_baselines": False,
                "tied_with_best": []}
    best = min(rows, key=lambda r: r["rmse_mean"])["arch"]
    best_base = min(scores, key=lambda s: s.rmse)
    _, _, hi = _vs_baseline(runs, best, best_base)
    tied = [p["b"] if p["a"] == best else p["a"] for p in pair_list
            if best in (p["a"], p["b"]) and not p["distinguishable"]]
    return {"best": best, "best_baseline": best_base.name, "beats_baselines": bool(hi < 0),
            "tied_with_best": tied}


# --- robustness of the ranking across configurations (``--tune``) ---------------------

def decisions(pair_list: list[dict]) -> dict[tuple[str, str], str]:
    """Each pair's decision: the better architecture, or "tie" (interval contains 0, or
    one seed)."""
    return {(p["a"], p["b"]): ((p["a"] if p["mean"] < 0 else p["b"])
                               if p["distinguishable"] else "tie") for p in pair_list}


def ranking_text(rows: list[dict], dec: dict[tuple[str, str], str]) -> str:
    """"RNN > GRU = LSTM": ordered by mean RMSE; ">" where the paired interval separates
    neighbours, "=" where it does not."""
    order = [r["arch"] for r in sorted(rows, key=lambda r: r["rmse_mean"])]
    out = archs.get(order[0]).title if order else ""
    for a, b in zip(order, order[1:], strict=False):
        d = dec.get((a, b), dec.get((b, a), "tie"))
        out += f" {'=' if d == 'tie' else '>'} {archs.get(b).title}"
    return out


def _said(pair: tuple[str, str], d: str) -> str:
    ta, tb = (archs.get(x).title for x in pair)
    if d == "tie":
        return f"{ta} and {tb} within the seed spread"
    other = pair[1] if d == pair[0] else pair[0]
    return f"{archs.get(d).title} better than {archs.get(other).title}"


def _reversals(everywhere: dict[str, dict]) -> dict[tuple[str, str], dict[str, list[str]]]:
    """Pairs decided both ways somewhere: pair -> winner -> the configurations."""
    out: dict[tuple[str, str], dict[str, list[str]]] = {}
    pairs_ = {p for dec in everywhere.values() for p in dec}
    for pair in sorted(pairs_):
        wins: dict[str, list[str]] = {}
        for where, dec in everywhere.items():
            d = dec.get(pair, "tie")
            if d != "tie":
                wins.setdefault(d, []).append(where)
        if len(wins) > 1:
            out[pair] = wins
    return out


def _flip_line(flips: dict) -> str:
    parts = [", ".join(f"{archs.get(w).title} better at {' and '.join(where)}"
                       for w, where in wins.items()) for wins in flips.values()]
    return f"the ranking depends on the configuration: {'; '.join(parts)}"


def _differs(tuned: dict, per_config: dict[str, dict]) -> dict[str, list[str]]:
    """Per configuration, the pairs decided otherwise than at the tuned best."""
    out = {where: [_said(p, d) for p, d in dec.items() if tuned.get(p, "tie") != d]
           for where, dec in per_config.items()}
    return {k: v for k, v in out.items() if v}


def robustness(tuned: dict[tuple[str, str], str],
               per_config: dict[str, dict[tuple[str, str], str]]) -> dict:
    """Whether the ranking at the tuned best (each architecture at its validation-selected
    configuration) is the ranking in every configuration tried.

    ``kind``: "one-config" (nothing else was tried), "holds" (every configuration makes
    the same decision for every pair), "depends" (some pair is won by one architecture in
    one place and by the other elsewhere: the configurations are named), or
    "tuned-best-only" (no pair reverses, but some configurations do not show the tuned
    ranking, e.g. a difference within the seed spread there)."""
    n = len(per_config)
    if n < 2:
        return {"kind": "one-config", "line": "", "differs": {}}
    flips = _reversals({"tuned best": tuned, **per_config})
    if flips:
        return {"kind": "depends", "line": _flip_line(flips),
                "differs": {f"{a}/{b}": w for (a, b), w in flips.items()}}
    differs = _differs(tuned, per_config)
    if not differs:
        return {"kind": "holds", "differs": {},
                "line": f"the ranking holds in every configuration tried ({n})"}
    parts = [f"{where}: {', '.join(v)}" for where, v in differs.items()]
    return {"kind": "tuned-best-only", "differs": differs,
            "line": f"the ranking holds only at the tuned best, not in every configuration "
                    f"tried ({'; '.join(parts)})"}
