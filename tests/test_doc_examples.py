"""The commands README.md and docs/ show, run as written (issue 20).

Every ``rnncli ...`` line of a fenced block, and every inline ```rnncli ...``` span, must
parse with the real command line (no unknown option, no bad value). The cheap examples
run exactly as written through CliRunner and their printed claims are checked; the
expensive ones get a tiny budget appended, or are marked slow.
"""

from __future__ import annotations

import re
import shlex
from functools import cache
from pathlib import Path

import pytest
import typer.main

from rnncli.cli import app

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
PLACEHOLDER = re.compile(r"\[|\.\.\.|<TAB>|\b(N|O|LR|C|NAME|TOPIC)\b")


def _commands(text: str) -> list[tuple[str, bool]]:
    """(command, fenced) for every documented ``rnncli`` command, comments cut."""
    found, fence = [], False
    for line in text.splitlines():
        if line.strip().startswith("```"):
            fence = not fence
        elif fence and line.strip().startswith("rnncli "):
            found.append((line.strip(), True))
    found += [(m, False) for m in re.findall(r"`(rnncli [^`]+)`", text)]
    return [(re.split(r"\s+#|\s+>\s|\s+\|", c)[0].strip(), fenced) for c, fenced in found]


def documented() -> list[tuple[str, str, bool]]:
    return [(md.name, c, fenced) for md in DOCS for c, fenced in _commands(md.read_text())
            if not PLACEHOLDER.search(c)]


@cache
def _group():
    from rnncli import report

    group = typer.main.get_command(app)
    report.add_option(group)  # --html, as the real CLI adds it (rnncli.cli.RnncliGroup)
    return group


def _parse(args: list[str]) -> None:
    """Parse like the real command line, without running anything."""
    group = _group()
    ctx = group.make_context("rnncli", [args[0], "--help"], resilient_parsing=True)
    sub = group.get_command(ctx, args[0])
    assert sub is not None, f"no command {args[0]!r}"
    rest = args[1:]
    if hasattr(sub, "commands") and rest and rest[0] in sub.commands:
        sub, rest = sub.commands[rest[0]], rest[1:]
    sub.make_context(args[0], list(rest), parent=ctx)


def test_every_documented_command_parses():
    cases = documented()
    assert len(cases) > 100        # the extraction found the docs' examples
    bad = []
    for where, command, fenced in cases:
        try:
            _parse(shlex.split(command)[1:])
        except Exception as e:  # noqa: BLE001 - every parser error is a finding
            fragment = not fenced and type(e).__name__ in ("MissingParameter",
                                                           "BadOptionUsage")
            if not fragment:   # an inline mention such as `rnncli sentiment --save`
                bad.append(f"{where}: {command}: {type(e).__name__}: {e}")
    assert not bad, "\n".join(bad)


def _doc_command(doc: str, pattern: str) -> list[str]:
    """The one documented command of ``doc`` matching ``pattern``, as argv."""
    hits = [c for where, c, _ in documented() if where == doc and re.search(pattern, c)]
    assert hits, f"{doc} no longer shows a command matching {pattern!r}"
    return shlex.split(hits[0])[1:]


def _flat(res) -> str:
    return " ".join((res.stdout + " " + (res.stderr or "")).split())


def test_gates_cho2014_example_says_why_its_weights_are_random(cli):
    res = cli(*_doc_command("gates.md", r"cho2014 --seq"))
    assert res.exit_code == 0, res.output
    assert "weights: random, because the input has 2 features" in _flat(res)


def test_advise_example_says_parameters_are_not_time(cli):
    args = _doc_command("advise.md", r"--budget limited --data small")
    d = cli.json(*args)
    why = next(r["why"] for r in d["reasons"] if r["question"] == "budget")
    assert "parameters, not time" in why


def test_explain_examples_carry_the_corrected_facts(cli):
    shapes = _flat(cli(*_doc_command("explain.md", r"^rnncli explain shapes$")))
    assert "linear_before_reset" in shapes and "cho2014" in shapes
    peephole = _flat(cli(*_doc_command("compare.md", r"^rnncli explain peephole$")))
    assert "That is why mainstream" not in peephole and "P[iof]" in peephole
    lstm = _flat(cli(*_doc_command("explain.md", r"^rnncli explain lstm --code$")))
    assert "unit_forget_bias=True" in lstm


@pytest.mark.slow
def test_bench_data_centre_preset_is_refused_without_force(cli):
    args = _doc_command("bench.md", r"deepbench-train --force")
    res = cli(*[a for a in args if a != "--force"])
    assert res.exit_code == 2 and "(limit 10 min)" in res.stderr and "--force" in res.stderr


@pytest.mark.slow
def test_bench_deepbench_inference_lstm_runs_without_force(cli):
    args = _doc_command("bench.md", r"deepbench-inference --arch lstm")
    res = cli(*args, "--json", "--min-time", "0.001", "--rounds", "1")
    assert res.exit_code == 0, res.output
    assert "15 rows" in res.stderr


def test_sentiment_save_then_gates_text_stays_inside_the_vocabulary(cli, tmp_path,
                                                                   monkeypatch):
    monkeypatch.chdir(tmp_path)
    save = _doc_command("sentiment.md", r"--arch lstm --save model.pt")
    res = cli(*save, "--steps", "3", "--hidden", "4", "--embed", "4")   # tiny budget
    assert res.exit_code == 0, res.output
    res = cli(*_doc_command("sentiment.md", r"gates --weights model.pt --text"))
    assert res.exit_code == 0, res.output
    assert "unknown to the vocabulary" not in _flat(res) and "<unk>" not in _flat(res)


@pytest.mark.slow
def test_readme_divergence_example_diverges_as_printed(cli):
    readme = (ROOT / "README.md").read_text()
    m = re.search(r"`(memory --arch rnn[^`]*--clip 0)`\s+diverges at step (\d+)", readme)
    assert m, "README's divergence example moved"
    res = cli(*shlex.split(m.group(1)))
    assert res.exit_code == 0, res.output
    steps_done = int(m.group(2)) - 1
    assert re.search(rf"diverged .*\b{steps_done} steps", _flat(res)), _flat(res)


def test_readme_numbers_match_the_tool():
    from rnncli import formulas
    from rnncli.seq2seq import scan

    readme = " ".join((ROOT / "README.md").read_text().split())
    ratio = formulas.param_count("gru", 64, 128) / formulas.param_count("lstm", 64, 128)
    assert f"GRU has {ratio:.2f}× the LSTM's parameters" in readme
    assert "99.7%, 13.8%, 0.08% for their overall-best model" in readme
    assert scan.PUBLISHED["simple"].startswith("99.7% overall-best")
    assert "99.8% was the best model for the simple split" in readme
    assert "no attention" in scan.PUBLISHED_NOTE
