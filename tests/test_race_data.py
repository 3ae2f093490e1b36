"""rnncli.race: the series match their equations, the split leaks nothing, the baselines are
exact on series built for them, the CSV reader refuses bad input in one line."""

from __future__ import annotations

import numpy as np
import pytest
from draws import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from rnncli.errors import BadInput, MissingExtra
from rnncli.race import baselines, data, series
from rnncli.race.series import Frame


def _frame(**cols) -> Frame:
    return Frame(columns={k: np.asarray(v, float) for k, v in cols.items()}, source="test")


def _prep(y, window=5, horizon=1, scale="standard", **extra):
    frame = _frame(**extra, y=y)
    feats = ",".join([*extra, "y"]) if extra else None
    return data.prepare(data.select(frame, "y", feats), window, horizon, scale)


# --- series --------------------------------------------------------------------------------

def test_narma10_satisfies_its_recursion():
    cols = series.narma10(500, seed=3)
    u, y = cols["u"], cols["y"]
    assert u.min() >= 0 and u.max() <= 0.5 and len(y) == 500
    for t in range(9, 499):
        expected = (0.3 * y[t] + 0.05 * y[t] * y[t - 9: t + 1].sum()
                    + 1.5 * u[t - 9] * u[t] + 0.1)
        assert y[t + 1] == pytest.approx(expected, rel=1e-12, abs=1e-15)
    assert not np.allclose(series.narma10(50, seed=4)["y"], y[:50])  # the seed matters


def test_mackey_glass_follows_its_delay_equation():
    dt, lag = 0.1, 170  # tau = 17 on the dt = 0.1 grid
    x = series.mackey_glass_fine(6000)
    k = np.arange(lag + 1, len(x) - 1)
    slope = (x[k + 1] - x[k - 1]) / (2 * dt)                       # central difference
    rate = 0.2 * x[k - lag] / (1 + x[k - lag] ** 10) - 0.1 * x[k]  # the equation
    assert np.max(np.abs(slope - rate)) < 2e-4
    assert x[0] == 1.2
    sampled = series.mackey_glass(100)["x"]  # one sample per time unit after the transient
    assert np.array_equal(sampled, series.mackey_glass_fine(6000)[5000:6000:10])
    assert 0.2 < sampled.min() and sampled.max() < 1.5  # the familiar attractor's range


def test_random_walk_and_sine():
    rw = series.random_walk(1000, seed=1)["x"]
    steps = np.diff(rw)
    assert abs(steps.mean()) < 0.15 and 0.9 < steps.std() < 1.1
    s = series.sine(400, seed=2)["x"]
    clean = np.sin(2 * np.pi * np.arange(400) / 20)
    assert 0.08 < np.std(s - clean) < 0.12


@pytest.mark.slow  # importing statsmodels (pandas, scipy) takes seconds
def test_statsmodels_series_or_hint():
    try:
        import statsmodels  # noqa: F401
    except ImportError:
        with pytest.raises(MissingExtra, match=r"rnncli\[data\]"):
            series.load("co2")
        return
    co2 = series.load("co2")
    assert co2.rows == 2284 and np.isnan(co2.columns["co2"]).sum() == 59
    assert series.load("sunspots").columns["sunactivity"][0] == 5.0


# --- split and leakage -------------------------------------------------------------------

def test_split_is_time_ordered_and_windows_end_at_their_origin():
    p = _prep(np.arange(200.0) ** 1.5, window=7, horizon=3)
    assert p.train.max() + 3 < p.val_start <= p.val.min() + 3
    assert p.val.max() + 3 < p.test_start == p.test.min() + 3
    assert p.test.max() + 3 == len(p.y) - 1
    w = p.windows(p.test[:2])
    assert w.shape == (2, 7, 1)
    raw = (w[0, :, 0] * p.x_std[0]) + p.x_mean[0]
    assert np.allclose(raw, p.raw_y[p.test[0] - 6: p.test[0] + 1], rtol=1e-5)


def test_planted_future_values_change_nothing_before_them():
    rng = np.random.default_rng(0)
    y = rng.standard_normal(300).cumsum()
    planted = y.copy()
    p = _prep(y, window=10)
    k = p.test[40] + 1  # plant a huge "future" value just after the 41st test origin
    planted[k] = 1e6
    q = _prep(planted, window=10)
    # the scaler, the training/validation data and the fitted AR cannot see it ...
    assert (p.x_mean, p.x_std, p.y_mean, p.y_std) == (q.x_mean, q.x_std, q.y_mean, q.y_std)
    assert np.array_equal(p.windows(p.train), q.windows(q.train))
    assert np.array_equal(p.windows(p.val), q.windows(q.val))
    assert np.array_equal(baselines.fit_linear(p), baselines.fit_linear(q))
    # ... and no test forecast made before it changes
    before = p.test[:41]
    assert np.array_equal(p.windows(before), q.windows(before))


def test_a_column_holding_the_target_itself_cannot_leak_its_future():
    # "leak" is the target's value at the same row. A window that reached row t+h would
    # predict the white-noise target perfectly; the honest window cannot beat noise.
    y = np.random.default_rng(1).standard_normal(600)
    frame = _frame(leak=y.copy(), y=y)
    p = data.prepare(data.select(frame, "y", "leak"), 20, 1)
    scores, _ = baselines.run(p)
    ar = next(s for s in scores if s.name == "linear AR")
    assert ar.rmse > 0.85 * np.std(y)


# --- baselines -----------------------------------------------------------------------------

def test_persistence_is_exact_on_a_constant_step_series():
    for h in (1, 4):
        p = _prep(3.0 + 0.5 * np.arange(200), window=6, horizon=h)
        scores, preds = baselines.run(p)
        persist = scores[0]
        assert persist.name == "persistence"
        assert persist.rmse == pytest.approx(0.5 * h) and persist.mae == pytest.approx(0.5 * h)
        assert np.allclose(baselines.truth(p, p.test) - preds["persistence"], 0.5 * h)


def test_seasonal_persistence_is_exact_on_a_periodic_series():
    pattern = np.array([1.0, 4.0, 2.0, 8.0, 5.0, 7.0, 3.0])
    p = _prep(np.tile(pattern, 40), window=10, horizon=3)
    scores, _ = baselines.run(p, period=7)
    seasonal = next(s for s in scores if s.name == "seasonal")
    assert seasonal.rmse == 0 and scores[0].rmse > 1
    assert baselines.seasonal_lag(3, 7) == 7 and baselines.seasonal_lag(9, 7) == 14


def test_linear_ar_is_exact_on_a_noiseless_ar2_and_recovers_a_noisy_one():
    w = 2 * np.pi / 13  # a sampled sine obeys y_t = 2 cos(w) y_(t-1) - y_(t-2) exactly
    t = np.arange(300)
    p = _prep(np.sin(w * t) + 0.3 * np.cos(w * t), window=8)
    ar = next(s for s in baselines.run(p)[0] if s.name == "linear AR")
    assert ar.rmse < 1e-8

    rng = np.random.default_rng(5)
    y = np.zeros(20000)
    e = 0.1 * rng.standard_normal(20000)
    for i in range(2, 20000):
        y[i] = 0.6 * y[i - 1] - 0.3 * y[i - 2] + e[i]
    p = _prep(y, window=5, scale="none")
    coef = baselines.fit_linear(p)  # intercept, then lags t-4 .. t
    assert coef[-1] == pytest.approx(0.6, abs=0.03) and coef[-2] == pytest.approx(-0.3, abs=0.03)
    assert np.allclose(coef[1:-2], 0, atol=0.03) and abs(coef[0]) < 0.01
    ar = next(s for s in baselines.run(p)[0] if s.name == "linear AR")
    assert ar.rmse == pytest.approx(0.1, rel=0.1)


# --- CSV reading and bad input -----------------------------------------------------------

def _csv(tmp_path, text: str):
    path = tmp_path / "s.csv"
    path.write_text(text)
    return path


def test_csv_numeric_columns_and_defaults(tmp_path):
    rows = "\n".join(f"2020-01-{i % 28 + 1:02d},{i},{i * 2.5}" for i in range(120))
    frame = data.read_csv(_csv(tmp_path, "date,a,b\n" + rows + "\n"))
    assert frame.names == ["a", "b"] and "date" in frame.non_numeric
    sel = data.select(frame)
    assert sel.target == "b" and sel.features == ["b"]  # last numeric column, alone
    with pytest.raises(BadInput, match="not numeric"):
        data.select(frame, "date")
    with pytest.raises(BadInput, match="available: date, a, b"):
        data.select(frame, "price")
    with pytest.raises(BadInput, match="available: date, a, b"):
        data.select(frame, "b", "a,volume")


def test_csv_missing_values_refused_or_filled(tmp_path):
    frame = data.read_csv(_csv(tmp_path, "x\n1\n\n3\nNA\n5\n"))
    with pytest.raises(BadInput, match="2 missing values.*--fill"):
        data.select(frame)
    assert data.select(frame, fill="ffill").y.tolist() == [1, 1, 3, 3, 5]
    assert data.select(frame, fill="drop").y.tolist() == [1, 3, 5]


def test_csv_limits_and_shapes(tmp_path):
    path = _csv(tmp_path, "x\n" + "\n".join(str(i) for i in range(100)) + "\n")
    with pytest.raises(BadInput, match="more than 50 rows; raise --max-rows"):
        data.read_csv(path, max_rows=50)
    with pytest.raises(BadInput, match="MB limit"):
        data.read_csv(path, max_rows=1)
    with pytest.raises(BadInput, match="constant"):
        data.select(data.read_csv(_csv(tmp_path, "x\n2\n2\n2\n")))
    with pytest.raises(BadInput, match="row 3 has 2 fields"):
        data.read_csv(_csv(tmp_path, "x\n1\n2,3\n"))
    with pytest.raises(BadInput, match="no such file"):
        data.read_csv(tmp_path / "missing.csv")
    with pytest.raises(BadInput, match="--window must be at least 1"):
        data.check_shape(100, 0, 1)
    with pytest.raises(BadInput, match="--horizon 500 is larger than the data"):
        data.check_shape(100, 5, 500)
    with pytest.raises(BadInput, match="need at least"):
        data.check_shape(59, 10, 1)


@settings(max_examples=examples(60), deadline=None)
@given(n=st.integers(60, 400), window=st.integers(1, 30), horizon=st.integers(1, 10))
def test_split_properties(n, window, horizon):
    if n < data.min_rows(window, horizon):
        with pytest.raises(BadInput):
            data.check_shape(n, window, horizon)
        return
    y = np.random.default_rng(n).standard_normal(n).cumsum()
    p = _prep(y, window=window, horizon=horizon)
    h = horizon
    assert len(p.train) >= data.MIN_TRAIN and len(p.val) >= 1 and len(p.test) >= data.MIN_TEST
    assert p.train.min() == window - 1                  # the first full window
    assert p.train.max() + h < p.val_start <= p.val.min() + h
    assert p.val.max() + h < p.test_start == p.test.min() + h and p.test.max() + h == n - 1
    # the scaler saw exactly the training rows
    assert p.y_mean == pytest.approx(y[: p.val_start].mean())
    assert p.y_std == pytest.approx(y[: p.val_start].std())
