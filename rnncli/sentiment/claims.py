"""The lesson's claims about its SentimentLSTM, each judged on the probe set that isolates
it, and the test-set outcome, all through the shared rule (:mod:`rnncli.verdict`).

A claim is "held" when the best recurrent model's 95% Wilson interval on its probe set
lies at or above ``HELD``; "not held" when it lies below; "not decided" when it straddles
the bar; "held by the bag of words too" when a baseline without recurrence also clears the
bar (then the claim is no evidence for recurrence). The test-set outcome compares the best
recurrent model with the best baseline, and the two best recurrent models, by the
difference of their accuracies (Newcombe's interval): "beats" only when it excludes 0,
ties called ties, and a test split under ``verdict.MIN_EXAMPLES`` sentences refused.
Every verdict carries the numbers it rests on.
"""

from __future__ import annotations

from rnncli import verdict as rule
from rnncli.sentiment.probes import MEMORY_KS

HELD = 0.85

CLAIMS = (
    ("order", "order", "word order (same words, opposite labels)"),
    ("negation", "negation", "negation (not bad, not good, double, scope)"),
    ("contrast", "contrast", "context: 'X but Y' is decided by Y"),
    ("override", "override", "long range: 'although ... , overall Y' (overriding)"),
    ("memory", "memory", f"long range: memory across {MEMORY_KS[-1]} filler words"),
)


def _acc(model: dict, claim: str) -> float:
    if claim == "memory":
        return model["sets"]["memory"]["by_k"][str(MEMORY_KS[-1])]
    return model["sets"][claim]["mean"]


def _n(model: dict, claim: str) -> int:
    """Probe sentences behind ``_acc`` (the memory set has as many for every k)."""
    n = int(model["sets"][claim].get("n", 0))
    return n // len(MEMORY_KS) if claim == "memory" else n


def _held(model: dict, claim: str) -> rule.Verdict:
    ev = rule.accuracy_evidence(_acc(model, claim), _n(model, claim))
    return rule.threshold(model["name"], ev, HELD)


def _numbers(models: list[dict], claim: str) -> str:
    parts = [f"{m['name']} {_acc(m, claim):.2f}" for m in models]
    return ", ".join(parts)


def _word(best: rule.Verdict | None, base_held: list[str]) -> str:
    if best is None or best.outcome == "not held":
        return "not held"
    if not best.decided:
        return best.outcome  # "not decided" or "too small"
    return "held by the bag of words too" if base_held else "held"


def verdict(models: list[dict], claim: str) -> dict:
    rec = [m for m in models if m["kind"] == "recurrent"]
    base_held = [m["name"] for m in models
                 if m["kind"] == "baseline" and _held(m, claim).decided]
    best = max(rec, key=lambda m: _acc(m, claim), default=None)
    best_v = _held(best, claim) if best is not None else None
    return {"claim": claim, "verdict": _word(best_v, base_held),
            "best": best["name"] if best else None,
            "accuracy": {m["name"]: _acc(m, claim) for m in models},
            "rule": best_v.as_dict() if best_v else None,
            "baselines_held": base_held}


NOTES = {
    "order": "the lesson's 'good not' is not English ('not' comes before what it negates), "
             "so these pairs use 'good , not bad' / 'bad , not good' and 'X but Y' / 'Y but X'",
    "override": "the deciding word comes last, so this tests overriding, not memory",
    "contrast": "'1st' in the probe table: how often a model follows X instead",
}


def verdicts(models: list[dict]) -> list[dict]:
    """One verdict per claim whose probe set was run."""
    if not any(m["kind"] == "recurrent" for m in models) or "order" not in models[0]["sets"]:
        return []
    out = []
    for claim, _set, text in CLAIMS:
        v = verdict(models, claim)
        v["text"] = text
        v["note"] = NOTES.get(claim)
        held_by = v["baselines_held"]
        also = (f", though {' and '.join(held_by)} reach{'es' if len(held_by) == 1 else ''} "
                f"{HELD}" if v["verdict"] == "not held" and held_by else "")
        v["line"] = (f"{text}: {v['verdict'].upper()}{also} ({_numbers(models, claim)}"
                     f"{_bar(v)})" + (f"; {v['note']}" if v["note"] else ""))
        out.append(v)
    out.append(padding_verdict(models))
    return out


def _bar(v: dict) -> str:
    """The evidence behind the best model's word: its interval against the bar."""
    ev = (v.get("rule") or {}).get("evidence")
    if not ev or ev["lo"] is None:
        return ""
    return (f"; best {v['best']} 95% {rule.span(ev['lo'], ev['hi'])} against the bar "
            f"{HELD}")


def _accuracy(m: dict) -> rule.Accuracy:
    return rule.Accuracy(m["name"], m["sets"]["test"]["mean"], int(m["sets"]["test"]["n"]))


def _ranked(models: list[dict], kind: str) -> list[dict]:
    """Models of one kind, best test accuracy first."""
    return sorted((m for m in models if m["kind"] == kind),
                  key=lambda m: -m["sets"]["test"]["mean"])


def _refused(n: int) -> dict:
    line = (f"test set: too small to decide: {n} sentence{'s' if n != 1 else ''}, at "
            f"least {rule.MIN_EXAMPLES} needed to call any model better (give more "
            "data, or --test with a larger file)")
    return {"lines": [line], "verdicts": [], "refused": True}


def outcome(models: list[dict]) -> dict:
    """Who wins on the test set: the best recurrent model against the best baseline, and
    against the runner-up recurrent model (the shared rule decides every word)."""
    rec, base = _ranked(models, "recurrent"), _ranked(models, "baseline")
    if not rec:
        return {"lines": [], "verdicts": []}
    n = int(rec[0]["sets"]["test"]["n"])
    if n < rule.MIN_EXAMPLES:
        return _refused(n)
    pairs = [("best baseline vs best recurrent", base[0], rec[0])] if base else []
    pairs += [("best two recurrent", rec[0], rec[1])] if len(rec) > 1 else []
    found = [(head, rule.compare_accuracies(_accuracy(a), _accuracy(b)))
             for head, a, b in pairs]
    return {"lines": [f"test set, {head}: {f.line}" for head, f in found],
            "verdicts": [f.as_dict() for _, f in found]}


def padding_verdict(models: list[dict]) -> dict:
    """The lesson's ``output[:, -1]`` beside the packed ``h_n``, with pads appended."""
    rec = [m for m in models if "padding" in m]
    parts = []
    for m in rec:
        p = m["padding"]
        parts.append(f"{m['name']} {p['lesson_acc']:.2f}->{p['lesson_acc_padded']:.2f} "
                     f"({p['lesson_changed']:.0%} changed)")
    pads = int(rec[0]["padding"]["pads"]) if rec else 0
    packed_same = all(m["padding"]["packed_changed"] == 0 for m in rec)
    lesson_same = all(m["padding"]["lesson_changed"] == 0 for m in rec)
    word = ("packed h_n padding-invariant" if packed_same else "packed h_n CHANGED") + (
        "; output[:, -1] invariant here" if lesson_same else "; output[:, -1] NOT invariant")
    line = (f"padding (+{pads} pads on the order set): {word}; the lesson's "
            f"output[:, -1] accuracy unpadded->padded: {', '.join(parts)}")
    return {"claim": "padding", "verdict": word, "line": line,
            "accuracy": {m["name"]: m["padding"] for m in rec}}
