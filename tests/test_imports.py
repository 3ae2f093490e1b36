"""Fast start: what needs no torch imports no torch (docs/ARCHITECTURE.md's rule).

Two checks: no module in ``cli``, ``options``, ``formulas``, ``archs``, ``commands/``,
``render/`` or ``knowledge/`` imports torch or matplotlib at module level (read from the
source, so a new module is covered when it is added), and one fresh interpreter runs every
command's ``--help`` and the commands that compute without torch (``explain``, ``compare``
and ``advise`` without ``--measure``/``--data``), reporting the first one that brings
torch in. ``tests/test_cli.py`` checks the real entry point with ``python -X importtime``.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "rnncli"
NO_TORCH_AT_IMPORT = ("cli.py", "options.py", "formulas.py", "archs.py", "commands",
                      "render", "knowledge")
HEAVY = ("torch", "matplotlib")


def _modules() -> list[Path]:
    files = []
    for name in NO_TORCH_AT_IMPORT:
        path = PACKAGE / name
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return files


def _top_level_imports(path: Path) -> list[str]:
    """Modules imported by statements at module level (not inside functions)."""
    names = []
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_heavy_import_at_module_level(path):
    heavy = [m for m in _top_level_imports(path) if m.split(".")[0] in HEAVY]
    assert not heavy, f"{path.name} imports {heavy} at module level: import inside the function"


_PROBE = r"""
import json, sys
from typer.testing import CliRunner
import typer.main
from rnncli.cli import app

def walk(command, path=()):
    for name, sub in getattr(command, "commands", {}).items():
        yield (*path, name)
        yield from walk(sub, (*path, name))

runs = [["--help"]] + [[*p, "--help"] for p in walk(typer.main.get_command(app))]
runs += [["explain", "lstm"], ["explain", "peephole", "--code"], ["explain", "--json"],
         ["compare"], ["compare", "--json"], ["advise"], ["advise", "--json"]]
runner, report = CliRunner(), []
for args in runs:
    result = runner.invoke(app, args, env={"COLUMNS": "80", "NO_COLOR": "1"})
    heavy = [m for m in ("torch", "matplotlib") if m in sys.modules]
    report.append({"args": args, "exit": result.exit_code, "heavy": heavy})
    if heavy:
        break
print(json.dumps(report))
"""


@pytest.mark.slow  # one interpreter running ~20 commands: about 3 s of CPU
def test_commands_without_torch_import_none():
    root = PACKAGE.parent
    proc = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True,
                          cwd=root, env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
                          timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(proc.stdout.splitlines()[-1])
    ran = {" ".join(r["args"]) for r in report}
    assert {"sentiment --help", "seq2seq --help", "race --help", "quiz --help",
            "compare", "advise", "explain lstm"} <= ran  # the walk found the commands
    for r in report:
        assert r["exit"] == 0, r
        assert not r["heavy"], f"rnncli {' '.join(r['args'])} imported {r['heavy']}"
