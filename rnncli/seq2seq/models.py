"""Encoder, decoder and attention (torch).

The encoder reads the source (packed, so padding never enters its state); its final
state starts the decoder, as in the lesson's ``Seq2SeqLSTM`` and Sutskever et al. 2014.
With attention the decoder also looks at every encoder output at every step:

    e_ts = score(h_t, m_s)                          # (B, T, S), padding masked out
    a_t  = softmax_s(e_ts)                          # attention weights, sum to 1
    c_t  = sum_s a_ts m_s                           # context vector, (B, T, H)
    h~_t = tanh(W_c [c_t; h_t])                     # attentional state (Luong et al. 2015)
    p(y_t | y_<t, x) = softmax(W_o h~_t)

score ``dot``: h_t . m_s (Luong et al. 2015); ``additive``: v . tanh(W_q h_t + W_k m_s)
(Bahdanau et al. 2015's score).  Both use Luong's placement: the query is the decoder's
current state h_t, computed before the attention, so a teacher-forced decoder runs the
whole target in one call of the recurrent layer.  (Bahdanau et al. query with h_{t-1}
and feed c_t into the recurrence; that needs a Python loop over steps.)

``Seq2Seq.forward`` (whole target at once) and ``Seq2Seq.step`` (one token) run the same
layers; tests check they agree.  ``--bidirectional-encoder`` concatenates both directions
and maps them to the decoder's size with ``bridge`` (states) and ``memory`` (outputs).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from rnncli import archs
from rnncli.errors import BadInput
from rnncli.seq2seq import ATTENTIONS


@dataclass(frozen=True)
class ModelConfig:
    arch: str
    src_vocab: int
    tgt_vocab: int
    hidden: int = 64
    embed: int = 64
    layers: int = 1
    attention: str = "none"
    bidirectional: bool = False

    def as_dict(self) -> dict:
        return asdict(self)


class Attention(nn.Module):
    """Scores, weights and context of one query set against the encoder outputs."""

    def __init__(self, kind: str, hidden: int):
        super().__init__()
        if kind not in ("additive", "dot"):
            raise BadInput(f"--attention: unknown kind {kind!r}; choose one of "
                           f"{', '.join(ATTENTIONS)}")
        self.kind = kind
        if kind == "additive":
            self.w_query = nn.Linear(hidden, hidden, bias=False)
            self.w_key = nn.Linear(hidden, hidden, bias=True)
            self.v = nn.Linear(hidden, 1, bias=False)

    def scores(self, query: torch.Tensor, memory: torch.Tensor) -> torch.Tensor:
        """(B, T, H) x (B, S, H) -> (B, T, S)."""
        if self.kind == "dot":
            return query @ memory.transpose(1, 2)                     # h_t . m_s
        q = self.w_query(query).unsqueeze(2)                          # (B, T, 1, H)
        k = self.w_key(memory).unsqueeze(1)                           # (B, 1, S, H)
        return self.v(torch.tanh(q + k)).squeeze(-1)                  # v . tanh(Wq h + Wk m)

    def forward(self, query, memory, mask):
        e = self.scores(query, memory).masked_fill(~mask.unsqueeze(1), float("-inf"))
        weights = torch.softmax(e, dim=-1)                            # a_ts, sum_s = 1
        return weights @ memory, weights                              # c_t (B, T, H)


class Encoder(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.embedding = nn.Embedding(cfg.src_vocab, cfg.embed, padding_idx=0)
        self.rnn = archs.torch_module(cfg.arch)(cfg.embed, cfg.hidden, cfg.layers,
                                                batch_first=True,
                                                bidirectional=cfg.bidirectional)

    def forward(self, src: torch.Tensor, src_len: torch.Tensor):
        packed = pack_padded_sequence(self.embedding(src), src_len.cpu(), batch_first=True,
                                      enforce_sorted=False)
        out, state = self.rnn(packed)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=src.shape[1])
        return out, state


class Decoder(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.embedding = nn.Embedding(cfg.tgt_vocab, cfg.embed, padding_idx=0)
        self.rnn = archs.torch_module(cfg.arch)(cfg.embed, cfg.hidden, cfg.layers,
                                                batch_first=True)
        self.attention = None if cfg.attention == "none" else Attention(cfg.attention,
                                                                        cfg.hidden)
        if self.attention is not None:
            self.combine = nn.Linear(2 * cfg.hidden, cfg.hidden)
        self.out = nn.Linear(cfg.hidden, cfg.tgt_vocab)

    def forward(self, inputs, state, memory, mask):
        """inputs (B, T) -> logits (B, T, V), new state, weights (B, T, S) or None."""
        h, state = self.rnn(self.embedding(inputs), state)            # h_t, (B, T, H)
        weights = None
        if self.attention is not None:
            context, weights = self.attention(h, memory, mask)        # c_t, a_t
            h = torch.tanh(self.combine(torch.cat([context, h], dim=-1)))  # h~_t
        return self.out(h), state, weights


class Seq2Seq(nn.Module):
    """Encoder + decoder; ``encode`` once, then ``forward`` (teacher forcing) or ``step``."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        self.encoder = Encoder(cfg)
        self.decoder = Decoder(cfg)
        if cfg.bidirectional:
            self.bridge = nn.Linear(2 * cfg.hidden, cfg.hidden)
            self.memory = nn.Linear(2 * cfg.hidden, cfg.hidden)

    @property
    def is_lstm(self) -> bool:
        return archs.get(self.cfg.arch).has_cell_state

    def _join(self, state: torch.Tensor) -> torch.Tensor:
        """(L*2, B, H) forward/backward states -> (L, B, H) through the bridge."""
        layers, b, h = self.cfg.layers, state.shape[1], self.cfg.hidden
        both = state.view(layers, 2, b, h).permute(0, 2, 1, 3).reshape(layers, b, 2 * h)
        return torch.tanh(self.bridge(both))

    def encode(self, src: torch.Tensor, src_len: torch.Tensor):
        """(memory (B, S, H), mask (B, S), initial decoder state)."""
        out, state = self.encoder(src, src_len)
        if self.cfg.bidirectional:
            out = self.memory(out)
            state = tuple(self._join(s) for s in state) if self.is_lstm else self._join(state)
        mask = torch.arange(src.shape[1]).unsqueeze(0) < src_len.unsqueeze(1)
        return out, mask, state

    def forward(self, src, src_len, dec_in):
        """Teacher forcing: logits (B, T, V) and attention weights for ``dec_in``."""
        memory, mask, state = self.encode(src, src_len)
        logits, _, weights = self.decoder(dec_in, state, memory, mask)
        return logits, weights

    def step(self, token, state, memory, mask):
        """One decoding step: token (B,) -> logits (B, V), state, weights (B, S) or None."""
        logits, state, weights = self.decoder(token.unsqueeze(1), state, memory, mask)
        return logits[:, 0], state, None if weights is None else weights[:, 0]


def select_state(state, index: torch.Tensor):
    """Rows ``index`` of a decoder state (a tensor, or an LSTM's (h, c))."""
    if isinstance(state, tuple):
        return tuple(s.index_select(1, index) for s in state)
    return state.index_select(1, index)


def build(cfg: ModelConfig) -> Seq2Seq:
    if cfg.attention not in ATTENTIONS:
        raise BadInput(f"--attention: unknown kind {cfg.attention!r}; choose one of "
                       f"{', '.join(ATTENTIONS)}")
    return Seq2Seq(cfg)
