"""`rnncli tour`: chapters are real command lines; selection, JSON, Ctrl-C, HTML."""

from __future__ import annotations

import pytest
from typer.main import get_command

from rnncli import tour
from rnncli.cli import app


def _root():
    return get_command(app)


@pytest.mark.parametrize("chapter", tour.CHAPTERS, ids=lambda c: c.name)
def test_every_chapter_parses_against_its_command(chapter):
    """A renamed or removed option breaks the tour here, not in front of a learner."""
    root = _root()
    args = tour.command_line(chapter, threads=1, json_out=True)
    sub = root.commands[args[0]]
    ctx = sub.make_context(f"rnncli {args[0]}", args[1:])
    assert ctx.params  # parsed, options converted and checked
    assert chapter.full.startswith("rnncli ") and chapter.reduced and chapter.story


def test_chapters_follow_the_story_and_quiz_is_optional():
    assert [c.name for c in tour.select(None)] == list(tour.DEFAULT)
    assert "quiz" not in tour.DEFAULT and "quiz" in tour.NAMES
    assert [c.name for c in tour.select(["compare", "gradients"])] == ["gradients",
                                                                       "compare"]


def test_tour_json_runs_selected_chapters(cli):
    data = cli.json("tour", "--chapters", "compare,gates")
    assert [c["name"] for c in data["chapters"]] == ["gates", "compare"]
    for c in data["chapters"]:
        assert c["status"] == "finished" and c["result"] and c["cpu_s"] >= 0
        assert c["command"].startswith("rnncli ") and c["full"].startswith("rnncli ")
    assert data["cpu_s"] == pytest.approx(sum(c["cpu_s"] for c in data["chapters"]),
                                          abs=0.01)
    assert data["interrupted"] is False


def test_tour_text_names_the_full_study(cli):
    res = cli("tour", "--chapters", "compare")
    assert res.exit_code == 0, res.output
    assert "full study: rnncli compare --measure" in res.stdout
    assert "The tour in numbers" in res.stdout


def test_unknown_chapter_is_one_line_exit_2(cli):
    res = cli("tour", "--chapters", "gates,nope")
    assert res.exit_code == 2
    assert "nope" in res.stderr and res.stderr.count("\n") == 1


def test_ctrl_c_keeps_finished_chapters(cli, monkeypatch):
    real = tour.run_chapter

    def stop_at_compare(root, chapter, threads, json_out):
        if chapter.name == "compare":
            raise KeyboardInterrupt
        return real(root, chapter, threads, json_out)

    monkeypatch.setattr(tour, "run_chapter", stop_at_compare)
    res = cli("tour", "--chapters", "gates,compare", "--json")
    assert res.exit_code == 130
    import json

    data = json.loads(res.stdout)
    assert [c["name"] for c in data["chapters"]] == ["gates"] and data["interrupted"]


def test_failed_chapter_is_reported_and_the_tour_goes_on(cli, monkeypatch):
    broken = tour.Chapter("gates", "2. broken", "s", ("gates", "--seq", "1,x"), "rnncli x",
                          "r", 0.1)
    monkeypatch.setattr(tour, "CHAPTERS", (broken, *[c for c in tour.CHAPTERS
                                                      if c.name == "compare"]))
    data = cli.json("tour", "--chapters", "gates,compare")
    assert [c["status"] for c in data["chapters"]] == ["failed", "finished"]
    assert "--seq" in data["chapters"][0]["message"]


@pytest.mark.slow  # a whole library session or figure (~0.7-1.4 s CPU)
def test_tour_html_has_every_chapter(cli, tmp_path):
    page = tmp_path / "tour.html"
    res = cli("tour", "--chapters", "gates,compare", "--html", str(page))
    assert res.exit_code == 0, res.output
    text = page.read_text(encoding="utf-8")
    assert "2. Gates, step by step" in text and "3. What each cell costs on paper" in text
    assert text.index("2. Gates") < text.index("3. What each cell")
