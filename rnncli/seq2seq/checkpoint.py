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
from rnncli.tokens import Vocab, pack_checkpoint

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


def save(path: str | Path, packed: dict, what: str = "the model") -> None:
    from rnncli.fileio import save_torch_atomic

    save_torch_atomic(path, packed, what)


def _read(path: Path) -> object:
    import torch

    from rnncli.fileio import regular_file

    regular_file(path, "--weights", MAX_BYTES)
    try:
        return torch.load(path, weights_only=True, map_location="cpu")
    except Exception as exc:  # UnpicklingError for unsafe content, RuntimeError, ...
        raise BadInput(f"{path}: not a checkpoint rnncli can load safely "
                       f"({type(exc).__name__}: {short(exc)})") from None


def read_checked(path: str | Path) -> tuple[dict, ModelConfig, dict]:
    """(loaded file, model settings, metadata) of a ``seq2seq --save`` file, the whole
    layout checked (``rnncli.saved``) and nothing built yet: size the work from it."""
    from rnncli import saved

    p = Path(path)
    obj = _read(p)
    model = saved.check_model(obj, KIND, str(p))
    meta = obj["rnncli"]
    for key, vocab in (("src_vocab", "vocab"), ("tgt_vocab", "target_vocab")):
        if model[key] != len(meta[vocab]):
            raise BadInput(f"{p}: rnncli.settings.model.{key}: {model[key]:,}, but "
                           f"rnncli.{vocab} has {len(meta[vocab]):,} tokens")
    cfg = ModelConfig(**model)
    saved.check_shapes(saved.expected_shapes(lambda: build(cfg)), obj["state_dict"], str(p))
    return obj, cfg, meta


def build_checked(obj: dict, cfg: ModelConfig, path: str | Path) -> Seq2Seq:
    """The model (eval mode) of a file :func:`read_checked` passed."""
    model = build(cfg)
    try:
        model.load_state_dict(obj["state_dict"])
    except RuntimeError as exc:  # shapes fit; a dtype torch cannot copy
        raise BadInput(f"{path}: the weights do not load ({short(exc, 80)})") from None
    return model.eval()


def load(path: str | Path) -> tuple[Seq2Seq, dict]:
    """(model in eval mode, metadata) of a ``seq2seq --save`` file."""
    obj, cfg, meta = read_checked(path)
    return build_checked(obj, cfg, path), meta
