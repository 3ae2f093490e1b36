"""CLI conventions that every command follows, checked on every command registered in
``rnncli.cli.app`` (walked at collection time, so commands added later are covered):
help on every level, --version, one-line errors with exit code 2, no torch import for
help and explain, and no ANSI escapes when piped or colour when NO_COLOR is set."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
import typer.main

from rnncli import __version__
from rnncli.cli import app


def _walk(command, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], object]]:
    """Every (path, command) below ``command``, sub-groups included."""
    found = []
    for name, sub in getattr(command, "commands", {}).items():
        found.append(((*path, name), sub))
        found += _walk(sub, (*path, name))
    return found


COMMANDS = _walk(typer.main.get_command(app))
PATHS = [p for p, _ in COMMANDS]
IDS = [" ".join(p) for p in PATHS]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("NO_COLOR", "FORCE_COLOR", "COLUMNS", "TTY_COMPATIBLE",
                        "RNNCLI_DEBUG")}
    env.update(extra)
    return env


def _run(*args: str, **extra_env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True,
                          env=_env(**extra_env), timeout=120, check=False)


def _one_error_line(stderr: str) -> str:
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("rnncli: error: ") and len(lines[0]) > len("rnncli: error: ")
    assert "Traceback" not in stderr
    return lines[0]


def test_every_command_module_is_registered():
    """Each module in rnncli/commands/ is reachable as a command of the same name."""
    from pathlib import Path

    import rnncli.commands

    folder = Path(rnncli.commands.__file__).parent
    modules = {p.stem for p in folder.glob("*.py") if not p.stem.startswith("_")}
    assert modules, folder
    missing = sorted(m for m in modules if m.replace("_", "-") not in IDS and m not in IDS)
    assert not missing, f"command modules not registered in rnncli/cli.py: {missing}"


@pytest.mark.parametrize("path,command", COMMANDS, ids=IDS)
def test_every_command_has_help_text(path, command):
    text = (command.help or command.short_help or "").strip()
    assert text, f"{' '.join(path)} has no help text"


@pytest.mark.parametrize("path", PATHS, ids=IDS)
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_every_command_help_exits_0(cli, path, flag):
    res = cli(*path, flag)
    assert res.exit_code == 0, res.output
    assert "Usage" in res.stdout and f"rnncli {' '.join(path)}" in res.stdout
    assert res.stderr == ""


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_every_command_rejects_unknown_option(cli, path):
    res = cli(*path, "--no-such-option")
    assert res.exit_code == 2
    assert "--no-such-option" in _one_error_line(res.stderr)


@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_root_help(cli, flag):
    res = cli(flag)
    assert res.exit_code == 0
    for name in IDS:
        if " " not in name:
            assert name in res.stdout


def test_version(cli):
    res = cli("--version")
    assert res.exit_code == 0
    assert res.stdout == f"rnncli {__version__}\n"


def test_unknown_command_in_process(cli):
    res = cli("no-such-command")
    assert res.exit_code == 2
    assert "no-such-command" in _one_error_line(res.stderr)


@pytest.mark.slow  # a fresh interpreter per case (CPU in a child process)
@pytest.mark.parametrize("args", [["no-such-command"], ["--no-such-option"],
                                  ["explain", "--no-such-option"]],
                         ids=["command", "root-option", "explain-option"])
def test_usage_errors_real_process(args):
    proc = _run("-m", "rnncli", *args)
    assert proc.returncode == 2
    _one_error_line(proc.stderr)
    assert proc.stdout == ""


@pytest.mark.slow  # a fresh interpreter per case (CPU in a child process)
def test_version_real_process():
    proc = _run("-m", "rnncli", "--version")
    assert proc.returncode == 0 and proc.stdout == f"rnncli {__version__}\n"


def _imported_modules(stderr: str) -> set[str]:
    """Module names from ``python -X importtime`` output ("import time: a | b | name")."""
    names = set()
    for line in stderr.splitlines():
        if line.startswith("import time:") and line.count("|") == 2:
            names.add(line.rsplit("|", 1)[1].strip())
    return names


@pytest.mark.slow  # a fresh interpreter per case (CPU in a child process)
@pytest.mark.parametrize("args", [
    pytest.param(["--help"], id="root-help"),
    pytest.param(["explain", "lstm"], id="explain-lstm"),
    pytest.param(["explain", "--json"], id="explain-json", marks=pytest.mark.slow),
    # one process each (about a second on a busy machine): the full tier runs them
    *[pytest.param([*p, "--help"], id=f"{i}-help", marks=pytest.mark.slow)
      for p, i in zip(PATHS, IDS, strict=True)],
])
def test_no_torch_import(args):
    proc = _run("-X", "importtime", "-m", "rnncli", *args)
    assert proc.returncode == 0, proc.stderr[-2000:]
    modules = _imported_modules(proc.stderr)
    assert "rnncli.cli" in modules  # the parse found real entries
    assert "torch" not in modules and "matplotlib" not in modules


_SGR = re.compile(r"\x1b\[([0-9;]*)m")


def _colour_codes(text: str) -> list[str]:
    """SGR sequences that set a foreground or background colour."""
    bad = []
    for params in _SGR.findall(text):
        codes = [int(c) for c in params.split(";") if c]
        if any(30 <= c <= 49 or 90 <= c <= 107 for c in codes):
            bad.append(params)
    return bad


@pytest.mark.slow
@pytest.mark.parametrize("args", [["--help"], ["explain", "gru"], ["explain", "--help"]])
def test_piped_output_has_no_escape_codes(args):
    proc = _run("-m", "rnncli", *args)
    assert proc.returncode == 0
    assert "\x1b[" not in proc.stdout and "\x1b[" not in proc.stderr
    proc = _run("-m", "rnncli", *args, NO_COLOR="1")
    assert proc.returncode == 0
    assert "\x1b[" not in proc.stdout


@pytest.mark.slow
def test_no_color_is_respected_on_a_terminal():
    # FORCE_COLOR makes rich behave as on a terminal; NO_COLOR must still remove colour
    # (bold and other attributes may stay, as https://no-color.org allows).
    coloured = _run("-m", "rnncli", "explain", "lstm", FORCE_COLOR="1")
    assert _colour_codes(coloured.stdout)  # the check below can fail
    plain = _run("-m", "rnncli", "explain", "lstm", FORCE_COLOR="1", NO_COLOR="1")
    assert plain.returncode == 0
    assert _colour_codes(plain.stdout) == []


def test_bare_command_prints_help_and_succeeds(cli):
    res = cli()
    assert res.exit_code == 0
    assert "Usage" in res.stdout and "gates" in res.stdout
    assert res.stderr == ""


@pytest.mark.parametrize("args", [
    ["gradients", "--seq-len", "5", "--arch", "rnn", "--seeds", "1"],
    ["gates", "--seq", "1,0,1"],
])
def test_missing_plot_extra_gives_one_line_hint(cli, monkeypatch, tmp_path, args):
    import sys

    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    target = tmp_path / "fig.png"
    res = cli(*args, "--plot", str(target))
    assert res.exit_code == 1
    line = _one_error_line(res.stderr)
    assert "matplotlib" in line and "pip install 'rnncli[plot]'" in line
    assert not target.exists()
