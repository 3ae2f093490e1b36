"""Using a saved model: ``rnncli seq2seq translate --weights model.pt "..."``."""

from __future__ import annotations

import re
from pathlib import Path

from rnncli.errors import BadInput
from rnncli.tokens import Vocab, tokenizer

MAX_LEN = 10_000   # output tokens per text
MAX_BEAM = 100
MAX_TEXT = 100_000  # characters per text
MAX_SECONDS = 10 * 60
MAX_BYTES = 4 * 2**30
FLOPS = 1e9               # the rough single-thread rate rnncli's estimates assume
STEP_OVERHEAD_S = 1e-4    # per decoded token and layer: Python and torch call overhead


MAX_SHAPES = 200          # distinct source forms a checkpoint keeps for the check below


def shape(text: str) -> str:
    """A text's form: runs of letters -> 'a', of digits -> '9', of spaces -> ' ', other
    characters kept ("25 May 1996" -> "9 a 9", "yesterday" -> "a")."""
    text = re.sub(r"[^\W\d_]+", "a", text)
    return re.sub(r"\s+", " ", re.sub(r"\d+", "9", text))


def training_profile(corpus) -> dict:
    """What ``translate`` compares an input with: the training sources' token lengths and,
    when there are at most ``MAX_SHAPES`` of them, their forms."""
    sources = [s for s, _ in corpus.train_pairs]
    lengths = [len(s) for s in corpus.train_src]
    out: dict = {"source_len": [min(lengths), max(lengths)]}
    shapes = sorted({shape(s) for s in sources})
    if len(shapes) <= MAX_SHAPES:
        out["source_shapes"] = shapes
    return out


def unfamiliar(text: str, n_tokens: int, settings: dict) -> list[str]:
    """Why an input lies outside what the model was trained on (empty: nothing seen)."""
    why = []
    span = settings.get("source_len")
    if isinstance(span, list) and len(span) == 2 and not span[0] <= n_tokens <= span[1]:
        why.append(f"{n_tokens} tokens, training sources had {span[0]}-{span[1]}")
    shapes = settings.get("source_shapes")
    if isinstance(shapes, list) and shapes and shape(text) not in shapes:
        why.append(f"its form {shape(text)!r} (a: letters, 9: digits) never occurs among "
                   f"the training sources (e.g. {', '.join(repr(s) for s in shapes[:3])})")
    return why


def _check(texts: list[str], beam: int, max_len: int | None) -> None:
    if not 1 <= beam <= MAX_BEAM:
        raise BadInput(f"--beam must be in 1..{MAX_BEAM} (1 is greedy), got {beam}")
    if max_len is not None and not 1 <= max_len <= MAX_LEN:
        raise BadInput(f"--max-len must be in 1..{MAX_LEN}, got {max_len}")
    if not texts or any(not t.strip() for t in texts):
        raise BadInput("give at least one non-empty text to translate")
    if any(len(t) > MAX_TEXT for t in texts):
        raise BadInput(f"a text is over {MAX_TEXT} characters")


def estimate(cfg, obj: dict, n_tokens: int, cap: int, beam: int) -> tuple[float, float]:
    """(seconds, bytes) of decoding: every text's source through the encoder, then ``cap``
    steps of ``beam`` hypotheses through the decoder (its layers, attention over the
    source, the output layer); memory: the loaded tensors, the model, the beams' states."""
    from rnncli import archs

    g = archs.get(cfg.arch).gate_blocks
    dirs = 2 if cfg.bidirectional else 1
    rnn = cfg.layers * g * cfg.hidden * (cfg.embed + cfg.hidden)
    per_token = rnn + cfg.hidden * cfg.tgt_vocab + 3 * cfg.hidden * n_tokens
    macs = n_tokens * dirs * rnn + cap * beam * per_token
    seconds = 2 * macs / FLOPS + cap * cfg.layers * STEP_OVERHEAD_S
    tensors = sum(t.numel() * t.element_size() for t in obj["state_dict"].values())
    states = 4 * beam * cap * (cfg.hidden * (cfg.layers * 2 + n_tokens) + cfg.tgt_vocab)
    return seconds, 2 * tensors + states


def translate_texts(weights: str | Path, texts: list[str], beam: int = 1,
                    max_len: int | None = None, threads: int = 1,
                    force: bool = False) -> dict:
    """Decode each text; tokens the model never saw become <unk> and are listed. The
    saved file is checked whole, and the decoding sized from its settings, before the
    model is built."""
    import torch

    from rnncli.limits import refuse_oversized
    from rnncli.seq2seq import checkpoint
    from rnncli.seq2seq.data import detokenize
    from rnncli.seq2seq.decode import decode
    from rnncli.trainkit import torch_session

    _check(texts, beam, max_len)
    obj, cfg, meta = checkpoint.read_checked(weights)
    settings = meta["settings"]
    src_vocab, tgt_vocab = Vocab(meta["vocab"]), Vocab(meta["target_vocab"])
    tok = tokenizer(meta["tokens"])
    cap = max_len or settings.get("max_len", 50)
    seconds, nbytes = estimate(cfg, obj, sum(len(tok(t)) + 1 for t in texts), cap, beam)
    refuse_oversized(f"translating {len(texts)} text(s) with this model", seconds=seconds,
                     nbytes=nbytes, max_seconds=MAX_SECONDS, max_bytes=MAX_BYTES,
                     force=force, lower=f"lower --max-len (now {cap}) or --beam (now {beam})"
                     ", or give fewer texts")
    model = checkpoint.build_checked(obj, cfg, weights)
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
                        "ended": bool(ended[0]),
                        "unfamiliar": unfamiliar(text, len(toks), settings)})
    return {"weights": str(weights), "arch": meta["arch"],
            "attention": settings.get("model", {}).get("attention"), "beam": beam,
            "max_len": cap, "unknown": list(dict.fromkeys(unknown)), "translations": out}
