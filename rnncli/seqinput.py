"""The user's input sequence for ``rnncli gates``: ``--seq`` text or an ``--input`` file.

Every reader returns a float64 array of shape (T, I): T steps of I features. Anything
that is not a finite number, an empty sequence, an empty value or rows of different
lengths raises :class:`~rnncli.errors.BadInput` with one line naming the problem.

Text (``--seq``): without ``;`` every comma-separated value is one step of one feature
(``1,0,0,1`` is T=4, I=1); with ``;`` steps split at ``;`` and features at ``,``
(``"0.5,1;0,1;1,0"`` is T=3, I=2; one trailing ``;`` is allowed, so ``"0.5,1;"`` is one
step of two features). Files: ``.npy`` of shape (T,) or (T, I), read with
``numpy.load(allow_pickle=False)`` so a file can never run code; ``.csv``/``.txt`` with
one step per row and features separated by commas (blank lines are skipped; a UTF-8 byte
order mark, as Excel's "CSV UTF-8" writes, is read as such). Files must be regular files of
bounded size; reading stops as soon as the step limit is passed, so a huge CSV costs no
more memory than the limit allows.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

from rnncli.errors import BadInput
from rnncli.fileio import MiB, load_numpy, regular_file

CSV_SUFFIXES = (".csv", ".txt")
NPY_SUFFIXES = (".npy",)
MAX_INPUT_BYTES = 256 * MiB
MAX_VALUES = 50_000_000  # numbers in one sequence (steps x features): 400 MB as float64


def _number(text: str, where: str) -> float:
    token = text.strip()
    if not token:
        raise BadInput(f"{where}: empty value; expected a number")
    try:
        value = float(token)
    except ValueError:
        raise BadInput(f"{where}: {token[:30]!r} is not a number") from None
    if not math.isfinite(value):
        raise BadInput(f"{where}: {token[:30]!r} is not finite; nan and inf are not accepted")
    return value


def _rows_to_array(rows: list[list[float]], what: str, lines: list[int] | None = None):
    if not rows:
        raise BadInput(f"{what}: the sequence is empty; give at least one step")
    width = len(rows[0])
    for k, row in enumerate(rows):
        if len(row) != width:
            where = f"line {lines[k]}" if lines else f"step {k + 1}"
            raise BadInput(
                f"{what}: ragged rows: {where} has {len(row)} values but step 1 has {width};"
                " every step needs the same number of features"
            )
    return np.asarray(rows, dtype=np.float64).reshape(len(rows), width)


def parse_seq(text: str) -> np.ndarray:
    """``"1,0,0,1"`` -> (4, 1); ``"0.5,1;0,1;1,0"`` -> (3, 2)."""
    text = str(text).strip()
    if not text:
        raise BadInput("--seq: the sequence is empty; e.g. --seq 1,0,0,1 or --seq '0.5,1;0,1'")
    if ";" in text:
        steps = text.split(";")
        if len(steps) > 1 and not steps[-1].strip():
            steps = steps[:-1]  # one trailing ';' is allowed: "0.5,1;" is 1 step, 2 features
        rows = [
            [_number(v, f"--seq step {t + 1}") for v in step.split(",")]
            for t, step in enumerate(steps)
        ]
    else:
        rows = [[_number(v, f"--seq step {t + 1}")] for t, v in enumerate(text.split(","))]
    return _rows_to_array(rows, "--seq")


def read_csv(path: Path, max_steps: int | None = None) -> np.ndarray:
    """One step per row, features separated by commas; blank lines are skipped."""
    rows, lines = [], []
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            for n, row in enumerate(csv.reader(fh), start=1):
                if not row or all(not c.strip() for c in row):
                    continue
                rows.append([_number(c, f"{path} line {n}") for c in row])
                lines.append(n)
                _check_limit(len(rows), len(row), max_steps, path)
    except UnicodeDecodeError:
        raise BadInput(f"{path}: not a text CSV file (cannot decode as UTF-8)") from None
    except csv.Error as exc:
        raise BadInput(f"{path}: not a valid CSV file ({exc})") from None
    except OSError as exc:
        raise BadInput(f"{path}: cannot read ({exc.strerror or exc})") from None
    return _rows_to_array(rows, str(path), lines)


def _check_limit(steps: int, width: int, max_steps: int | None, what: object) -> None:
    if max_steps is not None and steps > max_steps:
        raise BadInput(f"{what}: more than {max_steps} steps; cut the sequence")
    if steps * width > MAX_VALUES:
        raise BadInput(f"{what}: more than {MAX_VALUES} numbers; cut the sequence")


def read_npy(path: Path) -> np.ndarray:
    """A ``.npy`` array of shape (T,) or (T, I) with real numbers; never unpickles."""
    arr = load_numpy(path, ".npy", max_bytes=MAX_VALUES * 8)
    if arr.dtype.kind == "c":
        raise BadInput(f"{path}: array of dtype {arr.dtype} is complex; expected real numbers")
    if arr.dtype.kind not in "biuf":
        raise BadInput(f"{path}: array of dtype {arr.dtype}; expected real numbers")
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise BadInput(f"{path}: array of shape {arr.shape}; expected (T,) or (T, I)")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise BadInput(f"{path}: array of shape {arr.shape} is empty; need T >= 1, I >= 1")
    arr = arr.astype(np.float64)
    bad = ~np.isfinite(arr)
    if bad.any():
        t, i = (int(v) for v in np.argwhere(bad)[0])
        raise BadInput(
            f"{path}: value at step {t + 1}, feature {i + 1} is {arr[t, i]}; "
            "nan and inf are not accepted"
        )
    return arr


def read_input(path: str | Path, max_steps: int | None = None) -> np.ndarray:
    """Read ``--input FILE`` by its suffix (.npy, .csv, .txt): a regular file, bounded."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in NPY_SUFFIXES + CSV_SUFFIXES:
        raise BadInput(f"--input {p}: unknown file type {suffix or '(none)'}; use .npy or .csv")
    regular_file(p, "--input", MAX_INPUT_BYTES)
    arr = read_npy(p) if suffix in NPY_SUFFIXES else read_csv(p, max_steps)
    _check_limit(arr.shape[0], arr.shape[1], max_steps, f"--input {p}")
    return arr


def load_sequence(seq: str | None, input_path: str | Path | None, default: str,
                  max_steps: int | None = None) -> np.ndarray:
    """The sequence from ``--seq`` or ``--input`` (not both); ``default`` when neither."""
    if seq is not None and input_path is not None:
        raise BadInput("give --seq or --input, not both")
    if input_path is not None:
        return read_input(input_path, max_steps)
    x = parse_seq(default if seq is None else seq)
    _check_limit(x.shape[0], x.shape[1], max_steps, "--seq")
    return x
