"""Rendering ``rnncli bench``: tables, notes, warnings, verdicts, Markdown and plots.

Tables fit 80 columns: the sizes go in each table's title, so the columns only hold
what differs between rows; with many columns the least needed ones (first call, then
throughput) are left to ``--json``.  Numbers are spelled by :mod:`rnncli.fmt`.
No torch or matplotlib at import time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from contextlib import contextmanager

from rich.console import Console
from rich.table import Table

from rnncli import archs, fmt
from rnncli.render import runtimes

SIZE_TITLE = ("seq_len", "batch", "input_size", "hidden_size", "num_layers", "dtype", "device")
ABBR = {"seq_len": "T", "batch": "B", "input_size": "I", "hidden_size": "H", "num_layers": "L"}
#: Short names of the kernels (``kernel`` in JSON holds the long one).
KERNELS = (("oneDNN", "oneDNN"), ("cuDNN", "cuDNN"), ("ATen ops per step, Python", "loop"),
           ("ATen", "ATen"), ("NumPy, one matrix-vector", "matvec"),
           ("NumPy, reference", "ref"), ("NumPy", "NumPy"))
#: Most columns a table shows before dropping the optional ones (80 terminal columns).
MAX_COLUMNS = 11


def _swept(rows: Sequence[dict]) -> list[str]:
    """The size fields that take several values in ``rows``."""
    return [f for f in ABBR if len({r[f] for r in rows}) > 1]


def _scaled(r: dict) -> bool:
    """A naive row timed on part of the batch and scaled."""
    return bool(r.get("batch_timed")) and r["batch_timed"] != r["batch"]


def kernel_short(text: str | None) -> str:
    for start, short in KERNELS:
        if (text or "").startswith(start):
            return short
    return "-"


def _flags(r: dict) -> str:
    return ("*" if r.get("noisy") else "") + ("~" if _scaled(r) else "")


def _peak_cell(r: dict) -> str:
    if r.get("peak_error"):
        return "err!"
    return fmt.percent(r.get("peak_fraction")) if r.get("peak_fraction") else "-"


def _title(r: dict) -> str:
    return (f"T={r['seq_len']} B={r['batch']} I={r['input_size']} H={r['hidden_size']} "
            f"L={r['num_layers']} {r['dtype']} {r['device']}")


Column = tuple[str, Callable[[dict], str]]


def _head_columns(rows: Sequence[dict]) -> list[Column]:
    cols: list[Column] = [("arch", lambda r: archs.get(r["arch"]).title)]
    if len({r["impl"] for r in rows}) > 1:
        cols.append(("impl", lambda r: r["impl"]))
    if any(r.get("batching") not in (None, "fixed") for r in rows):
        cols.append(("batch", lambda r: r["batching"]))
    return cols


def columns(rows: Sequence[dict]) -> list[Column]:
    """The columns the rows need, dropping optional ones to fit 80 terminal columns."""
    cols = _head_columns(rows)
    cols += [("kernel", lambda r: kernel_short(r.get("kernel"))),
             ("params", lambda r: fmt.count(r["params"])),
             ("median", lambda r: fmt.duration(r["median_s"]) + _flags(r)),
             ("IQR", lambda r: fmt.spread(r["iqr_s"], r["median_s"], r.get("runs")))]
    if any(r.get("p99_s") for r in rows):
        cols.append(("p99", lambda r: fmt.duration(r.get("p99_s"))))
    optional = [("1st", lambda r: fmt.duration(r["first_call_s"])),
                ("tok/s", lambda r: fmt.count(r["tokens_per_s"]))]
    tail: list[Column] = [("GF/s", lambda r: fmt.num(r.get("gflops"))), ("peak", _peak_cell),
                          ("MiB", lambda r: fmt.num(r["memory_bytes"] / 2**20
                                                    if r.get("memory_bytes") else None)),
                          ("×LSTM", lambda r: fmt.ratio(r.get("vs_lstm")))]
    if len({r["impl"] for r in rows}) > 1:
        tail.append(("×torch", lambda r: fmt.ratio(r.get("vs_torch"))))
    if any(r.get("speedup") is not None for r in rows):
        tail.append(("×base", lambda r: fmt.ratio(r.get("speedup"))))
    room = max(0, MAX_COLUMNS - len(cols) - len(tail))
    return cols + optional[:room] + tail


def _groups(rows: Sequence[dict]) -> list[list[dict]]:
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for r in rows:
        groups[(*(r[f] for f in SIZE_TITLE), r["mode"])].append(r)
    return list(groups.values())


def _mode_title(r: dict) -> str:
    return "train (fwd+bwd)" if r["mode"] == "train" else "forward"


def tables(rows: Sequence[dict]) -> list[Table]:
    """One rich table per size and mode (rows keep their run order)."""
    cols = columns(rows)
    out = []
    for members in _groups(rows):
        t = Table(title=f"{_mode_title(members[0])} · {_title(members[0])}", box=None,
                  pad_edge=False, padding=(0, 1), collapse_padding=True, header_style="bold",
                  title_justify="left")
        for i, (name, _) in enumerate(cols):
            t.add_column(name, justify="left" if i == 0 else "right", no_wrap=True)
        for r in members:
            t.add_row(*(fn(r) for _, fn in cols))
        out.append(t)
    return out


def _markdown_table(members: Sequence[dict], cols: Sequence[Column]) -> list[str]:
    lines = [f"**{_mode_title(members[0])}**, {_title(members[0])}", "",
             "| " + " | ".join(name for name, _ in cols) + " |",
             "|" + "|".join("---" if i == 0 else "---:" for i in range(len(cols))) + "|"]
    lines += ["| " + " | ".join(fn(r) for _, fn in cols) + " |" for r in members]
    return [*lines, ""]


def markdown(report: dict) -> str:
    """The tables as Markdown (README, issues), then notes, warnings and verdicts."""
    rows = report["results"]
    if not rows:
        return "No row was measured."
    cols = columns(rows)
    lines: list[str] = []
    for members in _groups(rows):
        lines += _markdown_table(members, cols)
    lines += [f"- {n}" for n in notes(report)]
    if report.get("summary", {}).get("runtimes"):
        lines += ["", *runtimes.markdown_tables(report)]
        lines += [f"- {n}" for n in runtimes.notes(report)]
    lines += [f"- **warning**: {w}" for w in report.get("summary", {}).get("warnings", [])]
    lines.append("")
    lines += [f"- {v}" for v in report.get("summary", {}).get("verdict", [])]
    return "\n".join(lines)


def _note_columns(rows: Sequence[dict]) -> str:
    several = len({r["impl"] for r in rows}) > 1
    text = ("1st = first call on a fresh model; MiB = activation memory kept for backward "
            "(train; measured, see --json for the formula); ×LSTM = time / LSTM's")
    if several:
        text += "; ×torch = time / torch's"
    if any(r.get("speedup") is not None for r in rows):
        text += "; ×base = baseline time / now (above 1: faster now)"
    return text


def _note_kernels(rows: Sequence[dict]) -> str:
    used = sorted({kernel_short(r.get("kernel")) for r in rows} - {"-"})
    meaning = {"oneDNN": "oneDNN's fused RNN primitive, whole sequence in one call",
               "ATen": "generic ATen ops, one step at a time (torch's CPU GRU/RNN)",
               "cuDNN": "cuDNN's fused RNN kernel", "loop": "nn.*Cell in a Python loop",
               "NumPy": "rnncli.scratch, batched matrix products",
               "ref": "rnncli/scratch/reference.py, the equations as written",
               "matvec": "the lesson's loop, one matrix-vector product per gate"}
    return "kernel: " + "; ".join(f"{k} = {meaning[k]}" for k in used if k in meaning)


def _note_peaks(meta: dict) -> str | None:
    peaks = meta.get("peaks") or []
    if not peaks:
        return None
    return ("peak = share of " + ", ".join(
        f"{p['gflops']:.0f} GF/s ({p['n']}² GEMM, {p['dtype']}, best of "
        f"{p.get('measurements', 1)} measurements interleaved with the rows)" for p in peaks)
        + "; err! = above the peak, a measurement error")


def _note_clock(meta: dict) -> str | None:
    if meta.get("clock") != "cpu":
        return None
    return ("clock: the process's CPU time (time spent waiting for a core is not counted); "
            "--clock wall gives the time a user waits")


def _rounds_text(meta: dict) -> str:
    planned, done = meta.get("rounds", 1), meta.get("rounds_done", meta.get("rounds", 1))
    if done < planned and not meta.get("interrupted"):
        return f"{done} of {planned} interleaved rounds (the time budget stopped the rest)"
    return f"{planned} interleaved round(s)"


def notes(report: dict) -> list[str]:
    """The footnotes under the tables."""
    rows, meta = report["results"], report["meta"]
    out = ["median, IQR (interquartile range, as % of the median; n/a below 3 runs) over "
           "repeated calls after warm-up; tok/s = real tokens / median",
           f"threads: {meta.get('threads')} (torch); {_rounds_text(meta)}; CPU: "
           f"{meta.get('cpu')}, {meta.get('cores')} cores",
           _note_kernels(rows), _note_peaks(meta), _note_columns(rows), _note_clock(meta)]
    return [n for n in out + _row_notes(rows, meta) if n]


#: (test on the rows, note) for notes that only some runs need.
ROW_NOTES: tuple[tuple[Callable[[dict], bool], str], ...] = (
    (lambda r: bool(r.get("p99_s")),
     "p99: 99th percentile of the timed replicates (rows with 100 or more); --preset "
     "latency times every call on its own, so there median = p50 per sequence"),
    (lambda r: r.get("batching") == "packed",
     "packed = pack_padded_sequence (real steps only); padded = the batch padded to its "
     "longest sequence and run whole"),
    (lambda r: bool(r.get("noisy")), "* noisy: IQR above 10% of the median, or fewer than 3 "
     "runs"),
    (_scaled, "~ naive: timed on part of the batch and scaled to all of it"),
    (lambda r: bool(r.get("weights")), "weights: the model of --weights (arch and sizes from "
     "the file)"),
)


def _row_notes(rows: Sequence[dict], meta: dict) -> list[str]:
    out = [text for test, text in ROW_NOTES if any(test(r) for r in rows)]
    bad = [r["arch"] for r in rows if r["params"] != r.get("params_formula")]
    if bad:
        out.append(f"params: module count differs from the formula for {', '.join(bad)}")
    if meta.get("flop_count") == "recurrent":
        out.append("FLOPs count the recurrent products only (DeepBench's convention)")
    return out


def _scaling_lines(report: dict) -> list[str]:
    swept = _swept(report["results"])
    out = []
    for s in report.get("summary", {}).get("scaling", []):
        at = "".join(f" {ABBR[f]}={s[f]}" for f in swept if f in s)
        out.append(f"scaling: {s['arch'].upper()} {s['impl']} {s['mode']}{at}: time ∝ "
                   f"seq_len^{s['exponent']:.2f} over T = {', '.join(map(str, s['values']))}")
    c = report.get("summary", {}).get("compare")
    if c:
        out.append(f"compared with baseline of {c.get('baseline_utc')}: {c['matched']} of "
                   f"{c['rows']} rows matched; ×base = baseline / now")
    return out


def render(report: dict, console: Console) -> None:
    """Tables, notes, scaling, then the warnings again and the verdicts."""
    rows, meta = report["results"], report["meta"]
    if not rows:
        console.print("No row was measured.")
        return
    for t in tables(rows):
        console.print(t)
        console.print()
    for n in notes(report):
        console.print(f"[dim]{n}[/]", highlight=False)
    for line in _scaling_lines(report):
        console.print(line, highlight=False)
    console.print()
    runtimes.render(report, console)
    for w in report.get("summary", {}).get("warnings", []):
        console.print(f"[bold yellow]warning:[/] {w}", highlight=False)
    for line in report.get("summary", {}).get("verdict", []):
        console.print(line, highlight=False)
    if meta.get("interrupted"):
        console.print(f"[bold]interrupted[/]: {len(rows)} of {meta.get('rows_planned')} rows "
                      "measured")


def noisy_warnings(rows: Sequence[dict]) -> list[str]:
    """One warning per noisy row: too few runs, or an IQR above 10 % of the median."""
    out = []
    for r in rows:
        if not r.get("noisy"):
            continue
        where = f"{r['arch']} {r['impl']} {r['mode']} T={r['seq_len']} H={r['hidden_size']}"
        if r.get("runs", 3) < 3:
            out.append(f"{where}: only {r['runs']} timed run(s), no reliable spread "
                       "(raise --min-time)")
        else:
            out.append(f"{where}: IQR {r['iqr_s'] / r['median_s']:.0%} of the median "
                       "(noisy machine?)")
    return out


def estimate_line(n_rows: int, budget, notes_: Sequence[str]) -> str:
    text = (f"bench: {n_rows} row{'s' if n_rows != 1 else ''}, estimated "
            f"{fmt.duration(budget.seconds, 2, space=True)} (largest allocation about "
            f"{fmt.nbytes(budget.memory_bytes)})")
    return "\n".join([text, *(f"skipped: {n}" for n in notes_)])


@contextmanager
def progress(total: int, console: Console, n_cases: int | None = None):
    """A stderr progress bar; yields ``step(label)``: advance past the previous step.

    The total grows with the plan: a ``round r/n`` label with more rounds than planned (a
    busy machine adds rounds) resizes it to ``n_cases * (n + 1)``, and the bar never
    shows more steps done than its total."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), console=console, transient=True)
    task = bar.add_task("starting", total=total)
    started = [False]

    def step(label: str) -> None:
        if started[0] and not label.startswith("peak"):
            bar.advance(task)
        started[0] = started[0] or not label.startswith("peak")
        bar.update(task, description=label, total=_grown(bar.tasks[0], label, n_cases))

    with bar:
        yield step


def _grown(task, label: str, n_cases: int | None) -> float:
    """The bar's total after ``label``: the rounds it names, and at least one step ahead."""
    import re

    total = task.total or 0
    m = re.match(r"round \d+/(\d+)", label)
    if m and n_cases:
        total = max(total, n_cases * (int(m.group(1)) + 1))
    return max(total, task.completed + 1)


def plot(report: dict, path: str) -> str:
    """Save the plot (see :mod:`rnncli.render.bench_plot`); returns the path written."""
    from rnncli.render import bench_plot

    return bench_plot.plot(report, path)
