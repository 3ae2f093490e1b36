"""Issue 25, checkpoints written by `sentiment --save` and `seq2seq --save`, tampered at
test time field by field (wrong type, missing key, extra key, huge sizes, a vocabulary
longer than the embedding, wrong labels, a tensor of the wrong shape) and read back by
`seq2seq translate` and `gates --weights --text`: one line naming the field, exit 2,
before anything is built."""

from __future__ import annotations

import copy

import pytest
import torch

from rnncli import saved
from rnncli.sentiment import models as sent_models
from rnncli.seq2seq import checkpoint as s2s_ckpt
from rnncli.seq2seq import models as s2s_models
from rnncli.seq2seq import use
from rnncli.tokens import Vocab

SRC = Vocab(["<pad>", "<unk>", "<sos>", "<eos>", *"0123456789-"])
TGT = Vocab(["<pad>", "<unk>", "<sos>", "<eos>", *"abcdefg"])
WORDS = Vocab.build([["good", "bad", "movie", "not"]])


def _seq2seq() -> dict:
    torch.manual_seed(0)
    cfg = s2s_models.ModelConfig("gru", len(SRC), len(TGT), hidden=8, embed=6,
                                 attention="dot")
    settings = {"task": "dates", "split": None, "max_len": 5, "reverse_source": False,
                "steps": 3, "exact": 0.0}
    return s2s_ckpt.pack(s2s_models.build(cfg), SRC, TGT, "char", settings)


def _sentiment() -> dict:
    torch.manual_seed(0)
    cfg = sent_models.ModelConfig(arch="lstm", embed=6, hidden=5)
    model = sent_models.build(cfg, len(WORDS), 2)
    return sent_models.pack(model, cfg, WORDS, ["negative", "positive"],
                            {"dataset": "probes", "steps": 1, "seed": 0})


def _tamper(obj: dict, path: str, value) -> dict:
    """A deep copy with ``path`` ("rnncli.settings.model.embed") set, or deleted (DEL)."""
    out = copy.deepcopy(obj)
    *parents, last = path.split(".")
    if path.startswith("state_dict."):  # tensor names have dots of their own
        parents, last = ["state_dict"], path.removeprefix("state_dict.")
    node = out
    for key in parents:
        node = node[key]
    if value is DEL:
        del node[last]
    else:
        node[last] = value(node.get(last)) if callable(value) else value
    return out


DEL = object()

SEQ2SEQ_CASES = [
    # (field, new value, the start of what the error says after "FILE: ")
    ("rnncli.vocab", 5, "rnncli.vocab: expected a list of tokens, got int"),
    ("rnncli.vocab", lambda v: v + ["x", "y", "z", "w"],
     "rnncli.vocab: 19 tokens, but the embedding has 15 rows"),
    ("rnncli.vocab", lambda v: v[:5] + [7] + v[6:], "rnncli.vocab[5]: not a token: 7"),
    ("rnncli.target_vocab", DEL, "rnncli: lacks 'target_vocab'"),
    ("rnncli.target_vocab", lambda v: v[1:], "rnncli.target_vocab: must start with <pad>"),
    ("rnncli.settings.model", DEL, "rnncli.settings: lacks 'model'"),
    ("rnncli.settings.model.dropout", 0.5, "rnncli.settings.model: unknown key 'dropout'"),
    ("rnncli.settings.model.layers", "2", "rnncli.settings.model.layers: expected int, got "
                                          "str '2'"),
    ("rnncli.settings.model.layers", True, "rnncli.settings.model.layers: expected int, got "
                                           "bool"),
    ("rnncli.settings.model.layers", 10**5, "rnncli.settings.model.layers: 100000 is outside "
                                            "1..1000"),
    ("rnncli.settings.model.layers", 3, "rnncli.settings.model.layers: 3, but the weights "
                                        "hold 1 layer(s)"),
    ("rnncli.settings.model.embed", 10**7, "rnncli.settings.model.embed: 10000000 is "
                                           "outside 1..1.04858e+06"),
    ("rnncli.settings.model.embed", 500_000, "state_dict['encoder.embedding.weight']: has "
                                             "shape (15, 6); the saved settings expect "
                                             "(15, 500000)"),
    ("rnncli.settings.model.src_vocab", 20, "rnncli.settings.model.src_vocab: 20, but "
                                            "rnncli.vocab has 15 tokens"),
    ("rnncli.settings.model.attention", "luong", "rnncli.settings.model.attention: 'luong' "
                                                 "is not one of none, additive, dot"),
    ("rnncli.settings.model.arch", "peephole", "rnncli.settings.model.arch: 'peephole' is "
                                               "not one of"),
    ("rnncli.settings.max_len", 10**9, "rnncli.settings.max_len: 1000000000 is outside "
                                       "1..10000"),
    ("rnncli.settings.max_len", float("nan"), "rnncli.settings.max_len: expected int"),
    ("rnncli.settings.extra", 1, "rnncli.settings: unknown key 'extra'"),
    ("rnncli.settings", [1], "rnncli.settings: expected a dict, got list"),
    ("rnncli.format", 2, "rnncli.format: 2; this rnncli reads 1"),
    ("rnncli.tokens", "bytes", "rnncli.tokens: 'bytes' is not one of word, char, space"),
    ("rnncli.owner", "me", "rnncli: unknown key 'owner'"),
    ("rnncli.kind", "sentiment", "written by `rnncli sentiment`, not `rnncli seq2seq`"),
    ("optimizer", {}, "the checkpoint: unknown key 'optimizer'"),
    ("state_dict.decoder.out.weight", torch.zeros(3, 8),
     "state_dict['decoder.out.weight']: has shape (3, 8); the saved settings expect (11, 8)"),
    ("state_dict.decoder.out.bias", DEL, "state_dict: lacks 'decoder.out.bias'"),
    ("state_dict.decoder.extra", torch.zeros(1), "state_dict['decoder.extra']: is not a "
                                                 "tensor of the model"),
    ("state_dict.decoder.out.bias", torch.zeros(11, dtype=torch.int64),
     "state_dict['decoder.out.bias']: torch.int64 is not floating point"),
    ("state_dict.decoder.out.bias", "0.5", "state_dict['decoder.out.bias']: not a tensor"),
]


@pytest.mark.parametrize("field, value, message", SEQ2SEQ_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(SEQ2SEQ_CASES)])
def test_tampered_seq2seq_checkpoint_is_one_line_naming_the_field(cli, tmp_path, field, value,
                                                                   message):
    path = tmp_path / "m.pt"
    torch.save(_tamper(_seq2seq(), field, value), path)
    res = cli("seq2seq", "translate", "--weights", str(path), "3-4")
    assert res.exit_code == 2, res.output
    assert res.stderr.startswith(f"rnncli: error: {path}: {message}"), res.stderr
    assert len(res.stderr.splitlines()) == 1 and len(res.stderr) < 250


def test_the_untampered_checkpoints_load_and_predict(cli, tmp_path):
    path = tmp_path / "m.pt"
    torch.save(_seq2seq(), path)
    doc = cli.json("seq2seq", "translate", "--weights", str(path), "3-4")
    assert doc["max_len"] == 5 and len(doc["translations"]) == 1
    spath = tmp_path / "s.pt"
    torch.save(_sentiment(), spath)
    doc = cli.json("gates", "--weights", str(spath), "--text", "not good")
    assert set(doc["prediction"]["probabilities"]) == {"negative", "positive"}


SENTIMENT_CASES = [
    ("rnncli.labels", "positive", "rnncli.labels: expected a list of 2..1000 class names, "
                                  "got 'positive'"),
    ("rnncli.labels", ["a"], "rnncli.labels: expected a list of 2..1000 class names, got "
                             "1 labels"),
    ("rnncli.labels", ["a", "a"], "rnncli.labels: repeats a class name"),
    ("rnncli.labels", ["a", 2], "rnncli.labels[1]: expected str, got int"),
    ("rnncli.labels", ["a", "b", "c"], "state_dict['head.3.weight']: has shape (2, 32); the "
                                       "saved settings expect (3, 32)"),
    ("rnncli.head", DEL, "rnncli.head: expected a dict, got NoneType"),
    ("rnncli.settings.model.dropout", 7, "rnncli.settings.model.dropout: 7 is outside 0..1"),
    ("rnncli.settings.model.hidden", 9, "state_dict['rnn.weight_ih_l0']: has shape (20, 6); "
                                        "the saved settings expect (36, 6)"),
    ("rnncli.settings.model.arch", "gru", "rnncli.settings.model.arch: 'gru', but "
                                          "rnncli.arch is 'lstm'"),
    ("rnncli.settings.seed", -1, "rnncli.settings.seed: -1 is outside"),
]


@pytest.mark.parametrize("field, value, message", SENTIMENT_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(SENTIMENT_CASES)])
def test_tampered_sentiment_checkpoint_is_refused_before_predicting(cli, tmp_path, field,
                                                                    value, message):
    path = tmp_path / "s.pt"
    torch.save(_tamper(_sentiment(), field, value), path)
    res = cli("gates", "--weights", str(path), "--text", "not good")
    assert res.exit_code == 2, res.output
    assert res.stderr.startswith(f"rnncli: error: {path}: {message}"), res.stderr
    assert len(res.stderr.splitlines()) == 1


def test_the_layout_is_checked_for_every_reader(tmp_path):
    """bench/gates read any file with rnncli metadata through the same layer."""
    from rnncli import checkpoint

    path = tmp_path / "m.pt"
    torch.save(_tamper(_sentiment(), "rnncli.vocab", lambda v: v + ["extra"] * 1), path)
    with pytest.raises(Exception, match=r"rnncli.vocab: 9 tokens, but the embedding has 8"):
        checkpoint.read(path)


def test_decoding_is_sized_from_the_saved_settings_before_building(cli, tmp_path,
                                                                   monkeypatch):
    path = tmp_path / "m.pt"
    torch.save(_seq2seq(), path)
    monkeypatch.setattr(use, "MAX_SECONDS", 1e-3)
    monkeypatch.setattr(s2s_ckpt, "build_checked", lambda *a: pytest.fail("built"))
    res = cli("seq2seq", "translate", "--weights", str(path), "--max-len", "400", "3-4")
    assert res.exit_code == 2
    assert "translating 1 text(s) with this model is estimated at" in res.stderr
    assert "lower --max-len (now 400) or --beam (now 1)" in res.stderr
    assert "--force" in res.stderr
    monkeypatch.undo()
    monkeypatch.setattr(use, "MAX_SECONDS", 1e-3)
    doc = cli.json("seq2seq", "translate", "--weights", str(path), "--force", "3-4")
    assert doc["translations"]


def test_expected_shapes_allocate_nothing():
    cfg = s2s_models.ModelConfig("lstm", 10**6, 10, hidden=4, embed=10**6)
    shapes = saved.expected_shapes(lambda: s2s_models.build(cfg))  # 10^12 weights: meta only
    assert shapes["encoder.embedding.weight"] == (10**6, 10**6)
