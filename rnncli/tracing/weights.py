"""``gates --weights FILE``: trace the recurrent layer of the user's checkpoint.

The input is ``--seq``/``--input`` (vectors of the layer's input size), or tokens fed
through the checkpoint's embedding: ``--tokens 3,17,42`` (any checkpoint with an embedding
matrix) or ``--text "not bad at all"`` (a checkpoint that carries its vocabulary, the layout
of ``rnncli.tokens``). A bidirectional layer is traced one direction at a time
(``--direction``); the backward one reads the sequence reversed, and its rows say so.
"""

from __future__ import annotations

import numpy as np

from rnncli import archs, checkpoint
from rnncli.errors import BadInput
from rnncli.tracing.plan import (
    FAST_NOTE,
    MAX_STEPS,
    GatesRequest,
    Traced,
    check_options,
    check_size,
    impl_for,
    read_sequence,
)


def trace(req: GatesRequest) -> Traced:
    """Read the file, build the input, trace the chosen layer (and direction)."""
    from rnncli import formats

    if formats.sniff_user(req.weights) in formats.NEW_FORMATS:
        return _trace_model(req)
    return _trace_checkpoint(req)


def _trace_checkpoint(req: GatesRequest) -> Traced:
    """Trace a PyTorch checkpoint's layer (rnncli.checkpoint reads it)."""
    ckpt = checkpoint.read(req.weights)
    prefix = req.prefix if req.prefix is not None else ckpt.meta_key("rnn_prefix")
    w = checkpoint.select(ckpt.arrays, prefix, ckpt.path, req.direction)
    if req.arch is not None and archs.get(req.arch).name != w.arch:
        raise BadInput(f"--arch {req.arch}: these are {archs.get(w.arch).title} weights; "
                       "drop --arch")
    check_options(req, "weights", [w.arch])
    x, labels, ids, head = _input(req, ckpt, w)
    check_size(w.arch, w.input_size, w.hidden_size, w.num_layers, x.shape[0], req)
    nonlin, nonlin_note = _nonlinearity(req, w, ckpt.meta or {})
    k, layer_x, tr, steps = _run(w, x, req, nonlin)
    header = [_describe(w, ckpt.fmt), *ckpt.notes, *nonlin_note, *head]
    if impl_for(x.shape[0], w.num_layers) == "fast":
        header.append(FAST_NOTE)
    if steps is not None:
        header.append(f"direction: backward: layer {k} reads the sequence reversed, from step "
                      f"{x.shape[0]} to step 1; rows are in the order it reads them")
        labels = labels[::-1] if labels else None
    options = archs.get(w.arch).options
    return Traced(w.arch, layer_x, tr, w.hidden_size, w.num_layers, k, "weights", header,
                  labels=labels, steps=steps,
                  variant=req.variant if "variant" in options else None,
                  nonlinearity=nonlin if "nonlinearity" in options else None,
                  direction=req.direction, prediction=_predict(ckpt, ids))


def _trace_model(req: GatesRequest) -> Traced:
    """Trace a Keras or ONNX file's layer (rnncli.formats reads it into PyTorch's layout)."""
    from dataclasses import replace

    from rnncli import formats
    from rnncli.formats import bridge

    model = formats.read(req.weights)
    stack = formats.pick_stack(model, req.prefix)
    w = bridge.to_weights(stack, model.path)
    checkpoint.check_direction(stack[0].name, w.bidirectional, req.direction)
    if req.arch is not None and archs.get(req.arch).name != w.arch:
        raise BadInput(f"--arch {req.arch}: these are {archs.get(w.arch).title} weights; "
                       "drop --arch")
    if req.text is not None or req.tokens is not None:
        raise BadInput("--text/--tokens need the checkpoint's embedding; a Keras or ONNX "
                       "file's recurrent layer is traced from --seq or --input")
    req = replace(req, variant=stack[0].variant, nonlinearity=stack[0].nonlinearity)
    check_options(req, "weights", [w.arch])
    x = read_sequence(req)
    if x.shape[1] != w.input_size:
        raise BadInput(f"the sequence has {x.shape[1]} feature(s) per step but the layer "
                       f"expects {w.input_size}")
    check_size(w.arch, w.input_size, w.hidden_size, w.num_layers, x.shape[0], req)
    k, layer_x, tr, steps = _run(w, x, req, req.nonlinearity)
    header = bridge.header(model, stack)
    if steps is not None:
        header.append(f"direction: backward: layer {k} reads the sequence reversed")
    if impl_for(x.shape[0], w.num_layers) == "fast":
        header.append(FAST_NOTE)
    options = archs.get(w.arch).options
    return Traced(w.arch, layer_x, tr, w.hidden_size, w.num_layers, k, "weights", header,
                  steps=steps, variant=req.variant if "variant" in options else None,
                  nonlinearity=req.nonlinearity if "nonlinearity" in options else None,
                  direction=req.direction)


def _input(req: GatesRequest, ckpt: checkpoint.Checkpoint, w: checkpoint.Weights):
    """(x (T, I), row labels, token ids, header lines) from --tokens/--text or --seq/--input."""
    if req.text is not None or req.tokens is not None:
        x, labels, ids, head = _token_input(req, ckpt, w)
    else:
        x, labels, ids, head = read_sequence(req), None, None, []
    if x.shape[1] != w.input_size:
        raise BadInput(f"the sequence has {x.shape[1]} feature(s) per step but the weights "
                       f"expect {w.input_size} (input size of {w.path.name})"
                       + _text_hint(req, ckpt))
    return x, labels, ids, head


def _text_hint(req: GatesRequest, ckpt: checkpoint.Checkpoint) -> str:
    """For numbers given to a model that reads words: how to give it words."""
    if req.text is not None or req.tokens is not None:
        return ""
    if ckpt.meta and ckpt.meta.get("vocab"):
        return ("; this model reads text through its embedding: give words with --text "
                "\"...\" or token ids with --tokens 3,17,42")
    return ("; if its recurrent layer reads an embedding, give token ids with --tokens "
            "(the file's embedding is found by shape)")




def _describe(w: checkpoint.Weights, fmt: str) -> str:
    where = f" (prefix {w.prefix!r})" if w.prefix else ""
    kind = ", an nn.*Cell state dict: one layer" if w.cell else ""
    both = ", bidirectional" if w.bidirectional else ""
    return (f"weights: {w.path}{where}, {fmt}, read as {archs.get(w.arch).title} from the "
            f"shapes{kind}{both}")


def _nonlinearity(req: GatesRequest, w: checkpoint.Weights, meta: dict) -> tuple[str, list[str]]:
    """The RNN's nonlinearity: asked for, recorded in the metadata, or assumed (and said)."""
    if "nonlinearity" not in archs.get(w.arch).options:
        return "tanh", []
    if req.nonlinearity is not None:
        return req.nonlinearity, []
    saved = (meta.get("settings") or {}).get("nonlinearity")
    if saved in archs.get(w.arch).options["nonlinearity"]:
        return saved, [f"nonlinearity: {saved} (from the checkpoint's settings)"]
    return "tanh", ["nonlinearity: tanh assumed: a state dict does not record it; "
                    "--nonlinearity relu if the model used relu"]


def _run(w: checkpoint.Weights, x: np.ndarray, req: GatesRequest, nonlin: str):
    """(layer, the layer's input, trace, original step numbers or None) of one direction."""
    k = w.num_layers - 1 if req.layer is None else req.layer
    if not 0 <= k < w.num_layers:
        raise BadInput(f"--layer {req.layer}: the network has {w.num_layers} layer(s); "
                       f"use 0..{w.num_layers - 1} (0 is the bottom)")

    impl = impl_for(x.shape[0], w.num_layers)

    def cell(sd: dict | None):
        return checkpoint.to_cell(w, req.variant, nonlin, impl=impl, state_dict=sd)

    if not w.bidirectional:
        return k, x, cell(None).forward(x, trace_layer=k)[2], None
    inp = x
    for j in range(k):  # an upper layer reads both directions of the one below
        fwd = cell(checkpoint.layer_dict(w.state_dict, j)).forward(inp)[0]
        bwd = cell(checkpoint.layer_dict(w.reverse, j)).forward(inp[::-1])[0][::-1]
        inp = np.concatenate([fwd, bwd], axis=1)
    if req.direction == "backward":
        seq = np.ascontiguousarray(inp[::-1])
        tr = cell(checkpoint.layer_dict(w.reverse, k)).forward(seq)[2]
        return k, seq, tr, list(range(x.shape[0], 0, -1))
    return k, inp, cell(checkpoint.layer_dict(w.state_dict, k)).forward(inp)[2], None


def _token_input(req: GatesRequest, ckpt: checkpoint.Checkpoint, w: checkpoint.Weights):
    """(vectors (T, I), row labels, token ids, header lines) of --tokens or --text."""
    meta = ckpt.meta
    key = req.embedding_key or ckpt.meta_key("embedding_key")
    name, matrix = checkpoint.find_embedding(ckpt.arrays, w.input_size, key, ckpt.path)
    if req.text is not None:
        ids, labels, head = _text_ids(req.text, meta)
    else:
        from rnncli.options import int_list

        ids = int_list(req.tokens, "--tokens", minimum=0, unique=False)
        itos = meta["vocab"] if meta else None
        labels = [itos[i] if itos and i < len(itos) else f"#{i}" for i in ids]
        head = []
    if len(ids) > MAX_STEPS:
        raise BadInput(f"{len(ids)} tokens is more than the {MAX_STEPS} gates traces")
    if max(ids) >= matrix.shape[0]:
        raise BadInput(f"--tokens: id {max(ids)} is out of range: the embedding {name} has "
                       f"{matrix.shape[0]} rows (ids 0..{matrix.shape[0] - 1})")
    head = [f"input: {len(ids)} tokens through the embedding {name} "
            f"({matrix.shape[0]} x {matrix.shape[1]})", *head]
    return matrix[ids], labels, ids, head


def _text_ids(text: str, meta: dict | None) -> tuple[list[int], list[str], list[str]]:
    from rnncli import tokens

    if meta is None:
        raise BadInput("--text needs a checkpoint that carries its vocabulary (saved by rnncli "
                       "sentiment --save or seq2seq --save); with another, give ids: --tokens")
    vocab = tokens.Vocab(meta["vocab"])
    toks = tokens.tokenizer("char" if meta["tokens"] == "char" else "word")(text)
    if not toks:
        raise BadInput("--text: no tokens in the text")
    unknown = vocab.unknown(toks)
    labels = [t if t in vocab else f"{t} (unk)" for t in toks]
    head = []
    if len(unknown) == len(set(toks)):
        head.append("every token is unknown to the saved vocabulary: each is traced as <unk>, "
                    "so the rows differ only through the state")
    elif unknown:
        head.append(f"unknown to the vocabulary, traced as <unk>: {', '.join(unknown[:8])} "
                    f"(the checkpoint knows {len(vocab) - 4} words; known here: "
                    f"{', '.join(dict.fromkeys(t for t in toks if t in vocab))})")
    return vocab.encode(toks), labels, head


def _predict(ckpt: checkpoint.Checkpoint, ids: list[int] | None) -> dict | None:
    """The saved classifier's answer, for a sentiment checkpoint (via rnncli.sentiment)."""
    if not ids or not ckpt.meta or ckpt.meta.get("kind") != "sentiment":
        return None
    try:
        from rnncli.sentiment.models import predict_from_checkpoint
    except ImportError:  # the sentiment package is not part of this install
        return None
    state = {k.removeprefix("state_dict."): v for k, v in ckpt.arrays.items()
             if k.startswith("state_dict.")}
    label, probs = predict_from_checkpoint({"state_dict": state, "rnncli": ckpt.meta}, ids,
                                           str(ckpt.path))
    return {"label": label, "probabilities": probs}
