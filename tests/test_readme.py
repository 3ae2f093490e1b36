"""The README's Quick start is what CI runs: exactly two commands, one marked as the tests."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def quick_start_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block, "Quick start has no bash block"
    return [ln for ln in block.group(1).splitlines() if ln.strip()]


def test_quick_start_has_exactly_two_commands():
    cmds = quick_start_commands()
    assert len(cmds) == 2
    assert cmds[0].endswith("# main") and "rnncli" in cmds[0]
    assert cmds[1].endswith("# tests") and "pytest" in cmds[1]
    # Both pin the CPU torch so a fresh install stays fast.
    assert all("torch==2.13.0" in c for c in cmds)


def test_ci_runs_the_readme_test_command():
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    grep = re.search(r'cmd=\$\((grep .*?)\)\n', script).group(1)
    found = subprocess.run(["bash", "-c", grep], cwd=ROOT, capture_output=True, text=True)
    assert found.stdout.strip() == quick_start_commands()[1].removesuffix("# tests").strip()


def test_pyproject_admits_other_torch_versions():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    deps = re.search(r"dependencies = \[(.*?)\]", text, re.S).group(1)
    assert '"torch>=' in deps and "==" not in deps
