"""The lesson's claims about its SentimentLSTM, each judged on the probe set that isolates
it: held (the best recurrent model reaches ``HELD``), not held, or held by the bag of
words too (a baseline without recurrence reaches ``HELD`` as well, so the claim is no
evidence for recurrence). Every verdict carries the numbers it rests on.
"""

from __future__ import annotations

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


def _numbers(models: list[dict], claim: str) -> str:
    parts = [f"{m['name']} {_acc(m, claim):.2f}" for m in models]
    return ", ".join(parts)


def _word(held: bool, base_held: list[str]) -> str:
    if not held:
        return "not held"
    return "held by the bag of words too" if base_held else "held"


def verdict(models: list[dict], claim: str) -> dict:
    rec = [m for m in models if m["kind"] == "recurrent"]
    base_held = [m["name"] for m in models
                 if m["kind"] == "baseline" and _acc(m, claim) >= HELD]
    best = max(rec, key=lambda m: _acc(m, claim), default=None)
    held = best is not None and _acc(best, claim) >= HELD
    return {"claim": claim, "verdict": _word(held, base_held),
            "best": best["name"] if best else None,
            "accuracy": {m["name"]: _acc(m, claim) for m in models},
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
        v["line"] = (f"{text}: {v['verdict'].upper()}{also} ({_numbers(models, claim)})"
                     + (f"; {v['note']}" if v["note"] else ""))
        out.append(v)
    out.append(padding_verdict(models))
    return out


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
