"""Forecasts that need no recurrence, scored on the same test targets as the models.

- persistence: y(t+h) is forecast as y(t), the last value in the window.
- seasonal persistence (with a period P): y(t+h) as y(t+h-kP), the smallest k >= 1 with
  kP >= h, i.e. the same phase of the last season already seen.
- linear AR: y(t+h) as a + sum of b_ij x_j(t-i) over the whole input window (every input
  column), fitted by least squares (``numpy.linalg.lstsq``, the minimum-norm solution
  when the window has more coefficients than training targets) on the training targets.

Scores are in the target's original units.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from rnncli.errors import BadInput
from rnncli.race.data import Prepared


@dataclass
class Score:
    name: str
    rmse: float
    mae: float
    params: int = 0
    note: str = ""

    def as_dict(self) -> dict:
        return {"name": self.name, "rmse": self.rmse, "mae": self.mae, "params": self.params,
                "note": self.note}


def errors(pred: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    """RMSE and MAE."""
    diff = np.asarray(pred, float) - np.asarray(truth, float)
    return float(np.sqrt(np.mean(diff ** 2))), float(np.mean(np.abs(diff)))


def truth(prep: Prepared, origins: np.ndarray) -> np.ndarray:
    return prep.raw_y[np.asarray(origins) + prep.horizon]


def persistence(prep: Prepared, origins: np.ndarray) -> np.ndarray:
    """y(t) for each origin t."""
    return prep.raw_y[np.asarray(origins)]


def seasonal_lag(horizon: int, period: int) -> int:
    """How far back from the target the seasonal forecast looks: k * period, k*P >= h."""
    return math.ceil(horizon / period) * period


def seasonal(prep: Prepared, origins: np.ndarray, period: int) -> np.ndarray:
    """y(t + h - kP) for each origin t."""
    rows = np.asarray(origins) + prep.horizon - seasonal_lag(prep.horizon, period)
    if rows.min() < 0:
        raise BadInput(f"--period {period}: too long for these data (the first test "
                       "target has less than one season before it)")
    return prep.raw_y[rows]


def _design(prep: Prepared, origins: np.ndarray) -> np.ndarray:
    flat = prep.windows(origins, exact=True).reshape(len(origins), -1).astype(np.float64)
    return np.hstack([np.ones((len(origins), 1)), flat])


def fit_linear(prep: Prepared) -> np.ndarray:
    """Least-squares coefficients (intercept first, then the window row by row)."""
    coef, *_ = np.linalg.lstsq(_design(prep, prep.train), prep.targets(prep.train), rcond=None)
    return coef


def linear(prep: Prepared, origins: np.ndarray, coef: np.ndarray) -> np.ndarray:
    """The fitted linear forecast, in original units."""
    return prep.unscale(_design(prep, origins) @ coef)


def run(prep: Prepared, period: int | None = None) -> tuple[list[Score], dict]:
    """Every baseline's test score, and their test predictions by name."""
    test = prep.test
    true = truth(prep, test)
    preds = {"persistence": persistence(prep, test)}
    notes = {"persistence": "last value"}
    if period:
        preds["seasonal"] = seasonal(prep, test, period)
        notes["seasonal"] = f"value {seasonal_lag(prep.horizon, period)} steps before"
    coef = fit_linear(prep)
    preds["linear AR"] = linear(prep, test, coef)
    n_coef = len(coef)
    notes["linear AR"] = f"least squares, {n_coef} coefficients"
    if n_coef > len(prep.train):
        notes["linear AR"] += " (more than training targets: minimum norm)"
    scores = []
    for name, p in preds.items():
        rmse, mae = errors(p, true)
        scores.append(Score(name, rmse, mae, n_coef if name == "linear AR" else 0, notes[name]))
    return scores, preds
