"""What the rows of ``rnncli bench --runtime`` show, for ``summary.runtimes``: each
runtime row's ratio to torch with its interval and the shared verdict, the threads as
set, the fastest runtime per shape, and where an architecture's slowness is torch's
kernel.  Pure functions of the result rows (no torch).
"""

from __future__ import annotations

from rnncli.measure.spec import row_key
from rnncli.runtimes import RUNTIMES


def threads_as_set(rows: list[dict], meta: dict) -> dict[str, str]:
    """{runtime: its thread setting as applied} (torch: set_num_threads of the run)."""
    out = {"torch": f"torch.set_num_threads({meta.get('threads')})"}
    out.update({r["impl"]: r["threads_as_set"] for r in rows if r.get("threads_as_set")})
    return out


def fastest(rows: list[dict]) -> list[dict]:
    """Per shape and mode, the runtime with the lowest median and its ratio to torch
    (with the interval and verdict of ``analysis``'s comparison when one was made)."""
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        if r["impl"] == "torch" or r["impl"] in RUNTIMES:
            groups.setdefault(row_key(r, "impl"), []).append(r)
    return [_best(m) for m in groups.values() if len(m) > 1]


def _best(members: list[dict]) -> dict:
    best = min(members, key=lambda r: r["median_s"])
    torch_row = next((r for r in members if r["impl"] == "torch"), None)
    return {"arch": best["arch"], "mode": best["mode"], "seq_len": best["seq_len"],
            "batch": best["batch"], "input_size": best["input_size"],
            "hidden_size": best["hidden_size"], "runtime": best["impl"],
            "median_s": best["median_s"],
            "torch_over_best": (torch_row["median_s"] / best["median_s"])
            if torch_row else None}


def add_torch_ratios(rows: list[dict], comps: list[dict]) -> None:
    """Each runtime row's speed against torch on the same shape: ``torch_ratio`` = torch
    median / runtime median (above 1: the runtime is faster), with the 95% interval of
    ``analysis``'s comparison of the pair (the same bootstrap, so table and verdict agree)
    and the shared rule's verdict (``rnncli.verdict``)."""
    found = {(row_key(c, "impl"), c["fast"] if c["slow"] == "torch" else c["slow"]): c
             for c in comps if c["field"] == "impl" and "torch" in (c["fast"], c["slow"])}
    for r in rows:
        c = found.get((row_key(r, "impl"), r["impl"])) if r["impl"] in RUNTIMES else None
        if c is not None:
            r["torch_ratio"] = _torch_ratio(c, r["impl"])


def _torch_ratio(c: dict, runtime: str) -> dict:
    """A torch-runtime comparison turned round to torch ÷ runtime, with its verdict."""
    from rnncli import verdict
    from rnncli.measure import stats

    q = (c["ratio"], c["lo"], c["hi"]) if c["fast"] == runtime else \
        (1 / c["ratio"], c["hi"] and 1 / c["hi"], c["lo"] and 1 / c["lo"])
    ev = verdict.Evidence(*q, min(c["runs"]), stats.MIN_RUNS, "timed run")
    return {"ratio": q[0], "lo": q[1], "hi": q[2], "paired_rounds": c["paired_rounds"],
            "verdict": verdict.compare_ratio(runtime, "torch", ev).as_dict()}


#: Why torch's GRU/RNN lose to the other runtimes on CPU (ONEDNN_VERBOSE=1 shows it).
TORCH_KERNEL = ("in torch 2.13 on CPU only nn.LSTM reaches oneDNN's fused RNN kernel "
                "(ONEDNN_VERBOSE=1 prints 'rnn,...,alg:vanilla_lstm'); nn.GRU and nn.RNN "
                "run generic ATen ops step by step")


def _by_shape(rows: list[dict]) -> dict[tuple, dict[tuple[str, str], dict]]:
    """{(mode, sizes): {(arch, runtime): row}} for torch and runtime rows."""
    out: dict[tuple, dict[tuple[str, str], dict]] = {}
    for r in rows:
        if r["impl"] == "torch" or r["impl"] in RUNTIMES:
            key = (r["mode"], r["seq_len"], r["batch"], r["input_size"], r["hidden_size"],
                   r["num_layers"])
            out.setdefault(key, {})[(r["arch"], r["impl"])] = r
    return out


def _faster_than_torch(r: dict) -> bool:
    v = (r.get("torch_ratio") or {}).get("verdict") or {}
    return bool(v.get("decided")) and v.get("winner") == r["impl"]


def _fused(r: dict) -> bool:
    return "fused" in (r.get("kernel") or "")


def _fused_faster(cells: dict, mine: dict | None) -> dict | None:
    """A torch row run fused that is faster than ``mine`` (run step by step), if any."""
    if mine is None or _fused(mine):
        return None
    return next((r for (_, n), r in cells.items() if n == "torch" and _fused(r)
                 and r["median_s"] < mine["median_s"]), None)


def _ratios_there(cells: dict, ref_arch: str, fast: list[dict]) -> str:
    return ", ".join(
        f"{r['impl']} {cells[(ref_arch, r['impl'])]['median_s'] / r['median_s']:.2f}"
        for r in fast if (ref_arch, r["impl"]) in cells)


def _kernel_finding(where: str, cells: dict[tuple[str, str], dict], arch: str) -> str | None:
    """'the GRU's slowness is torch's': torch runs ``arch`` step by step and slower than
    an arch it runs fused, and another runtime runs the same ``arch`` significantly faster
    than torch (its interval excludes 1)."""
    mine = cells.get((arch, "torch"))
    ref = _fused_faster(cells, mine)
    fast = [r for (a, n), r in cells.items() if a == arch and n != "torch"
            and _faster_than_torch(r)]
    if ref is None or not fast:
        return None
    there = _ratios_there(cells, ref["arch"], fast)
    best = max(fast, key=lambda r: r["torch_ratio"]["ratio"])
    q = best["torch_ratio"]
    from rnncli import verdict

    a, b = arch.upper(), ref["arch"].upper()
    return (f"{where}: torch's {a} takes {mine['median_s'] / ref['median_s']:.2f}× its {b}'s "
            f"time, but {best['impl']} runs the same {a} "
            f"{verdict.ratio_text(q['ratio'], q['lo'], q['hi'])} faster than torch"
            + (f" ({b} time ÷ {a} time there: {there})" if there else "")
            + f": the {a}'s slowness is torch's kernel, not the {a} ({TORCH_KERNEL})")


def _fastest_line(where: str, arch: str, mine: list[dict]) -> str:
    best = min(mine, key=lambda r: r["median_s"])
    fast = best["impl"] == "torch" or _faster_than_torch(best)
    return (f"fastest {arch.upper()} runtime measured at {where}: {best['impl']}"
            + ("" if fast else " (not distinguishable from torch)"))


def findings(rows: list[dict]) -> list[str]:
    """What the runtime rows show: the fastest runtime per arch and shape, and where the
    GRU's slowness belongs to torch's kernel."""
    lines = []
    for (mode, T, B, I, H, L), cells in _by_shape(rows).items():
        where = f"{mode} T={T} B={B} I={I} H={H} L={L}"
        for arch in dict.fromkeys(a for a, _ in cells):
            mine = [r for (a, _), r in cells.items() if a == arch]
            if len(mine) > 1:
                lines.append(_fastest_line(where, arch, mine))
            lines.append(_kernel_finding(where, cells, arch) or "")
    return [line for line in lines if line]
