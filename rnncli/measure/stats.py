"""Is one row really faster than another?  A bootstrap interval for a ratio of medians.

Each row keeps its per-call times round by round (``samples_s``).  The ratio is
median(slow) / median(fast).  Its 95 % interval comes from a percentile bootstrap
that respects how the times were taken: when both
rows ran in the same interleaved rounds, one draw resamples the ROUNDS (the same round
indices for both rows, so a load spike that hit both rows in one round stays paired),
then the runs within each drawn round; otherwise each row's runs are resampled on
their own.  The generator is seeded: the same times give the same interval.

The words ("faster", "not distinguishable", "not compared") come from the shared rule,
:mod:`rnncli.verdict`: a verdict only when both rows have at least ``MIN_RUNS`` timed
runs and the interval excludes 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rnncli import verdict

MIN_RUNS = verdict.MIN_RUNS
LEVEL = 0.95
DRAWS = 1000


@dataclass
class Ratio:
    ratio: float  # median(slow) / median(fast), >= 1 when ``fast`` is the faster row
    lo: float | None
    hi: float | None
    runs: tuple[int, int]
    paired: bool

    @property
    def decided(self) -> bool:
        return (self.lo is not None and min(self.runs) >= MIN_RUNS
                and (self.lo > 1.0 or self.hi < 1.0))

    def why_not(self) -> str:
        if min(self.runs) < MIN_RUNS:
            return f"fewer than {MIN_RUNS} timed runs"
        if self.lo is None:
            return "no interval"
        return f"95% interval {self.lo:.2f} to {self.hi:.2f} includes 1"

    def as_dict(self) -> dict:
        return {"ratio": self.ratio, "lo": self.lo, "hi": self.hi, "runs": list(self.runs),
                "paired_rounds": self.paired, "decided": self.decided}


def _rounds(row: dict) -> list[np.ndarray]:
    rounds = [np.asarray(r, dtype=float) for r in row.get("samples_s") or [] if len(r)]
    if not rounds:  # a row from an older file: only its median
        rounds = [np.asarray([row["median_s"]], dtype=float)]
    return rounds


def _draw(rounds: list[np.ndarray], picks: np.ndarray, rng: np.random.Generator) -> float:
    pooled = np.concatenate([rng.choice(rounds[k], size=len(rounds[k])) for k in picks])
    return float(np.median(pooled))


def ratio(fast: dict, slow: dict, draws: int = DRAWS, seed: int = 0) -> Ratio:
    """median(slow) / median(fast) with its bootstrap interval (see the module docstring)."""
    a, b = _rounds(fast), _rounds(slow)
    runs = (sum(len(r) for r in a), sum(len(r) for r in b))
    point = slow["median_s"] / fast["median_s"]
    if min(runs) < 2:
        return Ratio(point, None, None, runs, False)
    rng = np.random.default_rng(seed)
    paired = len(a) == len(b) and len(a) > 1
    out = np.empty(draws)
    for i in range(draws):
        pa = rng.integers(0, len(a), len(a)) if len(a) > 1 else np.zeros(1, int)
        pb = pa if paired else (rng.integers(0, len(b), len(b)) if len(b) > 1
                                else np.zeros(1, int))
        out[i] = _draw(b, pb, rng) / _draw(a, pa, rng)
    tail = (1 - LEVEL) / 2 * 100
    lo, hi = np.percentile(out, [tail, 100 - tail])
    return Ratio(point, float(lo), float(hi), runs, paired)


def order(rows: Sequence[dict]) -> list[dict]:
    """Rows fastest first (by median)."""
    return sorted(rows, key=lambda r: r["median_s"])
