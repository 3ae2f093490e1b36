"""The forecaster every architecture races with, sizes and cost estimates.

A forecaster is ``torch.nn.RNN``/``GRU``/``LSTM`` (``archs.trainable_module``: the
reference cell for architectures torch has no module for) reading the
input window, and one linear layer mapping the last hidden state to the scaled target
y(t+h). Only the recurrent layer differs between architectures.

``equal_params_hidden`` picks, for each architecture, the hidden size whose forecaster has
the parameter count closest to a target, as Chung et al. (2014) compared GRU and LSTM at
about equal parameter counts.
"""

from __future__ import annotations

from dataclasses import dataclass

from rnncli import archs, formulas

MAX_HIDDEN = 4096


def build(arch: str, n_in: int, hidden: int, layers: int):
    """A fresh forecaster (torch module); torch's default initialisation."""
    import torch

    class Forecaster(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.rnn = archs.trainable_module(arch)(n_in, hidden, layers, batch_first=True)
            self.head = torch.nn.Linear(hidden, 1)

        def forward(self, x):  # x (B, W, F) -> (B,)
            out, _ = self.rnn(x)               # (B, W, H), the last layer's h_t
            return self.head(out[:, -1]).squeeze(-1)

    return Forecaster()


def param_total(arch: str, n_in: int, hidden: int, layers: int) -> int:
    """Parameters of the forecaster: the recurrent layers plus the H + 1 of the head."""
    return formulas.param_count(arch, n_in, hidden, layers) + hidden + 1


def equal_params_hidden(archs_: list[str], n_in: int, hidden: int, layers: int) -> dict:
    """Hidden size per architecture giving about the parameters of the largest one at
    ``hidden`` (the reference is the architecture with the most parameters there)."""
    target = max(param_total(a, n_in, hidden, layers) for a in archs_)
    sizes = {}
    for a in archs_:
        best = min(range(1, MAX_HIDDEN + 1),
                   key=lambda h, a=a: abs(param_total(a, n_in, h, layers) - target))
        sizes[a] = best
    return sizes


# Rough CPU cost model for the estimate shown before a race (not a measurement): a fixed
# cost per time step and layer (small recurrent layers are overhead-bound on CPU) plus the
# matrix products at a modest rate. Training is forward + backward, about 3x the forward.
STEP_OVERHEAD_S = 150e-6
FLOP_RATE = 5e9


@dataclass
class Estimate:
    seconds: float
    memory_bytes: int


def estimate(sizes: dict[str, int], n_in: int, layers: int, window: int, batch: int,
             steps: int, seeds: int, eval_windows: int) -> Estimate:
    """Time and memory a race asks for, before anything is allocated."""
    seconds = 0.0
    memory = 0
    for arch, h in sizes.items():
        flops = formulas.matmul_flops(arch, n_in, h, layers, seq_len=window, batch=batch)
        per_step = window * layers * STEP_OVERHEAD_S + 3 * flops / FLOP_RATE
        eval_flops = formulas.matmul_flops(arch, n_in, h, layers, seq_len=window,
                                           batch=eval_windows)
        seconds += seeds * (steps * per_step + 21 * eval_flops / FLOP_RATE)
        kept = formulas.KEPT_PER_UNIT[arch] * h * layers * window * max(batch, eval_windows)
        memory = max(memory, 4 * (kept + 4 * param_total(arch, n_in, h, layers)))
    memory += 4 * eval_windows * window * n_in * 2  # validation and test windows
    return Estimate(seconds, memory)
