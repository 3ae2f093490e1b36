"""The checkpoint formats users have (issue #15) and tokens through an embedding (#11),
each traced by ``gates`` and compared with torch on the same weights."""

from __future__ import annotations

import argparse
import json

import numpy as np
import pytest
import torch

from rnncli import tokens

SEQ = "0.5,1;0,1;1,0;-1,0.25;0,0"  # T=5, I=2
X = torch.tensor([[0.5, 1], [0, 1], [1, 0], [-1, 0.25], [0, 0]], dtype=torch.float64)


def bad(cli, *args: str, expect: str, code: int = 2) -> str:
    res = cli("gates", *args)
    assert res.exit_code == code, (args, res.output)
    line = res.stderr.strip()
    assert res.stderr.count("\n") == 1 and line.startswith("rnncli: error: "), res.stderr
    assert "unexpected" not in line and "Traceback" not in res.stderr
    assert expect.lower() in line.lower(), line
    return line


def hidden_of(doc: dict) -> np.ndarray:
    return np.array([s["hidden"] for s in doc["steps"]])


def torch_out(module: torch.nn.Module, x: torch.Tensor) -> np.ndarray:
    with torch.no_grad():
        return module.double()(x)[0].numpy()


# ---- formats told from content, not suffix ---------------------------------------------------

@pytest.mark.slow
def test_the_tutorials_general_checkpoint_saved_as_tar(cli, tmp_path):
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(2, 3)
    opt = torch.optim.Adam(lstm.parameters())
    lstm(torch.randn(4, 1, 2))[0].sum().backward()
    opt.step()
    path = tmp_path / "model.tar"  # the suffix the PyTorch tutorial recommends
    torch.save({"epoch": 5, "model_state_dict": lstm.state_dict(),
                "optimizer_state_dict": opt.state_dict(), "loss": 0.25}, path)
    doc = cli.json("gates", "--weights", str(path), "--seq", SEQ)
    np.testing.assert_allclose(hidden_of(doc), torch_out(lstm, X), atol=1e-9)


def test_legacy_serialization_and_any_suffix(cli, tmp_path):
    gru = torch.nn.GRU(2, 3)
    path = tmp_path / "weights.model"
    torch.save(gru.state_dict(), path, _use_new_zipfile_serialization=False)
    doc = cli.json("gates", "--weights", str(path), "--seq", SEQ)
    np.testing.assert_allclose(hidden_of(doc), torch_out(gru, X), atol=1e-9)


def test_random_bytes_and_text_are_not_a_checkpoint(cli, tmp_path):
    rng = np.random.default_rng(0)
    for k in range(8):
        (tmp_path / f"r{k}.pt").write_bytes(rng.integers(0, 256, 4096, dtype=np.uint8)
                                            .tobytes())
        bad(cli, "--weights", str(tmp_path / f"r{k}.pt"), "--seq", "1",
            expect="not a pytorch checkpoint")
    (tmp_path / "notes.pth").write_text("epoch 3: loss 0.25\n" * 40)
    line = bad(cli, "--weights", str(tmp_path / "notes.pth"), "--seq", "1",
               expect="not a pytorch checkpoint")
    assert "KeyError" not in line and "101" not in line
    # seeded, not os.urandom: 1 in ~60 random payloads parses as a pickled global (refused
    # as pickled code, rightly, but not the case this line tests)
    payload = rng.integers(0, 256, 64, np.uint8).tobytes()
    (tmp_path / "pickled.pt").write_bytes(b"\x80\x02" + payload)
    line = bad(cli, "--weights", str(tmp_path / "pickled.pt"), "--seq", "1",
               expect="not a readable")
    assert "pickled code" not in line


def test_safetensors(cli, tmp_path):
    st = pytest.importorskip("safetensors.torch")
    lstm = torch.nn.LSTM(2, 3, 2)
    path = tmp_path / "model.safetensors"
    st.save_file({f"enc.{k}": v.contiguous() for k, v in lstm.state_dict().items()}, path)
    doc = cli.json("gates", "--weights", str(path), "--seq", SEQ)
    np.testing.assert_allclose(hidden_of(doc), torch_out(lstm, X), atol=1e-9)


def test_safetensors_without_the_package_is_a_one_line_hint(cli, tmp_path, monkeypatch):
    st = pytest.importorskip("safetensors.torch")
    path = tmp_path / "model.safetensors"
    st.save_file(dict(torch.nn.GRU(1, 2).state_dict()), path)
    monkeypatch.setitem(__import__("sys").modules, "safetensors", None)
    bad(cli, "--weights", str(path), "--seq", "1", code=1,
        expect="pip install 'rnncli[safetensors]'")


# ---- layouts: cells, bidirectional, relu, AWD-LSTM, Lightning ----------------------------------

@pytest.mark.parametrize("kind", ["LSTMCell", "GRUCell", "RNNCell"])
def test_cell_state_dicts_load_as_one_layer(cli, tmp_path, kind):
    torch.manual_seed(3)
    cell = getattr(torch.nn, kind)(2, 4).double()
    torch.save({"decoder.cell." + k: v for k, v in cell.state_dict().items()},
               tmp_path / "c.pt")
    doc = cli.json("gates", "--weights", str(tmp_path / "c.pt"), "--seq", SEQ)
    h = torch.zeros(1, 4, dtype=torch.float64)
    c = torch.zeros(1, 4, dtype=torch.float64)
    hs = []
    with torch.no_grad():
        for x_t in X:
            if kind == "LSTMCell":
                h, c = cell(x_t[None], (h, c))
            else:
                h = cell(x_t[None], h)
            hs.append(h[0].numpy())
    np.testing.assert_allclose(hidden_of(doc), np.array(hs), atol=1e-9)
    assert "one layer" in " ".join(doc["notes"])


@pytest.mark.parametrize("layers", [1, 2])
def test_bidirectional_one_direction_at_a_time(cli, tmp_path, layers):
    torch.manual_seed(5)
    lstm = torch.nn.LSTM(2, 3, layers, bidirectional=True)
    torch.save(lstm.state_dict(), tmp_path / "bi.pt")
    out = torch_out(lstm, X)  # (T, 2H): forward half, backward half
    bad(cli, "--weights", str(tmp_path / "bi.pt"), "--seq", SEQ, expect="--direction")
    fwd = cli.json("gates", "--weights", str(tmp_path / "bi.pt"), "--seq", SEQ,
                   "--direction", "forward")
    np.testing.assert_allclose(hidden_of(fwd), out[:, :3], atol=1e-9)
    bwd = cli.json("gates", "--weights", str(tmp_path / "bi.pt"), "--seq", SEQ,
                   "--direction", "backward")
    assert [s["t"] for s in bwd["steps"]] == [5, 4, 3, 2, 1]  # it reads step 5 first
    np.testing.assert_allclose(hidden_of(bwd), out[::-1, 3:], atol=1e-9)
    assert bwd["direction"] == "backward"
    res = cli("gates", "--weights", str(tmp_path / "bi.pt"), "--seq", SEQ,
              "--direction", "backward")
    assert "reads the sequence reversed" in " ".join(res.stdout.split())


def test_relu_rnn_legend_range_and_json(cli, tmp_path):
    torch.manual_seed(2)
    rnn = torch.nn.RNN(2, 3, nonlinearity="relu")
    with torch.no_grad():
        rnn.weight_ih_l0.mul_(3)
    torch.save(rnn.state_dict(), tmp_path / "r.pt")
    doc = cli.json("gates", "--weights", str(tmp_path / "r.pt"), "--seq", SEQ,
                   "--nonlinearity", "relu")
    assert doc["nonlinearity"] == "relu"
    np.testing.assert_allclose(hidden_of(doc), torch_out(rnn, X), atol=1e-9)
    text = " ".join(cli("gates", "--weights", str(tmp_path / "r.pt"), "--seq", SEQ,
                        "--nonlinearity", "relu").stdout.split())
    assert "relu(W_ih" in text and "tanh" not in text and "-1 (blue)" not in text
    assumed = cli.json("gates", "--weights", str(tmp_path / "r.pt"), "--seq", SEQ)
    assert assumed["nonlinearity"] == "tanh"
    assert any("tanh assumed" in n for n in assumed["notes"])


def test_awd_lstm_raw_weights_are_named(cli, tmp_path):
    sd = torch.nn.LSTM(2, 3).state_dict()
    awd = {f"0.rnns.0.module.{k}": v for k, v in sd.items() if k != "weight_hh_l0"}
    awd["0.rnns.0.weight_hh_l0_raw"] = sd["weight_hh_l0"]
    torch.save(awd, tmp_path / "awd.pth")
    line = bad(cli, "--weights", str(tmp_path / "awd.pth"), "--seq", SEQ,
               expect="lacks weight_hh_l0")
    assert "0.rnns.0.weight_hh_l0_raw" in line


def test_lightning_checkpoint_with_a_namespace(cli, tmp_path):
    gru = torch.nn.GRU(2, 3)
    ckpt = {"epoch": 2, "global_step": 10, "pytorch-lightning_version": "2.2.0",
            "state_dict": {f"model.rnn.{k}": v for k, v in gru.state_dict().items()},
            "hyper_parameters": {"args": argparse.Namespace(lr=0.1, hidden=3)}}
    torch.save(ckpt, tmp_path / "last.ckpt")
    doc = cli.json("gates", "--weights", str(tmp_path / "last.ckpt"), "--seq", SEQ)
    np.testing.assert_allclose(hidden_of(doc), torch_out(gru, X), atol=1e-9)
    assert any("argparse.Namespace" in n and "skipped" in n for n in doc["notes"])


# ---- tensors that must not be materialised -------------------------------------------------------

@pytest.mark.filterwarnings("ignore:The PyTorch API of nested tensors")
def test_sparse_meta_complex_and_nested_are_refused(cli, tmp_path):
    sd = torch.nn.RNN(2, 3).state_dict()
    for name, value, expect in (
        ("sparse", sd["weight_ih_l0"].to_sparse(), "sparse"),
        ("meta", torch.empty(3, 2, device="meta"), "meta tensor"),
        ("complex", sd["weight_ih_l0"].to(torch.complex64), "complex"),
    ):
        torch.save({**sd, "weight_ih_l0": value}, tmp_path / f"{name}.pt")
        bad(cli, "--weights", str(tmp_path / f"{name}.pt"), "--seq", SEQ, expect=expect)
    nested = torch.nested.nested_tensor([torch.zeros(3, 2), torch.zeros(3, 2)])
    torch.save({**sd, "weight_ih_l0": nested}, tmp_path / "nested.pt")
    bad(cli, "--weights", str(tmp_path / "nested.pt"), "--seq", SEQ, expect="nested tensor")
    deep: dict = dict(sd)
    for _ in range(40):
        deep = {"x": deep}
    torch.save(deep, tmp_path / "deep.pt")
    bad(cli, "--weights", str(tmp_path / "deep.pt"), "--seq", SEQ, expect="nested")


def test_expanded_views_are_counted_before_materialising(cli, tmp_path):
    sd = torch.nn.LSTM(2, 3).state_dict()
    sd["weight_ih_l0"] = torch.zeros(1).expand(30_000, 10_000)  # 2.4 GB as float64
    path = tmp_path / "views.pt"
    torch.save(sd, path)
    assert path.stat().st_size < 10_000
    bad(cli, "--weights", str(path), "--seq", SEQ, expect="refused before reading")


def test_csv_with_a_utf8_bom(cli, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes("\ufeff1,0\r\n0,1\r\n".encode())
    doc = cli.json("gates", "--init", "random", "--input", str(path))
    assert [s["input"] for s in doc["steps"]] == [[1.0, 0.0], [0.0, 1.0]]


def test_csv_reading_stops_at_the_step_limit(tmp_path, monkeypatch):
    from rnncli import seqinput
    from rnncli.errors import BadInput

    path = tmp_path / "long.csv"
    path.write_text("1\n" * 5000 + "x\n")  # the bad last line is never reached
    with pytest.raises(BadInput, match="more than 100 steps"):
        seqinput.read_input(path, max_steps=100)


# ---- tokens through an embedding ---------------------------------------------------------------

class SentimentLSTM(torch.nn.Module):
    """The lesson's classifier layout: embedding -> LSTM -> linear."""

    def __init__(self, vocab: int = 20, embed: int = 4, hidden: int = 3) -> None:
        super().__init__()
        self.embedding = torch.nn.Embedding(vocab, embed)
        self.lstm = torch.nn.LSTM(embed, hidden, batch_first=True)
        self.fc = torch.nn.Linear(hidden, 2)


def test_tokens_through_the_embedding_of_any_checkpoint(cli, tmp_path):
    torch.manual_seed(7)
    model = SentimentLSTM().double()
    torch.save(model.state_dict(), tmp_path / "sent.pt")
    ids = [3, 17, 4, 3]
    doc = cli.json("gates", "--weights", str(tmp_path / "sent.pt"), "--tokens", "3,17,4,3")
    with torch.no_grad():
        ref = model.lstm(model.embedding(torch.tensor([ids])))[0][0].numpy()
    np.testing.assert_allclose(hidden_of(doc), ref, atol=1e-9)
    assert [s["token"] for s in doc["steps"]] == ["#3", "#17", "#4", "#3"]
    bad(cli, "--weights", str(tmp_path / "sent.pt"), "--tokens", "3,20",
        expect="id 20 is out of range")
    bad(cli, "--weights", str(tmp_path / "sent.pt"), "--tokens", "3,-1", expect="--tokens")
    torch.save(torch.nn.LSTM(4, 3).state_dict(), tmp_path / "plain.pt")
    bad(cli, "--weights", str(tmp_path / "plain.pt"), "--tokens", "1",
        expect="no embedding found")


def test_two_embeddings_are_named_and_chosen(cli, tmp_path):
    sd = {f"encoder.{k}": v for k, v in SentimentLSTM().state_dict().items()}
    sd["decoder.embedding.weight"] = torch.randn(9, 4)
    torch.save(sd, tmp_path / "s2s.pt")
    line = bad(cli, "--weights", str(tmp_path / "s2s.pt"), "--tokens", "1,2",
               expect="2 embeddings")
    assert "encoder.embedding.weight" in line and "decoder.embedding.weight" in line
    doc = cli.json("gates", "--weights", str(tmp_path / "s2s.pt"), "--tokens", "1,2",
                   "--embedding-key", "decoder.embedding.weight")
    assert len(doc["steps"]) == 2


def _packed(tmp_path, words_list: list[str]):
    torch.manual_seed(11)
    vocab = tokens.Vocab.build([words_list])
    model = SentimentLSTM(vocab=len(vocab)).double()
    obj = tokens.pack_checkpoint(model.state_dict(), kind="test", arch="lstm", tokens="word",
                                 vocab=vocab, embedding_key="embedding.weight",
                                 rnn_prefix="lstm.", settings={})
    torch.save(obj, tmp_path / "vocab.pt")
    return model, vocab, tmp_path / "vocab.pt"


def test_text_through_the_saved_vocabulary_equals_torch(cli, tmp_path):
    model, vocab, path = _packed(tmp_path, ["not", "bad", "at", "all", "good"])
    doc = cli.json("gates", "--weights", str(path), "--text", "Not bad at ALL, really")
    toks = tokens.words("Not bad at ALL, really")
    ids = vocab.encode(toks)
    with torch.no_grad():
        ref = model.lstm(model.embedding(torch.tensor([ids])))[0][0].numpy()
    np.testing.assert_allclose(hidden_of(doc), ref, atol=1e-9)
    assert [s["token"] for s in doc["steps"]] == ["not", "bad", "at", "all", ", (unk)",
                                                  "really (unk)"]
    assert any("unknown to the vocabulary" in n for n in doc["notes"])
    res = cli("gates", "--weights", str(path), "--text", "not bad at all")
    assert res.exit_code == 0 and "token" in res.stdout and " bad " in res.stdout


def test_text_whose_words_are_all_unknown(cli, tmp_path):
    _, _, path = _packed(tmp_path, ["good"])
    doc = cli.json("gates", "--weights", str(path), "--text", "zzz qqq")
    assert any("every token is unknown" in n for n in doc["notes"])
    torch.save(SentimentLSTM().state_dict(), tmp_path / "novocab.pt")
    bad(cli, "--weights", str(tmp_path / "novocab.pt"), "--text", "good",
        expect="carries its vocabulary")


def test_a_sentiment_checkpoint_prints_its_prediction(cli, tmp_path):
    models = pytest.importorskip("rnncli.sentiment.models")
    vocab = tokens.Vocab.build([["the", "film", "was", "not", "bad"]])
    torch.manual_seed(1)
    cfg = models.ModelConfig(arch="gru", embed=6, hidden=5, layers=1, mlp=4)
    model = models.build(cfg, len(vocab), 2).eval()
    torch.save(models.pack(model, cfg, vocab, ["negative", "positive"], {}), tmp_path / "s.pt")
    doc = cli.json("gates", "--weights", str(tmp_path / "s.pt"), "--text", "not bad")
    ids = vocab.encode(["not", "bad"])
    with torch.no_grad():
        probs = torch.softmax(model(torch.tensor([ids]), torch.tensor([2]))[0], -1)
    assert doc["prediction"]["probabilities"]["positive"] == pytest.approx(float(probs[1]),
                                                                           abs=1e-6)
    res = cli("gates", "--weights", str(tmp_path / "s.pt"), "--text", "not bad")
    assert "the model's prediction:" in res.stdout
    json.dumps(doc)
