"""The benchmarking engine behind ``rnncli bench`` (and ``compare``/``advise --measure``).

Modules: ``spec`` (cases, choices), ``impls`` (the implementation registry), ``request``
(options -> checked request), ``grid`` (presets, grids), ``budget`` (the one time
budget: estimate, refusal, per-row timing), ``workloads``, ``naive`` and ``usermodel``
(what a row runs; --weights, --lengths), ``timing`` (torch.utils.benchmark),
``footprint`` (bytes of memory), ``peak`` (GEMM peak), ``engine`` (rows, rounds,
Ctrl-C), ``session`` (one run -> report), ``stats`` (bootstrap intervals of ratios),
``analysis`` and ``runtime_findings`` (ratios, verdicts, warnings, scaling fit),
``baseline`` (``--compare`` files), ``output`` (JSON/CSV files).  What the machine is
and how busy: :mod:`rnncli.machine`; the ``--runtime`` registry: :mod:`rnncli.runtimes`.

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

    from rnncli import machine
    from rnncli.measure import engine, session
    from rnncli.measure.budget import Budget

    before = torch.get_num_threads()
    busy = machine.contention(before, given=False)
    torch.set_num_threads(busy.threads)
    budget = Budget(min_time=1.0, rounds=1, seconds=budget_s, memory_bytes=0, free_bytes=None,
                    soft_s=budget_s)
    cfg = engine.RunConfig(min_time=1.0, max_time=3.0, min_runs=5, threads=busy.threads,
                           clock=busy.clock)
    budget.start()
    try:  # each row fitted into what the budget has left
        done = engine.run_cases(cases, cfg, runner=session.sequential(budget, len(cases)))
    finally:
        torch.set_num_threads(before)
    if done.interrupted:  # the caller's Ctrl-C handling: a partial comparison is none
        raise KeyboardInterrupt
    rows = done.rows
    for row in rows if busy.action else ():
        row["note"] = (row.get("note") or "") + f"busy machine: {busy.action}"
    return rows
