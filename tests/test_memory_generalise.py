"""`rnncli memory`: the verdict says whether a run generalised to longer sequences.

The counting case of issue 19 (solved at T = 20, 0.00 / 0.00 / 0.09 on n 11-20) is built
by hand and sent through the same verdict and rendering as a real run: no training here.
"""

from __future__ import annotations

import io

from rich.console import Console

from rnncli.experiments import tasks
from rnncli.experiments.train import RunResult
from rnncli.render.memory import longer_line, results_table, summary


def _counting_row(arch: str, longer_acc: float, solved: bool = True) -> dict:
    longer = {"test": "n 11-20", "seq_len": 40, "n_range": [11, 20], "metric": longer_acc,
              "baseline": 0.0, "solved": longer_acc >= 0.95}
    r = RunResult(arch, 20, "accuracy", 1.0 if solved else 0.3, 0.1, solved, 150, 1.0,
                  "solved", longer=longer)
    return r.as_dict()


def _text(renderable) -> str:
    buf = io.StringIO()
    Console(file=buf, width=80, color_system=None).print(renderable)
    return buf.getvalue()


def test_counting_solved_in_distribution_is_not_called_solved():
    rows = [_counting_row("rnn", 0.0), _counting_row("gru", 0.0), _counting_row("lstm", 0.09)]
    assert {r["verdict"] for r in rows} == {"in distribution only"}
    (line,) = summary(rows)
    assert "solved by" not in line
    assert line.startswith("T=20: in distribution only (solved at T=20, not on the longer "
                           "test n 11-20): rnn 0.000, gru 0.000, lstm 0.090")
    assert "none generalises to held-out lengths" in line
    table = _text(results_table("counting", rows, "accuracy >= 0.95"))
    assert "longer" in table and "shown" in table and "T only" in table and "0.090" in table
    legend = longer_line(rows, tasks.TASKS["counting"].longer_rule)
    assert "n 11-20 for T=20" in legend and "T+longer" in legend and "T only" in legend


def test_generalising_and_failing_runs_are_told_apart():
    rows = [_counting_row("gru", 0.0), _counting_row("lstm", 0.97),
            _counting_row("rnn", 0.0, solved=False)]
    assert [r["verdict"] for r in rows] == ["in distribution only",
                                            "generalises to held-out lengths", "not shown"]
    (line,) = summary(rows)
    assert ("generalises to held-out lengths (solved at T=20 and on the longer test "
            "n 11-20): lstm 0.970") in line
    assert "not on the longer test n 11-20): gru 0.000" in line and "rnn not solved" in line
    assert "none generalises" not in line


def test_a_diverged_run_has_no_longer_test_and_claims_nothing():
    r = RunResult("rnn", 20, "accuracy", float("nan"), 0.1, False, 10, 0.1, "diverged")
    d = r.as_dict()
    assert d["longer"] is None and d["verdict"] == "not shown"
    assert "-" in _text(results_table("counting", [d], "rule"))
