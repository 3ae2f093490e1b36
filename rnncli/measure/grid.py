"""Grids of cases, presets, and the estimates that decide whether a grid may run.

Presets:

- ``deepbench-train`` / ``deepbench-inference``: the RNN kernel sizes Baidu's
  DeepBench publishes (source: deepbench; its ``rnn_problems.h``, "training" and
  "inference" sets, listed below as (arch, hidden, batch, seq_len)); DeepBench
  gives the input size equal to the hidden size, one layer.
- ``small``: a scaled-down laptop set (hidden 64..256, seq 50..200).

Estimates are deliberately rough (a simple cost model: fixed per-step overhead
plus FLOPs at an assumed rate per implementation, calibrated on a 2-core x86 CPU);
they exist to refuse grids that would take more than 10 minutes or more memory
than is free, not to predict timings.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence

from rnncli import formulas
from rnncli.errors import BadInput
from rnncli.measure.spec import DTYPE_BYTES, Case

#: DeepBench RNN problems (arch, hidden, batch, seq_len); input size = hidden.
#: Training set (DeepBench rnn_problems.h, training_set):
DEEPBENCH_TRAIN: tuple[tuple[str, int, int, int], ...] = (
    ("rnn", 1760, 16, 50), ("rnn", 1760, 32, 50), ("rnn", 1760, 64, 50),
    ("rnn", 1760, 128, 50), ("rnn", 2048, 32, 50), ("rnn", 2048, 64, 50),
    ("rnn", 2048, 128, 50), ("rnn", 2560, 32, 50), ("rnn", 2560, 64, 50),
    ("rnn", 2560, 128, 50),
    ("lstm", 512, 16, 25), ("lstm", 512, 32, 25), ("lstm", 512, 64, 25),
    ("lstm", 512, 128, 25), ("lstm", 1024, 16, 25), ("lstm", 1024, 32, 25),
    ("lstm", 1024, 64, 25), ("lstm", 1024, 128, 25), ("lstm", 2048, 16, 25),
    ("lstm", 2048, 32, 25), ("lstm", 2048, 64, 25), ("lstm", 2048, 128, 25),
    ("lstm", 4096, 16, 25), ("lstm", 4096, 32, 25), ("lstm", 4096, 64, 25),
    ("lstm", 4096, 128, 25), ("lstm", 1536, 8, 50), ("lstm", 1536, 16, 50),
    ("lstm", 1536, 32, 50), ("lstm", 256, 16, 150), ("lstm", 256, 32, 150),
    ("lstm", 256, 64, 150),
    ("gru", 512, 32, 1), ("gru", 1024, 32, 1), ("gru", 1536, 32, 1), ("gru", 2048, 32, 1),
    ("gru", 2560, 32, 1), ("gru", 512, 64, 1), ("gru", 1024, 64, 1), ("gru", 1536, 64, 1),
    ("gru", 2048, 64, 1), ("gru", 2560, 64, 1), ("gru", 512, 128, 1),
    ("gru", 1024, 128, 1), ("gru", 1536, 128, 1), ("gru", 2048, 128, 1),
    ("gru", 2560, 128, 1), ("gru", 2816, 32, 750), ("gru", 2816, 32, 1500),
    ("gru", 2048, 32, 375), ("gru", 2048, 32, 187), ("gru", 1536, 32, 375),
    ("gru", 2560, 32, 375),
)
#: Inference set (DeepBench rnn_problems.h, inference_server_set): small batches.
DEEPBENCH_INFERENCE: tuple[tuple[str, int, int, int], ...] = (
    ("rnn", 1760, 1, 50), ("rnn", 1760, 2, 50), ("rnn", 1760, 4, 50),
    ("rnn", 2048, 1, 50), ("rnn", 2048, 2, 50), ("rnn", 2048, 4, 50),
    ("rnn", 2560, 1, 50), ("rnn", 2560, 2, 50), ("rnn", 2560, 4, 50),
    ("lstm", 512, 1, 25), ("lstm", 512, 2, 25), ("lstm", 512, 4, 25),
    ("lstm", 1024, 1, 25), ("lstm", 1024, 2, 25), ("lstm", 1024, 4, 25),
    ("lstm", 2048, 1, 25), ("lstm", 2048, 2, 25), ("lstm", 2048, 4, 25),
    ("lstm", 1536, 1, 50), ("lstm", 1536, 2, 50), ("lstm", 1536, 4, 50),
    ("gru", 512, 1, 1), ("gru", 1024, 1, 1), ("gru", 1536, 1, 1), ("gru", 2048, 1, 1),
    ("gru", 2816, 1, 1500), ("gru", 2816, 2, 1500), ("gru", 2816, 4, 1500),
    ("gru", 2816, 1, 750), ("gru", 2816, 2, 750), ("gru", 2816, 4, 750),
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
