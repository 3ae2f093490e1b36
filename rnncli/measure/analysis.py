"""Reading the rows: ratios, shares of peak, verdicts with intervals, scaling, warnings.

- ``vs_lstm``: a row's median time over the median of the LSTM row of the same sizes,
  mode, dtype, device and implementation (below 1: faster than the LSTM).
- ``vs_torch``: the same against the ``torch`` (fused) implementation of the same arch.
- ``peak_fraction``: achieved GFLOP/s over the best GEMM peak of the run; a row above 1
  is flagged ``peak_error`` (a measurement error: nothing beats the machine's GEMM).
- Comparisons: within each group of rows that differ only in the architecture (or
  only in the implementation, or padded against packed), every pair, faster first,
  with the ratio's 95 % bootstrap interval (:mod:`rnncli.measure.stats`).
  The words come from the shared rule (:mod:`rnncli.verdict`): "X 1.52× (95% 1.48–1.57)
  faster than Y" only when both rows have 5 or more timed runs and the interval excludes
  1; "not distinguishable here" with the interval when it includes 1; with fewer runs
  "not compared", naming the minimum, the observed ratio and how to get more runs.
- Scaling: the least-squares slope of log(time) against log(seq_len) over rows that
  differ only in seq_len; a recurrence does the same work at every step, so the slope
  should be near 1 (source: the step count of the recurrence, formulas.py).
- The verdict holds the lesson's claims (GRU lighter and faster, LSTM slow and heavy;
  source: lesson) against the comparisons (``verdict.claim_over_cases``: no case won is
  never "holds in some cases"). The oneDNN line appears only beside a torch row it
  explains (a decided LSTM-faster-than-GRU comparison of torch rows).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from rnncli import archs, fmt
from rnncli import verdict as rule
from rnncli.measure import stats
from rnncli.measure.spec import KEY_FIELDS, row_key

#: Fields a comparison varies, with how its members are named in text.
COMPARED = ("arch", "impl", "batching")
#: The lesson's claim: LIGHT (the GRU) is lighter and faster than HEAVY (the LSTM).
LIGHT, HEAVY = archs.LESSON_PAIR


def _name(row: dict, field: str) -> str:
    return archs.get(row["arch"]).title if field == "arch" else str(row.get(field))


def add_ratios(rows: Sequence[dict]) -> None:
    """Add ``vs_lstm`` (against HEAVY) and ``vs_torch`` (time ratios) to every row."""
    heavy = {row_key(r, "arch"): r for r in rows if r["arch"] == HEAVY}
    fused = {row_key(r, "impl"): r for r in rows if r["impl"] == "torch"}
    several_impls = len({r["impl"] for r in rows}) > 1
    for r in rows:
        ref = heavy.get(row_key(r, "arch"))
        r["vs_lstm"] = r["median_s"] / ref["median_s"] if ref else None
        ref = fused.get(row_key(r, "impl")) if several_impls else None
        r["vs_torch"] = r["median_s"] / ref["median_s"] if ref else None


def add_peak_fractions(rows: Sequence[dict], peaks: dict[tuple[str, str], float]) -> None:
    """``peak_fraction`` = gflops / best peak of the row's dtype and device; > 1 flagged."""
    for r in rows:
        peak = peaks.get((r["dtype"], r["device"]))
        frac = r["gflops"] / peak if (peak and r.get("gflops")) else None
        r["peak_fraction"] = frac
        r["peak_error"] = bool(frac is not None and frac > 1.0)


def comparisons(rows: Sequence[dict]) -> list[dict]:
    """Every pair of rows in each group, faster first (see the module docstring)."""
    out = []
    for field in COMPARED:
        groups: dict[tuple, list[dict]] = defaultdict(list)
        for r in rows:
            groups[row_key(r, field)].append(r)
        for members in groups.values():
            if len({m.get(field) for m in members}) < 2:
                continue
            ranked = stats.order(members)
            for i, fast in enumerate(ranked):
                for slow in ranked[i + 1:]:
                    out.append(_comparison(fast, slow, field))
    return out


#: How to get enough timed runs, for a pair the rule refuses.
MORE_RUNS = f"raise --min-time for at least {stats.MIN_RUNS} timed runs per row"


def _comparison(fast: dict, slow: dict, field: str) -> dict:
    ratio = stats.ratio(fast, slow)
    said = _phrase(fast, slow, field, ratio)
    return {"field": field, "fast": fast.get(field), "slow": slow.get(field),
            "fast_name": _name(fast, field), "slow_name": _name(slow, field),
            **{f: fast.get(f) for f in KEY_FIELDS if f != field},
            **ratio.as_dict(), "decided": said.decided, "outcome": said.outcome,
            "text": said.line}


def _phrase(fast: dict, slow: dict, field: str, r: stats.Ratio) -> rule.Verdict:
    """The pair in words, by the shared rule (``r.ratio`` >= 1: ``fast`` is faster)."""
    ev = rule.Evidence(r.ratio, r.lo, r.hi, min(r.runs), stats.MIN_RUNS, "timed run")
    return rule.compare_ratio(_name(fast, field), _name(slow, field), ev, how=MORE_RUNS)


def fit_exponent(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Least-squares slope of log(y) on log(x) (None with fewer than 2 distinct x)."""
    pts = [(math.log(x), math.log(y)) for x, y in zip(xs, ys, strict=True)
           if x > 0 and y > 0]
    if len({p[0] for p in pts}) < 2:
        return None
    return float(np.polyfit(*zip(*pts, strict=True), 1)[0])


def scaling(rows: Sequence[dict], field: str = "seq_len") -> list[dict]:
    """One fitted exponent of time against ``field`` per group of otherwise equal rows."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for r in rows:
        if not r.get("lengths"):
            groups[row_key(r, field)].append(r)
    out = []
    for members in groups.values():
        xs = [m[field] for m in members]
        k = fit_exponent(xs, [m["median_s"] for m in members])
        if k is None:
            continue
        first = members[0]
        out.append({**{f: first.get(f) for f in KEY_FIELDS if f != field},
                    "field": field, "values": sorted(set(xs)), "exponent": k})
    return out


def _where(c: dict) -> str:
    parts = [c["mode"]]
    if c["field"] != "impl":
        parts.append(c["impl"])
    if c["field"] != "arch":
        parts.append(archs.get(c["arch"]).title)
    if c.get("batching") not in (None, "fixed") and c["field"] != "batching":
        parts.append(c["batching"])
    return ", ".join(parts)


def _size(c: dict) -> str:
    return f"T={c['seq_len']} B={c['batch']} H={c['hidden_size']}"


def verdict(rows: Sequence[dict], comps: Sequence[dict] | None = None) -> list[str]:
    """Plain-words summary: who is faster (only where the interval says so), the lesson's
    claims, why (the kernel), and parameters and memory."""
    comps = comparisons(rows) if comps is None else comps
    several_sizes = len({_size(c) for c in comps}) > 1
    lines = []
    for c in comps:
        at = f" at {_size(c)}" if several_sizes else ""
        lines.append(f"{_where(c)}{at}: {c['text']}.")
    lines += _lesson_lines(comps)
    lines += _kernel_lines(rows, comps)
    lines += _memory_lines(rows)
    return lines


def _lesson_pairs(comps: Sequence[dict]) -> list[dict]:
    return [c for c in comps if c["field"] == "arch" and {c["fast"], c["slow"]} ==
            {LIGHT, HEAVY}]


def _lesson_lines(comps: Sequence[dict]) -> list[str]:
    """The lesson's speed claim (GRU faster than LSTM) against the decided comparisons."""
    pairs = _lesson_pairs(comps)
    if not pairs:
        return []
    several = len({_size(c) for c in pairs}) > 1
    outcomes = {f"{_where(c)}{' ' + _size(c) if several else ''}":
                (archs.get(c["fast"]).title if c["decided"] else None) for c in pairs}
    light, heavy = archs.get(LIGHT).title, archs.get(HEAVY).title
    return [f"{light} vs {heavy}: " + rule.claim_over_cases(
        light, outcomes, f"the lesson's '{light} is faster'") + "."]


def _onednn_heavy_only(rows: Sequence[dict]) -> bool:
    """The torch LSTM rows ran oneDNN's fused kernel and the GRU rows did not."""
    kernels = {r["arch"]: r.get("kernel") or "" for r in rows if r["impl"] == "torch"}
    light = kernels.get(LIGHT)
    return kernels.get(HEAVY, "").startswith("oneDNN") and bool(light) and \
        not light.startswith("oneDNN")


def _kernel_lines(rows: Sequence[dict], comps: Sequence[dict]) -> list[str]:
    """Why the LSTM wins, beside the torch rows it explains (none: no line)."""
    explained = [c for c in _lesson_pairs(comps)
                 if c["impl"] == "torch" and c["decided"] and c["fast"] == HEAVY]
    if explained and _onednn_heavy_only(rows):
        return ["Why (torch rows): torch runs the LSTM through oneDNN's fused RNN kernel on "
                "this CPU, but the GRU and RNN as generic ATen ops step by step (source: "
                "torch-aten-rnn); the kernel, not the gate count, decides who is faster."]
    return []


def _row_pairs(rows: Sequence[dict]) -> list[dict[str, dict]]:
    pairs: dict[tuple, dict[str, dict]] = defaultdict(dict)
    for r in rows:
        pairs[row_key(r, "arch")][r["arch"]] = r
    return [s for s in pairs.values() if LIGHT in s and HEAVY in s]


def _memory_lines(rows: Sequence[dict]) -> list[str]:
    pairs = _row_pairs(rows)
    if not pairs:
        return []
    g, m = pairs[0][LIGHT], pairs[0][HEAVY]
    light, heavy = archs.get(LIGHT).title, archs.get(HEAVY).title
    lines = [f"Parameters: {light} {g['params']:,} vs {heavy} {m['params']:,} "
             f"({g['params'] / m['params']:.2f}×): {light} is lighter, as the lesson says "
             f"({archs.get(LIGHT).gate_blocks} gate blocks against "
             f"{archs.get(HEAVY).gate_blocks})."]
    for s in pairs:
        g, m = s[LIGHT].get("memory_bytes"), s[HEAVY].get("memory_bytes")
        if s[LIGHT]["mode"] == "train" and g and m:
            word = "matches" if g < m else "contradicts"
            lines.append(f"Training memory kept ({s[LIGHT]['impl']}): {light} {fmt.mib(g)} "
                         f"vs {heavy} {fmt.mib(m)} ({g / m:.2f}×): {word} the lesson's "
                         f"'{heavy} heavy, {light} medium'.")
            break
    return lines


def _busy_warning(meta: dict) -> list[str]:
    busy = meta.get("contention") or {}
    if not busy.get("busy"):
        return []
    act = busy.get("action")
    share = busy.get("cpu_share")
    probe = f", a probe got {share:.0%} of a core" if share is not None else ""
    return [f"busy machine: load average {busy.get('load')} on {busy.get('cores')} cores"
            f"{probe} before the run; timings are slower and noisier than on a quiet machine"
            + (f"; {act}" if act else "")]


def warnings(rows: Sequence[dict], meta: dict) -> list[str]:
    """Warnings that change how to read the table (printed on stderr AND under it)."""
    out = _busy_warning(meta)
    noisy = [r for r in rows if r.get("noisy")]
    if rows and len(noisy) * 3 > len(rows):
        out.append(f"{len(noisy)} of {len(rows)} rows have a wide spread (IQR above 10% of "
                   "the median, or fewer than 3 runs): rerun on a quieter machine before "
                   "quoting them")
    for r in rows:
        if r.get("peak_error"):
            out.append(f"{r['arch']} {r['impl']} {r['mode']} T={r['seq_len']}: "
                       f"{fmt.percent(r['peak_fraction'])} of the GEMM peak is a "
                       "measurement error (the peak was measured under heavier load)")
    few = [r for r in rows if r.get("runs", 0) < stats.MIN_RUNS]
    if few:
        out.append(f"{len(few)} row(s) have fewer than {stats.MIN_RUNS} timed runs: no "
                   f"verdict involves them ({MORE_RUNS})")
    return out
