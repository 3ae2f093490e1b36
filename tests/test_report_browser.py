"""The ``--html`` page opened in a real browser: headless Chromium (Debian's package)
driven by playwright with the system browser. Skipped, with the reason, where either is
missing; .ci/run installs Chromium so CI runs it."""

from __future__ import annotations

import shutil

import pytest

pytestmark = pytest.mark.slow

CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser",
                                                "google-chrome")) if p), None)
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("no Chromium installed (apt-get install chromium; .ci/run does)")
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="playwright not installed (the test extra has it)")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield b
        b.close()


def _open(browser, path, *, dark=False):
    page = browser.new_page(viewport={"width": 1280, "height": 900},
                            color_scheme="dark" if dark else "light")
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
            if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("request", lambda r: problems.append(f"request: {r.url}")
            if not r.url.startswith("file://") else None)
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, problems


def test_page_renders_every_section_and_figure(browser, cli, tmp_path):
    pytest.importorskip("matplotlib")
    evil = "<img src=x onerror=\"document.title='pwned'\"><script>document.title='pwned'"
    evil_dir = tmp_path / evil
    evil_dir.mkdir()
    out = evil_dir / "gates.html"
    res = cli("gates", "--arch", "all", "--init", "random", "--seq", "1,0,0,1", "--html",
              str(out))
    assert res.exit_code == 0, res.output
    for dark in (False, True):
        page, problems = _open(browser, out, dark=dark)
        assert page.title().startswith("rnncli"), page.title()  # the injected script never ran
        assert page.locator("h1").count() == 1
        terms = page.locator("pre.term")
        assert terms.count() >= 1 and terms.first.bounding_box()["height"] > 50
        svgs = page.locator("figure.fig svg")
        assert svgs.count() >= 1
        for i in range(svgs.count()):
            box = svgs.nth(i).bounding_box()
            assert box and box["width"] > 100 and box["height"] > 100, box
        assert page.locator("footer table.meta tr").count() >= 5
        assert not problems, problems
        page.close()


def test_page_prints(browser, cli, tmp_path):
    out = tmp_path / "compare.html"
    assert cli("compare", "--html", str(out)).exit_code == 0
    page, problems = _open(browser, out)
    pdf = page.pdf()  # the print stylesheet lays it out on paper
    assert pdf[:4] == b"%PDF" and len(pdf) > 5000
    assert not problems, problems
