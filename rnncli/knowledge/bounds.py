"""What ``compare --measure`` and ``advise --measure`` would ask of the machine, before
anything is allocated: bytes and FLOPs of one training step, from :mod:`rnncli.formulas`.

A step keeps the weights, their gradients, the input and its gradient, and the values the
backward pass needs (``formulas.activation_bytes``; torch keeps about as many again in
temporaries, hence the factor 2).  Over the limits the command refuses with one line
naming the estimate and ``--force``.  No torch here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from rnncli import formulas
from rnncli.errors import BadInput
from rnncli.limits import Knob, lower_hint

GiB = 1024**3
MAX_BYTES = 1 * GiB        # one training step's memory, float32
MAX_STEP_FLOPS = 5e10      # about 10 s per step at 5 GFLOP/s; a timing needs several
TEMPORARIES = 2            # torch's autograd keeps about as much again as our cells


def step_cost(arch: str, input_size: int, hidden_size: int, num_layers: int, seq_len: int,
              batch: int) -> tuple[int, int]:
    """(bytes, FLOPs) of one float32 training step of ``arch`` at these sizes."""
    params = formulas.param_count(arch, input_size, hidden_size, num_layers)
    kept = formulas.activation_bytes(arch, hidden_size, num_layers, seq_len, batch, 4)
    inputs = 2 * seq_len * batch * input_size * 4
    flops = formulas.train_flops(arch, input_size, hidden_size, num_layers, seq_len, batch)
    return 2 * params * 4 + TEMPORARIES * kept + inputs, flops


def _worst(costs: Iterable[tuple[int, int]]) -> tuple[int, int]:
    costs = list(costs)
    return max((b for b, _ in costs), default=0), max((f for _, f in costs), default=0)


def _fits(cost: tuple[int, int]) -> bool:
    return cost[0] <= MAX_BYTES and cost[1] <= MAX_STEP_FLOPS


def check(costs_at: Callable[[dict[str, int]], Iterable[tuple[int, int]]],
          sizes: dict[str, int], what: str, force: bool) -> None:
    """Refuse (BadInput) when the largest step at ``sizes`` ({option: value}) is over the
    limits, unless ``force``; the line names the options that dominate and the largest
    value of each that fits (``rnncli.limits``)."""
    need, flops = _worst(costs_at(sizes))
    if force or _fits((need, flops)):
        return
    knobs = [Knob(option, value, lambda v, option=option: _worst(costs_at({**sizes,
                                                                          option: v})))
             for option, value in sizes.items()]
    hint = lower_hint(knobs, _fits, "use smaller sizes")
    raise BadInput(f"{what}: one training step needs about {need / GiB:.1f} GiB and "
                   f"{flops:.1e} FLOPs (limits {MAX_BYTES / GiB:.0f} GiB, "
                   f"{MAX_STEP_FLOPS:.0e}); {hint}, or --force to run it anyway")
