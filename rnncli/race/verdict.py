"""What the race supports: per-architecture summaries, paired differences over seeds, and
the plain sentences the command prints, all through the shared rule (:mod:`rnncli.verdict`).

Runs with the same seed are paired (same data, same batch order; the weights differ by
architecture). For two architectures A and B the per-seed differences RMSE_A - RMSE_B get
a Student t 95% interval (``rule.over_seeds``); ``rule.compare_difference`` says "A better
than B" only when it excludes 0, "not distinguishable" when it does not, "tie" when the
two means print the same, and refuses below ``rule.MIN_SEEDS`` seeds. Against a baseline
(one number, no seed) the same interval is taken over RMSE_A - RMSE_base. Across the
configurations of ``--tune``, ``rule.ranking`` says whether the ranking holds in every
configuration, only at the tuned best, or depends on the configuration.
"""

from __future__ import annotations

from rnncli import archs, fmt, trainkit
from rnncli import verdict as rule
from rnncli.race.baselines import Score
from rnncli.race.train import RunResult

HOW = "use --seeds 0,1,2,3,4"


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


def _mean(runs: list[RunResult], arch: str) -> float:
    return trainkit.mean_sd([r.rmse for r in runs if r.arch == arch])[0]


def pairs(runs: list[RunResult], order: list[str]) -> list[dict]:
    """Paired RMSE differences for every pair of architectures (first minus second), and
    the shared rule's verdict on each."""
    out = []
    for i, a in enumerate(order):
        for b in order[i + 1:]:
            ev = rule.over_seeds(_paired(runs, a, b))
            v = rule.compare_difference(
                archs.get(a).title, archs.get(b).title, ev, word="better than",
                lower_is_better=True, shown=(_mean(runs, a), _mean(runs, b)), how=HOW,
                what="RMSE difference")
            winner = {"a": a, "b": b}.get(v.outcome)
            out.append({"a": a, "b": b, "diffs": _paired(runs, a, b), "mean": ev.estimate,
                        "lo": ev.lo, "hi": ev.hi, "distinguishable": winner is not None,
                        "outcome": v.outcome, "winner": winner, "line": v.line})
    return out


_fmt = fmt.sig  # RMSE and its differences: 3 significant digits


def _vs_baseline(runs: list[RunResult], arch: str, base: Score) -> rule.Verdict:
    """The shared rule on RMSE_arch - RMSE_base over seeds."""
    ev = rule.over_seeds([r.rmse - base.rmse for r in runs if r.arch == arch])
    return rule.compare_difference(
        archs.get(arch).title, f"the {base.name} baseline", ev, word="beats",
        lower_is_better=True, shown=(_mean(runs, arch), base.rmse), how=HOW,
        what="RMSE difference")


def _baseline_lines(runs: list[RunResult], rows: list[dict], scores: list[Score]) -> list:
    best_arch = min(rows, key=lambda r: r["rmse_mean"])
    title, m = best_arch["title"], _fmt(best_arch["rmse_mean"])
    persist = next(s for s in scores if s.name == "persistence")
    best_base = min(scores, key=lambda s: s.rmse)
    v = _vs_baseline(runs, best_arch["arch"], best_base)
    if v.outcome == "a":
        ev = v.evidence
        return [f"{title} beats every baseline: RMSE {m} against {_fmt(best_base.rmse)} "
                f"({best_base.name}; difference {_fmt(ev.estimate)}, 95% "
                f"{rule.span(ev.lo, ev.hi, _fmt)}); skill vs persistence "
                f"{best_arch['skill']:.2f}"]
    if v.outcome == "too small":
        return [v.line]
    if best_base is persist:  # no evidence that anything does better
        return ["nothing beats persistence: the series looks unpredictable from its past "
                f"(best model {title}, RMSE {m} against {_fmt(persist.rmse)} for the last "
                "value)"]
    if v.outcome == "b":
        return [f"the {best_base.name} baseline beats every recurrent model (RMSE "
                f"{_fmt(best_base.rmse)} against {m} for the best, {title}): recurrence buys "
                "nothing here"]
    return [f"{v.line}; RMSE {m} against {_fmt(best_base.rmse)}"]


def lines(runs: list[RunResult], rows: list[dict], pair_list: list[dict],
          scores: list[Score]) -> list[str]:
    """The verdict, most important first."""
    if not rows:
        return ["no run finished: nothing to compare"]
    out = _baseline_lines(runs, rows, scores)
    best = min(rows, key=lambda r: r["rmse_mean"])["arch"]
    out += [p["line"] for p in pair_list if best in (p["a"], p["b"])]
    out += [p["line"] for p in pair_list if best not in (p["a"], p["b"])]
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
    beats = _vs_baseline(runs, best, best_base).outcome == "a"
    tied = [p["b"] if p["a"] == best else p["a"] for p in pair_list
            if best in (p["a"], p["b"]) and not p["distinguishable"]]
    return {"best": best, "best_baseline": best_base.name, "beats_baselines": beats,
            "tied_with_best": tied}


# --- robustness of the ranking across configurations (``--tune``) ---------------------

def decisions(pair_list: list[dict]) -> dict[tuple[str, str], str]:
    """Each pair's decision: the better architecture, or "tie" (not distinguishable, a
    printed tie, or too few seeds)."""
    return {(p["a"], p["b"]): p["winner"] or "tie" for p in pair_list}


def ranking_text(rows: list[dict], dec: dict[tuple[str, str], str]) -> str:
    """Every decided pair and nothing more, winners with most wins first, e.g.
    "LSTM > RNN, GRU; GRU > RNN" (pairs not listed are not distinguishable). The same
    decisions always give the same text, so configurations can be compared by it."""
    pos = {r["arch"]: i for i, r in enumerate(rows)}
    beaten: dict[str, list[str]] = {}
    for (a, b), d in dec.items():
        if d != "tie":
            beaten.setdefault(d, []).append(b if d == a else a)
    if not beaten:
        return "no pair separated (all within the seed spread)"
    order = sorted(beaten, key=lambda w: (-len(beaten[w]), pos.get(w, 0)))
    return "; ".join(f"{archs.get(w).title} > "
                     + ", ".join(archs.get(x).title for x in sorted(beaten[w], key=pos.get))
                     for w in order)


def decided_ranking(rows: list[dict], dec: dict[tuple[str, str], str]) -> str | None:
    """The ranking as text, or None when no pair is decided (nothing is ranked)."""
    return ranking_text(rows, dec) if any(d != "tie" for d in dec.values()) else None


KINDS = {"every": "holds", "partly": "tuned-best-only", "depends": "depends",
         "none": "no-ranking"}


def robustness(tuned: str | None, per_config: dict[str, str | None]) -> dict:
    """Whether the ranking at the tuned best (each architecture at its validation-selected
    configuration) is the ranking in every configuration tried (``rule.ranking``).

    ``tuned`` and ``per_config`` values: ``decided_ranking`` texts (None: nothing decided).
    ``kind``: "one-config" (nothing else was tried), "holds" (the same ranking in every
    configuration), "tuned-best-only" (no other ranking anywhere, but some configurations
    decide nothing), "depends" (another ranking somewhere: the configurations are named),
    or "no-ranking" (nothing decided at the tuned best)."""
    if len(per_config) < 2:
        return {"kind": "one-config", "line": "", "by_ranking": {}, "undecided": []}
    a = rule.ranking(per_config, tuned)
    return {"kind": KINDS[a.kind], "line": a.line, "by_ranking": a.by_winner,
            "undecided": a.undecided}
