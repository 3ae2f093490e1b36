"""The measured cost of each recommended cell for ``rnncli advise --measure``: which cells
to time at which fitted widths and batch, with the time budget split between them, through
:func:`rnncli.measure.quick_measure` (imports torch when called).
"""

from __future__ import annotations

from rnncli import measure


def cell_costs(answers: dict, widths: dict, budget_s: float = 12.0) -> dict:
    """Time RNN, GRU and LSTM for ``rnncli advise --measure`` (imports torch).

    ``answers`` holds input_size, seq_len, batch and latency_ms; ``widths`` maps each
    arch to its fitted {"hidden_size", "num_layers"} (hidden_size 0: does not fit).

    ``train``: median seconds of a training step at the user's batch; ``forward``
    (only with a latency limit): one sequence at batch 1.  Cells of the same width
    are timed in one call; ``noisy`` lists cells whose IQR exceeded 10% of the median.
    """
    out: dict = {"train": {}, "noisy": []}
    kinds = [("train", answers["batch"], 2 / 3 if answers.get("latency_ms") else 1.0)]
    if answers.get("latency_ms") is not None:
        out["forward"] = {}
        kinds.append(("forward", 1, 1 / 3))
    groups: dict[tuple[int, int], list[str]] = {}
    for arch, fit in widths.items():
        groups.setdefault((fit["hidden_size"], fit["num_layers"]), []).append(arch)
    for mode, batch, share in kinds:
        for (h, layers), names in groups.items():
            _time_group(out, answers, mode, batch, h, layers, names,
                        budget_s * share * len(names) / 3)
    if "forward" in out:
        out["runtimes"] = _runtime_latency(answers, groups, budget_s / 3)
    return out


def _runtime_latency(answers: dict, groups: dict, budget_s: float) -> dict:
    """One sequence (batch 1) on each installed inference runtime of ``bench --runtime``
    (onnxruntime, OpenVINO), same weights as torch, outputs checked first; a runtime
    that disagrees or fails is left out.  {runtime: {arch: median seconds}}."""
    from rnncli.runtimes import RUNTIME_ARCHS

    names = _inference_runtimes()
    out: dict = {}
    for name in names:
        for (h, layers), archs in groups.items():
            archs = [a for a in archs if a in RUNTIME_ARCHS]
            if h and archs:
                share = budget_s * len(archs) / 3 / len(names)
                times = _runtime_group(answers, name, archs, h, layers, share)
                out.setdefault(name, {}).update(times)
    return {n: t for n, t in out.items() if t}


def _inference_runtimes() -> list[str]:
    from rnncli.runtimes import RUNTIMES

    return [n for n, r in RUNTIMES.items()
            if r.in_all and r.inference_only and r.is_installed()]


def _runtime_group(answers: dict, name: str, archs: list[str], h: int, layers: int,
                   budget_s: float) -> dict[str, float]:
    from rnncli.errors import RnncliError

    try:
        rows = measure.quick_measure(
            archs, input_size=answers["input_size"], hidden_size=h, num_layers=layers,
            seq_len=answers["seq_len"], batch=1, mode="forward", impl=name,
            budget_s=budget_s)
    except RnncliError:  # outputs differ from torch, or the runtime failed: left out
        return {}
    return {r["arch"]: float(r["median_s"]) for r in rows}


def _time_group(out: dict, answers: dict, mode: str, batch: int, h: int, layers: int,
                names: list[str], budget_s: float) -> None:
    if h == 0:  # does not fit --params-max: nothing to time
        out[mode].update({a: float("inf") for a in names})
        return
    rows = measure.quick_measure(names, input_size=answers["input_size"], hidden_size=h,
                                 num_layers=layers, seq_len=answers["seq_len"], batch=batch,
                                 mode=mode, budget_s=budget_s)
    for row in rows:
        out[mode][row["arch"]] = float(row["median_s"])
        if row.get("noisy") and row["arch"] not in out["noisy"]:
            out["noisy"].append(row["arch"])
