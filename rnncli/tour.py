"""``rnncli tour``: the lesson as one story, each chapter a reduced run of a real command.

The lesson runs: the vanilla RNN's vanishing gradient -> gates -> LSTM and GRU compared
-> costs -> where each is used -> the decision. Each :class:`Chapter` names the command
that demonstrates its step, the reduced arguments that keep the whole tour under about
90 s of CPU at one thread, the full command that reproduces the study, and how the
reduced numbers differ from the full ones. A chapter runs the command itself (its
parser, library code and renderer, through the registered click command): the tour has
no second implementation of anything, so it shows exactly what the command shows.

The CPU-time estimates (``est_cpu_s``) are each chapter's CPU seconds from ``rnncli tour
--json`` on the 2-core development machine (Intel Xeon, 1 thread; 31.8 s for the nine
chapters, 34.6 s for the whole process with start-up, :data:`START_CPU_S`); the whole
command is timed by ``python benchmarks/bench_defaults.py tour`` (benchmarks/README.md).
The tour prints the measured total at the end.
"""

from __future__ import annotations

import contextlib
import io
import json
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from rnncli.errors import BadInput, RnncliError
from rnncli.interrupt import INTERRUPTED_EXIT


@dataclass(frozen=True)
class Chapter:
    """One step of the story and the command that shows it."""

    name: str                  # what --chapters takes
    title: str
    story: str                 # what to look for, in two or three sentences
    args: tuple[str, ...]      # the reduced command line (command first)
    full: str                  # the full study, one option away
    reduced: str               # how the reduced numbers differ from the full command's
    est_cpu_s: float           # measured CPU seconds at one thread (see the module doc)
    threads_option: bool = False  # the command takes --threads
    optional: bool = False     # not run unless asked for by name


CHAPTERS: tuple[Chapter, ...] = (
    Chapter("gradients", "1. The vanilla RNN's gradient fades",
            "How much of the loss's gradient reaches a step k steps back: the tanh RNN's "
            "shrinks by a constant factor per step. An LSTM whose forget gate starts near "
            "1 (forget-bias-1) loses it more slowly: the cell path.",
            ("gradients", "--seq-len", "50", "--seeds", "2", "--hidden", "32",
             "--init", "default,forget-bias-1"),
            "rnncli gradients --seq-len 100 --after-training adding",
            "T=50, H=32, 2 seeds (full: T=100, H=64, 5 seeds): the per-step factors are the "
            "same quantity with a wider seed spread.", 0.3),
    Chapter("gates", "2. Gates, step by step",
            "One short sequence through each cell, every gate at every step: what the "
            "forget, input and output gates (LSTM) and the reset and update gates (GRU) "
            "do with a 1 and the 0s after it.",
            ("gates", "--arch", "all", "--seq", "1,0,0,1"),
            "rnncli gates --arch lstm --seq 1,0,0,0,0,1 --plot gates.png",
            "not reduced: the same trace the full command prints.", 0.2),
    Chapter("compare", "3. What each cell costs on paper",
            "Exact parameter counts, FLOPs and activation memory at the same sizes, and the "
            "lesson's comparison table checked against its sources, including the 3/4 "
            "claim.",
            ("compare",),
            "rnncli compare --measure",
            "not reduced (no --measure here: the next chapter measures).", 0.1),
    Chapter("bench", "4. What each cell costs on this machine",
            "Forward time of each cell on this machine, with median and spread, and "
            "verdicts only where the interval excludes no difference. Paper FLOPs and "
            "measured time need not agree: kernels differ.",
            ("bench", "--seq-len", "100", "--batch", "16", "--hidden", "64", "--mode",
             "forward", "--min-time", "0.2", "--rounds", "2", "--peak-n", "0"),
            "rnncli bench --seq-len 200",
            "T=100, B=16, H=64, forward only, 0.2 s per row, 2 rounds, no GEMM peak (full: "
            "T=200, B=32, H=128, forward and training, 1 s per row, 3 rounds): fewer timed "
            "runs, wider intervals, more ties.", 2.0, threads_option=True),
    Chapter("memory", "5. Remembering across 50 steps",
            "The adding task: find two marked numbers in a sequence of 50 and add them. "
            "Scored against the no-memory baseline (always answer the mean).",
            ("memory", "--task", "adding", "--seq-len", "50", "--steps", "1000",
             "--hidden", "32"),
            "rnncli memory --full",
            "one length (T=50), H=32, 1,000 steps per run (full: T=50,100,200, H=64, 5,000 "
            "steps): a cell that needs more steps shows as not solved here.", 9.0,
            threads_option=True),
    Chapter("sentiment", "6. Negation and word order",
            "The lesson's sentiment classifier trained on generated sentences and probed "
            "claim by claim, beside baselines that ignore word order.",
            ("sentiment", "--steps", "150"),
            "rnncli sentiment",
            "150 optimizer steps per model (full: 300): lower accuracies, same probes.", 3.0,
            threads_option=True),
    Chapter("seq2seq", "7. Encoder-decoders, with and without attention",
            "Reversing digit strings: a decoder reading one fixed vector against one that "
            "attends to every encoder state. Long inputs show the bottleneck.",
            ("seq2seq", "--arch", "lstm", "--steps", "300"),
            "rnncli seq2seq",
            "the LSTM only, 300 steps (full: RNN, GRU and LSTM, 600 steps): lower exact-"
            "match rates, the same gap between attention and none.", 8.0,
            threads_option=True),
    Chapter("race", "8. A short race on a series",
            "RNN, GRU and LSTM forecasting NARMA-10 beside persistence and a linear "
            "autoregression; the ranking is a verdict only where it is supported.",
            ("race", "--series", "narma10", "--steps", "150", "--seeds", "0,1,2",
             "--length", "800"),
            "rnncli race --series narma10 --tune window=12,50 --tune lr=0.003,0.01",
            "800 rows, 150 steps, 3 seeds (the fewest the verdict rule accepts), one "
            "configuration (full: 2,000 rows, 500 steps, 5 seeds, tuned on validation): "
            "rankings from so few runs are rarely decided.", 7.0, threads_option=True),
    Chapter("advise", "9. The decision, measured",
            "The lesson's decision guide as a documented score, its compute question "
            "answered by timing the cells here at the tour's sizes rather than by "
            "parameter counts.",
            ("advise", "--seq-len", "100", "--task", "classification", "--measure",
             "--batch", "16"),
            "rnncli advise --measure --data your.csv",
            "not reduced: the full command with --measure at the bench chapter's sizes.",
            3.5),
    Chapter("quiz", "10. Check yourself",
            "The quick check: questions on what the tour showed, answers explained.",
            ("quiz", "--count", "5", "--seed", "0"),
            "rnncli quiz",
            "5 questions (full: the whole quiz).", 0.3, optional=True),
)

NAMES: tuple[str, ...] = tuple(c.name for c in CHAPTERS)
DEFAULT: tuple[str, ...] = tuple(c.name for c in CHAPTERS if not c.optional)


def select(names: Sequence[str] | None) -> list[Chapter]:
    """The chapters asked for, in the story's order (default: all but the optional)."""
    wanted = set(DEFAULT if not names else names)
    unknown = sorted(wanted - set(NAMES))
    if unknown:
        raise BadInput(f"--chapters: unknown chapter {unknown[0]!r}; choose from "
                       f"{', '.join(NAMES)}")
    return [c for c in CHAPTERS if c.name in wanted]


def command_line(chapter: Chapter, threads: int, json_out: bool) -> list[str]:
    """The arguments the chapter runs with (``--threads``, ``--json`` added as asked)."""
    args = list(chapter.args)
    if chapter.threads_option:
        args += ["--threads", str(threads)]
    if json_out:
        args.append("--json")
    return args


@dataclass
class ChapterRun:
    """How one chapter went."""

    chapter: Chapter
    args: list[str]
    status: str = "finished"   # finished | failed | interrupted
    message: str = ""
    cpu_s: float = 0.0
    wall_s: float = 0.0
    result: Any = None         # the command's JSON (with --json)


@dataclass
class Tour:
    """Every chapter run so far, and whether Ctrl-C ended the tour."""

    runs: list[ChapterRun] = field(default_factory=list)
    interrupted: bool = False

    @property
    def cpu_s(self) -> float:
        return sum(r.cpu_s for r in self.runs)

    @property
    def wall_s(self) -> float:
        return sum(r.wall_s for r in self.runs)


def invoke(root: Any, args: list[str], capture: bool) -> tuple[int, str]:
    """Run ``rnncli ARGS`` through the registered click command, in this process.
    Returns (exit code, captured stdout when ``capture``)."""
    sub = root.commands[args[0]]
    buf = io.StringIO()
    sink = contextlib.redirect_stdout(buf) if capture else contextlib.nullcontext()
    with sink:
        try:
            rv = sub.main(args=args[1:], prog_name=f"rnncli {args[0]}",
                          standalone_mode=False)
        except RnncliError:
            raise
        except Exception as e:  # click's Exit / typer.Exit / usage errors carry a code
            code = getattr(e, "exit_code", None)
            if code is None:
                raise
            rv = code
    code = rv if isinstance(rv, int) else 0
    return code, buf.getvalue()


def run_chapter(root: Any, chapter: Chapter, threads: int, json_out: bool) -> ChapterRun:
    """One chapter: the command run, its CPU and wall time, its JSON when asked."""
    run = ChapterRun(chapter, command_line(chapter, threads, json_out))
    cpu0, wall0 = time.process_time(), time.perf_counter()
    try:
        code, text = invoke(root, run.args, capture=json_out)
    except RnncliError as e:
        code, text, run.message = e.exit_code, "", str(e)
    run.cpu_s = time.process_time() - cpu0
    run.wall_s = time.perf_counter() - wall0
    if code == INTERRUPTED_EXIT:
        run.status = "interrupted"
    elif code != 0:
        run.status = "failed"
        run.message = run.message or f"exit code {code}"
    elif json_out and text.strip():
        run.result = json.loads(text)
    return run


def run(root: Any, chapters: Sequence[Chapter], threads: int, json_out: bool,
        before: Callable[[Chapter, int], None] | None = None,
        after: Callable[[ChapterRun], None] | None = None) -> Iterator[ChapterRun]:
    """Run ``chapters`` in order, yielding each as it finishes; ``before``/``after`` let
    the command render around each one. Ctrl-C propagates (the caller keeps what
    finished, through rnncli.interrupt.keep_finished)."""
    for i, chapter in enumerate(chapters):
        if before is not None:
            before(chapter, i)
        done = run_chapter(root, chapter, threads, json_out)
        if after is not None:
            after(done)
        yield done
        if done.status == "interrupted":
            raise KeyboardInterrupt


#: CPU seconds of the interpreter's start and the imports before the first chapter.
START_CPU_S = 2.5


def estimate_cpu_s(chapters: Sequence[Chapter]) -> float:
    """The chapters' measured CPU seconds plus start-up (printed before the tour starts)."""
    return START_CPU_S + sum(c.est_cpu_s for c in chapters)


def as_json(tour: Tour) -> dict[str, Any]:
    """The whole tour as one JSON document."""
    return {
        "chapters": [{"name": r.chapter.name, "title": r.chapter.title,
                      "command": "rnncli " + " ".join(r.args), "full": r.chapter.full,
                      "reduced": r.chapter.reduced, "status": r.status,
                      "message": r.message or None, "cpu_s": round(r.cpu_s, 3),
                      "wall_s": round(r.wall_s, 3), "result": r.result}
                     for r in tour.runs],
        "cpu_s": round(tour.cpu_s, 3), "wall_s": round(tour.wall_s, 3),
        "interrupted": tour.interrupted,
    }
