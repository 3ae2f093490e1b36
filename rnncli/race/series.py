"""The series `race` can run without a file: generated ones and statsmodels' data sets.

Generated (offline, seeded by ``--data-seed``):

- ``narma10``: the tenth-order NARMA system (Atiya & Parlos 2000, the reservoir-computing
  benchmark), driven by u(t) ~ U[0, 0.5]::

      y(t+1) = 0.3 y(t) + 0.05 y(t) * sum_{i=0..9} y(t-i) + 1.5 u(t-9) u(t) + 0.1

  y(t+1) depends on the input u, so both columns are inputs by default: a window ending at
  t holds everything y(t+1) needs (u(t), u(t-9) and y(t-9..t)).
- ``mackey-glass``: dx/dt = 0.2 x(t-17) / (1 + x(t-17)^10) - 0.1 x(t) (Mackey & Glass
  1977; tau = 17 is the standard chaotic setting), integrated with classical Runge-Kutta
  at dt = 0.1 from x = 1.2 (constant history), sampled every time unit after a transient.
- ``random-walk``: cumulative sum of N(0, 1) steps. The best forecast of the next value
  is the last one, so nothing should beat persistence (the "stock price" case).
- ``sine``: sin(2 pi t / 20) plus N(0, 0.1^2) noise; period 20.

Recorded (optional extra ``data``: statsmodels, which ships them):

- ``sunspots``: yearly sunspot numbers 1700-2008 (statsmodels.datasets.sunspots, public
  domain, NOAA NGDC); the cycle is about 11 years.
- ``co2``: weekly Mauna Loa CO2 1958-2001 (statsmodels.datasets.co2, public domain;
  Keeling & Whorf 2004, CDIAC); 59 weekly values missing (carried forward unless
  ``--fill drop``); a yearly cycle of ~52 weeks.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rnncli.errors import BadInput, MissingExtra

if TYPE_CHECKING:  # numpy is imported by the generators, so `--help` stays light
    import numpy as np


@dataclass
class Frame:
    """Named numeric columns of equal length, in time order, and where they came from."""

    columns: dict[str, np.ndarray]
    source: str
    target: str | None = None           # the series' natural target (None: choose)
    features: tuple[str, ...] = ()      # its natural inputs (empty: the target alone)
    period: int | None = None           # its natural season, for seasonal persistence
    citation: str = ""
    notes: list[str] = field(default_factory=list)
    non_numeric: dict[str, str] = field(default_factory=dict)  # column -> why not numeric
    header: list[str] = field(default_factory=list)  # every column name, in file order
    fill: str | None = None             # missing-value policy when --fill is not given

    @property
    def names(self) -> list[str]:
        return list(self.columns)

    @property
    def rows(self) -> int:
        return len(next(iter(self.columns.values()))) if self.columns else 0


# --- generated series --------------------------------------------------------------------

NARMA_ORDER = 10


def narma10(n: int, seed: int = 0, warmup: int = 200) -> dict[str, np.ndarray]:
    """``n`` steps of NARMA-10 (columns ``u``, ``y``) after ``warmup`` discarded steps."""
    import numpy as np

    rng = np.random.default_rng(seed)
    total = n + warmup
    u = rng.uniform(0.0, 0.5, total)
    y = np.zeros(total)
    for t in range(NARMA_ORDER - 1, total - 1):
        recent = y[t - NARMA_ORDER + 1: t + 1]                   # y(t-9) .. y(t)
        y[t + 1] = (0.3 * y[t]                                    # 0.3 y(t)
                    + 0.05 * y[t] * recent.sum()                  # 0.05 y(t) sum y(t-i)
                    + 1.5 * u[t - NARMA_ORDER + 1] * u[t]         # 1.5 u(t-9) u(t)
                    + 0.1)
    if not np.isfinite(y).all():  # not seen for U[0, 0.5] inputs; guard all the same
        raise BadInput(f"NARMA-10 diverged for --data-seed {seed}; try another seed")
    return {"u": u[warmup:], "y": y[warmup:]}


def _mg_rate(x: float, x_tau: float, beta: float, gamma: float, power: float) -> float:
    """Mackey-Glass right-hand side: beta x(t-tau) / (1 + x(t-tau)^n) - gamma x(t)."""
    return beta * x_tau / (1.0 + x_tau ** power) - gamma * x


def mackey_glass_fine(steps: int, *, tau: float = 17.0, beta: float = 0.2,
                      gamma: float = 0.1, power: float = 10.0, dt: float = 0.1,
                      x0: float = 1.2) -> np.ndarray:
    """The Mackey-Glass solution on the grid t = 0, dt, 2 dt, ... (``steps`` + 1 values).

    Classical RK4; the delayed value at a half step is the mean of its two grid
    neighbours (linear interpolation). History x(t) = x0 for t <= 0.
    """
    import numpy as np

    lag = int(round(tau / dt))
    if not math.isclose(lag * dt, tau):
        raise ValueError("tau must be a multiple of dt")
    x = np.empty(steps + 1 + lag)
    x[: lag + 1] = x0  # index lag is t = 0
    for k in range(lag, lag + steps):
        d0, d1 = x[k - lag], x[k - lag + 1]  # x(t - tau), x(t + dt - tau)
        dh = 0.5 * (d0 + d1)                 # x(t + dt/2 - tau)
        k1 = _mg_rate(x[k], d0, beta, gamma, power)
        k2 = _mg_rate(x[k] + 0.5 * dt * k1, dh, beta, gamma, power)
        k3 = _mg_rate(x[k] + 0.5 * dt * k2, dh, beta, gamma, power)
        k4 = _mg_rate(x[k] + dt * k3, d1, beta, gamma, power)
        x[k + 1] = x[k] + dt / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
    return x[lag:]


def mackey_glass(n: int, seed: int = 0, sample: int = 10, transient: int = 500) -> dict:
    """``n`` samples, one per time unit (every ``sample`` RK4 steps of dt = 0.1), after
    ``transient`` time units. Deterministic: ``seed`` is unused (the equation has none)."""
    del seed
    fine = mackey_glass_fine((n + transient) * sample)
    return {"x": fine[transient * sample:: sample][:n]}


def random_walk(n: int, seed: int = 0) -> dict[str, np.ndarray]:
    """x_t = x_(t-1) + e_t, e_t ~ N(0, 1), x_0 = e_0."""
    import numpy as np

    return {"x": np.cumsum(np.random.default_rng(seed).standard_normal(n))}


SINE_PERIOD = 20
SINE_NOISE = 0.1


def sine(n: int, seed: int = 0) -> dict[str, np.ndarray]:
    """sin(2 pi t / 20) + N(0, 0.1^2) noise."""
    import numpy as np

    t = np.arange(n)
    noise = SINE_NOISE * np.random.default_rng(seed).standard_normal(n)
    return {"x": np.sin(2 * np.pi * t / SINE_PERIOD) + noise}


# --- statsmodels' data sets ---------------------------------------------------------------

def _statsmodels_datasets():
    try:
        import statsmodels.api as sm
    except ImportError:
        raise MissingExtra("statsmodels", "data") from None
    return sm.datasets


def sunspots(n: int | None = None, seed: int = 0) -> dict[str, np.ndarray]:
    """Yearly sunspot activity 1700-2008 (309 values)."""
    data = _statsmodels_datasets().sunspots.load_pandas().data
    return {"year": data["YEAR"].to_numpy(float),
            "sunactivity": data["SUNACTIVITY"].to_numpy(float)}


def co2(n: int | None = None, seed: int = 0) -> dict[str, np.ndarray]:
    """Weekly CO2 at Mauna Loa (ppm), 1958-2001; missing weeks are NaN."""
    data = _statsmodels_datasets().co2.load_pandas().data
    return {"co2": data["co2"].to_numpy(float)}


@dataclass(frozen=True)
class SeriesSpec:
    name: str
    make: Callable[..., dict[str, np.ndarray]]
    describe: str
    citation: str
    target: str
    features: tuple[str, ...] = ()
    period: int | None = None
    generated: bool = True
    default_length: int = 2000
    fill: str | None = None


SERIES: dict[str, SeriesSpec] = {s.name: s for s in (
    SeriesSpec("narma10", narma10, "NARMA-10 driven by u ~ U[0, 0.5]",
               "Atiya & Parlos (2000), IEEE Trans. Neural Networks 11(3):697-709",
               target="y", features=("u", "y")),
    SeriesSpec("mackey-glass", mackey_glass, "Mackey-Glass, tau = 17, one sample per unit",
               "Mackey & Glass (1977), Science 197(4300):287-289", target="x"),
    SeriesSpec("random-walk", random_walk, "Gaussian random walk",
               "unpredictable by construction: the best forecast is the last value",
               target="x"),
    SeriesSpec("sine", sine, "sin(2 pi t / 20) + N(0, 0.1^2)", "a sanity check",
               target="x", period=SINE_PERIOD),
    SeriesSpec("sunspots", sunspots, "yearly sunspot numbers 1700-2008 (statsmodels)",
               "public domain, NOAA NGDC (statsmodels.datasets.sunspots)",
               target="sunactivity", period=11, generated=False),
    SeriesSpec("co2", co2, "weekly Mauna Loa CO2, ppm, 1958-2001 (statsmodels)",
               "public domain; Keeling & Whorf (2004), CDIAC (statsmodels.datasets.co2)",
               target="co2", period=52, generated=False, fill="ffill"),
)}


def load(name: str, length: int | None = None, seed: int = 0) -> Frame:
    """The built-in series ``name`` as a Frame (``length`` rows for generated ones)."""
    spec = SERIES.get(str(name).strip().lower())
    if spec is None:
        raise BadInput(f"--series: unknown series {name!r}; choose one of {', '.join(SERIES)}")
    if spec.generated:
        n = spec.default_length if length is None else length
        if n < 1:
            raise BadInput(f"--length must be at least 1, got {n}")
        columns = spec.make(n, seed)
    else:
        columns = spec.make()
    return Frame(columns=columns, source=f"--series {spec.name}: {spec.describe}",
                 target=spec.target, features=spec.features, period=spec.period,
                 citation=spec.citation, fill=spec.fill)
