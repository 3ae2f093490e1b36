"""Pairs files, tokenisation, vocabularies and batches for ``rnncli seq2seq``.

Files (``--data``, ``--test``): one pair per line, either ``source<TAB>target`` (an
optional third column ``train``/``test`` says where the pair belongs; ``--export-data``
writes that form) or SCAN's ``IN: <command> OUT: <actions>``.  Blank lines are skipped.

``Corpus`` holds the token lists and both vocabularies (``rnncli.tokens.Vocab``, built on
the training pairs only); ``Encoded`` holds padded id tensors so a batch is an index.
The decoder's input is the target shifted right behind ``<sos>``; its output is the
target followed by ``<eos>`` (``decoder_io``).
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass, field
from pathlib import Path

from rnncli.errors import BadInput
from rnncli.fileio import read_text
from rnncli.tokens import EOS_ID, PAD_ID, SOS_ID, Vocab, join_words, tokenizer

MAX_FILE_BYTES = 200 * 2**20
Pairs = list[tuple[str, str]]


def _parse_line(line: str, where: str) -> tuple[str, str, str | None]:
    if line.startswith("IN:") and " OUT:" in line:
        src, tgt = line[3:].split(" OUT:", 1)
        return src.strip(), tgt.strip(), None
    cols = line.split("\t")
    if len(cols) < 2 or not cols[0].strip() or not cols[1].strip():
        raise BadInput(f"{where}: expected source<TAB>target or 'IN: ... OUT: ...', "
                       f"got {line[:40]!r}")
    split = cols[2].strip().lower() if len(cols) > 2 else None
    if split not in (None, "", "train", "test"):
        raise BadInput(f"{where}: third column must be train or test, got {cols[2][:20]!r}")
    return cols[0].strip(), cols[1].strip(), split or None


def read_pairs(path: str | os.PathLike[str], option: str = "--data") -> tuple[Pairs, Pairs]:
    """(pairs, pairs marked test) of a file; unmarked pairs are in the first list."""
    p = Path(path)
    text = read_text(p, option, MAX_FILE_BYTES)  # exists, regular, readable, bounded
    main: Pairs = []
    marked: Pairs = []
    for i, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        src, tgt, split = _parse_line(line.rstrip("\r"), f"{p}:{i}")
        (marked if split == "test" else main).append((src, tgt))
    if not main and not marked:
        raise BadInput(f"{p}: no pairs (the file is empty)")
    return main, marked


def export_text(train: Pairs, test: Pairs) -> str:
    """The TSV that ``--export-data`` writes (re-readable with ``--data``)."""
    for s, t in train + test:
        if "\t" in s + t or "\n" in s + t:
            raise BadInput("a pair holds a tab or newline; it cannot be written as TSV")
    rows = [f"{s}\t{t}\ttrain" for s, t in train] + [f"{s}\t{t}\ttest" for s, t in test]
    return "\n".join(rows) + "\n"


def split_pairs(pairs: Pairs, seed: int, test_share: float = 0.2) -> tuple[Pairs, Pairs]:
    """A seeded random split into (train, test)."""
    shuffled = list(pairs)
    random.Random(seed).shuffle(shuffled)
    cut = max(1, round((1 - test_share) * len(shuffled)))
    if cut >= len(shuffled):
        raise BadInput(f"only {len(pairs)} pair(s): too few to hold some out for testing; "
                       "give more pairs or a --test file")
    return shuffled[:cut], shuffled[cut:]


def detokenize(tokens: list[str], kind: str) -> str:
    if kind == "char":
        return "".join(tokens)
    return join_words(tokens) if kind == "word" else " ".join(tokens)


@dataclass
class Corpus:
    """Tokenised train and test pairs with their vocabularies."""

    tokens: str
    train_src: list[list[str]]
    train_tgt: list[list[str]]
    test_src: list[list[str]]
    test_tgt: list[list[str]]
    src_vocab: Vocab
    tgt_vocab: Vocab
    max_len: int                       # longest target the decoder may write (no <eos>)
    unknown: list[str] = field(default_factory=list)  # test source tokens not in training
    reversed_source: bool = False                     # sources stored reversed
    test_refs: list[str] = field(default_factory=list)  # the test targets as in the file

    def _pairs(self, sources: list[list[str]], targets: list[list[str]]) -> Pairs:
        """The pairs as text again (sources in their original order)."""
        back = (lambda s: s[::-1]) if self.reversed_source else (lambda s: s)
        return [(detokenize(back(s), self.tokens), detokenize(t, self.tokens))
                for s, t in zip(sources, targets, strict=True)]

    @property
    def train_pairs(self) -> Pairs:
        return self._pairs(self.train_src, self.train_tgt)

    @property
    def test_pairs(self) -> Pairs:
        return self._pairs(self.test_src, self.test_tgt)


def too_long(targets: list[list[str]], max_len: int) -> tuple[int, int]:
    """(how many targets exceed ``max_len`` tokens, the longest length)."""
    lengths = [len(t) for t in targets]
    return sum(n > max_len for n in lengths), max(lengths, default=0)


def _tokenise(pairs: Pairs, tokens: str, reverse_source: bool, name: str
              ) -> tuple[list[list[str]], list[list[str]]]:
    tok = tokenizer(tokens)
    src = [tok(s)[::-1] if reverse_source else tok(s) for s, _ in pairs]
    tgt = [tok(t) for _, t in pairs]
    if any(not x for x in src + tgt):
        raise BadInput(f"a {name} pair is empty after tokenising with --tokens {tokens}")
    return src, tgt


def build_corpus(train: Pairs, test: Pairs, tokens: str, max_len: int | None = None,
                 reverse_source: bool = False) -> Corpus:
    """Tokenise, build vocabularies on ``train``, check target lengths against ``max_len``.

    ``max_len`` None: the longest target in train or test (a cap, never a hint the model
    sees).  A target longer than an explicit ``max_len`` is never truncated: the count is
    reported as bad input.
    """
    tr_s, tr_t = _tokenise(train, tokens, reverse_source, "training")
    te_s, te_t = _tokenise(test, tokens, reverse_source, "test")
    if max_len is None:
        max_len = max(len(t) for t in tr_t + te_t)
    for name, group in (("training", tr_t), ("test", te_t)):
        n, longest = too_long(group, max_len)
        if n:
            raise BadInput(f"--max-len {max_len}: {n} of {len(group)} {name} targets are "
                           f"longer (longest {longest} tokens); raise --max-len (targets "
                           "are never truncated)")
    src_vocab, tgt_vocab = Vocab.build(tr_s), Vocab.build(tr_t)
    unknown = src_vocab.unknown([t for s in te_s for t in s])
    return Corpus(tokens, tr_s, tr_t, te_s, te_t, src_vocab, tgt_vocab, max_len, unknown,
                  reverse_source, [t for _, t in test])


def decoder_io(target_ids: list[int]) -> tuple[list[int], list[int]]:
    """(decoder input, decoder output): ``<sos> y1 .. yn`` and ``y1 .. yn <eos>``."""
    return [SOS_ID] + list(target_ids), list(target_ids) + [EOS_ID]


@dataclass
class Encoded:
    """Padded id tensors of one side of a corpus (torch)."""

    src: object        # (N, S) long, padded with <pad>
    src_len: object    # (N,) long
    dec_in: object     # (N, T+1) long
    dec_out: object    # (N, T+1) long
    tgt_len: object    # (N,) long, target length without <eos>

    def __len__(self) -> int:
        return int(self.src.shape[0])

    def batch(self, idx):
        """(src, src_len, dec_in, dec_out) for the rows ``idx``, trimmed to their lengths."""
        s = int(self.src_len[idx].max())
        t = int(self.tgt_len[idx].max()) + 1
        return self.src[idx, :s], self.src_len[idx], self.dec_in[idx, :t], self.dec_out[idx, :t]


def encode(sources: list[list[str]], targets: list[list[str]], src_vocab: Vocab,
           tgt_vocab: Vocab) -> Encoded:
    import torch

    n = len(sources)
    s_max = max(len(s) for s in sources)
    t_max = max(len(t) for t in targets) + 1
    src = torch.full((n, s_max), PAD_ID, dtype=torch.long)
    dec_in = torch.full((n, t_max), PAD_ID, dtype=torch.long)
    dec_out = torch.full((n, t_max), PAD_ID, dtype=torch.long)
    for i, (s, t) in enumerate(zip(sources, targets, strict=True)):
        src[i, : len(s)] = torch.tensor(src_vocab.encode(s))
        d_in, d_out = decoder_io(tgt_vocab.encode(t))
        dec_in[i, : len(d_in)] = torch.tensor(d_in)
        dec_out[i, : len(d_out)] = torch.tensor(d_out)
    src_len = torch.tensor([len(s) for s in sources])
    tgt_len = torch.tensor([len(t) for t in targets])
    return Encoded(src, src_len, dec_in, dec_out, tgt_len)
