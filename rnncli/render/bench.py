"""Rendering ``rnncli bench``: one table per size, the verdict, scaling, the plot.

Tables fit 80 columns: the sizes go in each table's title, so the columns only hold
what differs between rows.  No torch or matplotlib at import time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from contextlib import contextmanager

from rich.console import Console
from rich.table import Table

SIZE_TITLE = ("seq_len", "batch", "input_size", "hidden_size", "num_layers", "dtype", "device")


ABBR = {"seq_len": "T", "batch": "B", "input_size": "I", "hidden_size": "H", "num_layers": "L"}


def _swept(rows: Sequence[dict]) -> list[str]:
    """The size fields that take several values in ``rows``."""
    return [f for f in ABBR if len({r[f] for r in rows}) > 1]


def _scaled(r: dict) -> bool:
    """A naive row timed on part of the batch and scaled."""
    return bool(r.get("batch_timed")) and r["batch_timed"] != r["batch"]


def _si(n: float | None, digits: int = 3) -> str:
    if n is None:
        return "-"
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(n) >= scale:
            return f"{n / scale:.{digits}g}{unit}"
    return f"{n:.{digits}g}"


def _ratio(x: float | None) -> str:
    if x is None:
        return "-"
    return f"{x:.2f}" if x < 10 else f"{x:.1f}" if x < 100 else f"{x:.0f}"


def _num(x: float | None) -> str:
    """At most 5 characters: 3 significant digits, ``<0.01`` for tiny values."""
    if x is None:
        return "-"
    if x >= 1000:
        return _si(x)
    if x < 0.01:
        return "<0.01"
    return f"{x:.2f}" if x < 1 else f"{x:.3g}"


def _percent(x: float) -> str:
    return ">999%" if x >= 9.995 else f"{100 * x:.0f}%"


def _title(r: dict) -> str:
    return (f"T={r['seq_len']} B={r['batch']} I={r['input_size']} H={r['hidden_size']} "
            f"L={r['num_layers']} {r['dtype']} {r['device']}")


def tables(rows: Sequence[dict]) -> list[Table]:
    """One rich table per size and mode (rows keep their run order)."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for r in rows:
        groups[(*(r[f] for f in SIZE_TITLE), r["mode"])].append(r)
    several_impls = len({r["impl"] for r in rows}) > 1
    has_compare = any(r.get("speedup") is not None for r in rows)
    out = []
    for members in groups.values():
        first = members[0]
        title = "train (fwd+bwd)" if first["mode"] == "train" else "forward"
        t = Table(title=f"{title} · {_title(first)}", box=None, pad_edge=False,
                  padding=(0, 1), collapse_padding=True, header_style="bold",
                  title_justify="left")
        t.add_column("arch")
        if several_impls:
            t.add_column("impl")
        for name in ("params", "median", "±IQR", "1st", "tok/s", "GF/s", "peak", "MiB",
                     "×LSTM"):
            t.add_column(name, justify="right", no_wrap=True)
        if several_impls:
            t.add_column("×torch", justify="right", no_wrap=True)
        if has_compare:
            t.add_column("×base", justify="right", no_wrap=True)
        for r in members:
            med = r["median_s"]
            flags = ("*" if r.get("noisy") else "") + ("~" if _scaled(r) else "")
            cells = [r["arch"].upper()]
            if several_impls:
                cells.append(r["impl"])
            cells += [
                _si(r["params"]),
                _time(med) + flags,
                _percent(r["iqr_s"] / med) if med else "-",
                _time(r["first_call_s"]),
                _si(r["tokens_per_s"]),
                _num(r.get("gflops")),
                f"{100 * r['peak_fraction']:.0f}%" if r.get("peak_fraction") else "-",
                _num(r["memory_bytes"] / 2**20 if r.get("memory_bytes") else None),
                _ratio(r.get("vs_lstm")),
            ]
            if several_impls:
                cells.append(_ratio(r.get("vs_torch")))
            if has_compare:
                cells.append(_ratio(r.get("speedup")))
            t.add_row(*cells)
        out.append(t)
    return out


def _time(s: float | None) -> str:
    if s is None:
        return "-"
    if s < 1e-3:
        return f"{s * 1e6:.3g}µs"
    if s < 1:
        return f"{s * 1e3:.3g}ms"
    return f"{s:.3g}s"


def render(report: dict, console: Console) -> None:
    """Print the tables, footnotes, scaling lines and verdict."""
    rows = report["results"]
    meta = report["meta"]
    if not rows:
        console.print("No row was measured.")
        return
    for t in tables(rows):
        console.print(t)
        console.print()
    notes = ["median, ±IQR (as % of the median) over repeated calls after warm-up; "
             "tok/s = batch × seq_len / median"]
    notes.append(f"threads: {meta.get('threads')} (torch); {meta.get('rounds', 1)} interleaved "
                 f"round(s); CPU: {meta.get('cpu')}, {meta.get('cores')} cores")
    peaks = meta.get("peaks") or []
    if peaks:
        notes.append("peak = share of " + ", ".join(
            f"{p['gflops']:.0f} GF/s ({p['n']}² GEMM, {p['dtype']})" for p in peaks))
    notes.append("1st = first call on a fresh model; MiB = activation memory kept for "
                 "backward (train; measured, see --json for the formula); ×LSTM = time / "
                 "LSTM's" + ("; ×torch = time / torch's" if len({r["impl"] for r in rows}) > 1
                             else "")
                 + ("; ×base = baseline time / now (above 1: faster now)"
                    if any(r.get("speedup") is not None for r in rows) else ""))
    if all(r["params"] == r.get("params_formula") for r in rows):
        notes.append("params counted on each module; equal to the formula in every row")
    else:
        bad = [r["arch"] for r in rows if r["params"] != r.get("params_formula")]
        notes.append(f"params: module count differs from the formula for {', '.join(bad)}")
    if any(r.get("noisy") for r in rows):
        notes.append("* noisy: IQR above 10% of the median")
    if any(_scaled(r) for r in rows):
        notes.append("~ naive: timed on part of the batch and scaled to all of it (samples "
                     "are independent; batch_timed in --json)")
    if meta.get("flop_count") == "recurrent":
        notes.append("FLOPs count the recurrent products only (DeepBench's convention)")
    for n in notes:
        console.print(f"[dim]{n}[/]")
    summary = report.get("summary", {})
    swept = _swept(rows)
    for s in summary.get("scaling", []):
        if s["field"] == "seq_len":
            at = "".join(f" {ABBR[f]}={s[f]}" for f in swept if f in s)
            console.print(f"scaling: {s['arch'].upper()} {s['impl']} {s['mode']}{at}: time ∝ "
                          f"seq_len^{s['exponent']:.2f} over T = "
                          f"{', '.join(map(str, s['values']))}")
    if "compare" in summary:
        c = summary["compare"]
        console.print(f"compared with baseline of {c.get('baseline_utc')}: {c['matched']} of "
                      f"{c['rows']} rows matched; ×base = baseline / now")
    console.print()
    for line in summary.get("verdict", []):
        console.print(line)
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


def estimate_line(n_rows: int, seconds: float, memory_bytes: int, notes: Sequence[str]) -> str:
    text = (f"bench: {n_rows} row{'s' if n_rows != 1 else ''}, estimated {seconds:.0f} s "
            f"(largest row about {memory_bytes / 2**20:.0f} MiB)")
    return "\n".join([text, *(f"skipped: {n}" for n in notes)])


@contextmanager
def progress(total: int, console: Console):  # noqa: ANN201
    """A stderr progress bar; yields ``step(label)``: advance past the previous step."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), console=console, transient=True)
    task = bar.add_task("starting", total=total)
    started = [False]

    def step(label: str) -> None:
        if started[0] and not label.startswith("peak"):
            bar.advance(task)
        started[0] = started[0] or not label.startswith("peak")
        bar.update(task, description=label)

    with bar:
        yield step


def plot(report: dict, path: str) -> None:
    """Time against each swept size, one panel per size that takes several values."""
    from rnncli.fileio import save_figure_atomic
    from rnncli.render import pyplot

    rows = report["results"]
    swept_all = _swept(rows)
    swept = swept_all or ["seq_len"]
    plt = pyplot()
    fig, axes = plt.subplots(1, len(swept), figsize=(5 * len(swept), 4), squeeze=False)
    for ax, field in zip(axes[0], swept, strict=True):
        lines: dict[tuple, list[tuple]] = defaultdict(list)
        for r in rows:
            others = tuple((f, r[f]) for f in ("arch", "impl", "mode", "seq_len", "batch",
                                               "input_size", "hidden_size", "num_layers")
                           if f != field)
            lines[others].append((r[field], r["median_s"]))
        for others, pts in lines.items():
            pts.sort()
            d = dict(others)
            label = " ".join(str(d.get(k)) for k in ("arch", "impl", "mode") if k in d)
            label += "".join(f" {ABBR[f]}={d[f]}" for f in swept_all if f in d)
            ax.plot([p[0] for p in pts], [p[1] * 1e3 for p in pts], marker="o", label=label)
        ax.set_xlabel(field)
        ax.set_ylabel("median time per call, whole sequence (ms)")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ticks = sorted({r[field] for r in rows})
        ax.set_xticks(ticks, [str(t) for t in ticks])
        ax.minorticks_off()
        ax.grid(True, which="both", alpha=0.3)
        if len(lines) <= 12:
            ax.legend(fontsize=7)
    fig.suptitle("rnncli bench: time against size")
    save_figure_atomic(fig, path)
    plt.close(fig)
