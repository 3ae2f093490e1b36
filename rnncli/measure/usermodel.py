"""The user's own model and batches for ``rnncli bench``: ``--weights`` and ``--lengths``.

``--weights FILE``: any checkpoint ``rnncli gates`` reads (through the public loader of
:mod:`rnncli.checkpoint`: state dicts, nested dicts, ``.npz``; Keras and ONNX files through
:mod:`rnncli.formats`), including the
vocabulary-carrying files of ``sentiment`` and ``seq2seq`` (layout in
:mod:`rnncli.tokens`: the recurrent weights sit under ``state_dict.<rnn_prefix>``).
Architecture, input size, hidden size and layers come from the file; bench times a
torch module holding those weights.

``--lengths``: ``uniform:A-B`` draws one length per sequence of the batch uniformly from
A..B (NumPy generator, seed 0: the same lengths every run), or a file of positive
integers (whitespace or commas; one per sequence, at most ``MAX_SEQUENCES``).
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from rnncli.errors import BadInput

MAX_SEQUENCES = 100_000
MAX_LENGTH = 1_000_000
MAX_LENGTHS_FILE_BYTES = 4 * 2**20
_UNIFORM = re.compile(r"^uniform:(\d+)-(\d+)$")


@dataclass
class UserModel:
    path: Path
    prefix: str
    arch: str
    input_size: int
    hidden_size: int
    num_layers: int
    kind: str  # "state dict" or the rnncli checkpoint kind ("sentiment", "seq2seq")
    bidirectional: bool = False
    weights: object = field(default=None, repr=False)  # the checkpoint.Weights read


def _select(path: str, prefix: str | None = None):
    """(checkpoint.Weights, kind) of the file: its rnncli metadata's ``rnn_prefix`` or
    the only recurrent layer; a bidirectional layer keeps both directions."""
    from rnncli import checkpoint, formats

    if formats.sniff_user(path) in formats.NEW_FORMATS:  # Keras, ONNX: rnncli.formats reads
        from rnncli.formats.bridge import torch_weights

        return torch_weights(Path(path), prefix)
    ckpt = checkpoint.read(path)
    kind = "state dict"
    if prefix is None and ckpt.meta_key("rnn_prefix"):
        prefix, kind = ckpt.meta_key("rnn_prefix"), str(ckpt.meta.get("kind"))
    try:
        return checkpoint.select(ckpt.arrays, prefix, ckpt.path), kind
    except BadInput as e:
        if "bidirectional" not in str(e):
            raise
        return checkpoint.select(ckpt.arrays, prefix, ckpt.path, "forward"), kind


def read_model(path: str, prefix: str | None = None) -> UserModel:
    """Read ``--weights`` (BadInput, one line, for anything that is not a usable model).

    The request and every row of a run load the same file: it is read once (cached by
    path, size and modification time), not once per row."""
    try:
        st = os.stat(path)
    except OSError:
        return _read_model(path, prefix, None)  # _select names the problem
    return _read_model(path, prefix, (st.st_size, st.st_mtime_ns))


@functools.lru_cache(maxsize=4)
def _read_model(path: str, prefix: str | None, version: tuple | None) -> UserModel:
    w, kind = _select(path, prefix)
    return UserModel(Path(path), w.prefix, w.arch, w.input_size, w.hidden_size,
                     w.num_layers, kind, w.bidirectional, w)


def state_dict(model: UserModel) -> dict:
    """The recurrent weights with torch's names (``_reverse`` for the backward direction),
    float64 arrays."""
    w = model.weights
    sd = dict(w.state_dict)
    sd.update({f"{k}_reverse": v for k, v in (w.reverse or {}).items()})
    return sd


def _read_lengths_file(p: Path) -> list[int]:
    from rnncli.fileio import read_text

    if not p.exists():
        raise BadInput(f"--lengths {p}: no such file (or use uniform:A-B)")
    text = read_text(p, "--lengths", MAX_LENGTHS_FILE_BYTES)
    items = [t for t in re.split(r"[\s,]+", text.strip()) if t]
    if not items or not all(t.isascii() and t.isdigit() for t in items):
        raise BadInput(f"--lengths {p}: expected positive integers separated by spaces, "
                       "new lines or commas")
    return [int(t) for t in items]


def parse_lengths(spec: str, batch: int) -> tuple[int, ...]:
    """``uniform:20-200`` (``batch`` sequences) or a file of lengths."""
    m = _UNIFORM.match(spec.strip())
    if m:
        lo, hi = int(m.group(1)), int(m.group(2))
        if not 1 <= lo <= hi <= MAX_LENGTH:
            raise BadInput(f"--lengths {spec}: need 1 <= A <= B <= {MAX_LENGTH:,}")
        import numpy as np

        drawn = np.random.default_rng(0).integers(lo, hi + 1, size=batch)
        lengths = [int(v) for v in drawn]
    elif spec.startswith("uniform"):
        raise BadInput(f"--lengths {spec!r}: write uniform:A-B, e.g. uniform:20-200")
    else:
        lengths = _read_lengths_file(Path(spec))
    if len(lengths) > MAX_SEQUENCES:
        raise BadInput(f"--lengths: {len(lengths):,} sequences; at most {MAX_SEQUENCES:,}")
    if min(lengths) < 1 or max(lengths) > MAX_LENGTH:
        raise BadInput(f"--lengths: every length must be 1..{MAX_LENGTH:,}")
    return tuple(lengths)
