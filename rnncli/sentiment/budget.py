"""Estimate what a ``sentiment`` run asks for before anything is allocated, and refuse
oversized work unless ``--force``.

Parameters: embedding V*E, per layer and direction G*H*(I + H + 2) (G gate blocks from
``rnncli.archs``), the MLP head. Activation memory of one training step: what backward
keeps, about (G + 2) values per unit, step, layer and direction, 4 bytes each. Time: a
rough cost model of small recurrent steps on one CPU thread (a fixed overhead per time
step plus the multiply-adds at 1 GFLOP/s); it is an estimate for refusing, not a promise.
"""

from __future__ import annotations

from dataclasses import dataclass

from rnncli import archs
from rnncli.errors import BadInput

MAX_PARAMS = 50_000_000
MAX_BYTES = 4 * 2**30
MAX_SECONDS = 30 * 60
STEP_OVERHEAD_S = 40e-6   # per time step, forward + backward, one layer and direction
FLOPS = 1e9


@dataclass(frozen=True)
class Estimate:
    params: int
    bytes_per_step: int
    seconds: float

    def line(self) -> str:
        return (f"estimate: {self.params / 1e6:.2f} M parameters per model, "
                f"{self.bytes_per_step / 2**20:.0f} MiB per training step, "
                f"~{self.seconds:.0f} s of training in all")


def params(arch: str, vocab: int, embed: int, hidden: int, layers: int, dirs: int,
           mlp: int, classes: int) -> int:
    g = archs.get(arch).gate_blocks
    rnn = sum(dirs * g * hidden * ((embed if layer == 0 else dirs * hidden) + hidden + 2)
              for layer in range(layers))
    return vocab * embed + rnn + dirs * hidden * mlp + mlp + mlp * classes + classes


def estimate(arch_list, vocab: int, cfg, batch: int, steps: int, seq_len: int,
             seeds: int, classes: int = 2) -> Estimate:
    dirs = 2 if cfg.bidirectional else 1
    worst = max(arch_list, key=lambda a: archs.get(a).gate_blocks)
    p = params(worst, vocab, cfg.embed, cfg.hidden, cfg.layers, dirs, cfg.mlp, classes)
    g = archs.get(worst).gate_blocks
    mem = 4 * batch * seq_len * cfg.hidden * (g + 2) * cfg.layers * dirs
    seconds = 0.0
    for a in arch_list:
        ga = archs.get(a).gate_blocks
        macs = batch * seq_len * cfg.layers * dirs * ga * cfg.hidden * (cfg.embed + cfg.hidden)
        per_step = seq_len * cfg.layers * dirs * STEP_OVERHEAD_S + 6 * macs / FLOPS
        seconds += steps * per_step
    return Estimate(p, mem, seeds * seconds)


def fits(est: Estimate) -> bool:
    return (est.params <= MAX_PARAMS and est.bytes_per_step <= MAX_BYTES
            and est.seconds <= MAX_SECONDS)


def check(est: Estimate, force: bool, knobs=()) -> None:
    """Refuse over a limit, unless ``force``; ``knobs`` (``rnncli.limits.Knob`` s whose
    cost is an Estimate) name the options that dominate and the value of each that fits."""
    if force or fits(est):
        return
    from rnncli.limits import lower_hint

    if est.params > MAX_PARAMS:
        hint = lower_hint(knobs, fits, "lower --vocab-size, --embed or --hidden")
        raise BadInput(f"{est.params / 1e6:.0f} M parameters per model (vocabulary x embed, "
                       f"hidden, layers) is over {MAX_PARAMS // 10**6} M; {hint}, or pass "
                       "--force")
    if est.bytes_per_step > MAX_BYTES:
        hint = lower_hint(knobs, fits, "lower --batch or --hidden")
        raise BadInput(f"a training step needs ~{est.bytes_per_step / 2**30:.1f} GiB "
                       f"(batch x length x hidden x layers), over {MAX_BYTES >> 30} GiB; "
                       f"{hint}, or pass --force")
    hint = lower_hint(knobs, fits, "lower --steps")
    raise BadInput(f"~{est.seconds / 60:.0f} min of training estimated (steps x models "
                   f"x seeds), over {MAX_SECONDS // 60} min; {hint}, or pass --force")
