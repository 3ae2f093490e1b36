"""Issue 25, user series: values whose squares overflow, a header of millions of cells, a
one-row series and an unreadable file: one line naming the problem, exit 2, and no library
warning on stderr (run in a real process: pytest would capture the warning)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rnncli.errors import BadInput
from rnncli.race import data

ROOT = Path(__file__).resolve().parents[1]


def _rnncli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "rnncli", *args], capture_output=True,
                          text=True, env=env, timeout=120)


def _series(path: Path, values) -> Path:
    np.savetxt(path, np.asarray(values), header="y", comments="")
    return path


@pytest.mark.slow  # four real processes; the in-process guard test below is fast
@pytest.mark.parametrize("scale", [1.7e308, 1e200])
def test_huge_values_refused_with_the_reason_and_no_warning(tmp_path, scale):
    rng = np.random.default_rng(0)
    path = _series(tmp_path / "big.csv", rng.uniform(-1, 1, 200) * scale)
    for cmd in ("race", "advise"):
        res = _rnncli(cmd, "--data", str(path))
        assert res.returncode == 2, res.stderr
        assert res.stderr.startswith("rnncli: error: column 'y' holds values up to")
        assert "divide the column" in res.stderr
        assert len(res.stderr.splitlines()) == 1, res.stderr  # no RuntimeWarning
        assert "Warning" not in res.stderr


def test_values_that_fit_in_float64_but_not_float32_with_scale_none(tmp_path):
    rng = np.random.default_rng(0)
    sel = data.select(data.read_csv(_series(tmp_path / "s.csv", rng.normal(size=200) * 1e60)))
    with pytest.raises(BadInput, match="overflow float32.*--scale standard"):
        data.prepare(sel, 5, 1, "none")
    assert np.isfinite(data.prepare(sel, 5, 1, "standard").x).all()


def test_a_one_row_series_is_too_short_not_constant(tmp_path):
    path = tmp_path / "one.csv"
    path.write_text("y\n1.5\n")
    with pytest.raises(BadInput, match=r"too short: 1 row; .* at least 51"):
        data.select(data.read_csv(path))


def test_a_header_of_millions_of_cells_is_refused_while_reading(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text(",".join(["a"] * 600_000) + "\n1\n")  # 1.2 MB, one line
    with pytest.raises(BadInput, match="a line longer than 1,048,576 characters"):
        data.read_csv(path)


def test_columns_and_cells_are_bounded(tmp_path, monkeypatch):
    path = tmp_path / "cols.csv"
    path.write_text(",".join(f"c{i}" for i in range(20)) + "\n" + ",".join("1" * 20) + "\n")
    monkeypatch.setattr(data, "MAX_COLUMNS", 10)
    with pytest.raises(BadInput, match="20 columns, over the 10 rnncli reads"):
        data.read_csv(path)
    monkeypatch.setattr(data, "MAX_COLUMNS", 100)
    monkeypatch.setattr(data, "MAX_CELLS", 30)
    path.write_text(path.read_text() + (",".join("2" * 20) + "\n") * 2)
    with pytest.raises(BadInput, match="more than 1 rows of 20 columns.*cells"):
        data.read_csv(path)


MEM = "/proc/self/mem"  # a regular file of size 0 whose first read fails with EIO


@pytest.mark.skipif(not os.path.exists(MEM), reason="needs Linux /proc")
@pytest.mark.parametrize("args", [
    ["race", "--data", MEM], ["advise", "--data", MEM], ["sentiment", "--data", MEM],
    ["seq2seq", "--data", MEM], ["gates", "--weights", MEM, "--seq", "1,0"],
    ["bench", "--compare", MEM], ["bench", "--weights", MEM],
    ["seq2seq", "translate", "--weights", MEM, "hi"],
])
def test_a_read_error_names_the_file(cli, args):
    res = cli(*args)
    assert res.exit_code in (1, 2), res.output
    assert f"{MEM}: cannot read (Input/output error)" in res.stderr or \
        f"{MEM}: not a checkpoint rnncli can load safely (OSError" in res.stderr, res.stderr
    assert len(res.stderr.splitlines()) == 1


def test_advise_takes_the_data_options_its_messages_name(cli, tmp_path, monkeypatch):
    from rnncli.race import run

    values = np.sin(np.arange(300) / 5)
    path = tmp_path / "gap.csv"
    path.write_text("x,y\n" + "\n".join(f"{i}," + ("" if i in (10, 50) else f"{v:.5f}")
                                        for i, v in enumerate(values)) + "\n")
    seen = []
    monkeypatch.setattr(run, "execute", lambda *a: pytest.fail("raced"))
    res = cli("advise", "--data", str(path))
    assert res.exit_code == 2 and "choose --fill ffill" in res.stderr
    monkeypatch.setattr(run, "plan", lambda req: seen.append(req))  # no race: None plan
    res = cli("advise", "--data", str(path), "--fill", "ffill", "--target", "y",
              "--features", "x,y", "--max-rows", "400")
    assert res.exit_code == 0, res.output
    req = seen[0]
    assert (req.fill, req.target, req.features, req.max_rows) == ("ffill", "y", "x,y", 400)
    res = cli("advise", "--fill", "drop")
    assert res.exit_code == 2 and "--fill needs --data FILE.csv or --series NAME" in res.stderr


def test_a_library_warning_never_reaches_the_terminal(cli, monkeypatch):
    """The command runner records warnings: a numerical one after a success is one note
    line; any other is dropped; an error line stays the only line."""
    import warnings

    from rnncli.knowledge import comparison

    built = comparison.build

    def noisy(*args, **kwargs):
        warnings.warn("overflow encountered in multiply", RuntimeWarning, stacklevel=1)
        warnings.warn("some library's advice", UserWarning, stacklevel=1)
        return built(*args, **kwargs)

    monkeypatch.setattr(comparison, "build", noisy)
    res = cli("compare", "--json")
    assert res.exit_code == 0
    assert res.stderr.splitlines() == ["rnncli: note: a computation warned (overflow "
                                       "encountered in multiply); check the results"]

    def failing(*args, **kwargs):
        warnings.warn("overflow encountered in multiply", RuntimeWarning, stacklevel=1)
        raise BadInput("the one error line")

    monkeypatch.setattr(comparison, "build", failing)
    res = cli("compare")
    assert res.exit_code == 2
    assert res.stderr.splitlines() == ["rnncli: error: the one error line"]


@pytest.mark.parametrize("scale", [1.7e308, 1e200])
def test_values_whose_squares_overflow_are_refused_before_numpy_warns(tmp_path, scale):
    import warnings

    values = np.random.default_rng(0).uniform(-1, 1, 200) * scale
    frame = data.read_csv(_series(tmp_path / "big.csv", values))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a numpy RuntimeWarning would fail the test
        with pytest.raises(BadInput, match=r"column 'y' holds values up to .*divide"):
            data.select(frame)
