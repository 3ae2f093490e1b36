"""Starting settings for the recommended cell, and a ready ``torch.nn`` snippet (as text).

The values follow the lesson's training practices (clip norm 1-5, learning rate
1e-3 with warm-up and halving on plateau, dropout between layers, weight decay
1e-4..1e-6, early-stopping patience 5-10) and the cited papers; widths are fitted
to ``--params-max`` exactly with :func:`rnncli.formulas.max_hidden_for_params`.
The snippet depends on the task (rnncli.knowledge.advice_snippets): a classifier of
padded batches reads ``h_n[-1]`` of a packed batch; per-step tasks mask the padded
steps; generation is a language model with a vocabulary softmax, teacher forcing and
a sampling loop.  No torch here: the snippet is text, checked by tests that run it.
"""

from __future__ import annotations

from typing import Any

from rnncli import archs, fmt, formulas
from rnncli.knowledge.advice_snippets import snippet

ARCHS: tuple[str, ...] = archs.names(torch_only=True)
MIN_STACKED_WIDTH = 32  # below this, a second layer is not worth its parameters


def base_hidden(answers: dict[str, Any]) -> int:
    """Width before any --params-max fit: 64 lean, 256 rich, 128 otherwise."""
    if answers["budget"] == "abundant" and answers["data"] == "large":
        return 256
    if answers["budget"] == "limited" and answers["data"] == "small":
        return 64
    return 128


def base_layers(answers: dict[str, Any]) -> int:
    """Two layers only for complex patterns with a large data set."""
    return 2 if answers["complexity"] == "complex" and answers["data"] == "large" else 1


def fitted_widths(answers: dict[str, Any]) -> dict[str, dict[str, int]]:
    """Hidden size and layers per cell: the base, or the widest fitting --params-max."""
    i, pmax = answers["input_size"], answers.get("params_max")
    out = {}
    for arch in ARCHS:
        layers = base_layers(answers)
        if pmax is None:
            h = base_hidden(answers)
        else:
            h = formulas.max_hidden_for_params(arch, i, pmax, layers)
            if layers > 1 and h < MIN_STACKED_WIDTH:
                layers = 1
                h = formulas.max_hidden_for_params(arch, i, pmax, layers)
        params = formulas.param_count(arch, i, h, layers) if h else 0
        out[arch] = {"hidden_size": h, "num_layers": layers, "params": params}
    return out


def _note(setting: str, why: str, source: str | None) -> dict[str, Any]:
    return {"setting": setting, "why": why, "source": source}


def _dropout_note(arch: str, layers: int, dropout: float, head_dropout: float
                  ) -> dict[str, Any]:
    cls = archs.get(arch).torch_module
    if layers > 1:
        why = (f"{dropout} between the {layers} layers (nn.{cls}'s dropout=) and "
               f"{head_dropout} on the input and before the output layer: Zaremba et al. "
               "drop the non-recurrent connections, never the recurrent ones")
    else:
        why = (f"one layer: nn.{cls}'s dropout= would do nothing (it acts between layers); "
               f"{head_dropout} on the input and before the output layer instead, as "
               "Zaremba et al. drop the non-recurrent connections")
    return _note("dropout", why, "zaremba2014")


def _notes(s: dict[str, Any], pmax: int | None) -> list[dict[str, Any]]:
    arch, h = s["arch"], s["hidden_size"]
    small = s["warmup_steps"] < 1000
    warm = ("the lesson says the first 1000 steps; shortened to 100 because a small data "
            "set gives few steps" if small else "the lesson's 1000 steps")
    notes = [
        _note("hidden_size", (f"widest {archs.get(arch).torch_module} within {pmax:,} "
                              f"parameters (recurrent layers only): {s['params']:,}")
              if pmax else (f"{h} units: 64 for a lean start, 256 with abundant compute and "
                            f"data, 128 otherwise; pass --params-max to fit a budget"), None),
        _note("num_layers", "2 layers only for complex patterns with a large data set",
              "lesson"),
        _dropout_note(arch, s["num_layers"], s["dropout"], s["head_dropout"]),
        _note("clip_norm", "clip the gradient norm at 1.0 after backward, before the step "
              "(lesson: 1-5 for gated cells, 0.5-1 for a vanilla RNN)", "pascanu2013"),
        _note("lr", "AdamW at 1e-3 (lesson: start at 1e-3 to 1e-4) with decoupled weight "
              "decay", "loshchilov2019"),
        _note("warmup_steps", f"linear warm-up over {s['warmup_steps']} steps ({warm}); "
              "warm-up is common practice, not a result we can cite for RNNs", "lesson"),
        _note("plateau_factor", "halve the learning rate when validation loss stalls for 2 "
              "epochs (lesson: reduce by 0.5 on plateau)", "lesson"),
        _note("weight_decay", f"{fmt.sci(s['weight_decay'], 1)} (lesson: 1e-4 to 1e-6; more "
              "with less data)", "lesson"),
        _note("early_stopping_patience", f"stop after {s['early_stopping_patience']} epochs "
              "without a better validation loss and keep the best weights (lesson: 5-10)",
              "prechelt1998"),
    ]
    if archs.get(arch).has_cell_state:
        notes.append(_note("forget_bias", "forget-gate bias 1 (bias_ih's forget slice 1, "
                           "bias_hh's 0, so their sum is 1): the cell keeps its contents "
                           "early in training", "jozefowicz2015"))
    return notes


def settings(arch: str, answers: dict[str, Any]) -> dict[str, Any]:
    """Concrete starting settings for ``arch`` with the reason (and source) for each."""
    fit = fitted_widths(answers)[arch]
    layers = fit["num_layers"]
    small = answers["data"] == "small"
    s: dict[str, Any] = {
        "arch": arch,
        "input_size": answers["input_size"],
        "hidden_size": fit["hidden_size"],
        "num_layers": layers,
        "params": fit["params"],
        "dropout": (0.3 if small else 0.2) if layers > 1 else 0.0,
        "head_dropout": 0.3 if small else 0.2,
        "clip_norm": 1.0,
        "optimizer": "AdamW",
        "lr": 1e-3,
        "warmup_steps": 100 if small else 1000,
        "plateau_factor": 0.5,
        "plateau_patience": 2,
        "weight_decay": 1e-4 if small else 1e-5,
        "early_stopping_patience": 10 if small else 5,
        "forget_bias": 1.0 if archs.get(arch).has_cell_state else None,
        "task": answers.get("task") or "classification",
    }
    s["notes"] = _notes(s, answers.get("params_max"))
    s["snippet"] = snippet(s)
    return s
