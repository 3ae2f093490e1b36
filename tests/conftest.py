"""Shared test fixtures: a CliRunner with a fixed 80-column, colourless terminal."""

from __future__ import annotations

import json
import os

import pytest
import typer.testing
from hypothesis import settings
from typer.testing import CliRunner

from rnncli.cli import app

# One BLAS/OpenMP thread unless the caller sets one (before torch or NumPy is imported: none
# of the imports above loads them): the tests' tiny tensors gain nothing from more, and
# idle OpenMP threads spinning on a loaded 2-core machine cost a third of the fast tier's
# CPU. Tests of threading set their threads themselves.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

# CI draws the same hypothesis examples every run (a red CI is always reproducible), each
# test its full count (tests/draws.py); the edit loop ("dev") draws a few new ones per run,
# so the fast tier stays fast on a loaded machine (the torch-parity tests cost seconds per
# example there). HYPOTHESIS_PROFILE=ci runs the full counts locally.
settings.register_profile("ci", derandomize=True, print_blob=True, deadline=None)
settings.register_profile("dev", max_examples=5, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE")
                      or ("ci" if os.environ.get("CI") else "dev"))


# typer builds the click command tree on every CliRunner.invoke: ~40 ms for rnncli's app,
# more than most invocations take. Tests build it once per app (commands are stateless).
_build_command = typer.testing._get_command
_COMMANDS: dict[int, object] = {}


def _cached_command(typer_app):
    key = id(typer_app)
    if key not in _COMMANDS:
        _COMMANDS[key] = _build_command(typer_app)
    return _COMMANDS[key]


typer.testing._get_command = _cached_command


@pytest.fixture(autouse=True)
def _plain_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("FORCE_COLOR", raising=False)


class Cli:
    """Invoke the app in-process: ``cli("gates", "--seq", "1,0")`` -> Result."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None):
        return self.runner.invoke(app, list(args), input=input)

    def json(self, *args: str):
        """Run with ``--json`` appended, assert exit 0, return parsed stdout."""
        res = self(*args, "--json")
        assert res.exit_code == 0, res.output
        return json.loads(res.stdout)


@pytest.fixture
def cli() -> Cli:
    return Cli()
