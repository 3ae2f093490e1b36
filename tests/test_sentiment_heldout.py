"""`rnncli sentiment`: the held-out compositional split is real, every model and baseline
reports in-distribution beside held-out accuracy, and the verdict says which was shown."""

from __future__ import annotations

import pytest

from rnncli.sentiment import heldout, probes
from rnncli.tokens import words

ADJ = probes.POSITIVE + probes.NEGATIVE


@pytest.fixture(scope="module", params=[0, 1])
def corpus(request):
    c = probes.build(seed=request.param)  # the default sizes: what the command trains on
    assert c.held_out == probes.held_out(request.param)
    return c


def _trained_texts(c) -> list[str]:
    """Everything a model learns from or is judged in distribution on."""
    in_dist = [s for name, sents in c.probes.items() if not name.endswith("/held-out")
               for s in sents]
    return [s.text for s in c.train + c.val + c.test + in_dist]


def test_no_held_out_composition_appears_in_training(corpus):
    held = corpus.held_out
    train = [words(s.text) for s in corpus.train]
    for toks in train:
        bigrams = set(zip(toks, toks[1:], strict=False))
        for a in held.bare:
            assert ("not", a) not in bigrams
            assert not any((i, a) in bigrams for i in probes.INTENSIFIERS)
            if a in toks:  # a bare word shares no sentence with a negator or intensifier
                assert not {"not", *probes.INTENSIFIERS} & set(toks)
        for p, n in held.pairs:
            assert not (p in toks and n in toks), (p, n, toks)
    for text in _trained_texts(corpus):  # validation, test and in-distribution probes too
        assert held.allows(text), text


def test_held_out_words_and_pairs_are_seen_in_training_otherwise(corpus):
    """Like SCAN's 'jump': each part is trained, only the composition is new."""
    held = corpus.held_out
    toks = [set(words(s.text)) for s in corpus.train]
    for a in held.bare:
        assert sum(a in t for t in toks) >= 20, a
    but = [t for t in toks if "but" in t and "only" not in t]
    for p, n in held.pairs:
        assert any(p in t for t in but) and any(n in t for t in but)
    assert len(held.bare) == 4 and len(held.pairs) == probes.HELD_OUT_PAIRS
    assert set(held.bare) <= set(ADJ) and not set(held.bare) & {w for pr in held.pairs
                                                                 for w in pr}


def test_held_out_sets_hold_only_held_out_compositions(corpus):
    held, p = corpus.held_out, corpus.probes
    seen = {s.text for s in corpus.train}
    for c in probes.COMPOSITIONS:
        assert len(p[f"{c}/seen"]) == len(p[f"{c}/held-out"]) == 200
        assert not seen & {s.text for s in p[f"{c}/held-out"]}
        assert all(not held.allows(s.text) for s in p[f"{c}/held-out"])
    for s in p["negation/held-out"]:
        adj = [w for w in words(s.text) if w in ADJ]
        assert adj[0] in held.bare and f"not {adj[0]}" in s.text
        assert s.label == 1 - (adj[0] in probes.POSITIVE)
    for s in p["intensifier/held-out"]:
        toks = words(s.text)
        adj = [w for w in toks if w in ADJ]
        assert adj[0] in held.bare and toks[toks.index(adj[0]) - 1] in probes.INTENSIFIERS
        assert s.label == (adj[0] in probes.POSITIVE)
    pairs = {frozenset(pr) for pr in held.pairs}
    for s in p["contrast/held-out"]:
        adj = [w for w in words(s.text) if w in ADJ]
        assert frozenset(adj) in pairs and s.label == (adj[-1] in probes.POSITIVE)


def _entry(acc: float, lo: float) -> dict:
    return {"mean": acc, "lo": lo, "hi": min(1.0, acc + 0.05), "n": 200}


def _model(name: str, kind: str, neg: tuple, other=(1.0, 0.98)) -> dict:
    sets = {}
    for c in probes.COMPOSITIONS:
        (a, la), (b, lb) = neg if c == "negation" else ((other[0], other[1]),) * 2
        sets[f"{c}/seen"], sets[f"{c}/held-out"] = _entry(a, la), _entry(b, lb)
    return {"name": name, "kind": kind, "sets": sets,
            "generalisation": heldout.per_model(sets)}


def test_verdict_says_what_was_shown():
    nb = _model("NB", "baseline", ((0.94, 0.90), (0.09, 0.06)))
    boe = _model("BoE", "baseline", ((0.20, 0.15), (0.20, 0.15)))
    lstm = _model("LSTM", "recurrent", ((1.0, 0.98), (0.77, 0.71)))
    rnn = _model("RNN", "recurrent", ((1.0, 0.98), (0.97, 0.94)))
    edge = _model("GRU", "recurrent", ((1.0, 0.98), (0.88, 0.83)))  # point >= 0.85, lo below
    assert nb["generalisation"]["negation"]["verdict"] == "in distribution only"
    assert boe["generalisation"]["negation"]["verdict"] == "not shown"
    assert lstm["generalisation"]["negation"]["verdict"] == "in distribution only"
    assert edge["generalisation"]["negation"]["verdict"] == "in distribution only"
    assert rnn["generalisation"]["negation"]["verdict"] == \
        "generalises to held-out compositions"
    held = probes.held_out(0)
    neg = heldout.verdicts([nb, boe, lstm], held)[0]
    assert neg["verdict"] == "in distribution only" and neg["claim"] == "negation"
    assert "IN DISTRIBUTION ONLY" in neg["line"] and "NB 0.94->0.09" in neg["line"]
    assert "not shown: BoE 0.20->0.20" in neg["line"]
    assert all(a in neg["line"] for a in held.bare)
    neg = heldout.verdicts([nb, lstm, rnn], held)[0]
    assert neg["line"].split(";")[0].endswith("GENERALISES TO HELD-OUT COMPOSITIONS")
    assert "generalises: RNN 1.00->0.97" in neg["line"]
    contrast = heldout.verdicts([nb, lstm], held)[1]  # NB generalises on 'X but Y' too
    assert "and so does NB (no case for recurrence)" in contrast["line"]
    assert contrast["verdict"] == "generalises to held-out compositions"
    assert contrast["baselines_generalise"] == ["NB"]
    assert heldout.verdicts([nb, boe], held) == []  # no recurrent model: no verdict
    assert not heldout.applies([{"sets": {"test": {}}}])  # real data: no held-out sets


@pytest.mark.slow  # trains or measures end to end (~0.4-0.6 s CPU)
def test_json_reports_in_distribution_and_held_out_for_every_model(cli):
    data = cli.json("sentiment", "--steps", "2", "--embed", "4", "--hidden", "4")
    names = [m["name"] for m in data["models"]]
    assert names == ["NB uni+bigram", "bag of embeddings", "RNN", "GRU", "LSTM"]
    for m in data["models"]:
        assert set(m["generalisation"]) == set(probes.COMPOSITIONS)
        for c, g in m["generalisation"].items():
            for side, name in (("in_distribution", "seen"), ("held_out", "held-out")):
                assert g[side]["accuracy"] == m["sets"][f"{c}/{name}"]["mean"]
                assert 0 <= g[side]["lo"] <= g[side]["accuracy"] <= g[side]["hi"] <= 1
                assert g[side]["n"] == 200
            assert g["verdict"] in heldout.SCOPES
    held = data["held_out"]
    assert held["bare"] == list(probes.held_out(0).bare) and len(held["pairs"]) == 12
    assert [v["claim"] for v in held["verdicts"]] == list(probes.COMPOSITIONS)
    assert all(v["verdict"] in heldout.SCOPES for v in held["verdicts"])
    assert all(set(v["models"]) == set(names) for v in held["verdicts"])
