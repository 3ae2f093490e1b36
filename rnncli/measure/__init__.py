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
    shortened to fit the budget (median and IQR still over several runs).
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

    threads = torch.get_num_threads()
    rows: list[dict] = []
    for i, case in enumerate(cases):
        left = budget_s - (time.perf_counter() - start)
        share = left / (len(cases) - i)
        est_call = grid.estimate_call_s(case)
        # build + first call + warm-up ≈ 2 calls; keep the timed part to about half the share
        min_time = max(0.02, min(1.0, 0.5 * share - 2 * est_call))
        cfg = engine.RunConfig(min_time=min_time, max_time=max(min_time, 0.6 * share),
                               min_runs=5, threads=threads, measure_memory=True)
        rows.append(engine.run_case(case, cfg))
    return rows


__all__ = ["quick_measure"]
