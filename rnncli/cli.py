"""The typer app: every command is registered here, and errors become exit codes here.

Exit codes: 0 success; 1 a failure that is not the user's fault (one line on
stderr); 2 bad input or usage (one line on stderr); 130 interrupted by Ctrl-C.
Set ``RNNCLI_DEBUG=1`` to see the traceback of an unexpected error.

Nothing here (or in ``rnncli.commands``) imports torch or matplotlib at module
level, so ``rnncli --help`` starts fast.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from rnncli import __version__
from rnncli.commands import advise, bench, compare, explain, gates, gradients, memory, quiz
from rnncli.errors import RnncliError


def _fail(message: str, code: int) -> None:
    message = " ".join(str(message).split())  # one line, whatever the exception held
    sys.stderr.write(f"rnncli: error: {message}\n")
    sys.stderr.flush()
    sys.exit(code)


class RnncliGroup(TyperGroup):
    """A TyperGroup whose ``main`` owns error reporting for the real CLI and CliRunner."""

    def main(self, args: Any = None, prog_name: str | None = None, *a: Any, **kw: Any) -> Any:
        kw["standalone_mode"] = False
        try:
            rv = super().main(args, prog_name or "rnncli", *a, **kw)
        except RnncliError as e:
            _fail(str(e), e.exit_code)
        except KeyboardInterrupt:
            sys.stderr.write("rnncli: interrupted\n")
            sys.exit(130)
        except Exception as e:  # click's UsageError/Abort live in typer's vendored click
            name = type(e).__name__
            if name == "NoArgsIsHelpError":  # bare `rnncli`: help was printed
                sys.exit(0)
            if name == "Abort":
                sys.stderr.write("rnncli: aborted\n")
                sys.exit(130 if isinstance(e.__context__, KeyboardInterrupt) else 1)
            if hasattr(e, "format_message") and hasattr(e, "exit_code"):
                _fail(e.format_message(), e.exit_code)
            if os.environ.get("RNNCLI_DEBUG"):
                raise
            _fail(f"unexpected {name}: {e} (set RNNCLI_DEBUG=1 for the traceback)", 1)
        sys.exit(rv if isinstance(rv, int) else 0)


app = typer.Typer(
    cls=RnncliGroup,
    name="rnncli",
    help="A command-line lab for recurrent networks: vanilla RNN, GRU and LSTM.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"rnncli {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """A command-line lab for recurrent networks: vanilla RNN, GRU and LSTM.

    See the mechanism (explain, gates), the cost (bench, compare) and the
    claims tested (gradients, memory, advise, quiz).
    """


app.command("explain")(explain.explain)
app.command("gates")(gates.gates)
app.command("bench")(bench.bench)
app.command("compare")(compare.compare)
app.command("advise")(advise.advise)
app.command("quiz")(quiz.quiz)
app.command("gradients")(gradients.gradients)
app.command("memory")(memory.memory)


def main() -> None:
    """Console-script entry point."""
    app(prog_name="rnncli")
