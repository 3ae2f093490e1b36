"""The benchmarking engine behind ``rnncli bench`` (and ``compare``/``advise --measure``).

Modules: ``spec`` (cases, implementations, choices), ``request`` (options -> checked
request), ``grid`` (presets, grids), ``budget`` (the one time budget: estimate, refusal,
per-row timing), ``workloads``, ``naive`` and ``usermodel`` (what a row runs; --weights,
--lengths), ``timing`` (torch.utils.benchmark), ``footprint`` (bytes of memory),
``peak`` (GEMM peak), ``machine`` (versions, BLAS, CPU, load), ``engine`` (rows, rounds,
Ctrl-C), ``session`` (one run -> report), ``stats`` (bootstrap intervals of ratios),
``analysis`` (ratios, verdicts, warnings, scaling fit), ``baseline`` (``--compare``
files), ``output`` (JSON/CSV files).

Nothing heavy is imported here: torch loads when a measurement starts.
"""

from __future__ import annotations

from collections.abc import Sequence


def quick_measure(archs: Sequence[str], *, input_size: int = 64, hidden_size: int = 128,
                  num_layers: int = 1, seq_len: int = 200, batch: int = 32,
                  mode: str = "train", impl: str = "torch", dtype: str = "float32",
                  budget_s: float = 15.0) -> list[dict]:
    """Measure each arch once at one size, within about ``budget_s`` seconds in all.

    Returns one result row per arch (the keys of ``rnncli bench --json`` results).
    No GEMM peak is measured, so ``peak_fraction`` is None.  Timing per row is
    shortened to fit the budget (median and IQR still over several runs).  When other
    processes already keep the cores busy (load average), it measures with ONE torch
    thread (``threads`` and ``note`` in each row say so): with competing threads, small
    RNN kernels slow down 10× and more and no budget holds.
    Raises ``BadInput`` for unknown archs, impl, mode or dtype.
    """
    from rnncli.errors import BadInput
    from rnncli.measure.impls import unsupported
    from rnncli.measure.spec import Case

    cases = [Case(a, impl, mode, seq_len, batch, input_size, hidden_size, num_layers, dtype)
             for a in archs]
    if not cases:
        raise BadInput("quick_measure: no architecture given")
    for c in cases:
        why = unsupported(c)
        if why:
            raise BadInput(why)
    return _quick_rows(cases, budget_s)


def _quick_rows(cases: list, budget_s: float) -> list[dict]:
    import torch

    from rnncli.measure import engine, machine
    from rnncli.measure.budget import Budget

    before = torch.get_num_threads()
    busy = machine.contention(before, given=False)
    torch.set_num_threads(busy.threads)
    budget = Budget(min_time=1.0, rounds=1, seconds=budget_s, memory_bytes=0, free_bytes=None,
                    soft_s=budget_s)
    budget.start()
    rows: list[dict] = []
    try:
        for i, case in enumerate(cases):
            cfg = engine.RunConfig(min_time=1.0, max_time=3.0, min_runs=5,
                                   threads=busy.threads, clock=busy.clock)
            row = engine.run_case(case, budget.fit(cfg, case, len(cases) - i))
            if busy.action:
                row["note"] = (row.get("note") or "") + f"busy machine: {busy.action}"
            rows.append(row)
    finally:
        torch.set_num_threads(before)
    return rows



__all__ = ["cell_costs", "quick_measure"]


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
    return out


def _time_group(out: dict, answers: dict, mode: str, batch: int, h: int, layers: int,
                names: list[str], budget_s: float) -> None:
    if h == 0:  # does not fit --params-max: nothing to time
        out[mode].update({a: float("inf") for a in names})
        return
    rows = quick_measure(names, input_size=answers["input_size"], hidden_size=h,
                         num_layers=layers, seq_len=answers["seq_len"], batch=batch,
                         mode=mode, budget_s=budget_s)
    for row in rows:
        out[mode][row["arch"]] = float(row["median_s"])
        if row.get("noisy") and row["arch"] not in out["noisy"]:
            out["noisy"].append(row["arch"])
