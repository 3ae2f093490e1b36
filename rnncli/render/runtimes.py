"""``rnncli bench --runtime``: the runtime table (one row per runtime and shape), the
honesty rules under it, the rows not timed and the threads as set.  Fits 80 columns;
``--json`` holds every field (``summary.runtimes`` and each row's ``torch_ratio``).
No torch at import time.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table

from rnncli import fmt, verdict


def _ratio(r: dict) -> str:
    q = r.get("torch_ratio")
    if r["impl"] == "torch":
        return "1 (ref)"
    if not q:
        return "-"
    return verdict.ratio_text(q["ratio"], q["lo"], q["hi"])


def _word(r: dict) -> str:
    q = r.get("torch_ratio")
    if not q:
        return ""
    v = q["verdict"]
    if not v["decided"]:
        return "tie" if v["outcome"] == "not distinguishable" else "too few runs"
    return "faster" if v["winner"] == r["impl"] else "slower"


def _first(r: dict) -> str:
    setup = r.get("setup_s") or 0.0
    return fmt.duration(setup + (r.get("first_call_s") or 0.0))


def _shape(r: dict) -> str:
    return (f"{r['mode']} · T={r['seq_len']} B={r['batch']} I={r['input_size']} "
            f"H={r['hidden_size']} L={r['num_layers']}")


def _rows(report: dict) -> list[dict]:
    from rnncli.runtimes import RUNTIMES

    return [r for r in report["results"] if r["impl"] == "torch" or r["impl"] in RUNTIMES]


CELLS = (("runtime", lambda r: r["impl"]), ("arch", lambda r: r["arch"].upper()),
         ("median", lambda r: fmt.duration(r["median_s"])),
         ("IQR", lambda r: fmt.spread(r.get("iqr_s"), r["median_s"], r.get("runs"))),
         ("torch ÷ it (95%)", _ratio), ("", _word),
         ("peak", lambda r: fmt.percent(r.get("peak_fraction"))), ("1st call", _first))


def tables(report: dict) -> list[Table]:
    groups: dict[str, list[dict]] = {}
    for r in _rows(report):
        groups.setdefault(_shape(r), []).append(r)
    out = []
    for title, members in groups.items():
        t = Table(title=f"runtimes · {title}", title_justify="left", box=None)
        for name, _ in CELLS:
            t.add_column(name, justify="left" if name in ("runtime", "arch") else "right")
        for r in sorted(members, key=lambda m: (m["arch"], m["median_s"])):
            t.add_row(*(fn(r) for _, fn in CELLS))
        out.append(t)
    return out


def markdown_tables(report: dict) -> list[str]:
    lines: list[str] = []
    groups: dict[str, list[dict]] = {}
    for r in _rows(report):
        groups.setdefault(_shape(r), []).append(r)
    for title, members in groups.items():
        lines += [f"**runtimes**, {title}", "",
                  "| " + " | ".join(n or "verdict" for n, _ in CELLS) + " |",
                  "|---|---|" + "---:|" * (len(CELLS) - 2)]
        lines += ["| " + " | ".join(fn(r) for _, fn in CELLS) + " |"
                  for r in sorted(members, key=lambda m: (m["arch"], m["median_s"]))]
        lines.append("")
    return lines


def _not_timed(info: dict) -> list[str]:
    return [f"NOT TIMED: {n['runtime']} {n['arch'].upper()} {n['mode']} T={n['seq_len']} "
            f"B={n['batch']}: {n['reason']}" for n in info.get("not_timed", [])]


def _agreement(rows: Sequence[dict]) -> str:
    parts = {}
    for r in rows:
        a = r.get("agreement")
        if a:
            shapes = " and ".join(f"T={t} B={b}" for t, b in a["shapes"])
            parts[(r["impl"], r["arch"], shapes)] = (
                f"{r['impl']} {r['arch'].upper()} {fmt.sci(a['max_abs_diff'])} ({shapes})")
    parts = list(parts.values())
    return "outputs vs torch, max |Δ|: " + "; ".join(parts) if parts else ""


def notes(report: dict) -> list[str]:
    """Lines under the runtime table: rules, not-timed rows, agreement, threads, first call."""
    info = report.get("summary", {}).get("runtimes")
    if not info:
        return []
    lines = _not_timed(info)
    lines.append(_agreement(report["results"]))
    lines.append("threads as set: " + "; ".join(f"{k}: {v}"
                                                for k, v in info["threads_as_set"].items()))
    lines.append("torch ÷ it = torch's median / the runtime's (above 1: faster than torch), "
                 "95% bootstrap interval over rounds; faster/slower only where it excludes 1")
    lines.append("1st call = export/compile/JIT + first run (JAX: worker start and import "
                 "included, wall clock), never in the median")
    lines += [f"rule: {rule}" for rule in info["rules"]]
    lines += info.get("findings", [])
    return [line for line in lines if line]


def render(report: dict, console) -> None:
    if not report.get("summary", {}).get("runtimes"):
        return
    for t in tables(report):
        console.print(t)
        console.print()
    for line in notes(report):
        console.print(line, highlight=False, soft_wrap=False)
    console.print()


def _merged_head(merged: dict) -> list[str]:
    return [f"{chr(65 + i)} = {m['name']}: {m['cpu'] or '?'}, {m['cores'] or '?'} cores, "
            f"{m['threads'] or '?'} thread(s), clock {m['clock'] or '?'}, "
            f"{(m['utc'] or '?')[:16]}, load {_load(m['load_average'])}"
            for i, m in enumerate(merged["machines"])]


def _load(value) -> str:
    if isinstance(value, (list, tuple)):
        value = value[0] if value else None
    return fmt.num(value) if isinstance(value, (int, float)) else "?"


def _merged_cells(r: dict) -> list[str]:
    where = (f"{r['arch'].upper()} {r['impl']} {r['mode']} T={r['seq_len']} B={r['batch']} "
             f"H={r['hidden_size']}")
    cells = [where]
    for m, v in zip(r["median_s"], r["vs_first"], strict=True):
        cells.append("-" if m is None else fmt.duration(m) + (
            f" ({fmt.ratio(v)}×)" if v is not None and cells[1:] else ""))
    return cells


def render_merged(merged: dict, console, markdown: bool = False) -> None:
    """``bench --compare A.json,B.json,...``: one row per key, one median per file."""
    letters = [chr(65 + i) for i in range(len(merged["machines"]))]
    rows = [_merged_cells(r) for r in merged["rows"]]
    notes = [*_merged_head(merged), "(n×) = median / A's median; " + merged["note"]]
    if markdown:
        lines = ["| row | " + " | ".join(letters) + " |",
                 "|---|" + "---:|" * len(letters)]
        lines += ["| " + " | ".join(c) + " |" for c in rows]
        lines += ["", *[f"- {n}" for n in notes]]
        console.print("\n".join(lines), soft_wrap=True, highlight=False, markup=False)
        return
    t = Table(box=None, title="bench files merged", title_justify="left")
    t.add_column("row")
    for x in letters:
        t.add_column(x, justify="right")
    for c in rows:
        t.add_row(*c)
    console.print(t)
    for n in notes:
        console.print(n, highlight=False, markup=False)
