"""The schema of rnncli's own checkpoints (``sentiment --save``, ``seq2seq --save``): a
file is user input, so its whole layout is checked before anything is built from it.

Two layers, one refusal wording (``FILE: FIELD: problem``, BadInput, exit 2):

- :func:`meta_of` (every reader of a file with ``rnncli`` metadata: ``gates --weights``,
  ``bench --weights``, the two loaders below): the top-level keys, the state dict (names
  to floating-point tensors), every metadata field's type, no unknown field, the
  vocabularies (the four reserved tokens first, no repeats, bounded) and the source
  vocabulary against the embedding's rows.
- :func:`check_model` (before a model is built: ``seq2seq translate``, the sentiment
  prediction of ``gates --weights``): the kind's ``settings`` (``SETTINGS``: exactly these
  keys, each typed and bounded) and ``settings.model`` against the tensors, cheapest first:
  sizes the tensors themselves contradict (``embed`` against the embedding's columns,
  ``layers`` against the layers saved) are refused before the expected state dict is
  computed, on PyTorch's ``meta`` device, which allocates nothing. A tensor of the wrong
  shape is one line: its name, its shape, the shape expected.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from rnncli.errors import BadInput

FORMAT = 1
MAX_VOCAB = 1_000_000
MAX_TOKEN_CHARS = 1_000
MAX_LABELS = 1_000
MAX_TEXT = 200          # a settings string (a task or data set name)
MAX_SIZE = 1 << 20      # embed, hidden, mlp
MAX_LAYERS = 1_000
MAX_DECODE = 10_000     # a saved max_len (seq2seq translate's own --max-len bound)

REQUIRED = ("kind", "format", "arch", "tokens", "vocab", "embedding_key", "rnn_prefix",
            "settings")
OPTIONAL = ("target_vocab", "labels", "head")
TOP_LEVEL = ("state_dict", "rnncli")


@dataclass(frozen=True)
class Field:
    """One saved value: its type(s) and, for numbers, an inclusive range."""

    types: tuple[type, ...]
    lo: float | None = None
    hi: float | None = None
    choices: tuple | None = None


def _int(lo: int, hi: int) -> Field:
    return Field((int,), lo, hi)


_STR = Field((str,))
_BOOL = Field((bool,))
_MODEL_COMMON = {"arch": _STR, "embed": _int(1, MAX_SIZE), "hidden": _int(1, MAX_SIZE),
                 "layers": _int(1, MAX_LAYERS), "bidirectional": _BOOL}
#: settings (each optional, none other allowed) and settings.model (exactly these) of each
#: kind, as the command saves them
SETTINGS = {
    "sentiment": ({"dataset": _STR, "steps": _int(0, 10**12), "seed": _int(0, 2**63)},
                  {**_MODEL_COMMON, "dropout": Field((float, int), 0, 1),
                   "mlp": _int(1, MAX_SIZE)}),
    "seq2seq": ({"task": _STR, "split": Field((str, type(None))),
                 "max_len": _int(1, MAX_DECODE), "reverse_source": _BOOL,
                 "steps": _int(0, 10**12), "exact": Field((float, int), 0, 1),
                 "source_len": Field((list,)), "source_shapes": Field((list,))},
                {**_MODEL_COMMON, "src_vocab": _int(4, MAX_VOCAB),
                 "tgt_vocab": _int(4, MAX_VOCAB),
                 "attention": Field((str,), choices=("none", "additive", "dot"))}),
}
HEAD = {"readout": _STR, "dropout": Field((float, int), 0, 1), "layers": Field((list,)),
        "activation": _STR}


def _refuse(where: str, name: str, problem: str) -> BadInput:
    return BadInput(f"{where}: {name}: {problem}" if where else f"{name}: {problem}")


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def check_field(value: object, spec: Field, where: str, name: str) -> None:
    """One value against its ``Field`` (bool is not a number here)."""
    if not isinstance(value, spec.types) or (isinstance(value, bool) and bool not in
                                             spec.types):
        kinds = " or ".join("none" if t is type(None) else t.__name__ for t in spec.types)
        raise _refuse(where, name, f"expected {kinds}, got {type(value).__name__} "
                                   f"{_show(value)}")
    _check_value(value, spec, where, name)


def _check_value(value: object, spec: Field, where: str, name: str) -> None:
    if isinstance(value, str) and len(value) > MAX_TEXT:
        raise _refuse(where, name, f"a string of {len(value):,} characters")
    if spec.choices is not None and value not in spec.choices:
        raise _refuse(where, name, f"{_show(value)} is not one of {', '.join(spec.choices)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise _refuse(where, name, f"{value} is not a finite number")
    if spec.lo is not None and not spec.lo <= value <= spec.hi:
        raise _refuse(where, name, f"{_show(value)} is outside {spec.lo:g}..{spec.hi:g}")


def check_dict(value: object, fields: dict[str, Field], where: str, name: str) -> dict:
    """A dict with exactly ``fields``' keys, each value checked."""
    if not isinstance(value, dict):
        raise _refuse(where, name, f"expected a dict, got {type(value).__name__}")
    _exact_keys(value, tuple(fields), (), where, name)
    for key, spec in fields.items():
        check_field(value[key], spec, where, f"{name}.{key}")
    return value


def _exact_keys(value: dict, required, optional, where: str, name: str) -> None:
    missing = [k for k in required if k not in value]
    if missing:
        raise _refuse(where, name, f"lacks {missing[0]!r}")
    extra = [k for k in value if k not in required and k not in optional]
    if extra:
        raise _refuse(where, name, f"unknown key {_show(extra[0])}")


def check_tokens(value: object, where: str, name: str) -> list[str]:
    """A saved vocabulary: strings, the reserved four first, no repeats, bounded."""
    from rnncli.tokens import SPECIALS

    if not isinstance(value, list):
        raise _refuse(where, name, f"expected a list of tokens, got {type(value).__name__}")
    if not len(SPECIALS) <= len(value) <= MAX_VOCAB:
        raise _refuse(where, name, f"{len(value):,} tokens; expected {len(SPECIALS)}.."
                                   f"{MAX_VOCAB:,}")
    bad = next((i for i, t in enumerate(value)
                if not isinstance(t, str) or len(t) > MAX_TOKEN_CHARS), None)
    if bad is not None:
        raise _refuse(where, f"{name}[{bad}]", f"not a token: {_show(value[bad])}")
    if tuple(value[:4]) != SPECIALS:
        raise _refuse(where, name, f"must start with {', '.join(SPECIALS)}")
    if len(set(value)) != len(value):
        raise _refuse(where, name, "repeats a token")
    return value


def _check_state_dict(sd: object, where: str) -> dict:
    if not isinstance(sd, dict):
        raise _refuse(where, "state_dict", f"expected a dict of tensors, got "
                                           f"{type(sd).__name__}")
    for key, t in sd.items():
        if not isinstance(key, str):
            raise _refuse(where, "state_dict", f"a key is not a name: {_show(key)}")
        if not (hasattr(t, "shape") and hasattr(t, "dtype")):
            raise _refuse(where, f"state_dict[{key!r}]", f"not a tensor: {type(t).__name__}")
        if not getattr(t, "is_floating_point", lambda: True)():
            raise _refuse(where, f"state_dict[{key!r}]", f"{t.dtype} is not floating point")
    return sd


def meta_of(obj: object, where: str = "") -> dict | None:
    """The checked ``rnncli`` metadata of a loaded file, or None when it has none."""
    if not isinstance(obj, dict) or "rnncli" not in obj:
        return None
    _exact_keys(obj, TOP_LEVEL, (), where, "the checkpoint")
    sd = _check_state_dict(obj["state_dict"], where)
    meta = obj["rnncli"]
    if not isinstance(meta, dict):
        raise _refuse(where, "rnncli", f"expected a dict, got {type(meta).__name__}")
    _exact_keys(meta, REQUIRED, OPTIONAL, where, "rnncli")
    if meta["format"] != FORMAT or isinstance(meta["format"], bool):
        raise _refuse(where, "rnncli.format", f"{_show(meta['format'])}; this rnncli reads "
                                              f"{FORMAT}")
    for key in ("kind", "arch", "embedding_key", "rnn_prefix"):
        check_field(meta[key], _STR, where, f"rnncli.{key}")
    check_field(meta["tokens"], Field((str,), choices=("word", "char", "space")), where,
                "rnncli.tokens")
    if not isinstance(meta["settings"], dict):
        raise _refuse(where, "rnncli.settings", f"expected a dict, got "
                                                f"{type(meta['settings']).__name__}")
    for key in ("vocab", "target_vocab"):
        if key in meta:
            check_tokens(meta[key], where, f"rnncli.{key}")
    _check_embedding(sd, meta, where)
    return meta


def _check_embedding(sd: dict, meta: dict, where: str) -> None:
    emb = sd.get(meta["embedding_key"])
    if emb is None:
        return
    if len(emb.shape) != 2:
        raise _refuse(where, f"state_dict[{meta['embedding_key']!r}]",
                      f"an embedding must be 2-D, has shape {tuple(emb.shape)}")
    if len(meta["vocab"]) > emb.shape[0]:
        raise _refuse(where, "rnncli.vocab", f"{len(meta['vocab']):,} tokens, but the "
                                             f"embedding has {emb.shape[0]:,} rows")


def check_labels(meta: dict, where: str) -> list[str]:
    labels = meta.get("labels")
    if not isinstance(labels, list) or not 2 <= len(labels) <= MAX_LABELS:
        got = f"{len(labels)} labels" if isinstance(labels, list) else _show(labels)
        raise _refuse(where, "rnncli.labels", f"expected a list of 2..{MAX_LABELS} class "
                                              f"names, got {got}")
    for i, label in enumerate(labels):
        check_field(label, _STR, where, f"rnncli.labels[{i}]")
    if len(set(labels)) != len(labels):
        raise _refuse(where, "rnncli.labels", "repeats a class name")
    return labels


def check_model(obj: dict, kind: str, where: str = "") -> dict:
    """Everything of a ``kind`` checkpoint a model is built from; returns settings.model."""
    meta = meta_of(obj, where)
    if meta is None:
        raise BadInput(f"{where}: not written by `rnncli {kind} --save` (no rnncli metadata)")
    if meta["kind"] != kind:
        raise BadInput(f"{where}: written by `rnncli {meta['kind'][:40]}`, not "
                       f"`rnncli {kind}`")
    top, model_fields = SETTINGS[kind]
    settings = meta["settings"]
    _exact_keys(settings, ("model",), tuple(top), where, "rnncli.settings")
    for key, spec in top.items():
        if key in settings:
            check_field(settings[key], spec, where, f"rnncli.settings.{key}")
    model = check_dict(settings["model"], model_fields, where, "rnncli.settings.model")
    from rnncli import archs

    if model["arch"] not in archs.names(torch_only=True):
        raise _refuse(where, "rnncli.settings.model.arch", f"{_show(model['arch'])} is not "
                      f"one of {', '.join(archs.names(torch_only=True))}")
    if model["arch"] != meta["arch"]:
        raise _refuse(where, "rnncli.settings.model.arch", f"{_show(model['arch'])}, but "
                                                           f"rnncli.arch is {meta['arch']!r}")
    if kind == "sentiment":
        check_labels(meta, where)
        check_dict(meta.get("head"), HEAD, where, "rnncli.head")
    elif "target_vocab" not in meta:
        raise _refuse(where, "rnncli", "lacks 'target_vocab'")
    _check_saved_layers(obj["state_dict"], meta["rnn_prefix"], model["layers"], where)
    return model


def _check_saved_layers(sd: dict, prefix: str, layers: int, where: str) -> None:
    """``layers`` against the layers the file holds (before anything is sized from it)."""
    pattern = re.compile(re.escape(prefix) + r"weight_ih_l(\d+)$")
    saved = {int(m.group(1)) for k in sd if (m := pattern.match(k))}
    if layers > len(saved):
        raise _refuse(where, "rnncli.settings.model.layers",
                      f"{layers:,}, but the weights hold {len(saved)} layer(s) under "
                      f"{prefix!r}")


def check_shapes(expected: Mapping[str, tuple], sd: Mapping[str, object], where: str) -> None:
    """The state dict against the model's: one line for the first missing, unexpected or
    mis-shaped tensor (instead of ``load_state_dict``'s paragraph)."""
    for name, shape in expected.items():
        if name not in sd:
            raise _refuse(where, "state_dict", f"lacks {name!r} (shape {shape}) that the "
                                               "saved settings need")
        got = tuple(sd[name].shape)
        if got != tuple(shape):
            raise _refuse(where, f"state_dict[{name!r}]", f"has shape {got}; the saved "
                                                          f"settings expect {tuple(shape)}")
    extra = [k for k in sd if k not in expected]
    if extra:
        raise _refuse(where, f"state_dict[{extra[0]!r}]", "is not a tensor of the model "
                                                          "the saved settings describe")


def expected_shapes(build) -> dict[str, tuple]:
    """{name: shape} of the model ``build()`` makes, built on the ``meta`` device (no
    memory allocated for the weights)."""
    import torch

    with torch.device("meta"):
        model = build()
    return {k: tuple(v.shape) for k, v in model.state_dict().items()}
