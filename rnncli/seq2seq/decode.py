"""Decoding: greedy and beam search, done the way the lesson's loop is not.

Every output starts from ``<sos>``, stops at ``<eos>`` and never runs past a length cap
(``max_len`` tokens, then one more step for the ``<eos>``).  The lesson's
``Seq2SeqLSTM.forward`` instead starts from token 0 (here ``<pad>``), always runs 50
steps and never looks for an end token: every output is 50 tokens long, and a model
trained with ``<sos>``/``<eos>`` would be fed a start token it never saw.

``beam(k=1)`` keeps one hypothesis per step and equals ``greedy`` (tests check it).
Beam scores are summed log-probabilities without length normalisation.
"""

from __future__ import annotations

import torch

from rnncli.seq2seq.models import Seq2Seq, select_state
from rnncli.tokens import EOS_ID, PAD_ID, SOS_ID


def _strip(row: list[int]) -> list[int]:
    """Tokens up to (not including) the first <eos>."""
    return row[: row.index(EOS_ID)] if EOS_ID in row else row


@torch.no_grad()
def greedy(model: Seq2Seq, src: torch.Tensor, src_len: torch.Tensor, max_len: int
           ) -> tuple[list[list[int]], list[bool]]:
    """Greedy decoding of a batch: (token ids without <eos>, whether <eos> was written)."""
    memory, mask, state = model.encode(src, src_len)
    b = src.shape[0]
    token = torch.full((b,), SOS_ID, dtype=torch.long)
    done = torch.zeros(b, dtype=torch.bool)
    out = []
    for _ in range(max_len + 1):
        logits, state = _step(model, token, state, memory, mask)
        token = logits.argmax(-1).masked_fill(done, PAD_ID)
        out.append(token)
        done |= token == EOS_ID
        if bool(done.all()):
            break
    rows = torch.stack(out, 1).tolist()
    return [_strip(r) for r in rows], done.tolist()


def _step(model: Seq2Seq, token, state, memory, mask):
    """One decoder step whose logits never pick <pad> or <sos> (they are not outputs)."""
    logits, state, _ = model.step(token, state, memory, mask)
    logits[:, PAD_ID] = float("-inf")
    logits[:, SOS_ID] = float("-inf")
    return logits, state


def _expand(x: torch.Tensor, k: int) -> torch.Tensor:
    return x.repeat_interleave(k, dim=0)


@torch.no_grad()
def beam(model: Seq2Seq, src: torch.Tensor, src_len: torch.Tensor, max_len: int, k: int
         ) -> tuple[list[list[int]], list[bool]]:
    """Beam search of width ``k`` for a batch (all sentences advance together)."""
    memory, mask, state = model.encode(src, src_len)
    b = src.shape[0]
    memory, mask = _expand(memory, k), _expand(mask, k)
    state = select_state(state, torch.arange(b).repeat_interleave(k))
    score = torch.full((b, k), float("-inf"))
    score[:, 0] = 0.0                                   # one live hypothesis to start
    token = torch.full((b * k,), SOS_ID, dtype=torch.long)
    done = torch.zeros(b, k, dtype=torch.bool)
    history = torch.zeros(b, k, 0, dtype=torch.long)
    for _ in range(max_len + 1):
        logits, state = _step(model, token, state, memory, mask)
        logp = torch.log_softmax(logits, -1).view(b, k, -1)
        v = logp.shape[-1]
        # a finished hypothesis keeps its score and only extends with <pad>
        logp = torch.where(done.unsqueeze(-1), torch.full_like(logp, float("-inf")), logp)
        logp[..., PAD_ID] = torch.where(done, 0.0, logp[..., PAD_ID])
        top, idx = (score.unsqueeze(-1) + logp).view(b, -1).topk(k, dim=-1)
        parent, token2 = idx // v, idx % v
        score = top
        history = torch.cat([history.gather(1, parent.unsqueeze(-1).expand(-1, -1,
                                                                          history.shape[2])),
                             token2.unsqueeze(-1)], dim=2)
        done = done.gather(1, parent) | (token2 == EOS_ID)
        flat = (parent + torch.arange(b).unsqueeze(1) * k).view(-1)
        state = select_state(state, flat)
        token = token2.view(-1)
        if bool(done.all()):
            break
    best = score.argmax(-1)
    rows = history[torch.arange(b), best].tolist()
    ended = done[torch.arange(b), best].tolist()
    return [_strip([t for t in r if t != PAD_ID]) for r in rows], ended


def decode(model: Seq2Seq, src: torch.Tensor, src_len: torch.Tensor, max_len: int,
           k: int = 1) -> tuple[list[list[int]], list[bool]]:
    """Greedy for ``k == 1``, beam search otherwise."""
    return greedy(model, src, src_len, max_len) if k == 1 else beam(model, src, src_len,
                                                                    max_len, k)


@torch.no_grad()
def attention_map(model: Seq2Seq, src: torch.Tensor, src_len: torch.Tensor,
                  output: list[int]) -> list[list[float]] | None:
    """Attention weights (output step x source position) of one source and an output.

    Feeding the output back with teacher forcing gives exactly the weights the decoder
    had while writing it (the decoder is deterministic given its prefix).
    """
    if model.decoder.attention is None:
        return None
    dec_in = torch.tensor([[SOS_ID] + list(output)])
    _, weights = model(src[:1], src_len[:1], dec_in)
    n = int(src_len[0])
    return weights[0, :, :n].tolist()
