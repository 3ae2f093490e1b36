"""The lesson's decision guide as a deterministic, documented score.

Every answer adds points to RNN, GRU and LSTM, each with a reason that quotes the
lesson's guide or a cited finding (keys into :mod:`rnncli.knowledge.sources`)
or a number this tool computes or measures.  The table of points is documented
in docs/advise.md; the same answers always give the same advice (measured
costs, with ``--measure``, are the only input that can change between runs).

Ties are broken in the order GRU, LSTM, RNN: the lesson's "starting out: try GRU
first".  No torch here; ``--measure`` timings come from
:func:`rnncli.knowledge.advice_timing.cell_costs`.
"""

from __future__ import annotations

from typing import Any

from rnncli import archs, fmt, formulas
from rnncli.errors import BadInput
from rnncli.knowledge import advice_settings
from rnncli.knowledge.sources import SOURCES

ARCHS: tuple[str, ...] = archs.names(torch_only=True)
NAMES = {a: archs.get(a).title for a in ARCHS}
TIE_ORDER = ("gru", "lstm", "rnn")
CHOICES = {
    "complexity": ("simple", "complex"),
    "budget": ("limited", "abundant"),
    "data": ("small", "large"),
    "task": ("classification", "generation", "counting", "streaming"),
}
#: What a question takes when neither a flag nor a prompt answered it.
DEFAULTS: dict[str, Any] = {"seq_len": 100, "complexity": "simple", "budget": "limited",
                            "data": "small", "task": "classification", "input_size": 64,
                            "batch": 32}
SHORT_SEQ = 20      # the lesson's guide: "< 20 time steps" is short (its threshold, no paper's)
LONG_SEQ = 100      # measured here (docs/memory.md): the tanh RNN solves the adding task at
#                     T = 50 and stays at the baseline from T = 100; Arjovsky et al. 2016 too
CHEAPER = 0.9       # an arch "costs less" when at most 90% of the costliest one
SLOW_PENALTY = -3   # over the user's --latency-ms, measured


def _reason(question: str, answer: Any, points: dict[str, float], why: str,
            source: str | None, kind: str = "computed") -> dict[str, Any]:
    """One scored reason; ``kind`` is 'source' when a key is given, else computed/measured."""
    if source is not None and source not in SOURCES:
        raise KeyError(f"unknown source key {source!r}")
    full = {a: float(points.get(a, 0)) for a in ARCHS}
    top = max(full.values())
    favours = [a for a in ARCHS if full[a] == top] if len(set(full.values())) > 1 else []
    return {"question": question, "answer": answer, "points": full, "favours": favours,
            "why": why, "source": source, "evidence": "source" if source else kind}


def _noisy(measured: dict[str, Any]) -> str:
    noisy = measured.get("noisy") or []
    if not noisy:
        return ""
    return f" (noisy: IQR > 10% of median for {', '.join(NAMES[a] for a in noisy)})"


def _cost_points(cost: dict[str, float]) -> dict[str, float]:
    worst = max(cost.values())
    return {a: (1.0 if cost[a] <= CHEAPER * worst else 0.0) for a in ARCHS}


def _seq_len_reasons(t: int) -> list[dict[str, Any]]:
    """Q1: the lesson's 20-step threshold, then what this tool measured on the adding task."""
    if t < SHORT_SEQ:
        return [_reason("seq_len", t, {"rnn": 2, "gru": 1},
                        f"{t} < {SHORT_SEQ} steps is short: the lesson's guide says consider "
                        "a vanilla RNN or a GRU", "lesson")]
    rs = [_reason("seq_len", t, {"gru": 2, "lstm": 2},
                  f"{t} ≥ {SHORT_SEQ} steps: the lesson's guide (its 20-step threshold) says "
                  "use LSTM or GRU", "lesson")]
    if t < LONG_SEQ:
        rs.append(_reason("seq_len", t, {},
                          f"no penalty for the RNN below {LONG_SEQ}: measured here, the tanh "
                          "RNN solved the adding task at T = 50 with H = 64 and 5000 steps "
                          "in 1 of 3 seeds (not with H = 32 and 2000: rnncli memory)",
                          "rnncli-memory"))
        return rs
    rs.append(_reason("seq_len", t, {"rnn": -2},
                      f"{t} ≥ {LONG_SEQ}: measured here, the tanh RNN stayed at the baseline "
                      "of the adding task at T = 100 and 200 while GRU and LSTM solved it",
                      "rnncli-memory"))
    rs.append(_reason("seq_len", t, {"rnn": -1},
                      f"{t} ≥ {LONG_SEQ}: Arjovsky et al. found the same from T = 100, and "
                      "gated cells solving it", "arjovsky2016"))
    return rs


def score(answers: dict[str, Any], measured: dict[str, Any] | None = None
          ) -> list[dict[str, Any]]:
    """All reasons (with points) for these answers; see docs/advise.md for the table."""
    t, i = answers["seq_len"], answers["input_size"]
    h = advice_settings.base_hidden(answers)
    params = {a: formulas.param_count(a, i, h) for a in ARCHS}
    rs: list[dict[str, Any]] = []
    rs += _seq_len_reasons(t)
    # Q2: complexity
    if answers["complexity"] == "simple":
        rs.append(_reason("complexity", "simple", {"rnn": 1, "gru": 1},
                          "simple patterns: the guide says a GRU may suffice; its table "
                          "gives the vanilla RNN simple patterns", "lesson"))
    else:
        rs.append(_reason("complexity", "complex", {"rnn": -1, "lstm": 1},
                          "complex patterns: the guide says LSTM is often better; only 1 "
                          "point: at equal parameter counts Chung et al. (2014) found GRU "
                          "and LSTM comparable",
                          "chung2014"))
    # Q3: compute budget (measured training time replaces parameters with --measure)
    if answers["budget"] == "limited":
        if measured and measured.get("train"):
            cost = measured["train"]
            what = ", ".join(f"{NAMES[a]} {fmt.ms(cost[a])}" for a in ARCHS)
            rs.append(_reason("budget", "limited", _cost_points(cost),
                              f"limited compute, measured training step here: {what}"
                              f"{_noisy(measured)}; a point to each cell at most "
                              f"{CHEAPER:.0%} of the slowest",
                              None, "measured"))
        else:
            what = ", ".join(f"{NAMES[a]} {params[a]:,}" for a in ARCHS)
            rs.append(_reason("budget", "limited", _cost_points(params),
                              f"limited compute, counted in parameters, not time: the guide "
                              f"says GRU (fewer parameters); exact counts at H={h}: {what} "
                              f"(GRU = 3/4, RNN = 1/4 of LSTM in PyTorch). Time can rank "
                              f"them the other way: in torch on CPU only nn.LSTM reaches "
                              f"oneDNN's fused RNN kernel, nn.GRU/nn.RNN run step by step, "
                              f"and rnncli bench measured the GRU slower to train (torch's "
                              f"kernel: rnncli bench --runtime all names the fastest runtime "
                              f"for your shapes); --measure scores the time here instead",
                              "lesson"))
    else:
        rs.append(_reason("budget", "abundant", {"lstm": 1},
                          "abundant compute: the guide says LSTM for best performance; only "
                          "1 point: at equal parameter counts Chung et al. (2014) found the "
                          "two comparable",
                          "chung2014"))
    # Q4: data
    if answers["data"] == "small":
        rs.append(_reason("data", "small", {"gru": 1},
                          "small data: the lesson's guide says GRU (3/4 of LSTM's parameters "
                          "at the same width); no study we cite tested data size, and a "
                          "narrower LSTM has as few parameters",
                          "lesson"))
    else:
        rs.append(_reason("data", "large", {"lstm": 1},
                          "large data: the lesson's guide says LSTM (no study we cite tested "
                          "data size)", "lesson"))
    rs.extend(_refinements(answers, measured, h))
    return rs


def _task_reason(answers: dict[str, Any], h: int) -> list[dict[str, Any]]:
    task = answers.get("task")
    if task == "counting":
        return [_reason("task", task, {"rnn": -1, "gru": -1, "lstm": 3},
                        "counting (aⁿbⁿ-like): an LSTM can implement a counter in its "
                        "cell, a finite-precision GRU or tanh RNN cannot (Weiss et al. "
                        "prove it; their LSTMs counted beyond the trained n). Not shown "
                        "here: in rnncli memory --task counting --seq-len 20 all three "
                        "solved the trained n and none generalised to longer runs",
                        "weiss2018")]
    if task == "generation":
        return [_reason("task", task, {},
                        "generation / language modelling: no points. Jozefowicz et al. "
                        "(2015) found that a forget-gate bias of 1 closes the gap between "
                        "the LSTM and the GRU; that the LSTM leads on language modelling "
                        "is not verified here, so neither cell gets a point for it",
                        "jozefowicz2015")]
    if task == "streaming":
        i = answers["input_size"]
        fl = {a: formulas.forward_flops(a, i, h) for a in ARCHS}
        what = ", ".join(f"{NAMES[a]} {fl[a]:,}" for a in ARCHS)
        return [_reason("task", task, _cost_points(fl),
                        f"streaming: cost per step matters; forward FLOPs per step at "
                        f"H={h}: {what}", None)]
    return [_reason("task", task, {},
                    "classification: no consistent winner between GRU and LSTM at equal "
                    "parameter counts, so no points", "chung2014")]


def _latency_reason(lat: float, measured: dict[str, Any] | None) -> dict[str, Any]:
    fwd = (measured or {}).get("forward")
    if not fwd:
        return _reason("latency_ms", lat, {},
                       f"latency limit {lat:g} ms not checked: wall time depends on the "
                       "machine; add --measure to time each cell here", None)
    over = {a: (SLOW_PENALTY if fwd[a] * 1e3 > lat else 0) for a in ARCHS}
    what = ", ".join(f"{NAMES[a]} {fmt.ms(fwd[a])}" for a in ARCHS)
    return _reason("latency_ms", lat, over,
                   f"measured forward pass of one sequence (batch 1): {what}"
                   f"{_noisy(measured or {})}; {SLOW_PENALTY} to each over your {lat:g} ms"
                   f"{_fastest_runtimes(fwd, (measured or {}).get('runtimes'))}",
                   None, "measured")


def _fastest_runtimes(torch_s: dict[str, float], other: dict | None) -> str:
    """'; fastest runtime measured: GRU onnxruntime 0.7 ms, ...' (same weights)."""
    if not other:
        return ""
    parts = []
    for a in ARCHS:
        times = {"torch": torch_s[a], **{n: t[a] for n, t in other.items() if a in t}}
        best = min(times, key=times.get)
        parts.append(f"{NAMES[a]} {best} {fmt.ms(times[best])}")
    return (f"; fastest runtime measured (same weights, torch, {', '.join(other)}): "
            f"{', '.join(parts)}")


def _params_reason(answers: dict[str, Any], pmax: int) -> dict[str, Any]:
    fit = advice_settings.fitted_widths(answers)
    pts = {a: (-10 if fit[a]["hidden_size"] == 0 else 0) for a in ARCHS}
    what = ", ".join(f"{NAMES[a]} H={fit[a]['hidden_size']}×{fit[a]['num_layers']}"
                     for a in ARCHS)
    return _reason("params_max", pmax, pts,
                   f"at most {pmax:,} parameters: widest fit {what}; a cell that cannot fit "
                   "gets -10", None)


def _refinements(answers: dict[str, Any], measured: dict[str, Any] | None,
                 h: int) -> list[dict[str, Any]]:
    rs = _task_reason(answers, h)
    if answers.get("latency_ms") is not None:
        rs.append(_latency_reason(answers["latency_ms"], measured))
    if answers.get("params_max") is not None:
        rs.append(_params_reason(answers, answers["params_max"]))
    return rs


def totals(reasons: list[dict[str, Any]]) -> dict[str, float]:
    """Sum of points per architecture."""
    return {a: sum(r["points"][a] for r in reasons) for a in ARCHS}


def ranking(scores: dict[str, float]) -> list[str]:
    """Architectures best first; ties broken in TIE_ORDER (GRU, LSTM, RNN)."""
    return sorted(ARCHS, key=lambda a: (-scores[a], TIE_ORDER.index(a)))


_COMPROMISE = {
    "gru": "The GRU sits between the others: gated like the LSTM, so it keeps long-range "
           "information, at 3/4 of the LSTM's parameters.",
    "lstm": "If cost binds, keep the LSTM but narrow it (--params-max fits the width) before "
            "giving up its cell.",
    "rnn": "The vanilla RNN is the cheapest; if it cannot learn the task, a GRU is the next "
           "step up.",
}


def _margin(gap: float) -> str:
    """How close the call was, with the tie-break rule stated when it decided."""
    if gap == 0:
        return (" on the tie-break (ties go to GRU, then LSTM, then RNN: the lesson's "
                "'start with a GRU'), a close call: try both.")
    return ", a close call: try both." if gap <= 1 else "."


def tradeoff(reasons: list[dict[str, Any]], scores: dict[str, float],
             rank: list[str]) -> str | None:
    """Explain the pull between answers that favour different architectures (else None)."""
    best, second = rank[0], rank[1]
    pulling = [r for r in reasons if r["favours"]]
    clash = len({frozenset(r["favours"]) for r in pulling}) > 1
    against = [r for r in pulling if best not in r["favours"]]
    if not (clash or against):
        return None

    def said(rs: list[dict[str, Any]]) -> str:
        parts = [f"{r['question']}={r['answer']} favours "
                 f"{'/'.join(NAMES[a] for a in r['favours'])}" for r in rs]
        return "; ".join(dict.fromkeys(parts))

    if against:
        text = (f"Your answers pull apart ({said(against)}). {NAMES[best]} still wins "
                f"{scores[best]:g} to {scores[second]:g} over {NAMES[second]}"
                + _margin(scores[best] - scores[second]))
    else:
        text = (f"Your answers pull toward different cells ({said(pulling)}); "
                f"{NAMES[best]} is the one every one of them accepts.")
    return text + " " + _COMPROMISE[best]


def _check_numbers(answers: dict[str, Any]) -> None:
    for key in ("seq_len", "input_size", "batch", "params_max"):
        v = answers.get(key)
        if v is not None and (not isinstance(v, int) or v < 1):
            raise BadInput(f"--{key.replace('_', '-')} must be an integer >= 1, got {v}")
    lat = answers.get("latency_ms")
    if lat is not None and not 0 < lat < float("inf"):
        raise BadInput(f"--latency-ms must be a finite number > 0, got {lat}")


def validate(answers: dict[str, Any]) -> dict[str, Any]:
    """Check answer values; raise BadInput with one line naming the problem."""
    _check_numbers(answers)
    for key, allowed in CHOICES.items():
        v = answers.get(key)
        if v is not None and v not in allowed:
            raise BadInput(f"--{key}: unknown value {v!r}; accepted: {', '.join(allowed)}")
    pmax = answers.get("params_max")
    if pmax is not None:
        smallest = formulas.param_count("rnn", answers.get("input_size") or 64, 1)
        if pmax < smallest:
            raise BadInput(f"--params-max {pmax} is too small: the smallest network (an RNN "
                           f"with 1 hidden unit) needs {smallest} parameters")
    return answers


def advise(answers: dict[str, Any], assumed: list[str] | None = None,
           measured: dict[str, Any] | None = None) -> dict[str, Any]:
    """The whole advice as data (the ``--json`` schema of ``rnncli advise``)."""
    validate(answers)
    reasons = score(answers, measured)
    scores = totals(reasons)
    rank = ranking(scores)
    settings = advice_settings.settings(rank[0], answers)
    keys = sorted({r["source"] for r in reasons if r["source"]}
                  | {n["source"] for n in settings["notes"] if n["source"]})
    return {
        "recommendation": rank[0],
        "runner_up": rank[1],
        "scores": scores,
        "ranking": rank,
        "reasons": reasons,
        "tradeoff": tradeoff(reasons, scores, rank),
        "settings": settings,
        "assumed": list(assumed or []),
        "answers": answers,
        "measured": measured,
        "sources": {k: SOURCES[k] for k in keys},
    }
