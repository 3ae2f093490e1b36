"""Using a saved model: ``rnncli seq2seq translate --weights model.pt "..."``."""

from __future__ import annotations

from pathlib import Path

from rnncli.errors import BadInput
from rnncli.tokens import Vocab, tokenizer

MAX_LEN = 10_000   # output tokens per text
MAX_BEAM = 100
MAX_TEXT = 100_000  # characters per text


def _check(texts: list[str], beam: int, max_len: int | None) -> None:
    if not 1 <= beam <= MAX_BEAM:
        raise BadInput(f"--beam must be in 1..{MAX_BEAM} (1 is greedy), got {beam}")
    if max_len is not None and not 1 <= max_len <= MAX_LEN:
        raise BadInput(f"--max-len must be in 1..{MAX_LEN}, got {max_len}")
    if not texts or any(not t.strip() for t in texts):
        raise BadInput("give at least one non-empty text to translate")
    if any(len(t) > MAX_TEXT for t in texts):
        raise BadInput(f"a text is over {MAX_TEXT} characters")


def translate_texts(weights: str | Path, texts: list[str], beam: int = 1,
                    max_len: int | None = None, threads: int = 1) -> dict:
    """Decode each text; tokens the model never saw become <unk> and are listed."""
    import torch

    from rnncli.seq2seq import checkpoint
    from rnncli.seq2seq.data import detokenize
    from rnncli.seq2seq.decode import decode
    from rnncli.trainkit import torch_session

    _check(texts, beam, max_len)
    model, meta = checkpoint.load(weights)
    settings = meta.get("settings", {})
    src_vocab, tgt_vocab = Vocab(meta["vocab"]), Vocab(meta["target_vocab"])
    tok = tokenizer(meta["tokens"])
    cap = max_len or int(settings.get("max_len", 50))
    out, unknown = [], []
    with torch_session(0, threads):
        for text in texts:
            toks = tok(text)
            if settings.get("reverse_source"):
                toks = toks[::-1]
            unknown.extend(src_vocab.unknown(toks))
            src = torch.tensor([src_vocab.encode(toks)])
            ids, ended = decode(model, src, torch.tensor([len(toks)]), cap, beam)
            out.append({"source": text,
                        "output": detokenize(tgt_vocab.decode(ids[0]), meta["tokens"]),
                        "ended": bool(ended[0])})
    return {"weights": str(weights), "arch": meta["arch"],
            "attention": settings.get("model", {}).get("attention"), "beam": beam,
            "max_len": cap, "unknown": list(dict.fromkeys(unknown)), "translations": out}
