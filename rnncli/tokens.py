"""The token path shared by ``sentiment``, ``seq2seq`` and ``gates --text``.

- ``words(text)``: the documented tokenizer: Unicode NFC, lower-case, then runs of letters
  and digits in any script ("clichés", "naïve" stay one word; apostrophes kept inside
  words: "don't"), and each other mark (punctuation, symbol, underscore) as its own token.
- ``chars(text)``: one token per character (spaces kept), for ``seq2seq --tokens char``.
- ``spaces(text)``: split on white space only, case kept (pre-tokenised text such as
  SCAN's ``I_TURN_LEFT I_JUMP``), for ``seq2seq --tokens space``.
- ``Vocab``: token <-> id with four reserved ids (``<pad>`` 0, ``<unk>`` 1, ``<sos>`` 2,
  ``<eos>`` 3), capped by size, most frequent first, ties broken alphabetically so the
  same corpus always gives the same ids.

Checkpoints that carry a vocabulary (written by ``sentiment --save`` and ``seq2seq --save``)
are plain dicts loadable with ``torch.load(weights_only=True)``::

    {"state_dict": {name: tensor}, "rnncli": META}

where META holds only strings, numbers, booleans, lists and dicts of them:
``kind`` ("sentiment" | "seq2seq"), ``format`` (1), ``arch``,
``tokens`` ("word" | "char" | "space"),
``vocab`` (list of tokens, index = id), ``embedding_key`` (state_dict key of the source
embedding), ``rnn_prefix`` (prefix of the recurrent layer's ``weight_ih_l0`` ...),
``settings`` (the command's options) and, for seq2seq, ``target_vocab``.
``pack_checkpoint`` builds that layout; ``rnncli.saved`` checks it whole before use
(``checkpoint_meta``: the layout; ``saved.check_model``: a kind's settings and tensors).

A ``sentiment`` checkpoint's META also holds ``labels`` (class names, index = class) and
``head`` (how the prediction is read: top layer's final ``h_n``, both directions, then the
MLP at ``head.0`` / ``head.3``); to get the model's prediction for token ids, import
lazily ``rnncli.sentiment.models.predict_from_checkpoint(obj, token_ids) -> (label,
{label: probability})`` (BadInput for an id outside the vocabulary).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence

from rnncli.errors import BadInput

PAD, UNK, SOS, EOS = "<pad>", "<unk>", "<sos>", "<eos>"
SPECIALS = (PAD, UNK, SOS, EOS)
PAD_ID, UNK_ID, SOS_ID, EOS_ID = range(4)
FORMAT = 1

# [^\W_] is a letter or digit of any script (\w without the underscore).
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*|[^\w\s]|_")


def words(text: str) -> list[str]:
    """``"Not bad, at ALL!"`` -> ``["not", "bad", ",", "at", "all", "!"]``.

    NFC first, so a letter typed as base + combining mark ("i" + U+0308) is one letter."""
    return _WORD.findall(unicodedata.normalize("NFC", str(text)).lower())


_NO_SPACE_BEFORE = re.compile(r" ([.,!?;:%)\]}»…])")
_NO_SPACE_AFTER = re.compile(r"([(\[{«¿¡$]) ")


def join_words(tokens: Sequence[str]) -> str:
    """``words`` undone as far as it can be: ``["hello", ",", "world", "!"]`` ->
    ``"hello, world!"`` (no space before closing punctuation or after opening brackets;
    the case ``words`` dropped stays lower)."""
    text = " ".join(tokens)
    return _NO_SPACE_AFTER.sub(r"\1", _NO_SPACE_BEFORE.sub(r"\1", text))


def chars(text: str) -> list[str]:
    """One token per character."""
    return list(str(text))


def spaces(text: str) -> list[str]:
    """``"I_TURN_LEFT I_JUMP"`` -> ``["I_TURN_LEFT", "I_JUMP"]``."""
    return str(text).split()


TOKENIZERS = {"word": words, "char": chars, "space": spaces}


def tokenizer(kind: str):
    if kind not in TOKENIZERS:
        raise BadInput(f"unknown tokenizer {kind!r}; choose one of {', '.join(TOKENIZERS)}")
    return TOKENIZERS[kind]


class Vocab:
    """Token <-> id. ``Vocab.build(token_lists, max_size=20000, min_freq=1)``."""

    def __init__(self, tokens: Sequence[str]):
        tokens = list(tokens)
        if tuple(tokens[:4]) != SPECIALS:
            raise BadInput("a vocabulary must start with <pad>, <unk>, <sos>, <eos>")
        if len(set(tokens)) != len(tokens):
            raise BadInput("the vocabulary repeats a token")
        self.itos = tokens
        self.stoi = {t: i for i, t in enumerate(tokens)}

    @classmethod
    def build(cls, token_lists: Iterable[Sequence[str]], max_size: int | None = None,
              min_freq: int = 1) -> Vocab:
        counts = Counter(t for toks in token_lists for t in toks if t not in SPECIALS)
        ranked = sorted((t for t, c in counts.items() if c >= min_freq),
                        key=lambda t: (-counts[t], t))
        if max_size is not None:
            ranked = ranked[: max(0, max_size - len(SPECIALS))]
        return cls(list(SPECIALS) + ranked)

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, token: str) -> bool:
        return token in self.stoi

    def encode(self, tokens: Sequence[str], *, sos: bool = False, eos: bool = False) -> list[int]:
        ids = [self.stoi.get(t, UNK_ID) for t in tokens]
        return ([SOS_ID] if sos else []) + ids + ([EOS_ID] if eos else [])

    def decode(self, ids: Iterable[int], *, strip: bool = True) -> list[str]:
        """Tokens of ``ids``; ``strip`` drops <pad>/<sos> and stops at <eos>."""
        out = []
        for i in ids:
            i = int(i)
            if strip and i == EOS_ID:
                break
            if strip and i in (PAD_ID, SOS_ID):
                continue
            out.append(self.itos[i] if 0 <= i < len(self.itos) else UNK)
        return out

    def unknown(self, tokens: Sequence[str]) -> list[str]:
        """The tokens this vocabulary maps to <unk>, in order, without repeats."""
        return list(dict.fromkeys(t for t in tokens if t not in self.stoi))


def pack_checkpoint(state_dict: dict, *, kind: str, arch: str, tokens: str, vocab: Vocab,
                    embedding_key: str, rnn_prefix: str, settings: dict,
                    target_vocab: Vocab | None = None) -> dict:
    """The dict to ``torch.save``: tensors plus plain metadata (weights_only-safe)."""
    meta = {"kind": kind, "format": FORMAT, "arch": arch, "tokens": tokens,
            "vocab": list(vocab.itos), "embedding_key": embedding_key,
            "rnn_prefix": rnn_prefix, "settings": dict(settings)}
    if target_vocab is not None:
        meta["target_vocab"] = list(target_vocab.itos)
    return {"state_dict": dict(state_dict), "rnncli": meta}


def checkpoint_meta(obj: object, where: str = "") -> dict | None:
    """The ``rnncli`` metadata of a loaded checkpoint, checked whole (``rnncli.saved``:
    types, keys, vocabulary against the embedding), or None for any other file."""
    from rnncli.saved import meta_of

    return meta_of(obj, where)
