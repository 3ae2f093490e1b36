"""``--tune``: the same small tuning budget for every architecture, chosen on validation.

A ranking of architectures is a verdict only if it survives tuning: Melis, Dyer & Blunsom
(2018) re-evaluated language-model architectures with every model tuned alike by a
black-box tuner and found the standard LSTM ahead of newer models, contra the published
claims; Greff et al. (2017) tuned each LSTM variant separately by random search before
comparing, and show the test error moving with the learning rate over orders of
magnitude (their Fig. 4, with the optimal learning rate not moved by the hidden size).
So the race can train every architecture in every configuration of a grid
(``--tune window=12,50 --tune lr=0.003,0.01``: every combination), with the same seeds,
and then:

- selects, per architecture, the configuration with the lowest mean *validation* MSE over
  seeds (the test period is never looked at to choose; the linear AR baseline gets the
  same choice of window);
- reports each architecture at its selected configuration, and every configuration's
  score (the sensitivity view);
- compares the ranking at the tuned best with the ranking in every configuration
  (``verdict.robustness``, through the shared ``rnncli.verdict.ranking``).

Windows change the training origins only: the validation and test targets stay the same
(``Prepared`` splits by target row), which ``check_same_targets`` makes sure of.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from rnncli.errors import BadInput
from rnncli.options import show_value

KEYS = ("window", "lr")
MAX_VALUES = 6          # per key
MAX_CONFIGS = 16        # combinations
MAX_WINDOW = 100_000
MAX_LR = 1.0
SUGGESTED = ("window=12,50", "lr=0.003,0.01")  # what the one-configuration note suggests
SOURCES = ("melis2018", "greff2017")


@dataclass(frozen=True)
class Config:
    window: int
    lr: float

    @property
    def label(self) -> str:
        return f"window={self.window} lr={self.lr:g}"

    def as_dict(self) -> dict:
        return {"window": self.window, "lr": self.lr, "label": self.label}


def _number(key: str, token: str) -> float:
    try:
        v = float(token) if key == "lr" else int(token)
    except ValueError:
        kind = "a number" if key == "lr" else "an integer"
        raise BadInput(f"--tune {key}: {show_value(token)!r} is not {kind}") from None
    if key == "window" and not 1 <= v <= MAX_WINDOW:
        raise BadInput(f"--tune window: values must be integers from 1 to {MAX_WINDOW}, "
                       f"got {v}")
    if key == "lr" and not (math.isfinite(v) and 0 < v <= MAX_LR):
        raise BadInput(f"--tune lr: values must be in (0, {MAX_LR:g}], got {show_value(token)}")
    return v


def _dimension(item: str) -> tuple[str, list]:
    key, sep, values = item.partition("=")
    key = key.strip()
    if not sep or key not in KEYS:
        raise BadInput(f"--tune: expected KEY=V1,V2,... with KEY one of {', '.join(KEYS)} "
                       f"(e.g. --tune window=12,50 --tune lr=0.003,0.01), got "
                       f"{show_value(item)!r}")
    tokens = [t.strip() for t in values.split(",")]
    if any(t == "" for t in tokens):
        raise BadInput(f"--tune {key}: expected a comma-separated list, got {values!r}")
    out = list(dict.fromkeys(_number(key, t) for t in tokens))
    if len(out) > MAX_VALUES:
        raise BadInput(f"--tune {key}: at most {MAX_VALUES} values, got {len(out)}")
    return key, out


def check_item(item: str) -> str:
    """One ``--tune`` value checked as the command line is parsed (typer's ``parser=``):
    returned unchanged, or ``BadInput`` naming the problem."""
    _dimension(item)
    return item


def grid(items: list[str] | None, window: int, lr: float) -> list[Config]:
    """The configurations to train: every combination of the ``--tune`` values; a key
    not tuned keeps its ``--window``/``--lr`` value. No ``--tune``: one configuration."""
    values: dict[str, list] = {"window": [window], "lr": [lr]}
    seen: set[str] = set()
    for item in items or []:
        key, vals = _dimension(item)
        if key in seen:
            raise BadInput(f"--tune {key}: given twice; give its values once, comma-separated")
        seen.add(key)
        values[key] = vals
    configs = [Config(w, float(r)) for w, r in itertools.product(values["window"],
                                                                  values["lr"])]
    if len(configs) > MAX_CONFIGS:
        raise BadInput(f"--tune: {len(configs)} configurations; at most {MAX_CONFIGS} "
                       "(fewer values per key)")
    return configs


def check_same_targets(preps: dict) -> None:
    """Refuse windows that would leave different validation or test targets."""
    first = next(iter(preps.values()))
    for w, p in preps.items():
        if not (np.array_equal(p.val, first.val) and np.array_equal(p.test, first.test)):
            raise BadInput(f"--tune window {w}: the data are too short for this window to "
                           f"keep the same validation and test targets as window "
                           f"{first.window}; use shorter windows")


def val_mean(runs: list) -> float:
    """Mean best validation MSE over seeds (scaled units): the selection score."""
    return float(np.mean([r.val_mse for r in runs])) if runs else math.inf


def shown(value: float) -> float | None:
    """A score for JSON: None where no finite value exists (a run diverged at once)."""
    return value if math.isfinite(value) else None


def select(runs: list, configs: list[Config], arch: str) -> Config:
    """The configuration with the lowest mean validation MSE for ``arch`` (first on ties).
    Test errors play no part."""
    scores = [(val_mean([r for r in runs if r.arch == arch and r.config == c]), i)
              for i, c in enumerate(configs)]
    return configs[min(scores)[1]]


def sensitivity(runs: list, configs: list[Config], archs_: list[str],
                chosen: dict[str, Config]) -> list[dict]:
    """Per configuration and architecture: validation MSE and test RMSE over seeds."""
    rows = []
    for c in configs:
        cells = {}
        for a in archs_:
            mine = [r for r in runs if r.arch == a and r.config == c]
            if not mine:
                continue
            rmse = [r.rmse for r in mine]
            cells[a] = {"val_mse": shown(val_mean(mine)), "rmse_mean": float(np.mean(rmse)),
                        "rmse_sd": float(np.std(rmse, ddof=1)) if len(rmse) > 1 else 0.0,
                        "seeds": len(mine), "selected": chosen.get(a) == c}
        rows.append({**c.as_dict(), "models": cells})
    return rows


def note_one_config(c: Config, rerun: str) -> str:
    """What the output says when the verdict rests on one configuration."""
    return (f"this ranking is for one configuration ({c.label}); rankings of recurrent "
            f"models can change with the window and learning rate. Check it: {rerun} "
            f"--tune {SUGGESTED[0]} --tune {SUGGESTED[1]} (4 configurations, "
            f"chosen on validation; about 4x the time)")
