"""No module outside the registries branches on an architecture's or a task's name.

What varies between architectures lives on their ``ArchSpec`` (rnncli/archs.py), what varies
between memory tasks on their ``Task`` (rnncli/experiments/tasks.py). Only the registry, the
NumPy maths (rnncli/scratch/) and the teaching text (rnncli/knowledge/) may spell a name;
everywhere else a comparison with a registered name (``arch == "lstm"``, ``"gru" in names``,
``task.name != "adding"``) or a map keyed by names (``{"rnn": ..., "gru": ...}``) is a
behaviour that belongs on the spec. This scan keeps it so.
"""

from __future__ import annotations

import ast
from pathlib import Path

import rnncli
from rnncli import archs
from rnncli.experiments.tasks import TASKS

ROOT = Path(rnncli.__file__).parent
# formats/layout.py is the porting table: what each framework calls each architecture and in
# which order it stores the gates (the format registry's per-architecture data)
ALLOWED = ("archs.py", "scratch/", "knowledge/", "experiments/tasks.py", "formats/layout.py")
ARCH_NAMES = {n for s in archs.SPECS.values() for n in (s.name, *s.aliases)}
NAMES = ARCH_NAMES | set(TASKS)


def _strings(node: ast.AST) -> list[str]:
    """The string constants a comparison operand is or holds (a tuple/list/set of them)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return [s for e in node.elts for s in _strings(e)]
    return []


def offences(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, what) of every comparison with, or map keyed by, a registered name."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            for operand in (node.left, *node.comparators):
                found += [(node.lineno, f"compares with {s!r}") for s in _strings(operand)
                          if s.lower() in NAMES]
        elif isinstance(node, ast.Dict):
            found += [(node.lineno, f"maps {k.value!r}") for k in node.keys
                      if isinstance(k, ast.Constant) and str(k.value).lower() in ARCH_NAMES]
    return found


def test_the_scan_catches_what_it_is_for():
    bad = ('if arch == "lstm": pass\nif "gru" in names: pass\n'
           'x = task.name != "adding"\nm = {"rnn": 1}\nok = arch == spec.name\n')
    assert [line for line, _ in offences(ast.parse(bad))] == [1, 2, 3, 4]


def test_no_module_outside_the_registries_branches_on_a_name():
    report = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith(ALLOWED):
            continue
        report += [f"rnncli/{rel}:{line}: {what}"
                   for line, what in offences(ast.parse(path.read_text(), rel))]
    assert not report, "move this behaviour onto the spec/Task:\n" + "\n".join(report)

