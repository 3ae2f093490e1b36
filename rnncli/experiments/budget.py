"""What a `memory` or `gradients` run will cost, estimated before anything is allocated.

A rough cost model, deliberately on the slow side: per time step of a recurrent layer,
a fixed overhead per gate block plus the multiply-adds of the input and recurrent
products (forward and backward = 3x the forward's 2 FLOPs per multiply-add) at a
modest rate.  On the 2-core project machine it over-estimates measured runs by 1-3x
(docs/memory.md); it exists to refuse work that would take hours or exhaust memory,
with one line naming the estimate and ``--force``, never to predict a run exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from rnncli import archs, fmt
from rnncli.errors import BadInput
from rnncli.limits import Knob, refuse_oversized

MAX_SECONDS = 3600.0  # refuse a job estimated above an hour (--force runs it anyway)
MAX_BYTES = 2 * 2**30  # ... or above 2 GiB at its peak
MAX_THREADS = 1024  # more than this is never meaningful, --force or not

TORCH_RATE = 2e10  # FLOP/s of torch's fused CPU loop on small matrices, one thread
TORCH_STEP_S = 25e-6  # fixed cost per time step and gate block (torch)
NUMPY_RATE = 5e9  # FLOP/s of the NumPy cells (float64)
NUMPY_STEP_S = 60e-6  # fixed cost per time step and gate block (NumPy, forward + backward)
AUTOGRAD_STEP_S = 400e-6  # torch autograd stepped one time step at a time (cross-check)


@dataclass(frozen=True)
class Estimate:
    """Seconds and peak bytes of a job."""

    seconds: float
    peak_bytes: int

    def __add__(self, other: Estimate) -> Estimate:
        return Estimate(self.seconds + other.seconds, max(self.peak_bytes, other.peak_bytes))

    def describe(self) -> str:
        return f"~{duration(self.seconds)} and ~{size(self.peak_bytes)} at most"

    @property
    def pair(self) -> tuple[float, int]:
        return self.seconds, self.peak_bytes

    def check(self, force: bool, what: str, knobs=()) -> None:
        """Refuse (BadInput) past an hour or 2 GiB, naming the estimate, the options that
        dominate it with the largest value of each that fits (``knobs``), and --force."""
        refuse_oversized(what, seconds=self.seconds, nbytes=self.peak_bytes,
                         max_seconds=MAX_SECONDS, max_bytes=MAX_BYTES, force=force,
                         knobs=knobs)


duration = fmt.rough_duration
size = fmt.nbytes


def _macs(arch: str, batch: int, inputs: int, hidden: int) -> float:
    """Multiply-adds of one time step's input and recurrent products."""
    return float(batch) * archs.get(arch).gate_blocks * hidden * (inputs + hidden)


def torch_step_s(arch: str, steps: int, batch: int, inputs: int, hidden: int) -> float:
    """Seconds of one training step (forward + backward) over ``steps`` time steps."""
    per_t = archs.get(arch).gate_blocks * TORCH_STEP_S + 6 * _macs(arch, batch, inputs,
                                                                    hidden) / TORCH_RATE
    return 1e-3 + steps * per_t


def training(task, arch_names: list[str], lengths: list[int], cfg) -> Estimate:
    """Every run at its full step budget (or time cap), validation and test sets included."""
    total, peak = 0.0, 0
    I, C, H, B = task.input_size, task.output_size, cfg.hidden, cfg.batch
    evals = cfg.steps // max(cfg.eval_every, 1)
    for T in lengths:
        steps = task.seq_steps(T)
        for arch in arch_names:
            G = archs.get(arch).gate_blocks
            train = torch_step_s(arch, steps, B, I, H)
            val = torch_step_s(arch, steps, cfg.val_size, I, H) / 3  # forward only
            test = torch_step_s(arch, steps, cfg.test_size, I, H) / 3
            # the test set, the task's extras and the longer test (2T): about 4 test passes
            total += min(cfg.steps * train + evals * val, cfg.max_seconds) + 4 * test
            kept = archs.get(arch).kept_per_unit
            train_b = steps * B * (H * (kept + 2) * 8 + I * 4 + 48 + C * 12)
            eval_b = steps * (cfg.val_size + cfg.test_size) * (I * 4 + 48)
            eval_b += 2 * steps * cfg.test_size * (H * (G + 2) * 4 + C * 8)  # longer: 2T
            params = 16 * (G * H * (I + H + 2) + H * C + C)
            peak = max(peak, train_b + eval_b + params)
    return Estimate(total, peak)


def gradients(task, arch_names: list[str], inits: int, seq_len: int, hidden: int,
              seeds: int, batch: int) -> Estimate:
    """NumPy BPTT over ``seeds`` weight draws per (init, arch), plus one autograd check."""
    steps, I = task.seq_steps(seq_len), task.input_size
    total, peak = 0.0, 0
    for arch in arch_names:
        G = archs.get(arch).gate_blocks
        per_t = G * NUMPY_STEP_S + 6 * _macs(arch, batch, I, hidden) / NUMPY_RATE
        check = steps * (AUTOGRAD_STEP_S + 6 * _macs(arch, batch, I, hidden) / TORCH_RATE)
        total += inits * (seeds * (1e-3 + steps * per_t) + check)
        numpy_b = steps * batch * (hidden * (2 * G + 6) + I + 8) * 8
        autograd_b = steps * batch * hidden * (3 * G + 8) * 8
        peak = max(peak, numpy_b + autograd_b + 8 * G * hidden * (I + hidden + 2) * 3)
    return Estimate(total, peak)


def training_knobs(task, arch_names: list[str], lengths: list[int], cfg) -> list[Knob]:
    """`memory`'s sizes, each as a :class:`~rnncli.limits.Knob` over :func:`training`."""
    def at(**change):
        return training(task, arch_names, change.pop("lengths", lengths),
                        replace(cfg, **change)).pair

    longest = max(lengths)
    return [Knob("--seq-len", longest, lambda v: at(lengths=[min(t, v) for t in lengths]),
                 task.min_len, "up to " if len(lengths) > 1 else ""),
            Knob("--hidden", cfg.hidden, lambda v: at(hidden=v)),
            Knob("--batch", cfg.batch, lambda v: at(batch=v)),
            Knob("--steps", cfg.steps, lambda v: at(steps=v))]


def gradients_knobs(cost, seq_len: int, hidden: int, seeds: int, steps: int | None,
                    min_len: int = 1) -> list[Knob]:
    """`gradients`' sizes as Knobs; ``cost(seq_len, hidden, seeds, steps)`` -> Estimate."""
    knobs = [Knob("--seq-len", seq_len, lambda v: cost(v, hidden, seeds, steps).pair, min_len),
             Knob("--hidden", hidden, lambda v: cost(seq_len, v, seeds, steps).pair),
             Knob("--seeds", seeds, lambda v: cost(seq_len, hidden, v, steps).pair)]
    if steps is not None:
        knobs.append(Knob("--steps", steps, lambda v: cost(seq_len, hidden, seeds, v).pair))
    return knobs


def check_threads(threads: int) -> int:
    """``--threads`` for library callers (the command line also bounds it per core)."""
    if not 0 <= threads <= MAX_THREADS:
        raise BadInput(f"--threads must be between 0 and {MAX_THREADS}, got {threads}")
    return threads
