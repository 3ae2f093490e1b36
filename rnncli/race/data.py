"""From a CSV file or a built-in series to windows a model can train on, without leakage.

- ``read_csv``: bounded reading (file size checked before reading, a row limit, a line
  length, column and cell limit while reading, so a 100 MB header line is refused before it
  becomes 50 million strings), every column parsed as numbers where it can be; the others
  are kept out and named.
- ``select``: target and feature columns (unknown names list the available ones), the
  missing-value policy (``ffill``, ``drop`` or refuse), a constant target refused.
- ``prepare``: the time-ordered split. A sample's origin t is the last row of its input
  window (rows t-W+1 .. t); its target is row t+h. Targets before ``val_start`` train,
  targets in [val_start, test_start) validate, targets from ``test_start`` on test, so the
  test period comes after every value a model was fitted on. Windows may reach back across
  a boundary: that is the past, which a forecaster has. The scaler is fitted on the rows
  before ``val_start`` only (the training rows).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rnncli.errors import BadInput
from rnncli.race.series import Frame

MISSING = {"", "na", "nan", "n/a", "null", "none", "-"}
BYTES_PER_ROW = 200         # the file-size limit is --max-rows times this
MAX_LINE_CHARS = 1 << 20    # one line of the file (header or row), in characters
MAX_COLUMNS = 10_000
MAX_CELLS = 5_000_000       # rows x columns held as text while reading
VAL_FRAC, TEST_FRAC = 0.15, 0.15
MIN_TRAIN, MIN_VAL, MIN_TEST = 20, 10, 20


def _floats(values: list[str]) -> tuple[np.ndarray, str | None]:
    """Parse one column: missing tokens -> NaN; the first unparsable value is reported."""
    out = np.empty(len(values))
    for i, text in enumerate(values):
        t = text.strip()
        if t.lower() in MISSING:
            out[i] = math.nan
            continue
        try:
            v = float(t)
        except ValueError:
            return out, f"{t[:20]!r} in row {i + 2}"
        if not math.isfinite(v):
            return out, f"{t[:20]!r} (not finite) in row {i + 2}"
        out[i] = v
    return out, None


def _row_or_none(row: list[str], header: list[str], line: int, path: Path) -> list | None:
    if not row:  # a blank line: a missing value in a one-column file, else nothing
        return None if len(header) > 1 else [""]
    if len(row) != len(header):
        raise BadInput(f"{path}: row {line} has {len(row)} fields, the header has "
                       f"{len(header)}")
    return row


def _lines(fh, path: Path):
    """The file's lines, each refused over ``MAX_LINE_CHARS`` before it is held whole."""
    while line := fh.readline(MAX_LINE_CHARS + 1):
        if len(line) > MAX_LINE_CHARS:
            raise BadInput(f"{path}: a line longer than {MAX_LINE_CHARS:,} characters; not a "
                           "table of numbers rnncli reads")
        yield line


def _header(reader, path: Path) -> list[str]:
    header = next(reader, None)
    if not header or all(not h.strip() for h in header):
        raise BadInput(f"{path}: empty file or no header row")
    if len(header) > MAX_COLUMNS:
        raise BadInput(f"{path}: the header has {len(header):,} columns, over the "
                       f"{MAX_COLUMNS:,} rnncli reads")
    return header


def _too_many(path: Path, max_rows: int, columns: int) -> BadInput:
    if max_rows <= MAX_CELLS // columns:
        return BadInput(f"{path}: more than {max_rows} rows; raise --max-rows to read them all")
    return BadInput(f"{path}: more than {MAX_CELLS // columns} rows of {columns} columns, over "
                    f"the "
                    f"{MAX_CELLS:,} cells rnncli reads; keep only the columns you use")


def _rows(path: Path, max_rows: int) -> tuple[list[str], list[list[str]]]:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(_lines(fh, path))
        header = _header(reader, path)
        cap = min(max_rows, MAX_CELLS // len(header))
        rows: list[list[str]] = []
        for raw in reader:
            row = _row_or_none(raw, header, reader.line_num, path)
            if row is None:
                continue
            if len(rows) >= cap:
                raise _too_many(path, max_rows, len(header))
            rows.append(row)
    return [h.strip() or f"column{i + 1}" for i, h in enumerate(header)], rows


def _read_rows(p: Path, max_rows: int) -> tuple[list[str], list[list[str]]]:
    try:
        return _rows(p, max_rows)
    except OSError as exc:
        from rnncli.fileio import read_failed

        raise read_failed(p, exc, "--data") from None
    except UnicodeDecodeError:
        raise BadInput(f"{p}: not a UTF-8 text file") from None
    except csv.Error as exc:
        raise BadInput(f"{p}: not a readable CSV file ({exc})") from None


def read_csv(path: str | Path, max_rows: int = 1_000_000) -> Frame:
    """Read a CSV with a header row; numeric columns become float arrays (NaN = missing)."""
    p = Path(path)
    if not p.is_file():
        raise BadInput(f"{p}: no such file")
    size, limit = p.stat().st_size, max_rows * BYTES_PER_ROW
    if size > limit:
        raise BadInput(f"{p}: {size / 1e6:.0f} MB is over the {limit / 1e6:.0f} MB limit "
                       f"({BYTES_PER_ROW} bytes a row x --max-rows {max_rows}); raise "
                       "--max-rows to read it")
    header, rows = _read_rows(p, max_rows)
    if len(set(header)) != len(header):
        raise BadInput(f"{p}: repeated column names in the header: {', '.join(header)}")
    columns: dict[str, np.ndarray] = {}
    non_numeric: dict[str, str] = {}
    for j, name in enumerate(header):
        values, bad = _floats([r[j] for r in rows])
        if bad is None:
            columns[name] = values
        else:
            non_numeric[name] = bad
    return Frame(columns=columns, source=f"{p.name}: {len(rows)} rows",
                 non_numeric=non_numeric, header=header)


def _available(frame: Frame) -> str:
    return ", ".join(frame.header or frame.names)


def _column(frame: Frame, name: str, option: str) -> str:
    if name in frame.columns:
        return name
    if name in frame.non_numeric:
        raise BadInput(f"{option}: column {name!r} is not numeric "
                       f"({frame.non_numeric[name]})")
    raise BadInput(f"{option}: unknown column {name!r}; available: {_available(frame)}")


def _default_target(frame: Frame) -> str:
    if frame.target is not None:
        return frame.target
    if not frame.columns:
        raise BadInput(f"no numeric column to forecast; columns: {_available(frame)}")
    return frame.names[-1]


def _names(frame: Frame, target: str | None, features: str | None) -> tuple[str, list[str]]:
    target = _column(frame, (target or _default_target(frame)).strip(), "--target")
    if features is None:
        natural = frame.features and target == frame.target
        chosen = list(frame.features) if natural else [target]
    else:
        chosen = [t.strip() for t in features.split(",") if t.strip()]
        if not chosen:
            raise BadInput("--features: expected a comma-separated list of column names")
    cols = [_column(frame, name, "--features") for name in chosen]
    return target, list(dict.fromkeys(cols))


def _ffill(a: np.ndarray) -> np.ndarray:
    idx = np.where(np.isnan(a), 0, np.arange(len(a)))
    np.maximum.accumulate(idx, out=idx)
    return a[idx]


def _drop_missing(data: dict[str, np.ndarray], notes: list[str]) -> dict:
    bad = np.zeros(len(next(iter(data.values()))), bool)
    for v in data.values():
        bad |= np.isnan(v)
    if bad.any():  # --fill drop, or leading gaps that ffill cannot fill
        notes.append(f"{int(bad.sum())} rows with missing values dropped; the rows on either "
                     "side of a gap are now neighbours")
        data = {k: v[~bad] for k, v in data.items()}
    return data


def _fill(data: dict[str, np.ndarray], fill: str | None, notes: list[str]) -> dict:
    missing = {k: int(np.isnan(v).sum()) for k, v in data.items()}
    total = sum(missing.values())
    if total == 0:
        return data
    where = ", ".join(f"{k} {n}" for k, n in missing.items() if n)
    if fill is None:
        raise BadInput(f"{total} missing values ({where}); choose --fill ffill (carry the "
                       "last value forward) or --fill drop (remove those rows)")
    if fill == "ffill":
        data = {k: _ffill(v) for k, v in data.items()}
        notes.append(f"{total} missing values ({where}) carried forward (--fill ffill)")
    return _drop_missing(data, notes)


MAX_MAGNITUDE = 1e150  # squares (variances, least squares) stay finite in float64


def _check_magnitude(data: dict[str, np.ndarray]) -> None:
    """Refuse values whose squares overflow (1e200: the scaler's variance, the AR fit's SVD)."""
    for name, v in data.items():
        big = float(np.max(np.abs(v))) if len(v) else 0.0
        if big > MAX_MAGNITUDE:
            raise BadInput(f"column {name!r} holds values up to {big:.3g}: too large to fit "
                           f"(their squares overflow); divide the column by a power of ten so "
                           f"that |value| < {MAX_MAGNITUDE:g}")


@dataclass
class Selected:
    """The columns a race uses, after the missing-value policy."""

    target: str
    features: list[str]
    x: np.ndarray          # (N, F) inputs in original units
    y: np.ndarray          # (N,) target in original units
    notes: list[str] = field(default_factory=list)


def select(frame: Frame, target: str | None = None, features: str | None = None,
           fill: str | None = None) -> Selected:
    """Pick the target and input columns, apply ``fill``, refuse a constant target."""
    target, cols = _names(frame, target, features)
    notes = list(frame.notes)
    used = {name: frame.columns[name] for name in dict.fromkeys([target, *cols])}
    used = _fill(used, fill, notes)
    y = used[target]
    if len(y) < 2:  # before "constant": one row is a too-short series, not a flat one
        left = "" if len(y) == len(frame.columns[target]) else " left after --fill"
        rows = f"{len(y)} row{'s' * (len(y) != 1)}{left}"
        raise BadInput(f"the series is too short: {rows}; a forecast race needs at least "
                       f"{min_rows(1, 1)} (window + horizon + {MIN_TRAIN} training, "
                       f"{MIN_VAL} validation and {MIN_TEST} test targets; more for a longer "
                       "--window or --horizon)")
    _check_magnitude(used)
    if np.ptp(y) == 0:
        raise BadInput(f"target {target!r} is constant (every value {y[0]:g}): nothing to "
                       "forecast")
    if target not in cols:
        notes.append(f"the target {target!r} is not an input: the models see only "
                     f"{', '.join(cols)}")
    x = np.stack([used[c] for c in cols], axis=1)
    return Selected(target=target, features=cols, x=x, y=y, notes=notes)


@dataclass
class Prepared:
    """Scaled inputs and target, and the origins of the three parts of the split."""

    x: np.ndarray             # (N, F) float32, scaled with training statistics
    y: np.ndarray             # (N,) float64 target, scaled the same way
    raw_y: np.ndarray         # (N,) target in original units
    window: int
    horizon: int
    val_start: int            # first validation target row
    test_start: int           # first test target row
    x_mean: np.ndarray
    x_std: np.ndarray
    y_mean: float
    y_std: float
    x64: np.ndarray | None = None  # (N, F) the same scaled inputs in float64 (baselines' fit)
    train: np.ndarray = field(init=False)   # origins t (window rows t-W+1 .. t)
    val: np.ndarray = field(init=False)
    test: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        n, w, h = len(self.y), self.window, self.horizon
        self.train = np.arange(w - 1, self.val_start - h)
        self.val = np.arange(max(w - 1, self.val_start - h), self.test_start - h)
        self.test = np.arange(max(w - 1, self.test_start - h), n - h)

    def windows(self, origins: np.ndarray, exact: bool = False) -> np.ndarray:
        """(n, W, F) input windows ending at ``origins``: float32 for the networks, float64
        with ``exact`` (least squares on float32 inputs moves the linear AR's error)."""
        offsets = np.arange(-self.window + 1, 1)
        x = self.x64 if exact and self.x64 is not None else self.x
        return x[np.asarray(origins)[:, None] + offsets[None, :]]

    def targets(self, origins: np.ndarray) -> np.ndarray:
        """Scaled targets y[t + h]."""
        return self.y[np.asarray(origins) + self.horizon]

    def unscale(self, values: np.ndarray) -> np.ndarray:
        return np.asarray(values, float) * self.y_std + self.y_mean

    def split_info(self) -> dict:
        return {"rows": len(self.y), "train_targets": len(self.train),
                "val_targets": len(self.val), "test_targets": len(self.test),
                "val_start_row": self.val_start, "test_start_row": self.test_start}


def min_rows(window: int, horizon: int) -> int:
    """Fewest rows a split needs: a window, the horizon and the three parts' minimums."""
    return window - 1 + horizon + MIN_TRAIN + MIN_VAL + MIN_TEST


def check_shape(n: int, window: int, horizon: int) -> None:
    """Refuse a window/horizon the data cannot hold (before anything is allocated)."""
    if window < 1:
        raise BadInput(f"--window must be at least 1, got {window}")
    if horizon < 1:
        raise BadInput(f"--horizon must be at least 1, got {horizon}")
    if horizon >= n:
        raise BadInput(f"--horizon {horizon} is larger than the data ({n} rows)")
    need = min_rows(window, horizon)
    if n < need:
        raise BadInput(f"{n} rows are too few for --window {window} and --horizon {horizon}: "
                       f"need at least {need} (window + horizon + {MIN_TRAIN} training, "
                       f"{MIN_VAL} validation and {MIN_TEST} test targets)")


def _scaler(a: np.ndarray, scale: str) -> tuple[np.ndarray, np.ndarray]:
    if scale == "none":
        return np.zeros(a.shape[1:]), np.ones(a.shape[1:])
    mean, std = a.mean(axis=0), a.std(axis=0)
    return mean, np.where(std > 0, std, 1.0)


def prepare(sel: Selected, window: int, horizon: int, scale: str = "standard") -> Prepared:
    """The time-ordered split and the training-only scaling."""
    n = len(sel.y)
    check_shape(n, window, horizon)
    n_test = max(MIN_TEST, round(TEST_FRAC * n))
    n_val = max(MIN_VAL, round(VAL_FRAC * n))
    test_start = n - n_test
    val_start = test_start - n_val
    if val_start - horizon - (window - 1) < MIN_TRAIN:  # small files: the minimums decide
        val_start, test_start = n - MIN_TEST - MIN_VAL, n - MIN_TEST
    train_rows = slice(0, val_start)
    x_mean, x_std = _scaler(sel.x[train_rows], scale)
    y_mean, y_std = _scaler(sel.y[train_rows, None], scale)
    if scale == "standard" and np.ptp(sel.y[train_rows]) == 0:
        raise BadInput(f"target {sel.target!r} is constant over the training rows: the scale "
                       "cannot be fitted (try --scale none)")
    x64 = (np.asarray(sel.x, np.float64) - x_mean) / x_std
    if np.abs(x64).max() > np.finfo(np.float32).max:
        raise BadInput("the inputs overflow float32 (|value| > 3.4e38) with --scale none; "
                       "use --scale standard")
    return Prepared(
        x=x64.astype(np.float32), x64=x64,
        y=(sel.y - y_mean[0]) / y_std[0], raw_y=sel.y.astype(float), window=window,
        horizon=horizon, val_start=val_start, test_start=test_start, x_mean=x_mean,
        x_std=x_std, y_mean=float(y_mean[0]), y_std=float(y_std[0]),
    )
