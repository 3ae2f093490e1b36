"""``--html FILE``: one self-contained page per command (rnncli/report.py)."""

from __future__ import annotations

import json
import re

import pytest

from rnncli import report
from rnncli.cli import app


def _html(path) -> str:
    return path.read_text(encoding="utf-8")


def _commands_with_json():
    from typer.main import get_command

    root = get_command(app)
    report.add_option(root)
    found = []
    for name, cmd in root.commands.items():
        subs = getattr(cmd, "commands", None)
        for sub_name, sub in (subs.items() if subs else [(None, cmd)]):
            names = {p.name for p in sub.params}
            if names & {"json", "json_", "json_out"}:
                found.append(((name, sub_name) if sub_name else (name,), names))
    return found


def test_every_command_with_json_has_html():
    found = _commands_with_json()
    assert len(found) >= 10
    for path, names in found:
        assert "html" in names, path


def test_page_is_self_contained_and_reproducible(cli, tmp_path):
    page = tmp_path / "c.html"
    res = cli("compare", "--html", str(page))
    assert res.exit_code == 0, res.output
    text = _html(page)
    assert text.startswith("<!DOCTYPE html>")
    assert "script-src 'none'" in text and "<script" not in text.lower()
    assert "http://" not in text.split("</head>")[0] and "https://" not in text.split(
        "</head>")[0]  # nothing loaded from elsewhere
    assert "rnncli compare --html" in text  # the exact command
    for key in ("versions", "machine", "time", "numpy"):
        assert key in text
    assert "prefers-color-scheme: dark" in text and "@media print" in text
    # the terminal's table is in the page
    assert "Parameters" in text or "parameters" in text
    # one wording for every written file, on stderr
    assert f"rnncli: wrote {page}" in res.stderr
    assert str(page) not in res.stdout


@pytest.mark.slow  # trains or measures end to end (~0.4-0.6 s CPU)
def test_figures_inline_as_svg_and_seed_stated(cli, tmp_path):
    pytest.importorskip("matplotlib")
    page = tmp_path / "g.html"
    res = cli("gates", "--seq", "1,0,0,1", "--seed", "3", "--html", str(page))
    assert res.exit_code == 0, res.output
    text = _html(page)
    assert text.count("<svg") >= 1 and "<?xml" not in text
    assert re.search(r"<th>seed</th><td>3</td>", text)
    assert not list(tmp_path.glob("*.png"))  # --html alone writes the page only


@pytest.mark.slow  # trains or measures end to end (~0.4-0.6 s CPU)
def test_user_strings_are_escaped(cli, tmp_path):
    np = pytest.importorskip("numpy")
    evil = tmp_path / "<script>document.title='pwned'<!--x-->.npy"
    np.save(evil, np.ones((3, 1)))
    page = tmp_path / "t.html"
    res = cli("gates", "--input", str(evil), "--html", str(page))
    assert res.exit_code == 0, res.output
    text = _html(page)
    assert "<script" not in text and "<!--x" not in text
    assert "&lt;script&gt;" in text


def test_json_and_html_together(cli, tmp_path):
    page = tmp_path / "j.html"
    res = cli("compare", "--json", "--html", str(page))
    assert res.exit_code == 0, res.output
    json.loads(res.stdout)  # stdout stays pure JSON
    assert "<summary>JSON</summary>" in _html(page)


def test_bad_input_writes_no_page(cli, tmp_path):
    page = tmp_path / "bad.html"
    res = cli("gates", "--seq", "1,x", "--html", str(page))
    assert res.exit_code == 2
    assert not page.exists() and not list(tmp_path.iterdir())


@pytest.mark.parametrize("name", ["page.txt", "missing/page.html"])
def test_bad_html_path_refused_before_work(cli, tmp_path, name):
    res = cli("compare", "--html", str(tmp_path / name))
    assert res.exit_code == 2
    assert res.stderr.count("\n") == 1 and "rnncli: error:" in res.stderr


def test_report_state_does_not_leak_between_runs(cli, tmp_path):
    page = tmp_path / "a.html"
    assert cli("compare", "--html", str(page)).exit_code == 0
    assert report.active() is None
    first = _html(page)
    assert cli("compare", "--json").exit_code == 0
    assert _html(page) == first
