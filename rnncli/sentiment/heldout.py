"""Held-out compositional probes: did a model learn a composition, or only its examples?

The probe sets of the generated corpus (``rnncli.sentiment.probes``) split each of three
compositions into an in-distribution set (the template on words and pairs that training
shows composed) and a held-out set (the same template on words or pairs that training
never shows composed), in the spirit of SCAN's add-primitive split (Lake & Baroni 2018,
ICML: "jump" is trained only alone and tested in every composition):

- negation: "not X" for adjectives training shows only un-negated;
- contrast: "X but Y" for adjective pairs training never holds in one sentence;
- intensifier: "very X" for adjectives training shows only bare.

Every model, baselines included, gets its in-distribution and held-out accuracy side by
side (``per_model``) and one of three verdicts (``scope``, the shared
``rnncli.verdict.scope``): "generalises to held-out compositions", "in distribution
only" or "not shown". Each side is "held" only when its 95% Wilson interval lies at or
above ``claims.HELD`` (``verdict.threshold``, as the claims are judged): generalising
needs both sides held, in distribution only the in-distribution side. No torch here.
"""

from __future__ import annotations

from rnncli import verdict as rule
from rnncli.sentiment.claims import HELD
from rnncli.sentiment.probes import COMPOSITIONS, INTENSIFIERS, HeldOut

SCOPES = (rule.NOT_SHOWN, rule.IN_DISTRIBUTION, rule.GENERALISES.format(what="compositions"))
GROUP = ("generalises", "in distribution only", "not shown")  # SCOPES reversed, short
SOURCE = ("Lake & Baroni (2018), Generalization without Systematicity, ICML: the "
          "add-primitive ('jump') split of SCAN")


def applies(models: list[dict]) -> bool:
    """Whether the run had the held-out sets (the generated probes do; data sets do not)."""
    return bool(models) and all(f"{c}/held-out" in models[0]["sets"] for c in COMPOSITIONS)


def _side(s: dict) -> tuple[dict, rule.Verdict]:
    """One set's accuracy (mean over seeds), its Wilson interval and whether it is held."""
    ev = rule.accuracy_evidence(s["mean"], s["n"])
    entry = {"accuracy": s["mean"], "lo": ev.lo, "hi": ev.hi, "n": s["n"],
             "sd": s.get("sd", 0.0), "per_seed": s.get("per_seed", [s["mean"]])}
    return entry, rule.threshold("", ev, HELD)


def scope(seen: dict, held: dict) -> str:
    """What a model showed on one composition, from its two probe sets' summaries."""
    return rule.scope(_side(seen)[1], _side(held)[1], "compositions")


def per_model(sets: dict) -> dict:
    """``{composition: {"in_distribution", "held_out", "verdict"}}`` of one model."""
    out = {}
    for c in COMPOSITIONS:
        seen, held = sets[f"{c}/seen"], sets[f"{c}/held-out"]
        out[c] = {"in_distribution": _side(seen)[0], "held_out": _side(held)[0],
                  "verdict": scope(seen, held)}
    return out


def describe(held: HeldOut) -> dict:
    """The split itself, for the JSON and the lines (which words and pairs were held out)."""
    return {"bare": list(held.bare), "pairs": [list(p) for p in held.pairs],
            "intensifiers": list(INTENSIFIERS), "threshold": HELD, "source": SOURCE}


TEXT = {
    "negation": "negation of adjectives seen only un-negated ('not X', X: {bare})",
    "contrast": "'X but Y' for adjective pairs never seen together ({n_pairs} pairs)",
    "intensifier": "intensifiers on adjectives seen only bare ('very X', X: {bare})",
}


def _names(models: list[dict], c: str, kind: str) -> dict[str, str]:
    return {m["name"]: m["generalisation"][c]["verdict"] for m in models if m["kind"] == kind}


def _best(models: list[dict], c: str) -> tuple[str, list[str]]:
    """The best recurrent model's verdict, and the baselines that generalise."""
    rec = set(_names(models, c, "recurrent").values())
    word = next((w for w in reversed(SCOPES) if w in rec), SCOPES[0])
    return word, [n for n, v in _names(models, c, "baseline").items() if v == SCOPES[2]]


def _headline(word: str, base: list[str]) -> str:
    if word == SCOPES[2] and base:
        return f"{word.upper()}, and so does {' and '.join(base)} (no case for recurrence)"
    if base:
        return f"{word.upper()}, though {' and '.join(base)} generalises"
    return word.upper()


def _groups(models: list[dict], c: str) -> str:
    """'generalises: RNN 1.00->0.98; in distribution only: NB 0.94->0.09; ...'."""
    parts = []
    for word, label in zip(reversed(SCOPES), GROUP, strict=True):
        hit = [m for m in models if m["generalisation"][c]["verdict"] == word]
        if hit:
            parts.append(f"{label}: " + ", ".join(
                f"{m['name']} {m['generalisation'][c]['in_distribution']['accuracy']:.2f}->"
                f"{m['generalisation'][c]['held_out']['accuracy']:.2f}" for m in hit))
    return "; ".join(parts)


def verdicts(models: list[dict], held: HeldOut) -> list[dict]:
    """One verdict per composition over the recurrent models, baselines named beside."""
    if not applies(models) or not any(m["kind"] == "recurrent" for m in models):
        return []
    fill = {"bare": ", ".join(held.bare), "n_pairs": len(held.pairs)}
    out = []
    for c in COMPOSITIONS:
        text = TEXT[c].format(**fill)
        by = {m["name"]: m["generalisation"][c]["verdict"] for m in models}
        word, base = _best(models, c)
        line = (f"held out, {text}: {_headline(word, base)}; in distribution->held out, "
                f"{_groups(models, c)}")
        out.append({"claim": c, "verdict": word, "baselines_generalise": base, "models": by,
                    "line": line})
    return out
