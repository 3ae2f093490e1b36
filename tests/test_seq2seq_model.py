"""Encoder-decoder behaviour on tiny models: shifted decoder input, whole-target forward
equal to step-by-step decoding, attention weights, stopping rules, beam 1 == greedy,
padding that changes nothing, checkpoints that round-trip."""

from __future__ import annotations

import pytest
import torch

from rnncli import archs
from rnncli.errors import BadInput
from rnncli.seq2seq import checkpoint, data
from rnncli.seq2seq.decode import attention_map, beam, greedy
from rnncli.seq2seq.models import ModelConfig, build
from rnncli.tokens import EOS_ID, PAD_ID, SOS_ID, Vocab, pack_checkpoint

ARCHS = archs.names(torch_only=True)
ATTN = ("none", "dot", "additive")


def _model(arch="gru", attention="dot", bidirectional=False, layers=1, seed=0, vocab=9):
    torch.manual_seed(seed)
    cfg = ModelConfig(arch, vocab, vocab, hidden=8, embed=6, layers=layers,
                      attention=attention, bidirectional=bidirectional)
    return build(cfg).eval()


def _batch(seed=0, b=4, vocab=9):
    g = torch.Generator().manual_seed(seed)
    src_len = torch.tensor([5, 3, 4, 1][:b])
    src = torch.randint(4, vocab, (b, 5), generator=g)
    src[torch.arange(5).unsqueeze(0) >= src_len.unsqueeze(1)] = PAD_ID
    return src, src_len


def test_decoder_input_is_target_shifted_right_behind_sos():
    assert data.decoder_io([7, 8, 9]) == ([SOS_ID, 7, 8, 9], [7, 8, 9, EOS_ID])
    src_v = Vocab.build([["a", "b"]])
    tgt_v = Vocab.build([["x", "y", "z"]])
    enc = data.encode([["a", "b"], ["b"]], [["x", "y", "z"], ["y"]], src_v, tgt_v)
    x, y, z = (tgt_v.stoi[t] for t in "xyz")
    assert enc.dec_in[0].tolist() == [SOS_ID, x, y, z]
    assert enc.dec_out[0].tolist() == [x, y, z, EOS_ID]
    assert enc.dec_in[1].tolist() == [SOS_ID, y, PAD_ID, PAD_ID]
    assert enc.dec_out[1].tolist() == [y, EOS_ID, PAD_ID, PAD_ID]
    # the teacher-forced input at step t is the target at t-1
    assert enc.dec_in[0, 1:].tolist() == enc.dec_out[0, :-1].tolist()


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("attention", ATTN)
def test_whole_target_forward_equals_step_by_step(arch, attention):
    model = _model(arch, attention, bidirectional=arch == "lstm", layers=2)
    src, src_len = _batch()
    dec_in = torch.randint(4, 9, (4, 6), generator=torch.Generator().manual_seed(1))
    dec_in[:, 0] = SOS_ID
    with torch.no_grad():
        full, w_full = model(src, src_len, dec_in)
        memory, mask, state = model.encode(src, src_len)
        steps, ws = [], []
        for t in range(dec_in.shape[1]):
            logits, state, w = model.step(dec_in[:, t], state, memory, mask)
            steps.append(logits)
            ws.append(w)
    torch.testing.assert_close(full, torch.stack(steps, 1), rtol=1e-5, atol=1e-6)
    if attention != "none":
        torch.testing.assert_close(w_full, torch.stack(ws, 1), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("attention", ("dot", "additive"))
def test_attention_weights_sum_to_one_and_skip_padding(attention):
    model = _model("lstm", attention)
    src, src_len = _batch()
    dec_in = torch.full((4, 3), SOS_ID)
    with torch.no_grad():
        _, w = model(src, src_len, dec_in)
    torch.testing.assert_close(w.sum(-1), torch.ones(4, 3))
    pad = (torch.arange(5).unsqueeze(0) >= src_len.unsqueeze(1)).unsqueeze(1).expand_as(w)
    assert float(w[pad].abs().max()) == 0.0
    assert float(w[~pad].min()) > 0.0


def test_padding_changes_nothing():
    """A sentence decodes the same alone and in a batch beside longer ones (packing)."""
    model = _model("lstm", "additive", bidirectional=True)
    src, src_len = _batch()
    together, _ = greedy(model, src, src_len, max_len=6)
    for i in range(4):
        n = int(src_len[i])
        alone, _ = greedy(model, src[i:i + 1, :n], src_len[i:i + 1], max_len=6)
        assert alone[0] == together[i]


def _forced(model, token: int):
    """Make the decoder's output layer always prefer ``token``."""
    with torch.no_grad():
        model.decoder.out.weight.zero_()
        model.decoder.out.bias.fill_(-5.0)
        model.decoder.out.bias[token] = 5.0
    return model


def test_decoding_stops_at_eos():
    model = _forced(_model("gru", "none"), EOS_ID)
    src, src_len = _batch()
    out, ended = greedy(model, src, src_len, max_len=10)
    assert out == [[]] * 4 and ended == [True] * 4
    out_b, ended_b = beam(model, src, src_len, max_len=10, k=3)
    assert out_b == [[]] * 4 and ended_b == [True] * 4


def test_decoding_stops_at_the_cap():
    model = _forced(_model("gru", "none"), 5)
    src, src_len = _batch()
    out, ended = greedy(model, src, src_len, max_len=7)
    assert out == [[5] * 8] * 4 and ended == [False] * 4  # max_len + 1 steps, no <eos>
    out_b, _ = beam(model, src, src_len, max_len=7, k=2)
    assert all(len(o) == 8 for o in out_b)


def test_decoding_never_writes_pad_or_sos():
    model = _forced(_model("rnn", "none"), PAD_ID)
    out, _ = greedy(model, *_batch(), max_len=4)
    assert all(t not in (PAD_ID, SOS_ID) for row in out for t in row)


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("attention", ATTN)
@pytest.mark.parametrize("seed", (0, 1))
def test_beam_one_equals_greedy(arch, attention, seed):
    model = _model(arch, attention, seed=seed)
    src, src_len = _batch(seed)
    assert beam(model, src, src_len, 8, k=1) == greedy(model, src, src_len, 8)


def test_attention_map_matches_the_decoding_pass():
    model = _model("lstm", "dot")
    src, src_len = _batch(b=1)
    out, _ = greedy(model, src, src_len, 5)
    weights = attention_map(model, src, src_len, out[0])
    assert len(weights) == len(out[0]) + 1 and len(weights[0]) == int(src_len[0])
    assert attention_map(_model("lstm", "none"), src, src_len, out[0]) is None


def test_checkpoint_round_trips(tmp_path):
    model = _model("lstm", "additive", bidirectional=True)
    src_v = Vocab(["<pad>", "<unk>", "<sos>", "<eos>"] + list("abcde"))
    tgt_v = Vocab(["<pad>", "<unk>", "<sos>", "<eos>"] + list("vwxyz"))
    path = tmp_path / "m.pt"
    checkpoint.save(path, checkpoint.pack(model, src_v, tgt_v, "char", {"max_len": 6}))
    raw = torch.load(path, weights_only=True)
    assert raw["rnncli"]["kind"] == "seq2seq"
    assert raw["rnncli"]["target_vocab"] == tgt_v.itos
    assert raw["rnncli"]["embedding_key"] in raw["state_dict"]
    assert raw["rnncli"]["rnn_prefix"] + "weight_ih_l0" in raw["state_dict"]
    loaded, meta = checkpoint.load(path)
    assert meta["settings"]["max_len"] == 6
    src, src_len = _batch()
    assert greedy(loaded, src, src_len, 6) == greedy(model, src, src_len, 6)
    for k, v in model.state_dict().items():
        assert torch.equal(v, loaded.state_dict()[k])


def test_checkpoint_of_another_command_is_refused(tmp_path):
    v = Vocab(["<pad>", "<unk>", "<sos>", "<eos>", "a"])
    other = tmp_path / "sent.pt"
    torch.save(pack_checkpoint({"w": torch.zeros(1)}, kind="sentiment", arch="lstm",
                               tokens="word", vocab=v, embedding_key="e", rnn_prefix="rnn.",
                               settings={}), other)
    with pytest.raises(BadInput, match="sentiment"):
        checkpoint.load(other)
    plain = tmp_path / "plain.pt"
    torch.save({"weight": torch.zeros(2)}, plain)
    with pytest.raises(BadInput, match="not written by"):
        checkpoint.load(plain)
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a checkpoint")
    with pytest.raises(BadInput):
        checkpoint.load(junk)


def test_scheduled_sampling_loop_with_all_true_tokens_equals_teacher_forcing():
    from rnncli.seq2seq.train import _sampled_logits, gold_probability

    model = _model("lstm", "additive")
    src, src_len = _batch()
    dec_in = torch.randint(4, 9, (4, 5), generator=torch.Generator().manual_seed(2))
    dec_in[:, 0] = SOS_ID
    with torch.no_grad():
        fast, _ = model(src, src_len, dec_in)
        loop = _sampled_logits(model, src, src_len, dec_in, 1.0, torch.Generator())
    torch.testing.assert_close(fast, loop, rtol=1e-5, atol=1e-6)
    assert gold_probability(0, 100, 0.25) == 1.0
    assert gold_probability(99, 100, 0.25) == pytest.approx(0.25)
    assert gold_probability(50, 100, 1.0) == 1.0


def test_scheduled_sampling_feeds_model_tokens_when_told():
    """With p_gold = 0 the decoder never sees the true tokens after <sos>."""
    from rnncli.seq2seq.train import _sampled_logits

    model = _model("gru", "dot")
    src, src_len = _batch()
    a = torch.full((4, 5), 5)
    b = torch.full((4, 5), 6)
    a[:, 0] = b[:, 0] = SOS_ID
    with torch.no_grad():
        la = _sampled_logits(model, src, src_len, a, 0.0, torch.Generator())
        lb = _sampled_logits(model, src, src_len, b, 0.0, torch.Generator())
    torch.testing.assert_close(la, lb)
