"""`rnncli quiz`: seeded shuffles, grading, explained answers, never waiting, bad input."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest
from rich.console import Console

from rnncli.knowledge import quiz as q
from rnncli.knowledge.sources import SOURCES


def _ones(n: int) -> str:
    return ",".join(["1"] * n)


def test_at_least_ten_questions_including_the_lessons_four():
    assert len(q.QUESTIONS) >= 10
    assert sum(x["from_lesson"] for x in q.QUESTIONS) == 4
    assert len({x["id"] for x in q.QUESTIONS}) == len(q.QUESTIONS)


def test_sources_and_explain_pointers_exist():
    from rnncli.knowledge.topics import explain_data

    sections = {(t["name"], s["id"]) for t in explain_data("all")["topics"]
                for s in t["sections"]}
    for x in q.QUESTIONS:
        assert x["source"] in SOURCES
        assert (x["explain"]["topic"], x["explain"]["section"]) in sections, x["id"]


def test_seed_is_deterministic_and_shuffles(cli):
    n = len(q.QUESTIONS)
    a = cli.json("quiz", "--seed", "3", "--answers", _ones(n))
    assert a == cli.json("quiz", "--seed", "3", "--answers", _ones(n))
    b = cli.json("quiz", "--seed", "4", "--answers", _ones(n))
    assert [r["id"] for r in a["questions"]] != [r["id"] for r in b["questions"]]
    assert len({r["correct"] for r in a["questions"]}) > 1  # options are shuffled too


def test_right_answers_score_full_marks(cli):
    n = len(q.QUESTIONS)
    first = cli.json("quiz", "--seed", "7", "--answers", _ones(n))
    right = ",".join(str(r["correct"]) for r in first["questions"])
    d = cli.json("quiz", "--seed", "7", "--answers", right)
    assert d["score"] == d["total"] == d["answered"] == n
    assert first["score"] == sum(r["correct"] == 1 for r in first["questions"])
    for r in d["questions"]:
        assert r["explain"].startswith("rnncli explain ") and r["explanation"]


def test_count_limits_questions(cli):
    d = cli.json("quiz", "--count", "3", "--answers", "1,2,3")
    assert d["total"] == 3 and len(d["questions"]) == 3


def test_lstm_parameter_question_matches_torch():
    torch = pytest.importorskip("torch")
    x = next(x for x in q.QUESTIONS if x["id"] == "lstm-params")
    n = sum(p.numel() for p in torch.nn.LSTM(64, 128).parameters())
    assert x["options"][0] == f"{n:,}"  # the data lists the right option first


def test_interactive_prompts_read_each_answer():
    from rnncli.render.quiz import ask

    questions = q.make_quiz(seed=1, count=3)
    out = io.StringIO()
    con = Console(file=out, width=80, no_color=True)
    given = ask(con, questions, stream=io.StringIO("9\n2\n1\n4\n"))  # 9 is re-asked
    assert given == [1, 0, 3]
    assert "the answer is" in out.getvalue()


def test_unanswered_sheet_hides_answers(cli):
    d = cli.json("quiz", "--count", "2")  # CliRunner's stdin is empty, not a terminal
    assert d["answered"] == 0 and d["score"] == 0
    assert all("correct" not in r for r in d["questions"])


@pytest.mark.parametrize("args", [["--answers", "1,x"], ["--answers", "1,2"],
                                  ["--count", "2", "--answers", "0,1"],
                                  ["--count", "1", "--answers", "5"],
                                  ["--count", "0"], ["--count", "999"],
                                  ["--count", "1", "--answers", "1", "--interactive"]])
def test_bad_input_is_one_line_exit_2(cli, args):
    res = cli("quiz", *args)
    assert res.exit_code == 2
    assert "Traceback" not in res.output
    assert len(res.stderr.strip().splitlines()) == 1


def test_never_waits_without_a_terminal():
    p = subprocess.run([sys.executable, "-m", "rnncli", "quiz"], capture_output=True,
                       text=True, stdin=subprocess.DEVNULL, timeout=60)
    assert p.returncode == 0 and "Score: 0 of" in p.stdout


def test_piped_answers_are_scored():
    p = subprocess.run([sys.executable, "-m", "rnncli", "quiz", "--count", "2"],
                       capture_output=True, text=True, input="1\n2\n", timeout=60)
    assert p.returncode == 0, p.stderr
    assert "Score:" in p.stdout and "of 2" in p.stdout and "the answer is" in p.stdout
