"""Building, reading out and saving the recurrent classifier (``model_code.SentimentRNN``)
and the bag-of-embeddings baseline.

- ``ModelConfig``: the settings of one recurrent model; ``build(cfg, vocab_size, classes)``.
- ``lesson_logits(model, ids)``: the lesson's read-out, ``output[:, -1]`` of the padded
  batch (no packing), on the same weights, to show what padding does to it.
- ``BagOfEmbeddings``: mean of word vectors -> linear; order-blind by construction.
- ``save_checkpoint`` / ``predict_from_checkpoint``: the vocab-carrying layout of
  ``rnncli.tokens`` (kind "sentiment"), loadable with ``torch.load(weights_only=True)``;
  ``rnncli gates --weights model.pt --text ...`` calls ``predict_from_checkpoint``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn

from rnncli import archs
from rnncli.errors import BadInput, short
from rnncli.sentiment.model_code import SentimentRNN

KIND = "sentiment"


@dataclass(frozen=True)
class ModelConfig:
    arch: str = "lstm"
    embed: int = 32
    hidden: int = 32
    layers: int = 1
    bidirectional: bool = False
    dropout: float = 0.3
    mlp: int = 32


def build(cfg: ModelConfig, vocab_size: int, num_classes: int) -> SentimentRNN:
    return SentimentRNN(vocab_size, num_classes, archs.torch_module(cfg.arch), cfg.embed,
                        cfg.hidden, cfg.layers, cfg.bidirectional, cfg.dropout, cfg.mlp)


class BagOfEmbeddings(nn.Module):
    """Mean of the word vectors -> linear: sees which words occur, never their order."""

    def __init__(self, vocab_size: int, num_classes: int, embed: int = 32):
        super().__init__()
        self.embedding = nn.EmbeddingBag(vocab_size, embed, mode="mean", padding_idx=0)
        self.out = nn.Linear(embed, num_classes)

    def forward(self, ids, lengths):  # same call as SentimentRNN
        return self.out(self.embedding(ids))


def lesson_logits(model: SentimentRNN, ids: torch.Tensor) -> torch.Tensor:
    """The lesson's read-out: run the padded batch unpacked and read ``output[:, -1]``."""
    out, _ = model.rnn(model.embedding(ids))          # (B, T, D*H), padding included
    return model.head(model.dropout(out[:, -1]))


def head_description(cfg: ModelConfig) -> dict:
    return {"readout": "h_n of the top layer, forward then backward direction",
            "dropout": cfg.dropout, "layers": ["head.0", "head.3"], "activation": "relu"}


def pack(model: SentimentRNN, cfg: ModelConfig, vocab, labels: list[str],
         settings: dict) -> dict:
    """The checkpoint dict (tensors, strings, numbers only)."""
    from rnncli.tokens import pack_checkpoint

    state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    obj = pack_checkpoint(state, kind=KIND, arch=cfg.arch, tokens="word", vocab=vocab,
                          embedding_key="embedding.weight", rnn_prefix="rnn.",
                          settings={**settings, "model": asdict(cfg)})
    obj["rnncli"]["labels"] = list(labels)
    obj["rnncli"]["head"] = head_description(cfg)
    return obj


def from_checkpoint(obj: dict, where: str = "") -> tuple[SentimentRNN, dict]:
    """The model (eval mode) and metadata of a loaded ``sentiment --save`` checkpoint; the
    whole layout is checked first (``rnncli.saved``), the model built only if it fits."""
    from rnncli import saved

    cfg = ModelConfig(**saved.check_model(obj, KIND, where))
    meta = obj["rnncli"]

    def make():
        return build(cfg, len(meta["vocab"]), len(meta["labels"]))

    saved.check_shapes(saved.expected_shapes(make), obj["state_dict"], where)
    model = make()
    try:
        model.load_state_dict(obj["state_dict"])
    except RuntimeError as exc:  # shapes fit; a dtype torch cannot copy
        raise BadInput(f"{where}: the weights do not load ({short(exc, 80)})") from None
    return model.eval(), meta


def predict_from_checkpoint(obj: dict, token_ids, where: str = "") -> tuple[str,
                                                                            dict[str, float]]:
    """``(label, {label: probability})`` of one sequence of token ids."""
    model, meta = from_checkpoint(obj, where)
    ids = [int(i) for i in token_ids]
    if not ids:
        raise BadInput("no tokens to classify")
    bad = [i for i in ids if not 0 <= i < len(meta["vocab"])]
    if bad:
        raise BadInput(f"token id {bad[0]} is out of range: the vocabulary has "
                       f"{len(meta['vocab'])} tokens (0..{len(meta['vocab']) - 1})")
    with torch.no_grad():
        logits = model(torch.tensor([ids]), torch.tensor([len(ids)]))
    probs = torch.softmax(logits[0], dim=-1).tolist()
    labels = meta["labels"]
    best = max(range(len(probs)), key=probs.__getitem__)
    return labels[best], dict(zip(labels, probs, strict=True))
