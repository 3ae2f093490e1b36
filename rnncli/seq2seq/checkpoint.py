"""Saving and loading a trained encoder-decoder (``--save``, ``seq2seq translate``).

The file is ``rnncli.tokens.pack_checkpoint``'s layout, kind ``"seq2seq"``: the state
dict, both vocabularies and the settings, loadable with ``torch.load(weights_only=True)``.
``embedding_key`` names the encoder's embedding and ``rnn_prefix`` the encoder's
recurrent layer, so ``rnncli gates --weights model.pt --text ...`` traces the encoder.
"""

from __future__ import annotations

from pathlib import Path

from rnncli.errors import BadInput, short
from rnncli.seq2seq.models import ModelConfig, Seq2Seq, build
from rnncli.tokens import Vocab, checkpoint_meta, pack_checkpoint

KIND = "seq2seq"
MAX_BYTES = 2 * 2**30
EMBEDDING_KEY = "encoder.embedding.weight"
RNN_PREFIX = "encoder.rnn."


def pack(model: Seq2Seq, src_vocab: Vocab, tgt_vocab: Vocab, tokens: str,
         settings: dict) -> dict:
    """The dict to save: tensors plus plain metadata (``settings["model"]`` rebuilds it)."""
    settings = {**settings, "model": model.cfg.as_dict()}
    return pack_checkpoint(model.state_dict(), kind=KIND, arch=model.cfg.arch, tokens=tokens,
                           vocab=src_vocab, embedding_key=EMBEDDING_KEY,
                           rnn_prefix=RNN_PREFIX, settings=settings, target_vocab=tgt_vocab)


def save(path: str | Path, packed: dict) -> None:
    from rnncli.fileio import save_torch_atomic

    save_torch_atomic(path, packed, "the model")


def _read(path: Path) -> object:
    import torch

    if not path.is_file():
        raise BadInput(f"{path}: no such file")
    if path.stat().st_size > MAX_BYTES:
        raise BadInput(f"{path}: over {MAX_BYTES >> 30} GiB; not a seq2seq checkpoint")
    try:
        return torch.load(path, weights_only=True, map_location="cpu")
    except Exception as exc:  # UnpicklingError for unsafe content, RuntimeError, ...
        raise BadInput(f"{path}: not a checkpoint rnncli can load safely "
                       f"({type(exc).__name__}: {short(exc)})") from None


def load(path: str | Path) -> tuple[Seq2Seq, dict]:
    """(model in eval mode, metadata) of a ``seq2seq --save`` file."""
    p = Path(path)
    obj = _read(p)
    meta = checkpoint_meta(obj)
    if meta is None:
        raise BadInput(f"{p}: not written by `rnncli seq2seq --save` (no rnncli metadata)")
    if meta["kind"] != KIND:
        raise BadInput(f"{p}: written by `rnncli {meta['kind']}`, not `rnncli seq2seq`")
    try:
        cfg = ModelConfig(**meta["settings"]["model"])
        model = build(cfg)
        model.load_state_dict(obj["state_dict"])
    except (KeyError, TypeError, RuntimeError) as exc:
        raise BadInput(f"{p}: the seq2seq checkpoint is damaged ({short(exc)})") from None
    model.eval()
    return model, meta
