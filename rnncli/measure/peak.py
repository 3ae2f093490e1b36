"""This machine's own matrix-multiply limit, measured in the same run.

A recurrent step is a few matrix products plus element-wise work, so the best a
step can do is the rate of a large, square matrix product (GEMM) of the same dtype
on the same device with the same threads.  We time ``a @ b`` for n × n matrices
(2·n³ FLOPs) with torch.utils.benchmark and take its FASTEST run as the peak (a
limit is a best case; on a busy machine the median would understate it and give
rows above 100 %).  The GEMM is measured again between the interleaved rounds of
the rows (and after the rows when they run one by one), and the best of all its
measurements is kept (``Peaks``), so a quiet moment during the rows raises the
peak too.  ``peak_fraction`` of a row is its achieved GFLOP/s (from its median)
divided by this; a row above 1 is a measurement error, flagged as such.
DeepBench reports RNN kernels
in TFLOPS for the same reason (source: deepbench).  The measured GEMM is the
practical peak (what MKL/oneDNN reach), below the datasheet's theoretical one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Matrix side of the peak GEMM: big enough to be compute-bound on a CPU core.
DEFAULT_N = 1024


@dataclass
class Peak:
    dtype: str
    device: str
    n: int
    median_s: float
    iqr_s: float
    best_s: float
    gflops: float  # from the fastest run: the limit this machine reached
    median_gflops: float
    noisy: bool

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def measure_peak(dtype: str = "float32", device: str = "cpu", n: int = DEFAULT_N, *,
                 min_run_time: float = 0.5, threads: int = 1, clock: str = "wall") -> Peak:
    """Median GFLOP/s of an n × n GEMM in ``dtype`` on ``device``."""
    import torch

    from rnncli.measure.timing import measure
    from rnncli.measure.workloads import torch_dtype

    gen = torch.Generator().manual_seed(0)
    a = torch.randn(n, n, generator=gen).to(device=device, dtype=torch_dtype(dtype))
    b = torch.randn(n, n, generator=gen).to(device=device, dtype=torch_dtype(dtype))
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)

    def gemm() -> None:
        torch.mm(a, b)
        sync()

    t = measure(gemm, min_run_time=min_run_time, num_threads=threads, warmup_calls=2,
                clock=clock)
    flops = 2 * n**3
    return Peak(dtype, device, n, t.median_s, t.iqr_s, t.best_s, flops / t.best_s / 1e9,
                flops / t.median_s / 1e9, t.noisy)


@dataclass
class Peaks:
    """The best GEMM peak per (dtype, device) over every measurement of the run."""

    n: int
    threads: int
    min_run_time: float
    clock: str = "wall"
    best: dict[tuple[str, str], Peak] = field(default_factory=dict)
    measurements: int = 0

    def measure(self, keys) -> None:  # keys: iterable of (dtype, device)
        for dtype, device in keys:
            p = measure_peak(dtype, device, self.n, min_run_time=self.min_run_time,
                             threads=self.threads, clock=self.clock)
            old = self.best.get((dtype, device))
            if old is None or p.gflops > old.gflops:
                self.best[(dtype, device)] = p
        self.measurements += 1

    def gflops(self) -> dict[tuple[str, str], float]:
        return {k: p.gflops for k, p in self.best.items()}

    def as_list(self) -> list[dict]:
        return [{**p.as_dict(), "measurements": self.measurements}
                for p in self.best.values()]
