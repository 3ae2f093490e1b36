"""Rendering for `rnncli memory`: the results table, loss curves and a plain-words summary.

Works on the result dicts of ``rnncli.experiments.train.RunResult.as_dict``;
no torch here.
"""

from __future__ import annotations

import math

from rich.table import Table
from rich.text import Text

from rnncli import fmt
from rnncli.experiments.tasks import SCOPES
from rnncli.render import sparkline

CAP_MARK = "*"


def _fmt(value: float | None, name: str) -> str:
    return fmt.fixed(value, 3) if name == "accuracy" else fmt.small(value)


VERDICT_CELL = dict(zip(SCOPES, ("no", "T only", "T+longer"), strict=True))


def _note(r: dict) -> str:
    if "recall_accuracy" in r:
        return f"recall acc {r['recall_accuracy']:.2f}"
    return ""


def _longer_cell(r: dict, metric: str) -> str:
    g = r.get("longer")
    return "-" if not g else _fmt(g["metric"], metric)


def _longer_tests(results: list[dict]) -> str:
    """'n 11-20 for T=20, n 26-50 for T=50': what the longer column measured."""
    tests = {r["seq_len"]: r["longer"]["test"] for r in results if r.get("longer")}
    return ", ".join(f"{t} for T={T}" for T, t in tests.items()) or "none ran"


def _verdict_cell(r: dict) -> Text:
    word = VERDICT_CELL.get(r.get("verdict", ""), r.get("verdict", ""))
    style = {"no": "red", "T only": "yellow", "T+longer": "green"}.get(word)
    return Text(word, style=style or "")


def _metric_cell(r: dict, metric: str) -> str:
    return "diverged" if r.get("stopped") == "diverged" else _fmt(r["metric"], metric)


def _steps_cell(r: dict) -> str:
    return f"{r['steps']}{CAP_MARK if r.get('wall_cap_hit') else ''}"


def longer_line(results: list[dict], longer_rule: str) -> str:
    """What the table's 'longer' and 'shown' columns mean, printed under it."""
    return (f"longer: the trained model on sequences longer than any trained on "
            f"({_longer_tests(results)}; {longer_rule}). shown: solved at T and on the "
            "longer test (T+longer: generalises to held-out lengths), at T only (in "
            "distribution only), or not at T (no: not shown)")


def results_table(task: str, results: list[dict], solved_rule: str) -> Table:
    """One row per (length, architecture): metric beside its no-memory baseline, the
    same model on longer sequences, and what that shows."""
    metric = results[0]["metric_name"] if results else "metric"
    caption = f"solved: {solved_rule}"
    if any(r.get("wall_cap_hit") for r in results):
        caption += f"; {CAP_MARK} the wall-clock cap stopped the run before its step budget"
    table = Table(title=f"memory: {task}", caption=caption, title_justify="left")
    for name, justify in (("T", "right"), ("arch", "left"), (f"test {metric}", "right"),
                          ("baseline", "right"), ("longer", "right"), ("shown", "left"),
                          ("steps", "right"), ("s", "right")):
        table.add_column(name, justify=justify)
    has_note = any(_note(r) for r in results)
    if has_note:
        table.add_column("extra")
    for r in results:
        row = [str(r["seq_len"]), r["arch"], _metric_cell(r, metric),
               _fmt(r["baseline"], metric), _longer_cell(r, metric), _verdict_cell(r),
               _steps_cell(r), f"{r['seconds']:.1f}"]
        table.add_row(*row, *([_note(r)] if has_note else []))
    return table


def _resample(values: list[float], width: int) -> list[float]:
    if not values:
        return []
    return [values[round(i * (len(values) - 1) / (width - 1))] for i in range(width)]


def _positive(values: list[float]) -> list[float]:
    return [v for v in values if v and v > 0 and math.isfinite(v)]


def curve_lines(results: list[dict], width: int = 24) -> list[str]:
    """Per run: the training loss (log-scale sparkline, one scale for all runs of a task),
    loss spikes, the largest gradient norm and the share of steps clipped."""
    curves = [r.get("loss_curve") or [] for r in results]
    positive = _positive([v for c in curves for v in c])
    if not positive:
        return []
    scale = [min(positive), max(positive)]
    names = [f"{r['arch']} T={r['seq_len']}" for r in results]
    pad = max(len(n) for n in names)
    lines = []
    for name, r, c in zip(names, results, curves, strict=True):
        spark = sparkline([*scale, *_resample(c, width)], log=True)[2:]
        lines.append(f"{name:<{pad}} {spark} spikes {r.get('loss_spikes', 0)}, max |g| {_g(r)},"
                     f" clipped {r.get('clipped_fraction', 0.0):.0%}")
    return lines


def _g(r: dict) -> str:
    return fmt.sig(r.get("grad_norm_max"))


def _unsolved(r: dict) -> str:
    m, b = r["metric"], r["baseline"]
    if r.get("stopped") == "diverged" or m is None or not math.isfinite(m):
        return f"{r['arch']} diverged"
    if r["metric_name"] == "accuracy":
        return f"{r['arch']} not solved ({m:.3f} vs chance {b:.3f})"
    return f"{r['arch']} not solved ({m / b:.0%} of the baseline)"


SHOWN = {SCOPES[2]: "solved at T={T} and on the longer test {test}",
         SCOPES[1]: "solved at T={T}, not on the longer test {test}"}


def _shown(T: int, rows: list[dict], verdict: str) -> str:
    """'in distribution only (solved at T=20, not on the longer test n 11-20): rnn 0.095,
    lstm 0.201' (the longer test's scores), or ''."""
    hit = [r for r in rows if r.get("verdict") == verdict and r.get("longer")]
    if not hit:
        return ""
    test = ", ".join(sorted({r["longer"]["test"] for r in hit}))
    scores = ", ".join(f"{r['arch']} {_fmt(r['longer']['metric'], r['metric_name'])}"
                       for r in hit)
    return f"{verdict} ({SHOWN[verdict].format(T=T, test=test)}): {scores}"


def _length_line(T: int, rows: list[dict]) -> str:
    parts = [_shown(T, rows, v) for v in (SCOPES[2], SCOPES[1])]
    parts = [p for p in parts if p]
    verdicts = {r.get("verdict") for r in rows}
    if SCOPES[1] in verdicts and SCOPES[2] not in verdicts:
        parts.append("none generalises to held-out lengths")
    parts += [_unsolved(r) for r in rows if not r["solved"]]
    return f"T={T}: " + "; ".join(parts)


def summary(results: list[dict]) -> list[str]:
    """One line per length: who solved it, who stayed near the baseline; wall-cap note."""
    lengths = dict.fromkeys(r["seq_len"] for r in results)
    lines = [_length_line(T, [r for r in results if r["seq_len"] == T]) for T in lengths]
    capped = [f"{r['arch']} T={r['seq_len']}" for r in results if r.get("wall_cap_hit")]
    if capped:
        lines.append(f"wall-clock cap hit ({', '.join(capped)}): those numbers depend on the "
                     "machine's speed; raise --max-seconds to finish their step budget")
    return lines


def setting_lines(data: dict) -> list[str]:
    """The setting every verdict above holds for, and, when a run was not solved at a
    smaller size or budget than the full study's, that its 'not solved' is for this
    setting only."""
    c = data["config"]
    lines = [f"setting: H={c['hidden']}, batch {c['batch']}, lr {c['lr']:g}, "
             f"{c['steps']:,} steps per run, seed {c['seed']} (one seed)"]
    diff = data.get("differs_from_study") or {}
    if diff and any(not r["solved"] for r in data["results"]):
        parts = ", ".join(f"{k} {v[0]:g} vs {v[1]:g}" for k, v in diff.items())
        lines.append(f"this setting differs from the full study's ({parts}): a 'not "
                     "solved' here holds for this size and budget only (the full "
                     "study's results: `rnncli memory --full`, docs/memory.md)")
    return lines


def first_look_line(full) -> str:
    """What a bare ``rnncli memory`` ran, and the study one option away (its estimate)."""
    return ("first look (a bare `rnncli memory`, about 15 s of CPU): T=50, H=32, batch 32, "
            "lr 0.02, up to 2,000 steps per run. The full study: `rnncli memory --full` "
            "(T=50,100,200, H=64, up to 5,000 steps; about 7 min of CPU measured, estimate "
            f"{full.describe()})")


def run_line(d: dict) -> str:
    """One line about a finished run, for stderr."""
    metric = d["metric"]
    value = "diverged" if metric is None or not math.isfinite(metric) else f"{metric:.4g}"
    cap = " (wall-clock cap hit)" if d.get("wall_cap_hit") else ""
    return (
        f"{d['arch']} T={d['seq_len']}: {d['metric_name']} {value} "
        f"(baseline {d['baseline']:.4g}), {'solved' if d['solved'] else 'not solved'}, "
        f"{d['steps']} steps{cap}, {d['seconds']:.1f} s"
    )
