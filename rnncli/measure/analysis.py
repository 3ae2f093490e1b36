"""Reading the rows: ratios, the scaling exponent and the verdict in plain words.

- ``vs_lstm``: a row's median time over the median of the LSTM row of the same sizes,
  mode, dtype, device and implementation (below 1: faster than the LSTM).
- ``vs_torch``: the same against the ``torch`` (fused) implementation of the same arch.
- Scaling: the least-squares slope of log(time) against log(seq_len) over rows that
  differ only in seq_len; a recurrence does the same work at every step, so the
  slope should be near 1 (source: the step count of the recurrence, formulas.py).
- The verdict holds the lesson's claims (GRU lighter and faster, LSTM slow and
  heavy; source: lesson) against the measured rows.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence

from rnncli.measure.spec import KEY_FIELDS

SIZE_FIELDS = ("seq_len", "batch", "input_size", "hidden_size", "num_layers")


def _key_without(row: dict, *fields: str) -> tuple:
    return tuple(row.get(f) for f in KEY_FIELDS if f not in fields)


def add_ratios(rows: Sequence[dict]) -> None:
    """Add ``vs_lstm`` and ``vs_torch`` (time ratios) to every row, in place."""
    lstm = {_key_without(r, "arch"): r for r in rows if r["arch"] == "lstm"}
    fused = {_key_without(r, "impl"): r for r in rows if r["impl"] == "torch"}
    several_impls = len({r["impl"] for r in rows}) > 1
    for r in rows:
        ref = lstm.get(_key_without(r, "arch"))
        r["vs_lstm"] = r["median_s"] / ref["median_s"] if ref else None
        ref = fused.get(_key_without(r, "impl")) if several_impls else None
        r["vs_torch"] = r["median_s"] / ref["median_s"] if ref else None


def fit_exponent(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Least-squares slope of log(y) on log(x) (None with fewer than 2 distinct x)."""
    pts = [(math.log(x), math.log(y)) for x, y in zip(xs, ys, strict=True)
           if x > 0 and y > 0]
    if len({p[0] for p in pts}) < 2:
        return None
    n = len(pts)
    mx = sum(p[0] for p in pts) / n
    my = sum(p[1] for p in pts) / n
    sxx = sum((p[0] - mx) ** 2 for p in pts)
    sxy = sum((p[0] - mx) * (p[1] - my) for p in pts)
    return sxy / sxx


def scaling(rows: Sequence[dict], field: str = "seq_len") -> list[dict]:
    """One fitted exponent of time against ``field`` per group of otherwise equal rows."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for r in rows:
        groups[_key_without(r, field)].append(r)
    out = []
    for members in groups.values():
        xs = [m[field] for m in members]
        k = fit_exponent(xs, [m["median_s"] for m in members])
        if k is None:
            continue
        first = members[0]
        out.append({**{f: first[f] for f in KEY_FIELDS if f != field},
                    "field": field, "values": sorted(set(xs)), "exponent": k})
    return out


def _geomean(values: Sequence[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values))


def _ms(s: float) -> str:
    return f"{s * 1e3:.3g} ms" if s < 1 else f"{s:.3g} s"


def verdict(rows: Sequence[dict]) -> list[str]:
    """Plain-words summary: fastest arch per mode and impl, and the lesson's claims."""
    lines: list[str] = []
    by_mi: dict[tuple, list[dict]] = defaultdict(list)
    for r in rows:
        by_mi[(r["mode"], r["impl"])].append(r)
    for (mode, impl), members in by_mi.items():
        sizes: dict[tuple, dict[str, dict]] = defaultdict(dict)
        for r in members:
            sizes[_key_without(r, "arch")][r["arch"]] = r
        archs = sorted({r["arch"] for r in members})
        if len(archs) < 2:
            continue
        # geometric-mean time of each arch relative to the fastest, over sizes with all archs
        full = [s for s in sizes.values() if len(s) == len(archs)]
        if not full:
            continue
        rel = {a: _geomean([s[a]["median_s"] / min(x["median_s"] for x in s.values())
                            for s in full]) for a in archs}
        order = sorted(archs, key=rel.get)
        best, second = order[0], order[1]
        where = "at this size" if len(full) == 1 else f"over {len(full)} sizes (geometric mean)"
        if len(full) == 1:
            s = full[0]
            detail = ", ".join(f"{a.upper()} {_ms(s[a]['median_s'])}" for a in order)
            b, n = s[best], s[second]
            if not _clear_gap(b, n):
                lines.append(f"{mode}, {impl}: {best.upper()} and {second.upper()} were "
                             f"within noise of each other {where} ({detail}; the gap is "
                             "smaller than the IQR, or too few runs).")
            else:
                lines.append(f"{mode}, {impl}: {best.upper()} was fastest {where} "
                             f"({detail}); the runner-up, {second.upper()}, took "
                             f"{rel[second]:.2f}× as long.")
        else:
            lines.append(f"{mode}, {impl}: {best.upper()} was fastest {where}; the "
                         f"runner-up, {second.upper()}, took {rel[second]:.2f}× as long.")
        pairs = [s for s in sizes.values() if "gru" in s and "lstm" in s]
        if pairs:
            lines.append("  " + _gru_vs_lstm(pairs))
    lines += _kernel_lines(rows)
    lines += _memory_lines(rows)
    return lines


def _clear_gap(a: dict, b: dict) -> bool:
    """Two rows differ clearly: both have 3+ runs and the gap exceeds both IQRs."""
    if min(a.get("runs", 3), b.get("runs", 3)) < 3:
        return False
    return abs(a["median_s"] - b["median_s"]) > max(a["iqr_s"], b["iqr_s"])


def _gru_vs_lstm(pairs: list[dict[str, dict]]) -> str:
    """The lesson's speed claim (GRU faster than LSTM) against the measured pairs."""
    clear = [s for s in pairs if _clear_gap(s["gru"], s["lstm"])]
    gru_wins = sum(s["gru"]["median_s"] < s["lstm"]["median_s"] for s in clear)
    ratio = _geomean([s["gru"]["median_s"] / s["lstm"]["median_s"] for s in pairs])
    n, c = len(pairs), len(clear)
    head = f"GRU/LSTM time {ratio:.2f}×"
    if c == 0:
        text = (f"{head}, but no gap is clear (larger than the IQR, 3+ runs each), so the "
                "lesson's "
                "'GRU is faster' is neither shown nor refuted here")
    elif gru_wins == c:
        text = f"{head}; GRU clearly faster in {gru_wins} of {n}: matches the lesson's claim"
    elif gru_wins == 0:
        text = (f"{head}; LSTM clearly faster in {c} of {n}: contradicts the lesson's claim "
                "that GRU is faster")
    else:
        text = (f"{head}; GRU clearly faster in {gru_wins}, LSTM in {c - gru_wins} of {n}: "
                "the lesson's claim holds only at some sizes")
    if any(s[a].get("noisy") for s in pairs for a in ("gru", "lstm")):
        text += " (noisy rows: rerun on a quiet machine before quoting)"
    return text + "."


def _kernel_lines(rows: Sequence[dict]) -> list[str]:
    kernels = {r["arch"]: r.get("kernel") or "" for r in rows if r["impl"] == "torch"}
    if kernels.get("lstm", "").startswith("oneDNN") and kernels.get("gru") and not \
            kernels["gru"].startswith("oneDNN"):
        return ["Why: torch runs the LSTM through oneDNN's fused RNN kernel on this CPU, "
                "but the GRU and RNN as generic ATen ops step by step (source: "
                "torch-aten-rnn); the kernel, not the gate count, decides who is faster."]
    return []


def _memory_lines(rows: Sequence[dict]) -> list[str]:
    lines = []
    pairs: dict[tuple, dict[str, dict]] = defaultdict(dict)
    for r in rows:
        pairs[_key_without(r, "arch")][r["arch"]] = r
    done = False
    for s in pairs.values():
        if "gru" in s and "lstm" in s and not done:
            g, m = s["gru"], s["lstm"]
            lines.append(f"Parameters: GRU {g['params']:,} vs LSTM {m['params']:,} "
                         f"({g['params'] / m['params']:.2f}×): GRU is lighter, as the "
                         "lesson says (3 gate blocks against 4).")
            done = True
        if "gru" in s and "lstm" in s and s["gru"]["mode"] == "train":
            g, m = s["gru"].get("memory_bytes"), s["lstm"].get("memory_bytes")
            if g and m:
                word = "matches" if g < m else "contradicts"
                lines.append(f"Training memory kept ({s['gru']['impl']}): GRU {g / 2**20:.1f} "
                             f"MiB vs LSTM {m / 2**20:.1f} MiB ({g / m:.2f}×): {word} the "
                             "lesson's 'LSTM heavy, GRU medium'.")
                break
    return lines
