"""The typer app: every command is registered here, and errors become exit codes here.

Exit codes: 0 success; 1 a failure that is not the user's fault (one line on
stderr); 2 bad input or usage (one line on stderr); 130 interrupted by Ctrl-C
("rnncli: interrupted" on stderr, whatever the command); 143 for SIGTERM, handled like
Ctrl-C ("rnncli: terminated"; ``rnncli.interrupt``). A library's warning never reaches the
terminal: warnings are recorded while a command runs, and a numerical one (numpy's
``RuntimeWarning: overflow ...``) after a successful run becomes one ``rnncli: note:`` line.
Every int/float option gets the checks of ``rnncli.options.harden`` (finite, bounded,
named bounds such as --seed); an OSError naming a file is exit 2 (1 for a full disk or an
I/O error); error lines are cut short (``_one_line``).
Set ``RNNCLI_DEBUG=1`` to see the traceback of an unexpected error.

Nothing here (or in ``rnncli.commands``) imports torch or matplotlib at module
level, so ``rnncli --help`` starts fast.
"""

from __future__ import annotations

import os
import sys
import warnings
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from rnncli import __version__, fileio, interrupt, ioerrors, report
from rnncli.commands import advise, bench, compare, explain, gates, gradients, memory, quiz
from rnncli.commands import convert as convert_cmd
from rnncli.commands import race as race_cmd
from rnncli.commands import sentiment as sentiment_cmd
from rnncli.commands import seq2seq as seq2seq_cmd
from rnncli.commands import tour as tour_cmd
from rnncli.console import use_ascii_fallback
from rnncli.errors import RnncliError
from rnncli.options import harden

#: Exit code of a Ctrl-C (128 + SIGINT); rnncli.interrupt.keep_finished keeps finished work.
INTERRUPTED = 130
MAX_ERROR_CHARS = 400  # an error line is one line, and short
# OSErrors that are the machine's failure (exit 1), not a bad path given by the user (exit 2)
_MACHINE_ERRNOS = ioerrors.MACHINE_ERRNOS


def _one_line(message: object) -> str:
    """One short line: whitespace collapsed, C++ frame dumps dropped, long words and the
    whole line cut (a 3,000-digit value is not echoed back whole)."""
    text = str(message).split("Exception raised from", 1)[0]  # torch's C++ frames follow
    words = [w if len(w) <= 120 else w[:60] + f"...({len(w)} chars)" for w in text.split()]
    line = " ".join(words)
    return line if len(line) <= MAX_ERROR_CHARS else line[: MAX_ERROR_CHARS - 3] + "..."


def _fail(message: object, code: int) -> None:
    sys.stderr.write(f"rnncli: error: {_one_line(message)}\n")
    sys.stderr.flush()
    sys.exit(code)


def _os_error(e: OSError) -> tuple[str, int]:
    """A file the user named that cannot be read or written: exit 2; a full disk: 1."""
    where = " -> ".join(str(f) for f in (e.filename, e.filename2) if f is not None)
    reason = e.strerror or type(e).__name__
    code = 1 if e.errno in _MACHINE_ERRNOS else 2
    return (f"{where}: {reason}" if where else f"{reason} ({e})"), code


def _unexpected(e: Exception) -> tuple[str, int]:
    """Message and exit code of an exception no command turned into an RnncliError."""
    name = type(e).__name__
    if isinstance(e, OSError) and not isinstance(e, BrokenPipeError):
        return _os_error(e)
    if isinstance(e, MemoryError) or "not enough memory" in str(e):
        return ("out of memory: the work asked for does not fit; make it smaller", 1)
    if isinstance(e, RecursionError):
        return ("input nested too deeply to read", 2)
    return (f"unexpected {name}: {e} (set RNNCLI_DEBUG=1 for the traceback)", 1)


def _click_error(e: Exception) -> None:
    """Typer/click's own exceptions (usage errors, --help with no arguments, Abort)."""
    name = type(e).__name__
    if name == "NoArgsIsHelpError":  # bare `rnncli`: help was printed
        sys.exit(0)
    if name == "Abort":
        sys.stderr.write(f"rnncli: {interrupt.stopped_by()}\n")
        sys.exit(interrupt.exit_code() if isinstance(e.__context__, KeyboardInterrupt) else 1)
    if hasattr(e, "format_message") and hasattr(e, "exit_code"):
        _fail(usage_message(e.format_message()), e.exit_code)


def usage_message(message: str) -> str:
    """A usage error as the commands word it: the validation library's "Value error, "
    dropped, "did you mean" for a near-miss choice, a comma hint for loose numbers."""
    import difflib
    import re

    message = message.replace("Value error, ", "")
    bad = re.search(r"'([^']*)' is not one of (.*)", message)
    if bad:
        close = difflib.get_close_matches(bad.group(1), re.findall(r"'([^']*)'", bad.group(2)),
                                          n=2, cutoff=0.5)
        if close:
            message += f" Did you mean {' or '.join(repr(c) for c in close)}?"
    extra = re.search(r"unexpected extra argument(?:s|\(s\))? \(([^)]*)\)", message)
    if extra and all(re.fullmatch(r"[-+.\deE;]+", w) for w in extra.group(1).split()):
        message += (" Values of one option are separated by commas, not spaces: "
                    "--seq 1,0,0,1 (quote a multi-feature sequence: --seq \"0.5,1;0,1\").")
    return message


class RnncliGroup(TyperGroup):
    """A TyperGroup whose ``main`` owns error reporting for the real CLI and CliRunner."""

    def main(self, args: Any = None, prog_name: str | None = None, *a: Any, **kw: Any) -> Any:
        kw["standalone_mode"] = False
        harden(self)
        report.add_option(self)
        self.rnncli_argv = list(sys.argv[1:] if args is None else args)
        report.discard()
        fileio.set_announcer(announce_written)
        use_ascii_fallback()
        with interrupt.signals_handled(), warnings.catch_warnings(record=True) as caught:
            rv = self._run(args, prog_name, *a, **kw)
            try:  # the --html page, written while a signal is still handled
                _finish_report(rv)
            except KeyboardInterrupt:
                report.discard()
                rv = INTERRUPTED
        _warning_note(caught, rv)
        if rv == INTERRUPTED:  # typer turns Ctrl-C into Exit(130); commands exit 130 too
            sys.stderr.write(f"rnncli: {interrupt.stopped_by()}\n")
            rv = interrupt.exit_code()
        sys.exit(rv if isinstance(rv, int) else 0)

    def _run(self, args: Any, prog_name: str | None, *a: Any, **kw: Any) -> Any:
        """The command's return code; an error is reported here and exits."""
        try:
            return super().main(args, prog_name or "rnncli", *a, **kw)
        except RnncliError as e:
            report.discard()
            _fail(str(e), e.exit_code)
        except KeyboardInterrupt:  # Ctrl-C, or SIGTERM (interrupt.Terminated)
            return INTERRUPTED
        except Exception as e:  # click's UsageError/Abort live in typer's vendored click
            _click_error(e)
            report.discard()
            if os.environ.get("RNNCLI_DEBUG"):
                raise
            _fail(*_unexpected(e))


def _warning_note(caught: list, rv: Any) -> None:
    """One line for a numerical library warning after a successful run; others: nothing."""
    numeric = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    if numeric and rv in (None, 0):
        sys.stderr.write(f"rnncli: note: a computation warned ({_one_line(numeric[0].message)}"
                         "); check the results\n")


def announce_written(path: Any, what: str = "") -> None:
    """The one wording for every file any command writes: ``wrote PATH (what)``, stderr."""
    note = f" ({what})" if what else ""
    sys.stderr.write(f"rnncli: wrote {path}{note}\n")
    sys.stderr.flush()


def _finish_report(rv: Any) -> None:
    """Write the ``--html`` page: after success, or at Ctrl-C with what had finished."""
    if rv == INTERRUPTED:
        how = "SIGTERM" if interrupt.exit_code() == interrupt.TERMINATED_EXIT else "Ctrl-C"
        report.finish(f"{interrupt.stopped_by()} ({how}): the page keeps what had finished")
    elif rv in (None, 0):
        report.finish("finished")
    else:
        report.discard()


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
    claims tested (gradients, memory, sentiment, seq2seq, race, advise, quiz).
    """


# (name, function, the one line the command list shows; `rnncli NAME -h` has the rest)
COMMANDS = (
    ("tour", tour_cmd.tour, "The whole lesson in one run: each chapter a short live demo."),
    ("explain", explain.explain, "Equations, diagrams, shapes, FAQ and practices, with sources."),
    ("gates", gates.gates, "Every gate, step by step, on your sequence, text or checkpoint."),
    ("bench", bench.bench, "Parameters, speed and memory on this machine, with verdicts."),
    ("compare", compare.compare, "The lesson's comparison table, checked against sources."),
    ("advise", advise.advise, "RNN, GRU or LSTM? A documented score; --data races yours."),
    ("quiz", quiz.quiz, "Test yourself: seeded multiple choice, answers explained."),
    ("gradients", gradients.gradients, "How far back the gradient reaches (dL/dh_t, dL/dc_t)."),
    ("memory", memory.memory, "Long-memory tasks trained on a step budget and scored."),
    ("sentiment", sentiment_cmd.sentiment, "The lesson's sentiment classifier, claim by claim."),
    ("race", race_cmd.race, "RNN, GRU and LSTM raced on your series beside baselines."),
    ("convert", convert_cmd.convert, "Models between PyTorch, Keras and ONNX, proved by max |Δ|."),
)
for _name, _func, _line in COMMANDS:
    app.command(_name, short_help=_line)(_func)
app.add_typer(seq2seq_cmd.app, name="seq2seq",
              short_help="Encoder-decoders trained and taken apart; translate with one.")


def main() -> None:
    """Console-script entry point."""
    try:
        app(prog_name="rnncli")
    except KeyboardInterrupt:  # Ctrl-C while typer builds the command, before our main
        interrupted()


def interrupted() -> None:
    """Say so and exit 130: the one way every Ctrl-C ends."""
    sys.stderr.write("rnncli: interrupted\n")
    sys.stderr.flush()
    sys.exit(INTERRUPTED)
