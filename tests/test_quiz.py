"""`rnncli quiz`: seeded shuffles, grading, explained answers, never waiting, bad input."""

from __future__ import annotations

import io
import json
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
    given, stopped = ask(con, questions, stream=io.StringIO("9\n2\n1\n4\n"))  # 9 re-asked
    assert given == [1, 0, 3] and not stopped
    assert "the answer is" in out.getvalue()


def test_unanswered_sheet_hides_answers(cli):
    d = cli.json("quiz", "--count", "2")  # CliRunner's stdin is empty, not a terminal
    assert d["answered"] == 0 and d["score"] == 0
    assert all("correct" not in r for r in d["questions"])


@pytest.mark.parametrize("args", [["--answers", "1,x"], ["--count", "1", "--answers", "1,2"],
                                  ["--count", "1", "--answers", "³"],
                                  ["--count", "2", "--answers", "1,١"],
                                  ["--seed", "-1"], ["--seed", "9" * 25],
                                  ["--count", "2", "--answers", "0,1"],
                                  ["--count", "1", "--answers", "5"],
                                  ["--count", "0"], ["--count", "999"],
                                  ["--count", "1", "--answers", "1", "--interactive"]])
def test_bad_input_is_one_line_exit_2(cli, args):
    res = cli("quiz", *args)
    assert res.exit_code == 2
    assert "Traceback" not in res.output
    assert len(res.stderr.strip().splitlines()) == 1


@pytest.mark.slow  # a subprocess: a fresh interpreter start
def test_never_waits_without_a_terminal():
    p = subprocess.run([sys.executable, "-m", "rnncli", "quiz"], capture_output=True,
                       text=True, stdin=subprocess.DEVNULL, timeout=60)
    assert p.returncode == 0 and "Score: 0 of" in p.stdout


@pytest.mark.slow  # a subprocess: a fresh interpreter start
def test_piped_answers_are_scored():
    p = subprocess.run([sys.executable, "-m", "rnncli", "quiz", "--count", "2"],
                       capture_output=True, text=True, input="1\n2\n", timeout=60)
    assert p.returncode == 0, p.stderr
    assert "Score:" in p.stdout and "of 2" in p.stdout and "the answer is" in p.stdout


def test_fewer_answers_score_only_those_given(cli):
    d = cli.json("quiz", "--seed", "5", "--count", "4", "--answers", "1,2")
    assert d["answered"] == 2 and d["total"] == 4
    assert [r["given"] for r in d["questions"]] == [1, 2, None, None]
    assert d["score"] == sum(bool(r.get("is_correct")) for r in d["questions"][:2])
    assert "correct" not in d["questions"][2]
    res = cli("quiz", "--seed", "5", "--count", "4", "--answers", "1,2")
    assert "answered (4 questions)" in res.stdout


def test_unicode_digits_name_the_option(cli):
    res = cli("quiz", "--count", "1", "--answers", "²")
    assert res.exit_code == 2 and "--answers" in res.stderr


def test_fresh_seed_by_default_and_printed(cli):
    seeds = {cli.json("quiz", "--count", "2", "--answers", "1")["seed"] for _ in range(4)}
    assert len(seeds) > 1  # a new quiz each time
    res = cli("quiz", "--count", "2", "--answers", "1")
    seed = int(res.stdout.split("(seed ")[1].split(":")[0])
    again = cli.json("quiz", "--count", "2", "--answers", "1", "--seed", str(seed))
    assert again["seed"] == seed


def test_ctrl_c_keeps_the_answers_given():
    from rnncli.knowledge.quiz import grade
    from rnncli.render.quiz import ask, results

    class Interrupting(io.StringIO):
        def readline(self, *a):
            line = super().readline(*a)
            if not line:
                raise KeyboardInterrupt
            return line

    questions = q.make_quiz(seed=2, count=4)
    out = io.StringIO()
    con = Console(file=out, width=80, no_color=True)
    given, stopped = ask(con, questions, stream=Interrupting("1\n2\n"))
    assert stopped and given == [0, 1]
    data = grade(questions, given + [None, None], 2)
    results(con, data, explain=False)
    assert data["answered"] == 2
    assert f"Score: {data['score']} of 2 answered (4 questions)" in out.getvalue()


@pytest.mark.slow  # a subprocess: a fresh interpreter start
def test_endless_stdin_is_refused_in_bounded_time_and_memory():
    yes = subprocess.Popen(["yes"], stdout=subprocess.PIPE)
    try:
        p = subprocess.run([sys.executable, "-m", "rnncli", "quiz", "--json"],
                           stdin=yes.stdout, capture_output=True, text=True, timeout=60)
    finally:
        yes.kill()
        yes.wait()
    assert p.returncode == 2 and p.stdout == ""
    assert len(p.stderr.strip().splitlines()) == 1 and "stdin" in p.stderr


def test_counting_question_points_to_a_section_about_counting():
    from rnncli.knowledge.topics import explain_data

    x = next(x for x in q.QUESTIONS if x["id"] == "counting")
    topic = explain_data(x["explain"]["topic"], x["explain"]["section"])
    assert "count" in json.dumps(topic["topics"][0]["sections"]).lower()
