"""Grids of cases, presets, and the estimates that decide whether a grid may run.

Presets:

- ``deepbench-train`` / ``deepbench-inference``: the RNN kernel sizes Baidu's
  DeepBench publishes (source: deepbench; ``code/kernels/rnn_problems.h``, its
  ``training_set`` and ``inference_server_set``), input size = hidden size, one
  layer.  These are data-centre sizes: on a laptop they take far more than 10
  minutes, so the estimate refuses them unless ``--force`` (or filter with ``--arch``).
- ``small``: a scaled-down laptop set (hidden 64..256, seq 50..200).

Estimates are deliberately rough (a simple cost model: fixed per-step overhead
plus FLOPs at an assumed rate per implementation, calibrated on a 2-core x86 CPU);
they exist to refuse grids that would take more than 10 minutes or more memory
than is free, not to predict timings.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rnncli import formulas
from rnncli.errors import BadInput
from rnncli.measure.spec import DTYPE_BYTES, Case

#: DeepBench's RNN problems as (arch, hidden, batch, seq_len), transcribed from
#: baidu-research/DeepBench, code/kernels/rnn_problems.h ("vanilla" is our "rnn");
#: its benchmark feeds inputs of the hidden size, one layer.
_T4 = (1500, 750, 375, 187)
DEEPBENCH_TRAIN: tuple[tuple[str, int, int, int], ...] = (
    *(("rnn", h, b, 50) for h in (1760, 2048, 2560) for b in (16, 32, 64, 128)),
    *(("lstm", h, b, 25) for h in (512, 1024, 2048, 4096) for b in (16, 32, 64, 128)),
    *(("lstm", 1536, b, 50) for b in (8, 16, 32)),
    *(("lstm", 256, b, 150) for b in (16, 32, 64)),
    *(("gru", 2816, 32, t) for t in _T4[1:]),  # DeepBench comments out T = 1500 here
    *(("gru", h, 32, t) for h in (2048, 1536, 2560) for t in _T4),
    ("gru", 512, 32, 1), ("gru", 1024, 32, 1500), ("gru", 1024, 64, 1500),
)
#: The "inference_server_set" of the same file: batches of 1, 2 and 4.
DEEPBENCH_INFERENCE: tuple[tuple[str, int, int, int], ...] = (
    *(("lstm", h, b, 25) for h in (512, 1024, 2048) for b in (1, 2, 4)),
    *(("lstm", 1536, b, 50) for b in (1, 2, 4)),
    *(("lstm", 256, b, 150) for b in (1, 2, 4)),
    *(("gru", h, b, t) for h in (2816, 2048, 1536, 2560) for b in (1, 2, 4) for t in _T4),
    *(("gru", 512, b, 1) for b in (1, 2, 4)),
    *(("gru", 1024, b, 1500) for b in (1, 2, 4)),
)
#: A laptop-sized set: (hidden, batch, seq_len) for every arch, input 64, one layer.
SMALL: tuple[tuple[int, int, int], ...] = ((64, 16, 50), (128, 32, 100), (256, 32, 200))
PRESETS = ("deepbench-train", "deepbench-inference", "small")

MAX_SECONDS = 600.0

#: Cost model: seconds per step per layer (Python/dispatch overhead) and GFLOP/s by impl.
STEP_OVERHEAD_S = {("torch", "forward"): 15e-6, ("torch", "train"): 60e-6,
                   ("cell", "forward"): 40e-6, ("cell", "train"): 160e-6,
                   ("numpy", "forward"): 40e-6, ("numpy", "train"): 150e-6}
RATE_GFLOPS = {"torch": 20.0, "cell": 15.0, "numpy": 10.0}


def validate_cases(cases: Iterable[Case]) -> None:
    """Raise BadInput for a case no implementation can run."""
    from rnncli.measure.spec import ARCHS, DTYPES, IMPLS, MODES

    for c in cases:
        for value, allowed, what in ((c.arch, ARCHS, "arch"), (c.impl, IMPLS, "impl"),
                                     (c.mode, MODES, "mode"), (c.dtype, DTYPES, "dtype")):
            if value not in allowed:
                raise BadInput(f"unknown {what} {value!r}; accepted: {', '.join(allowed)}")
        why = unsupported(c)
        if why:
            raise BadInput(why)


def unsupported(c: Case) -> str | None:
    """Why ``c`` cannot run (None when it can)."""
    if c.impl in ("numpy", "naive") and c.dtype == "bfloat16":
        return f"--impl {c.impl} has no bfloat16 (NumPy has no bfloat16 type); use float32"
    if c.impl in ("numpy", "naive") and c.device != "cpu":
        return f"--impl {c.impl} runs on the CPU only"
    if c.impl == "naive" and c.mode == "train":
        return "--impl naive is forward-only (the lesson's loop has no backward)"
    return None


def estimate_call_s(case: Case) -> float:
    """Rough seconds for one timed call of ``case`` (see the module docstring)."""
    if case.impl == "naive":
        from rnncli.measure import naive

        return naive.estimate_sample_s(case) * naive.batch_to_time(case)
    flops = formulas.forward_flops(case.arch, case.input_size, case.hidden_size,
                                   case.num_layers, case.seq_len, case.batch)
    if case.mode == "train":
        flops *= 3
    overhead = STEP_OVERHEAD_S[(case.impl, case.mode)] * case.seq_len * case.num_layers
    if case.arch != "rnn" and case.impl != "torch":
        overhead *= 2  # more element-wise calls per step
    rate = RATE_GFLOPS[case.impl] * (0.5 if case.dtype == "float64" else 1.0)
    if case.device == "cuda":
        rate *= 50
    return overhead + flops / (rate * 1e9)


def estimate_row_s(case: Case, min_time: float, min_runs: int = 5) -> float:
    """Rough seconds one row costs: build, first call, warm-up, timed runs."""
    call = estimate_call_s(case)
    return 2 * call + max(min_time, min_runs * call) + 0.05


def estimate_memory_bytes(case: Case) -> int:
    """Rough peak bytes of one row: weights (+ grads), input, outputs, kept activations."""
    b = DTYPE_BYTES[case.dtype]
    params = formulas.param_count(case.arch, case.input_size, case.hidden_size, case.num_layers)
    x = case.seq_len * case.batch * case.input_size
    out = case.seq_len * case.batch * case.hidden_size * case.num_layers
    kept = 0
    if case.mode == "train":
        g = formulas.GATE_BLOCKS[case.arch]
        # autograd keeps roughly the gate pre-activations and activations of every step
        kept = 2 * (g + 2) * case.seq_len * case.batch * case.hidden_size * case.num_layers
    return b * (2 * params + 2 * x + 2 * out + kept)


def build_cases(archs: Sequence[str], impls: Sequence[str], modes: Sequence[str],
                seq_lens: Sequence[int], batches: Sequence[int], input_sizes: Sequence[int],
                hiddens: Sequence[int], layers: Sequence[int], dtype: str,
                device: str) -> list[Case]:
    """Every combination, sizes outermost so rows of one size sit together."""
    out = []
    for t, b, i, h, n in itertools.product(seq_lens, batches, input_sizes, hiddens, layers):
        for mode, impl, arch in itertools.product(modes, impls, archs):
            out.append(Case(arch, impl, mode, t, b, i, h, n, dtype, device))
    return out


def preset_cases(name: str, impls: Sequence[str], modes: Sequence[str], dtype: str,
                 device: str, archs: Sequence[str] | None = None) -> list[Case]:
    """The cases of a preset (``archs`` filters DeepBench's rows)."""
    out = []
    if name == "small":
        for h, b, t in SMALL:
            out += build_cases(archs or ("rnn", "gru", "lstm"), impls, modes, [t], [b], [64],
                               [h], [1], dtype, device)
        return out
    table = DEEPBENCH_TRAIN if name == "deepbench-train" else DEEPBENCH_INFERENCE
    for arch, h, b, t in table:
        if archs and arch not in archs:
            continue
        for mode, impl in itertools.product(modes, impls):
            out.append(Case(arch, impl, mode, t, b, h, h, 1, dtype, device))
    return out


@dataclass
class Plan:
    """The cases to run and the notes on combinations left out."""

    cases: list[Case]
    skipped: list[str]


def plan(archs: Sequence[str], impls: Sequence[str], modes: Sequence[str],
         seq_lens: Sequence[int], batches: Sequence[int], input_sizes: Sequence[int],
         hiddens: Sequence[int], layers: Sequence[int], dtype: str, device: str,
         preset: str | None = None) -> Plan:
    """Every runnable case; unsupported combinations are skipped with one note each."""
    if preset:
        cases = preset_cases(preset, impls, modes, dtype, device, archs)
    else:
        cases = build_cases(archs, impls, modes, seq_lens, batches, input_sizes, hiddens,
                            layers, dtype, device)
    keep, notes = [], []
    for c in cases:
        why = unsupported(c)
        if why is None:
            keep.append(c)
        elif why not in notes:
            notes.append(why)
    if not keep:
        raise BadInput(notes[0] if notes else "no case to run (check --arch with --preset)")
    return Plan(keep, notes)


@dataclass
class Estimate:
    seconds: float
    memory_bytes: int  # the largest row
    free_bytes: int | None

    def too_long(self) -> bool:
        return self.seconds > MAX_SECONDS

    def too_big(self) -> bool:
        return self.free_bytes is not None and self.memory_bytes > self.free_bytes


def free_memory_bytes(device: str = "cpu") -> int | None:
    """MemAvailable from /proc/meminfo (CPU) or torch.cuda.mem_get_info (CUDA)."""
    if device == "cuda":
        import torch

        return int(torch.cuda.mem_get_info()[0])
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def estimate(cases: Sequence[Case], min_time: float, peak_s: float = 1.0) -> Estimate:
    """Rough time and memory of the whole run (torch start-up included)."""
    seconds = 2.0 + peak_s + sum(estimate_row_s(c, min_time) for c in cases)
    mem = max((estimate_memory_bytes(c) for c in cases), default=0)
    device = cases[0].device if cases else "cpu"
    return Estimate(seconds, mem, free_memory_bytes(device))


def check(est: Estimate, force: bool) -> None:
    """Refuse a grid over 10 minutes or over the free memory, unless ``force``."""
    if force:
        return
    if est.too_big():
        raise BadInput(f"estimated memory {est.memory_bytes / 2**30:.1f} GiB for the largest "
                       f"row exceeds the free {est.free_bytes / 2**30:.1f} GiB; shrink the "
                       "grid or pass --force")
    if est.too_long():
        raise BadInput(f"estimated run time {est.seconds / 60:.0f} min exceeds "
                       f"{MAX_SECONDS / 60:.0f} min; shrink the grid, lower --min-time or "
                       "pass --force")
