"""`rnncli advise`: schema, determinism, the scoring's reasons, fitted settings, the snippet."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest
from draws import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from rnncli import archs, formulas
from rnncli.knowledge import advice, advice_settings
from rnncli.knowledge.sources import SOURCES

TORCH_ARCHS = archs.names(torch_only=True)  # advise recommends among rnn, gru, lstm

ALL = ["--seq-len", "50", "--complexity", "complex", "--budget", "abundant", "--data",
       "large", "--task", "generation", "--input-size", "16"]


def test_json_schema(cli):
    d = cli.json("advise", "--seq-len", "300", "--budget", "limited")
    assert set(d) >= {"recommendation", "runner_up", "scores", "reasons", "settings",
                      "assumed"}
    assert set(d["scores"]) == {"rnn", "gru", "lstm"}
    assert all(isinstance(v, (int, float)) for v in d["scores"].values())
    assert d["recommendation"] != d["runner_up"]
    assert d["scores"][d["recommendation"]] >= d["scores"][d["runner_up"]]
    for r in d["reasons"]:
        assert set(r) >= {"question", "answer", "points", "why", "source"}
        assert r["why"] and (r["source"] in SOURCES or r["evidence"] in ("computed",
                                                                          "measured"))
    for n in d["settings"]["notes"]:
        assert n["source"] is None or n["source"] in SOURCES
    # every point has a reason: the scores are the sums of the reasons' points
    for arch in TORCH_ARCHS:
        assert d["scores"][arch] == sum(r["points"][arch] for r in d["reasons"])


def test_same_answers_same_advice(cli):
    assert cli.json("advise", *ALL) == cli.json("advise", *ALL)


def test_assumed_lists_defaults_only_when_missing(cli):
    d = cli.json("advise", "--seq-len", "10")
    assert "complexity=simple" in d["assumed"] and "data=small" in d["assumed"]
    assert not any(a.startswith("seq-len") for a in d["assumed"])
    assert cli.json("advise", *ALL)["assumed"] == []


@pytest.mark.parametrize("args, best", [
    (["--seq-len", "10", "--complexity", "simple", "--budget", "limited", "--data", "large"],
     "rnn"),
    (["--seq-len", "10", "--complexity", "simple", "--budget", "limited", "--data", "small"],
     "gru"),  # a 4-4 tie with the RNN goes to the GRU (the lesson: start with GRU)
    (["--seq-len", "200", "--task", "counting"], "lstm"),
    (["--seq-len", "200", "--complexity", "simple", "--budget", "limited", "--data",
      "small"], "gru"),
])
def test_recommendations_follow_the_guide(cli, args, best):
    assert cli.json("advise", *args)["recommendation"] == best


def test_long_sequences_with_tiny_budget_is_a_reasoned_tradeoff(cli):
    d = cli.json("advise", "--seq-len", "500", "--budget", "limited", "--data", "large",
                 "--complexity", "complex")
    assert d["tradeoff"] and "favours" in d["tradeoff"]
    assert d["recommendation"] in ("gru", "lstm")
    cited = {r["source"] for r in d["reasons"]}
    assert "rnncli-memory" in cited and "arjovsky2016" in cited and "bengio1994" not in cited


def test_counting_cites_weiss(cli):
    d = cli.json("advise", "--task", "counting", "--seq-len", "40")
    r = next(r for r in d["reasons"] if r["question"] == "task")
    assert r["source"] == "weiss2018" and r["points"]["lstm"] > r["points"]["gru"]


def test_params_max_fits_the_widest_hidden_size(cli):
    d = cli.json("advise", "--params-max", "50000", "--input-size", "32", "--task",
                 "counting", "--seq-len", "60")
    s = d["settings"]
    arch, h, layers = s["arch"], s["hidden_size"], s["num_layers"]
    assert s["params"] == formulas.param_count(arch, 32, h, layers) <= 50000
    assert formulas.param_count(arch, 32, h + 1, layers) > 50000


def test_dropout_only_between_layers(cli):
    one = cli.json("advise", "--complexity", "simple")["settings"]
    two = cli.json("advise", "--complexity", "complex", "--data", "large")["settings"]
    assert one["num_layers"] == 1 and one["dropout"] == 0.0
    assert two["num_layers"] == 2 and two["dropout"] > 0


def _padded_batch(torch, task: str, i: int):
    """Three sequences of lengths 5, 2, 3, padded to 5, and the same padded to 9."""
    lengths = torch.tensor([5, 2, 3])
    if task == "generation":
        x = torch.zeros(3, 5, dtype=torch.long)
        for b, n in enumerate(lengths.tolist()):
            x[b, :n] = torch.randint(4, 1000, (n,))
        more = torch.cat([x, torch.zeros(3, 4, dtype=torch.long)], dim=1)
    else:
        x = torch.randn(3, 5, i) * (torch.arange(5)[None, :, None] < lengths[:, None, None])
        more = torch.cat([x, torch.zeros(3, 4, i)], dim=1)
    return x, more, lengths


def _predict(torch, model, task, x, lengths):
    if task == "classification":
        return model(x, lengths)
    out, _ = model(x)
    real = torch.arange(out.size(1))[None, :] < lengths[:, None]
    return out[real]  # the outputs at real steps only


def _targets(torch, task, x, lengths):
    if task == "classification":
        return (x, lengths, torch.randint(0, 2, (3,)))
    if task == "generation":
        return (x,)
    y = (torch.randint(0, 2, x.shape[:2]) if task == "counting"
         else torch.randn(*x.shape[:2], 1))
    return (x, lengths, y)


@pytest.mark.parametrize("arch", TORCH_ARCHS)
@pytest.mark.parametrize("task", ["classification", "streaming", "counting", "generation"])
def test_snippet_runs_and_padding_never_changes_a_prediction(arch, task):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    answers = {**advice.DEFAULTS, "input_size": 5, "task": task, "params_max": 2000,
               "complexity": "complex", "data": "large", "budget": "abundant"}
    s = advice_settings.settings(arch, answers)
    assert max(len(line) for line in s["snippet"].splitlines()) <= 80
    assert "out[:, -1]" not in s["snippet"]
    ns: dict = {}
    exec(compile(s["snippet"], "<snippet>", "exec"), ns)
    model = ns["model"]
    assert sum(p.numel() for p in model.rnn.parameters()) == s["params"]
    x, more, lengths = _padded_batch(torch, task, 5)
    model.eval()
    with torch.no_grad():
        a = _predict(torch, model, task, x, lengths)
        b = _predict(torch, model, task, more, lengths)
    assert torch.allclose(a, b, atol=1e-6), (arch, task)
    assert math.isfinite(ns["train_step"](*_targets(torch, task, x, lengths), 0))
    if task == "generation":
        tokens = ns["sample"](max_len=5, temperature=0.7)
        assert len(tokens) <= 5 and all(0 <= t < 1000 for t in tokens)
    if arch == "lstm":
        h = s["hidden_size"]
        total = model.rnn.bias_ih_l0[h:2 * h] + model.rnn.bias_hh_l0[h:2 * h]
        assert torch.allclose(total, torch.ones(h), atol=0.05)  # one AdamW step moved it


def test_classification_snippet_reads_h_n_of_a_packed_batch():
    s = advice_settings.settings("gru", {**advice.DEFAULTS})
    assert "pack_padded_sequence" in s["snippet"] and "h_n[-1]" in s["snippet"]


def test_generation_snippet_is_a_language_model_not_a_regression():
    s = advice_settings.settings("lstm", {**advice.DEFAULTS, "task": "generation",
                                          "data": "large"})["snippet"]
    assert "mse_loss" not in s and "softmax" in s and "temperature" in s
    assert "teacher forcing" in s and "rnncli seq2seq" in s


def test_warmup_note_matches_the_data_size(cli):
    small = cli.json("advise", "--data", "small")["settings"]["notes"]
    large = cli.json("advise", "--data", "large")["settings"]["notes"]
    warm = {n["setting"]: n["why"] for n in small}["warmup_steps"]
    assert "shortened to 100" in warm
    warm = {n["setting"]: n["why"] for n in large}["warmup_steps"]
    assert "shortened" not in warm and "1000" in warm
    assert all(n["source"] != "goyal2017" for n in small + large)


def test_rnn_is_not_penalised_where_this_tool_measured_it_solving(cli):
    d = cli.json("advise", "--seq-len", "50")
    pts = [r["points"]["rnn"] for r in d["reasons"] if r["question"] == "seq_len"]
    assert sum(pts) == 0
    sources = {r["source"] for r in d["reasons"] if r["question"] == "seq_len"}
    assert sources == {"lesson", "rnncli-memory"}
    long = cli.json("advise", "--seq-len", "100")
    assert sum(r["points"]["rnn"] for r in long["reasons"] if r["question"] == "seq_len") < 0


def test_tie_break_is_stated(cli):
    d = cli.json("advise", "--seq-len", "10", "--complexity", "simple", "--budget",
                 "limited", "--data", "small")
    assert d["scores"]["gru"] == d["scores"]["rnn"]
    assert "tie-break" in d["tradeoff"] and "GRU, then LSTM, then RNN" in d["tradeoff"]


@pytest.mark.slow  # times the cells: about 1.5 s of CPU
def test_measure_feeds_the_compute_question(cli, monkeypatch):
    pytest.importorskip("torch")
    import rnncli.measure as measure

    real = measure.quick_measure
    monkeypatch.setattr(measure, "quick_measure",
                        lambda *a, **k: real(*a, **{**k, "budget_s": 0.3}))
    d = cli.json("advise", "--measure", "--seq-len", "3", "--input-size", "2",
                 "--params-max", "300", "--batch", "2", "--budget", "limited",
                 "--latency-ms", "10000")
    kinds = {r["question"]: r["evidence"] for r in d["reasons"]}
    assert kinds["budget"] == "measured" and kinds["latency_ms"] == "measured"
    assert set(d["measured"]["train"]) == {"rnn", "gru", "lstm"}
    assert all(v > 0 for v in d["measured"]["forward"].values())


def test_prompts_on_a_terminal(cli, monkeypatch):
    from rnncli.commands import advise as cmd

    monkeypatch.setattr(cmd, "_terminal", lambda: True)
    res = cli("advise", "--json", input="300\ncomplex\nlimited\nsmall\ncounting\n")
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert d["answers"]["seq_len"] == 300 and d["answers"]["task"] == "counting"
    assert d["recommendation"] == "lstm"


@pytest.mark.parametrize("args", [["--complexity", "medium"], ["--seq-len", "0"],
                                  ["--params-max", "1"], ["--latency-ms", "-5"],
                                  ["--task", "poetry"], ["--budget", "huge"],
                                  ["--input-size", "0"]])
def test_bad_input_is_one_line_exit_2(cli, args):
    res = cli("advise", *args)
    assert res.exit_code == 2
    assert "Traceback" not in res.output
    assert len(res.stderr.strip().splitlines()) == 1


def test_table_fits_80_columns(cli):
    res = cli("advise", "--seq-len", "500", "--budget", "limited", "--task", "counting")
    assert res.exit_code == 0
    assert max(len(line) for line in res.stdout.splitlines()) <= 80


@pytest.mark.slow  # a subprocess: a fresh interpreter start
def test_never_waits_without_a_terminal():
    p = subprocess.run([sys.executable, "-m", "rnncli", "advise"], capture_output=True,
                       text=True, stdin=subprocess.DEVNULL, timeout=60)
    assert p.returncode == 0
    assert "Recommendation" in p.stdout and "Assumed" in p.stdout


@settings(max_examples=examples(60), deadline=None)
@given(arch=st.sampled_from(TORCH_ARCHS), i=st.integers(1, 300),
       layers=st.integers(1, 3), pmax=st.integers(1, 3_000_000))
def test_max_hidden_is_the_widest_that_fits(arch, i, layers, pmax):
    h = formulas.max_hidden_for_params(arch, i, pmax, layers)
    assert formulas.param_count(arch, i, h + 1, layers) > pmax
    if h:
        assert formulas.param_count(arch, i, h, layers) <= pmax


@pytest.mark.parametrize("args", [["--params-max", "1000000000"],
                                  ["--input-size", "100000000"],
                                  ["--seq-len", "10000000"]])
def test_oversized_measure_is_refused_before_allocating(cli, monkeypatch, args):
    from rnncli.knowledge import advice_timing

    def never(*a, **k):
        raise AssertionError("cell_costs must not run")

    monkeypatch.setattr(advice_timing, "cell_costs", never)
    res = cli("advise", "--measure", *args)
    assert res.exit_code == 2, res.output
    (line,) = res.stderr.strip().splitlines()
    assert "GiB" in line and "--force" in line


def test_closed_choices_are_listed_in_help(cli):
    out = cli("advise", "--help").stdout
    for word in ("classification", "generation", "counting", "streaming", "limited",
                 "abundant", "simple", "complex", "small", "large", "--force"):
        assert word in out, word
