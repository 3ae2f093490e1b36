"""``--html FILE``: a command's results as one self-contained page.

Every command that has ``--json`` also takes ``--html FILE``, added in one place
(:func:`add_option`, called by ``rnncli.cli``). While a report is open:

- the results console (``rnncli.console.out``) records what it prints; rich exports it
  as HTML with inline styles, escaping every character a user supplied;
- every figure a command saves (``rnncli.fileio.save_figure_atomic``) is also kept as
  inline SVG from matplotlib, in the order it was made, so the page tells the run's story
  in the terminal's order;
- ``--json`` output is kept too, folded under a ``<details>``.

At the end (or at Ctrl-C, keeping what was finished) :func:`finish` writes the page
atomically with the exact command, the versions (rnncli, torch, numpy, Python), the
machine (CPU, cores, threads, load), the seed and the CPU time used, so that a reader can
reproduce every number. The page has no JavaScript and loads nothing: a
Content-Security-Policy forbids scripts and remote content outright, it follows the
reader's light or dark setting, and it prints on paper.
"""

from __future__ import annotations

import html
import io
import os
import platform
import shlex
import sys
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Annotated, Any

import typer

#: Suffixes ``--html`` accepts.
SUFFIXES = (".html", ".htm")
#: Packages whose versions the page states (those installed).
VERSIONED = ("rnncli", "torch", "numpy", "matplotlib", "rich", "typer")


@dataclass
class Report:
    """One open report: where it goes and what was recorded so far."""

    path: Path
    argv: list[str]
    params: dict[str, Any] = field(default_factory=dict)
    blocks: list[str] = field(default_factory=list)
    console: Any = None  # the recording rich Console, made on first use
    started: float = field(default_factory=time.perf_counter)
    cpu_started: float = field(default_factory=time.process_time)


_current: Report | None = None


def active() -> Report | None:
    """The open report, or None when ``--html`` was not given."""
    return _current


def begin(path: str | os.PathLike[str], argv: list[str] | None = None) -> Report:
    """Open a report that :func:`finish` writes to ``path`` (checked writable first)."""
    from rnncli.fileio import check_writable

    global _current
    _current = Report(check_writable(path, SUFFIXES), list(sys.argv[1:] if argv is None
                                                           else argv))
    return _current


def discard() -> None:
    """Forget the open report (a failed command writes no page)."""
    global _current
    _current = None


def recording_console(make) -> Any:
    """The results console while a report is open: ``make(record=True)`` once, then the
    same console, so every table lands in the page in order. None when no report."""
    if _current is None:
        return None
    if _current.console is None:
        _current.console = make(record=True)
    return _current.console


def _flush_console() -> None:
    con = _current.console if _current else None
    if con is None:
        return
    code = con.export_html(inline_styles=True, clear=True, code_format="{code}")
    if code.strip():
        _current.blocks.append(f'<pre class="term">{code}</pre>')


def wants_figures(path: object) -> bool:
    """Should a command draw its figures? When ``--plot``-like ``path`` was given, or when
    a page is open and matplotlib is installed (the page then has the tables only)."""
    if path is not None:
        return True
    if _current is None:
        return False
    from importlib.util import find_spec

    return find_spec("matplotlib") is not None


def add_figure(fig, title: str | None = None) -> None:
    """Keep a matplotlib figure as inline SVG (after what the console printed so far)."""
    if _current is None:
        return
    _flush_console()
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    svg = buf.getvalue()
    svg = svg[svg.find("<svg"):]  # drop the XML prolog and DOCTYPE: inline SVG needs neither
    caption = f"<figcaption>{html.escape(title)}</figcaption>" if title else ""
    _current.blocks.append(f'<figure class="fig">{svg}{caption}</figure>')


def add_json(text: str) -> None:
    """Keep ``--json`` output (folded: the tables above say the same)."""
    if _current is None:
        return
    _flush_console()
    _current.blocks.append("<details open><summary>JSON</summary>"
                           f'<pre class="json">{html.escape(text)}</pre></details>')


def finish(status: str = "finished") -> Path | None:
    """Write the open report atomically; ``status`` says how the command ended."""
    global _current
    if _current is None:
        return None
    _flush_console()
    report, _current = _current, None
    from rnncli.fileio import write_text_atomic

    return write_text_atomic(report.path, page(report, status))


# --- the page ---------------------------------------------------------------------------

CSS = """
:root { color-scheme: light dark; --fg: #1b1b1b; --bg: #fdfdfb; --muted: #5a5a5a;
        --rule: #d0d0c8; --card: #ffffff; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6e6e6; --bg: #16181c; --muted: #a8a8a8; --rule: #3a3d44; --card: #f7f7f5; }
}
body { font: 16px/1.5 system-ui, sans-serif; color: var(--fg); background: var(--bg);
       max-width: 62rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin-bottom: .2rem; }
code, pre { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
.cmd { font-size: 1rem; color: var(--muted); margin-top: 0; word-break: break-all; }
pre.term, pre.json { background: var(--card); color: #1b1b1b; border: 1px solid var(--rule);
       border-radius: 6px; padding: .8rem 1rem; font-size: 13px; line-height: 1.25;
       overflow-x: auto; white-space: pre; }
figure.fig { background: #ffffff; border: 1px solid var(--rule); border-radius: 6px;
       margin: 1rem 0; padding: .5rem; overflow-x: auto; }
figure.fig svg { max-width: 100%; height: auto; display: block; margin: auto; }
figcaption { color: #444; font-size: .9rem; text-align: center; }
table.meta { border-collapse: collapse; font-size: .9rem; }
table.meta th { text-align: left; padding-right: 1rem; color: var(--muted);
       font-weight: normal; vertical-align: top; }
footer { margin-top: 2rem; color: var(--muted); font-size: .85rem;
       border-top: 1px solid var(--rule); padding-top: .5rem; }
@media print { body { max-width: none; margin: 0; } pre.term, pre.json { white-space: pre-wrap; }
       figure.fig, pre.term { break-inside: avoid; } details { display: block; } }
"""

#: No scripts, no remote anything: the page is data to read, never code to run.
CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
       "font-src 'none'; script-src 'none'; base-uri 'none'; form-action 'none'")


def page(report: Report, status: str) -> str:
    """The whole self-contained HTML document of ``report``."""
    command = shlex.join(["rnncli", *report.argv])
    title = html.escape(f"rnncli {report.argv[0]}" if report.argv else "rnncli")
    body = "\n".join(report.blocks) or "<p>(no output)</p>"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="rnncli">
<title>{title}</title><style>{CSS}</style></head>
<body><main>
<h1>{title}</h1>
<p class="cmd"><code>{html.escape(command)}</code></p>
{body}
</main>
<footer><h2>How this was made</h2>{_meta_table(report, status)}</footer>
</body></html>
"""


def _meta_table(report: Report, status: str) -> str:
    rows = [("command", shlex.join(["rnncli", *report.argv])), ("status", status),
            *metadata_rows(report)]
    cells = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>"
                    for k, v in rows)
    return f'<table class="meta">{cells}</table>'


def metadata_rows(report: Report) -> list[tuple[str, str]]:
    """Versions, machine, seed and time: what a reader needs to reproduce the numbers."""
    rows = [("versions", versions()), ("machine", machine())]
    threads = _threads(report.params)
    if threads:
        rows.append(("threads", threads))
    if report.params.get("seed") is not None:
        rows.append(("seed", str(report.params["seed"])))
    wall = time.perf_counter() - report.started
    cpu = time.process_time() - report.cpu_started
    rows.append(("time", f"{wall:.1f} s wall, {cpu:.1f} s CPU (this process)"))
    rows.append(("written", time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())))
    return rows


def versions() -> str:
    """``rnncli 0.x, torch 2.13.0, ...`` for the installed packages, plus Python."""
    found = []
    for name in VERSIONED:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    return ", ".join([*found, f"Python {platform.python_version()}"])


def machine() -> str:
    """CPU model, logical cores and the load average when the page was written."""
    from rnncli.machine import cpu_model

    cpu = cpu_model() or platform.machine()
    load = ""
    if hasattr(os, "getloadavg"):
        load = ", load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())
    return f"{cpu}, {os.cpu_count()} logical cores, {platform.system()}{load}"


def _threads(params: dict[str, Any]) -> str:
    torch = sys.modules.get("torch")
    used = f"torch used {torch.get_num_threads()}" if torch is not None else ""
    asked = params.get("threads")
    asked_text = f"--threads {asked}" if asked is not None else ""
    return "; ".join(t for t in (asked_text, used) if t)


# --- the option, added to every command that produces data -------------------------------

HELP = ("Also write the results as one self-contained HTML page (tables, figures as SVG, "
        "the command, versions, machine and seed).")


def _on_html(ctx, param, value) -> None:
    if value is None or ctx.resilient_parsing:
        return
    report = begin(value, _argv_of(ctx))
    report.params = ctx.params  # filled in as click parses; read when the page is written


def _argv_of(ctx) -> list[str]:
    """The command line as typed (``sys.argv`` in the real CLI; the invoked args in tests)."""
    root = ctx.find_root()
    args = getattr(root.command, "rnncli_argv", None)
    return list(args) if args is not None else list(sys.argv[1:])


#: ``--html FILE``, declared once like any typer option; not passed to the command.
HtmlOption = Annotated[Path | None, typer.Option(
    "--html", metavar="FILE", help=HELP, callback=_on_html, expose_value=False,
    dir_okay=False)]


def _html_param() -> Any:
    """The ``--html`` click parameter, built by typer from :data:`HtmlOption`."""
    from typer.main import get_command

    probe = typer.Typer()

    @probe.command()
    def _probe(html: HtmlOption = None) -> None:
        """Only carries the option."""

    return next(p for p in get_command(probe).params if p.name == "html")


def add_option(command: Any, param: Any = None) -> None:
    """Give ``--html FILE`` to every command (and sub-command) that has ``--json``."""
    params = getattr(command, "params", [])
    names = {p.name for p in params}
    if {"json", "json_", "json_out"} & names and "html" not in names:
        param = param or _html_param()
        params.append(param)
    for sub in getattr(command, "commands", {}).values():
        add_option(sub, param)
