"""``rnncli bench --plot``: small multiples with the measured spread.

- A sweep (a size that takes several values): one panel per mode, time against the
  swept size on log axes shared by the panels (1-2-5 ticks, labelled), one colour per
  architecture and one line style per implementation / batching / other swept size,
  error bars from the measured quartiles (Q1..Q3).
- A single size: a bar chart per mode, one bar per architecture and implementation,
  with the quartiles as error bars.

Colours belong to an architecture, the same in every panel; the legend sits outside the
data, to the right of the panels.  matplotlib is imported only here, on demand.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from rnncli import archs
from rnncli.measure.spec import MODES

ABBR = {"seq_len": "T", "batch": "B", "input_size": "I", "hidden_size": "H", "num_layers": "L"}
FIELD_NAME = {"seq_len": "sequence length T", "batch": "batch size B",
              "input_size": "input size I", "hidden_size": "hidden size H",
              "num_layers": "layers L"}
MODE_TITLE = {"forward": "forward (inference)", "train": "train (forward + backward)"}
COLOURS = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown",
           "tab:pink", "tab:gray", "tab:olive", "tab:cyan")
STYLES = ("-", "--", ":", "-.")


def _swept(rows: Sequence[dict]) -> list[str]:
    return [f for f in ABBR if len({r[f] for r in rows}) > 1]


def _err(rows: Sequence[dict], scale: float = 1e3) -> list[list[float]]:
    """Asymmetric error bars (median - Q1, Q3 - median), in ms."""
    lo = [max(0.0, r["median_s"] - r.get("q1_s", r["median_s"])) * scale for r in rows]
    hi = [max(0.0, r.get("q3_s", r["median_s"]) - r["median_s"]) * scale for r in rows]
    return [lo, hi]


def _label(r: dict, others: Sequence[str]) -> str:
    parts = [r["impl"]]
    if r.get("batching") not in (None, "fixed"):
        parts.append(r["batching"])
    parts += [f"{ABBR[f]}={r[f]}" for f in others]
    return " ".join(parts)


def _present(rows: Sequence[dict]) -> tuple[list[str], list[str]]:
    arch_names = [a for a in archs.names() if any(r["arch"] == a for r in rows)]
    return arch_names, [m for m in MODES if any(r["mode"] == m for r in rows)]


def _sweep(plt, rows: Sequence[dict], field: str):
    """One panel per mode; the architectures are lines on one shared, labelled log axis."""
    others = [f for f in _swept(rows) if f != field]
    arch_names, modes = _present(rows)
    styles = {lab: STYLES[i % len(STYLES)]
              for i, lab in enumerate(sorted({_label(r, others) for r in rows}))}
    fig, axes = plt.subplots(1, len(modes), squeeze=False, sharex=True, sharey=True,
                             figsize=(4.6 * len(modes) + 2.4, 3.8))
    for j, mode in enumerate(modes):
        ax = axes[0][j]
        for k, arch in enumerate(arch_names):
            members = [r for r in rows if r["arch"] == arch and r["mode"] == mode]
            _panel(ax, members, field, others, archs.get(arch).title, COLOURS[k % 10],
                   styles)
        _axes(ax, rows, field, MODE_TITLE.get(mode, mode), j == 0)
    return fig, axes


def _panel(ax, members: Sequence[dict], field: str, others: Sequence[str], arch: str,
           colour: str, styles: dict[str, str]) -> None:
    lines: dict[str, list[dict]] = defaultdict(list)
    for r in members:
        lines[_label(r, others)].append(r)
    for lab, pts in sorted(lines.items()):
        pts.sort(key=lambda r: r[field])
        name = arch if len(styles) == 1 else f"{arch} {lab}"
        ax.errorbar([r[field] for r in pts], [r["median_s"] * 1e3 for r in pts],
                    yerr=_err(pts), marker="o", ms=3, capsize=2, label=name, color=colour,
                    linestyle=styles[lab])


def _axes(ax, rows: Sequence[dict], field: str, title: str, left: bool) -> None:
    from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

    ax.set_xscale("log")
    ax.set_yscale("log")
    ticks = sorted({r[field] for r in rows})
    ax.set_xticks(ticks, [str(t) for t in ticks])
    ax.xaxis.set_minor_locator(NullLocator())
    # 1-2-5 ticks, labelled in plain numbers: a range under a decade still shows several
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.grid(True, which="major", alpha=0.3)
    ax.set_title(title, fontsize=10)
    if left:
        ax.set_ylabel("median ms per call (log)")
    ax.set_xlabel(f"{FIELD_NAME[field]} (log)")


def _bars(plt, rows: Sequence[dict]):
    modes = [m for m in MODES if any(r["mode"] == m for r in rows)]
    fig, axes = plt.subplots(1, len(modes), squeeze=False, figsize=(4.2 * len(modes) + 2, 3.4))
    for ax, mode in zip(axes[0], modes, strict=True):
        members = [r for r in rows if r["mode"] == mode]
        names = [f"{archs.get(r['arch']).title}\n{_label(r, [])}" for r in members]
        ax.bar(range(len(members)), [r["median_s"] * 1e3 for r in members],
               yerr=_err(members), capsize=3, color="#4c72b0", alpha=0.85,
               label="median, Q1..Q3")
        ax.set_xticks(range(len(members)), names, fontsize=7)
        ax.set_ylabel("median ms per call")
        ax.set_title(mode, fontsize=9)
        ax.grid(True, axis="y", alpha=0.3)
    return fig, axes


def plot(report: dict, path: str) -> str:
    """Draw and save atomically; returns ``path``."""
    from rnncli.fileio import save_figure_atomic
    from rnncli.render import pyplot

    fig = figure(report)
    save_figure_atomic(fig, path)
    pyplot().close(fig)
    return str(path)


def figure(report: dict):
    """The matplotlib figure for ``report`` (not saved)."""
    from rnncli.render import pyplot

    rows = report["results"]
    plt = pyplot()
    swept = _swept(rows)
    fig, axes = _sweep(plt, rows, swept[0]) if swept else _bars(plt, rows)
    seen: dict = {}
    for ax in axes.flat:  # every panel's lines, once each
        handles, labels = ax.get_legend_handles_labels()
        for h, lab in zip(handles, labels, strict=True):
            seen.setdefault(lab, h)
    fig.legend(list(seen.values()), list(seen.keys()), loc="center left",
               bbox_to_anchor=(1.0, 0.5), fontsize=8, frameon=False)
    meta = report.get("meta", {})
    fig.suptitle(f"rnncli bench: {meta.get('cpu') or 'this machine'}, {meta.get('threads')} "
                 "thread(s); error bars = quartiles of the timed runs", fontsize=9)
    fig.tight_layout()
    return fig
