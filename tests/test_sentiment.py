"""rnncli sentiment: probe sets isolate their claims, the model reads packed final states,
the checkpoint round-trips through weights_only loading, gates recomputed equal torch."""

from __future__ import annotations

import collections
import json

import pytest
import torch

from rnncli.errors import BadInput
from rnncli.sentiment import probes
from rnncli.sentiment.baselines import NaiveBayes
from rnncli.sentiment.models import (
    BagOfEmbeddings,
    ModelConfig,
    build,
    lesson_logits,
    pack,
    predict_from_checkpoint,
)
from rnncli.sentiment.stats import gate_saturation
from rnncli.sentiment.train import FitConfig, accuracy, encode, fit, pad_batch, predict
from rnncli.tokens import Vocab, checkpoint_meta, words


@pytest.fixture(scope="module")
def corpus():
    return probes.build(seed=0, n_train=600, n_probe=60)


@pytest.fixture(scope="module")
def vocab(corpus):
    return Vocab.build(words(s.text) for s in corpus.train)


def test_probes_are_deterministic_and_unseen(corpus):
    again = probes.build(seed=0, n_train=600, n_probe=60)
    assert [s.text for s in again.probes["order"]] == [s.text for s in corpus.probes["order"]]
    other = probes.build(seed=1, n_train=600, n_probe=60)
    assert [s.text for s in other.train] != [s.text for s in corpus.train]
    seen = {s.text for s in corpus.train}
    for name, sents in corpus.probes.items():
        assert sents, name
        assert not seen & {s.text for s in sents}, name


def test_order_set_pairs_share_words_with_opposite_labels(corpus):
    order = corpus.probes["order"]
    assert len(order) % 2 == 0
    for a, b in zip(order[::2], order[1::2], strict=True):
        assert collections.Counter(words(a.text)) == collections.Counter(words(b.text))
        assert a.label != b.label
    assert "good not" not in " ".join(s.text for s in corpus.train)


def test_bag_of_words_scores_half_on_the_order_set_by_construction(corpus, vocab):
    order = corpus.probes["order"]
    toks = [words(s.text) for s in order]
    labels = [s.label for s in order]
    nb = NaiveBayes(bigrams=False).fit([words(s.text) for s in corpus.train],
                                       [s.label for s in corpus.train], 2)
    assert accuracy(nb.predict(toks), labels) == (len(order) // 2, len(order))
    torch.manual_seed(0)
    boe = BagOfEmbeddings(len(vocab), 2, 8)
    train = encode(vocab, [s.text for s in corpus.train], [s.label for s in corpus.train])
    fit(boe, train, FitConfig(steps=5, batch=16))
    enc = encode(vocab, [s.text for s in order], labels)
    assert accuracy(predict(boe, enc.ids), labels) == (len(order) // 2, len(order))


def test_probe_sets_isolate_their_claims(corpus):
    p = corpus.probes
    assert all(s.first != s.label for s in p["contrast"])       # clauses disagree
    assert all(s.first != s.label for s in p["override"])
    assert all(words(s.text)[-1] in probes.POSITIVE + probes.NEGATIVE for s in p["override"])
    kinds = collections.Counter(s.kind for s in p["negation"])
    assert set(kinds) == {"negation/simple", "negation/double", "negation/scope"}
    for s in p["negation"]:
        adj = [w for w in words(s.text) if w in probes.POSITIVE + probes.NEGATIVE]
        flips = s.kind == "negation/simple"
        assert s.label == (int(adj[-1] in probes.POSITIVE) ^ flips)
    ks = {int(s.kind.split("/")[1]) for s in p["memory"]}
    assert ks == set(probes.MEMORY_KS)
    for s in p["memory"]:
        k = int(s.kind.split("/")[1])
        assert len(words(s.text)) == 5 + k  # "the film was good ." + k fillers
        assert not set(words(s.text)[5:]) & set(probes.POSITIVE + probes.NEGATIVE)


def _model(arch="lstm", bidirectional=False, layers=1, vocab=30):
    torch.manual_seed(1)
    cfg = ModelConfig(arch=arch, embed=6, hidden=5, layers=layers, bidirectional=bidirectional,
                      mlp=4)
    return build(cfg, vocab, 2).eval(), cfg


@pytest.mark.parametrize("arch,bi,layers", [("rnn", False, 1), ("gru", True, 2),
                                            ("lstm", True, 1), ("lstm", False, 2)])
def test_packed_readout_is_padding_invariant_and_reads_final_state(arch, bi, layers):
    model, _ = _model(arch, bi, layers)
    seqs = [[4, 5, 6], [7, 8, 9, 10, 11, 12], [13]]
    with torch.no_grad():
        ids, lengths = pad_batch(seqs)
        ids2, _ = pad_batch(seqs, extra=7)
        a, b = model(ids, lengths), model(ids2, lengths)
        assert torch.allclose(a, b, atol=1e-6)
        alone = torch.cat([model(*pad_batch([s])) for s in seqs])
        assert torch.allclose(a, alone, atol=1e-6)
        # the final state of the top layer = the top layer's output at the last real word
        out, _ = model.rnn(model.embedding(torch.tensor([seqs[1]])))
        H = model.rnn.hidden_size
        feats = model.features(*pad_batch([seqs[1]]))
        assert torch.allclose(feats[0, :H], out[0, -1, :H], atol=1e-6)
        if bi:  # backward direction: its final state is at the first word
            assert torch.allclose(feats[0, H:], out[0, 0, H:], atol=1e-6)
        # the lesson's output[:, -1] on a padded batch is not the same read-out
        lesson = lesson_logits(model, ids2)
        assert not torch.allclose(lesson, a, atol=1e-4)


def test_lstm_forget_bias_is_one():
    model, _ = _model("lstm", layers=2)
    H = model.rnn.hidden_size
    for layer in range(2):
        b = getattr(model.rnn, f"bias_ih_l{layer}") + getattr(model.rnn, f"bias_hh_l{layer}")
        assert torch.allclose(b[H:2 * H], torch.ones(H))


def test_show_code_is_runnable_and_equals_the_package_class(cli):
    res = cli("sentiment", "--show-code")
    assert res.exit_code == 0 and "class SentimentRNN" in res.stdout
    ns: dict = {}
    exec(compile(res.stdout, "shown.py", "exec"), ns)  # the code we print
    model, cfg = _model("gru", bidirectional=True)
    copy = ns["SentimentRNN"](30, 2, torch.nn.GRU, cfg.embed, cfg.hidden, cfg.layers,
                              cfg.bidirectional, cfg.dropout, cfg.mlp).eval()
    copy.load_state_dict(model.state_dict())
    ids, lengths = pad_batch([[3, 4, 5], [6, 7]])
    with torch.no_grad():
        assert torch.equal(copy(ids, lengths), model(ids, lengths))


@pytest.mark.parametrize("arch", ["gru", "lstm"])
def test_gate_statistics_recompute_torch(arch):
    model, _ = _model(arch)
    seqs = [[4, 5, 6, 7], [8, 9], [10, 11, 12, 13, 14, 15]]
    stats = gate_saturation(model, arch, seqs)
    with torch.no_grad():
        ids, lengths = pad_batch(seqs)
        packed = torch.nn.utils.rnn.pack_padded_sequence(
            model.embedding(ids), lengths, batch_first=True, enforce_sorted=False)
        _, state = model.rnn(packed)
    h_n = state[0] if arch == "lstm" else state
    assert torch.allclose(stats["final_hidden"], h_n[0], atol=1e-6)
    assert stats["steps"] == 12
    for g in stats["gates"].values():
        assert len(g["left"]) == 5 and all(0 <= v <= 1 for v in g["left"] + g["right"])
    assert gate_saturation(*_model("rnn")[:1], "rnn", seqs) is None


def test_checkpoint_round_trips_through_weights_only(tmp_path, vocab):
    model, cfg = _model("lstm", bidirectional=True, vocab=len(vocab))
    obj = pack(model, cfg, vocab, ["negative", "positive"], {"steps": 3})
    path = tmp_path / "m.pt"
    torch.save(obj, path)
    loaded = torch.load(path, weights_only=True)
    meta = checkpoint_meta(loaded)
    assert meta["kind"] == "sentiment" and meta["embedding_key"] in loaded["state_dict"]
    assert f"{meta['rnn_prefix']}weight_ih_l0" in loaded["state_dict"]
    assert meta["head"]["readout"].startswith("h_n")
    ids = vocab.encode(words("the film was not bad"))
    label, probs = predict_from_checkpoint(loaded, ids)
    with torch.no_grad():
        logits = model(torch.tensor([ids]), torch.tensor([len(ids)]))
    expect = torch.softmax(logits[0], -1)
    assert probs["positive"] == pytest.approx(float(expect[1]), abs=1e-6)
    assert label == ["negative", "positive"][int(expect.argmax())]
    with pytest.raises(BadInput, match="out of range"):
        predict_from_checkpoint(loaded, [len(vocab) + 3])


@pytest.mark.slow
def test_cli_tiny_run_json_and_save(cli, tmp_path):
    out = tmp_path / "m.pt"
    data = cli.json("sentiment", "--arch", "gru", "--steps", "2", "--embed", "4",
                    "--hidden", "4", "--save", str(out))
    names = [m["name"] for m in data["models"]]
    assert names == ["NB uni+bigram", "bag of embeddings", "GRU"]
    assert {v["claim"] for v in data["verdicts"]} == {"order", "negation", "contrast",
                                                      "override", "memory", "padding"}
    boe = data["models"][1]["sets"]["order"]
    assert boe["mean"] == 0.5
    gru = data["models"][2]
    assert gru["steps"] == 2 and gru["padding"]["packed_changed"] == 0
    assert 0 <= gru["sets"]["test"]["lo"] <= gru["sets"]["test"]["hi"] <= 1
    assert len(data["gate_stats"]["GRU"]["gates"]["update"]["left"]) == 4
    assert torch.load(out, weights_only=True)["rnncli"]["arch"] == "gru"
    json.dumps(data)


def _tsv(tmp_path, text: str, name="d.tsv"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.parametrize("content,message", [
    ("", "empty"),
    ("good film\t1\nnice film\t1\ngreat\t1\n", "at least two classes"),
    ("".join(f"text number {i}\t{i * 0.37:.3f}\n" for i in range(60)), "class labels"),
    ("".join(f"\t{i % 2}\n" for i in range(20)), "text column"),
])
def test_bad_user_files_are_one_line_exit_2_and_write_nothing(cli, tmp_path, content, message):
    path = _tsv(tmp_path, content)
    save = tmp_path / "never.pt"
    res = cli("sentiment", "--data", str(path), "--steps", "1", "--save", str(save))
    assert res.exit_code == 2, res.output
    assert message in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert not save.exists()


@pytest.mark.parametrize("args,message", [
    (["--steps", "0"], "--steps"),
    (["--dataset", "imdb-nonexistent"], "--dataset"),
    (["--hidden", "200000", "--steps", "5"], "--force"),
    (["--save", "model.txt"], ".pt"),
    (["--arch", "transformer"], "--arch"),
])
def test_bad_options_exit_2(cli, args, message):
    res = cli("sentiment", *args)
    assert res.exit_code == 2, res.output
    assert message in res.stderr


@pytest.mark.slow
def test_cli_user_file_with_test_file_seeds_and_plot(cli, tmp_path):
    pytest.importorskip("matplotlib")
    pos, neg = ("fine", "lovely", "great"), ("dull", "awful", "weak")
    rows = [f"a {(pos if i % 2 else neg)[i % 3]} film number {i}\t{'pos' if i % 2 else 'neg'}"
            for i in range(60)]
    train = _tsv(tmp_path, "text\tlabel\n" + "\n".join(rows[:50]) + "\nbroken line\n")
    test = _tsv(tmp_path, "\n".join(rows[50:]) + "\n", "test.tsv")
    fig = tmp_path / "fig.png"
    data = cli.json("sentiment", "--data", str(train), "--test", str(test), "--arch", "rnn",
                    "--steps", "2", "--hidden", "4", "--embed", "4", "--seeds", "0,1",
                    "--plot", str(fig))
    assert data["dataset"]["labels"] == ["neg", "pos"]
    assert data["dataset"]["sizes"]["test"] == 10
    assert data["dataset"]["skipped"] == [[52, "1 fields, expected 2"]]
    rnn = data["models"][-1]
    assert rnn["seeds"] == 2 and len(rnn["sets"]["test"]["per_seed"]) == 2
    assert data["verdicts"] == [] and fig.stat().st_size > 0


@pytest.mark.slow
def test_same_seed_same_numbers(cli):
    args = ("sentiment", "--arch", "lstm", "--steps", "3", "--hidden", "4", "--embed", "4")
    a, b = cli.json(*args), cli.json(*args)
    strip = [{k: v for k, v in m.items() if k != "seconds"} for m in a["models"]]
    assert strip == [{k: v for k, v in m.items() if k != "seconds"} for m in b["models"]]


def test_ctrl_c_keeps_the_finished_models(cli, monkeypatch, tmp_path):
    from rnncli import trainkit
    from rnncli.sentiment import run

    real_fit, calls = run.fit, []

    def fit_then_interrupt(model, data, cfg, progress=None):
        calls.append(1)
        if len(calls) == 2:  # Ctrl-C during the second torch model (the first RNN)
            return trainkit.StepLog(steps=1, stopped="interrupted", losses=[0.7])
        return real_fit(model, data, cfg, progress)

    monkeypatch.setattr(run, "fit", fit_then_interrupt)
    save = tmp_path / "m.pt"
    res = cli("sentiment", "--steps", "2", "--hidden", "4", "--embed", "4", "--json",
              "--save", str(save))
    assert res.exit_code == 130
    data = json.loads(res.stdout)
    assert [m["name"] for m in data["models"]] == ["NB uni+bigram", "bag of embeddings"]
    assert data["interrupted"] and not save.exists()


def _find(obj, key):
    """The first value under ``key`` anywhere in a JSON document."""
    if isinstance(obj, dict):
        if key in obj:
            return obj[key]
        obj = list(obj.values())
    if isinstance(obj, list):
        for item in obj:
            found = _find(item, key)
            if found is not None:
                return found
    return None


@pytest.mark.slow
def test_saved_model_feeds_gates_text(cli, tmp_path):
    if "--text" not in cli("gates", "--help").stdout:
        pytest.skip("this rnncli's gates has no --text yet")
    path = tmp_path / "m.pt"
    res = cli("sentiment", "--arch", "lstm", "--steps", "3", "--hidden", "4", "--embed", "4",
              "--save", str(path))
    assert res.exit_code == 0, res.output
    res = cli("gates", "--weights", str(path), "--text", "the film was not bad", "--json")
    assert res.exit_code == 0, res.output
    obj = torch.load(path, weights_only=True)
    vocab = Vocab(obj["rnncli"]["vocab"])
    label, probs = predict_from_checkpoint(obj, vocab.encode(words("the film was not bad")))
    traced = json.loads(res.stdout)
    prediction = _find(traced, "prediction")
    assert prediction["label"] == label
    got = prediction.get("probabilities", prediction.get("probs"))
    assert got["positive"] == pytest.approx(probs["positive"], abs=1e-5)
    # every traced hidden and cell state equals torch's LSTM on the saved weights
    from rnncli.sentiment.models import from_checkpoint

    model, _ = from_checkpoint(obj)
    ids = torch.tensor([vocab.encode(words("the film was not bad"))])
    with torch.no_grad():
        out, _ = model.rnn(model.embedding(ids))
    steps = _find(traced, "steps")
    assert [s["token"] for s in steps] == words("the film was not bad")
    hidden = torch.tensor([s["hidden"] for s in steps], dtype=torch.float32)
    assert torch.allclose(hidden, out[0], atol=1e-5)


@pytest.mark.slow
def test_table_output_fits_80_columns(cli, tmp_path):
    rows = [f"{'a fine' if i % 2 else 'a dull'} film {i}\t{i % 2}" for i in range(40)]
    path = _tsv(tmp_path, "\n".join(rows) + "\n\xe9\tx\tz\n")
    res = cli("sentiment", "--data", str(path), "--arch", "gru", "--steps", "2",
              "--hidden", "4", "--embed", "4")
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert any(line.startswith("skipped 1 unreadable lines: line 41") for line in lines)
    assert any(line.startswith("test set:") for line in lines)
    assert "gate saturation" in res.stdout


@pytest.mark.slow
def test_three_classes_train_and_save(cli, tmp_path):
    words3 = {"low": "awful", "mid": "okay", "high": "superb"}
    rows = [f"{k}\tthe {w} film {i}" for i in range(20) for k, w in words3.items()]
    path = _tsv(tmp_path, "\n".join(rows) + "\n")
    save = tmp_path / "m.pt"
    data = cli.json("sentiment", "--data", str(path), "--arch", "rnn", "--steps", "3",
                    "--hidden", "4", "--embed", "4", "--save", str(save))
    assert data["dataset"]["labels"] == ["high", "low", "mid"]
    obj = torch.load(save, weights_only=True)
    vocab = Vocab(obj["rnncli"]["vocab"])
    label, probs = predict_from_checkpoint(obj, vocab.encode(words("the superb film")))
    assert label in probs and len(probs) == 3
    assert sum(probs.values()) == pytest.approx(1.0, abs=1e-6)


def _fake(name, kind, acc, k100=None, n=200, test=None):
    sets = {s: {"mean": acc, "n": n} for s in ("order", "negation", "contrast", "override")}
    sets["memory"] = {"mean": acc, "n": 6 * n,
                      "by_k": {"100": acc if k100 is None else k100}}
    sets["test"] = {"mean": acc if test is None else test, "n": n}
    return {"name": name, "kind": kind, "sets": sets,
            "padding": {"pads": 10, "packed_changed": 0.0, "lesson_changed": 0.3,
                        "lesson_acc": 1.0, "lesson_acc_padded": 0.7}}


def test_verdict_words_follow_the_numbers():
    from rnncli.sentiment.claims import verdict, verdicts

    nb = _fake("NB", "baseline", 0.6)
    boe = _fake("BoE", "baseline", 0.9)
    lstm = _fake("LSTM", "recurrent", 0.95, k100=0.5)
    rnn = _fake("RNN", "recurrent", 0.7)
    assert verdict([nb, lstm], "order")["verdict"] == "held"
    assert verdict([boe, lstm], "order")["verdict"] == "held by the bag of words too"
    assert verdict([nb, rnn], "order")["verdict"] == "not held"
    assert verdict([nb, lstm], "memory")["verdict"] == "not held"   # judged at k = 100
    lines = [v["line"] for v in verdicts([boe, rnn])]
    assert "NOT HELD, though BoE reaches 0.85" in lines[0] and "good not" in lines[0]
    assert "NOT invariant" in lines[-1] and verdicts([nb, boe]) == []


def test_held_needs_the_interval_above_the_bar():
    from rnncli.sentiment.claims import verdict

    nb = _fake("NB", "baseline", 0.6)
    assert verdict([nb, _fake("LSTM", "recurrent", 0.86)], "order")["verdict"] == "not decided"
    assert verdict([nb, _fake("LSTM", "recurrent", 1.0, n=5)], "order")["verdict"] == \
        "too small"
    # a baseline at the bar but not clearly above it does not "hold the claim too"
    assert verdict([_fake("NB", "baseline", 0.85), _fake("LSTM", "recurrent", 1.0)],
                   "order")["verdict"] == "held"


def test_test_set_outcome_follows_the_shared_rule():
    from rnncli import verdict as rule
    from rnncli.sentiment.claims import outcome

    # "NB (0.769) beats LSTM (0.742)" with overlapping intervals: not distinguishable
    out = outcome([_fake("NB", "baseline", 0, test=0.769, n=1066),
                   _fake("LSTM", "recurrent", 0, test=0.742, n=1066)])
    assert len(out["lines"]) == 1 and "beats" not in out["lines"][0]
    assert "not distinguishable" in out["lines"][0] and "includes 0" in out["lines"][0]
    # "best is GRU (1.000)" while the LSTM has 1.000 too: a tie
    out = outcome([_fake("NB", "baseline", 0, test=0.9, n=400),
                   _fake("GRU", "recurrent", 0, test=1.0, n=400),
                   _fake("LSTM", "recurrent", 0, test=1.0, n=400)])
    assert out["lines"][0].startswith("test set, best baseline vs best recurrent: GRU (1.000) "
                                      "beats NB (0.900) (accuracy difference 0.100, 95% ")
    assert out["lines"][1] == ("test set, best two recurrent: GRU (1.000) and LSTM (1.000) "
                               "tie (1.000 each)")
    assert [v["outcome"] for v in out["verdicts"]] == ["b", "tie"]
    # a test split under the minimum is refused, naming it
    out = outcome([_fake("bag of embeddings", "baseline", 0, test=1.0, n=1),
                   _fake("LSTM", "recurrent", 0, test=1.0, n=1)])
    assert out["refused"] and "beats" not in out["lines"][0]
    assert f"at least {rule.MIN_EXAMPLES} needed" in out["lines"][0]


def test_tiny_file_gets_no_winner(cli, tmp_path):
    # the 2/0/1 split of a 3-line file: refused as too small, with the minimum
    path = _tsv(tmp_path, "a fine film\t1\na dull film\t0\na fine plot\t1\n")
    res = cli("sentiment", "--data", str(path), "--arch", "lstm", "--steps", "2",
              "--hidden", "4", "--embed", "4")
    assert res.exit_code == 0, res.output
    assert "beats" not in res.stdout and "too small to decide" in res.stdout
    assert "at least 30 needed" in res.stdout
