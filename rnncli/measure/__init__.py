"""The benchmarking engine behind ``rnncli bench`` (and ``compare``/``advise --measure``).

Modules: ``spec`` (cases, choices), ``workloads`` and ``naive`` (what a row runs),
``timing`` (torch.utils.benchmark), ``memory``, ``peak`` (GEMM peak), ``machine``
(versions, BLAS, CPU), ``grid`` (presets, grids, estimates), ``engine`` (rows,
Ctrl-C), ``compare`` (baseline files), ``analysis`` (ratios, verdict, scaling fit).

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
    import time

    from rnncli.errors import BadInput
    from rnncli.measure import engine, grid
    from rnncli.measure.spec import Case

    start = time.perf_counter()
    cases = [Case(a, impl, mode, seq_len, batch, input_size, hidden_size, num_layers, dtype)
             for a in archs]
    grid.validate_cases(cases)
    if not cases:
        raise BadInput("quick_measure: no architecture given")
    import torch

    from rnncli.measure import machine

    threads_before = torch.get_num_threads()
    threads = threads_before
    busy = machine.busy_warning(threads)
    if busy and threads > 1:
        # other processes hold the cores: OpenMP threads would wait on each other at every
        # small kernel (10× and more slower, wildly variable); one thread keeps the budget
        threads = 1
        torch.set_num_threads(1)
    rows: list[dict] = []
    try:
        for i, case in enumerate(cases):
            left = budget_s - (time.perf_counter() - start)
            share = left / (len(cases) - i)
            est_call = grid.estimate_call_s(case)
            # build + first call + warm-up ≈ 2 calls; keep the timed part to half the share
            min_time = max(0.02, min(1.0, 0.5 * share - 2 * est_call))
            cfg = engine.RunConfig(min_time=min_time, max_time=max(min_time, 0.6 * share),
                                   min_runs=5, threads=threads, measure_memory=True)
            row = engine.run_case(case, cfg)
            if threads != threads_before:
                row["note"] = (row.get("note") or "") + "busy machine: measured with 1 thread"
            rows.append(row)
    finally:
        torch.set_num_threads(threads_before)
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
        key = (fit["hidden_size"], fit["num_layers"])
        groups.setdefault(key, []).append(arch)
    for mode, batch, share in kinds:
        for (h, layers), archs in groups.items():
            if h == 0:  # does not fit --params-max: nothing to time
                out[mode].update({a: float("inf") for a in archs})
                continue
            rows = quick_measure(archs, input_size=answers["input_size"], hidden_size=h,
                                 num_layers=layers, seq_len=answers["seq_len"], batch=batch,
                                 mode=mode, budget_s=budget_s * share * len(archs) / 3)
            for row in rows:
                out[mode][row["arch"]] = float(row["median_s"])
                if row.get("noisy") and row["arch"] not in out["noisy"]:
                    out["noisy"].append(row["arch"])
    return out
