"""How far back does a gradient reach?  ‖∂L/∂h_t‖ (and the LSTM's ‖∂L/∂c_t‖) for a loss
on the last step.

The probe loss is ``L = Σ_b w · h_T^b`` for a fixed random unit vector ``w``, so
‖∂L/∂h_T‖ = 1 for every sequence and ``grad_norms[k]`` is the norm k steps back,
relative to the last step (Bengio et al. 1994; Pascanu et al. 2013).  The
backward pass is the hand-written NumPy BPTT of :mod:`rnncli.scratch`; one seed
is cross-checked against torch autograd on the same weights, step by step.

The LSTM has a second, long path: the cell state.  From the BPTT's ∂L/∂h_t and the
forward's gates, ∂L/∂c_t follows by one equation per step, the one that makes the
cell a memory:

    ∂L/∂c_t = ∂L/∂h_t ⊙ o_t ⊙ (1 − tanh² c_t) + f_{t+1} ⊙ ∂L/∂c_{t+1}

so along the cell path the gradient is multiplied by the forget gate alone, not by a
recurrent matrix and a squashing slope as on the h path (Hochreiter & Schmidhuber 1997;
Gers et al. 2000).  It is reported on the same scale as ∂L/∂h (‖∂L/∂h_T‖ = 1) and
cross-checked against torch autograd (``retain_grad`` on every step's c).

Initialisations (and ``radius``, the spectral radius of the recurrent weights that
shows exploding gradients): see :mod:`rnncli.experiments.inits`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

import numpy as np

from rnncli import archs
from rnncli.experiments.inits import applies, init_params, nonlinearity

BATCH = 16  # sequences per seed

Tick = Callable[[int], None]  # seeds done so far


def probe_inputs(task, seq_len: int, seed: int) -> np.ndarray:
    """The inputs the gradient is measured on: a batch of the task's sequences (float64)."""
    return task.generate(seq_len, BATCH, np.random.default_rng([seed, 3])).x.astype(np.float64)


def probe_vector(hidden: int, seed: int) -> np.ndarray:
    w = np.random.default_rng([seed, 5]).standard_normal(hidden)
    return w / np.linalg.norm(w)


def cell_grads(dh: np.ndarray, trace: dict) -> tuple[np.ndarray, np.ndarray]:
    """∂L/∂c_t (T, B, H) from the total ∂L/∂h_t and the LSTM's forward trace, and the part
    of it that arrives through step t+1 (what torch's ``retain_grad`` on the c_t passed to
    the next step sees): ``carried[t] = f_{t+1} ⊙ ∂L/∂c_{t+1}``."""
    o, f, c = trace["output"], trace["forget"], trace["cell"]
    dc, carried = np.empty_like(dh), np.zeros_like(dh)
    for t in range(len(dh) - 1, -1, -1):
        dc[t] = dh[t] * o[t] * (1.0 - np.tanh(c[t]) ** 2) + carried[t]  # via h_t + cell path
        if t:
            carried[t - 1] = f[t] * dc[t]  # c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t
    return dc, carried


def grads_numpy(cell, x: np.ndarray, w: np.ndarray) -> dict[str, np.ndarray]:
    """NumPy BPTT: ``{"h": ∂L/∂h_t}`` (T, B, H); for the LSTM also ``"c"``: ∂L/∂c_t, and
    ``"c_carried"``: its part through step t+1 (see :func:`cell_grads`)."""
    out, _, trace = cell.forward(x)
    grad_output = np.zeros_like(out)
    grad_output[-1] = w  # L = Σ_b w · h_T^b: only the last step is scored
    g = cell.backward(grad_output)
    grads = {"h": g.hidden}
    if "cell" in trace and "forget" in trace:
        grads["c"], grads["c_carried"] = cell_grads(g.hidden, trace)
    return grads


def grads_torch(cell, x: np.ndarray, w: np.ndarray, arch: str, nonlin: str) -> dict:
    """The same ∂L/∂h_t (and ∂L/∂c_t) by torch autograd, stepping the module one step at a
    time and keeping the gradient of every step's state."""
    import torch

    spec = archs.get(arch)
    kw = {"nonlinearity": nonlin} if "nonlinearity" in spec.options else {}
    module = archs.torch_module(arch)(cell.input_size, cell.hidden_size, **kw).double()
    module.load_state_dict({k: torch.from_numpy(v) for k, v in cell.to_state_dict().items()})
    xs = torch.from_numpy(x)
    state, kept = None, []
    for t in range(xs.shape[0]):
        _, state = module(xs[t : t + 1], state)
        parts = state if spec.has_cell_state else (state,)  # (1, B, H) each, feed step t+1
        for p in parts:
            p.retain_grad()
        kept.append(parts)
    loss = (kept[-1][0][0] @ torch.from_numpy(w)).sum()
    loss.backward()
    def grad(p):  # c_T does not reach the loss: no gradient, zero
        return np.zeros(p.shape[1:]) if p.grad is None else p.grad[0].numpy()

    return {n: np.stack([grad(parts[j]) for parts in kept]) for j, n in enumerate(spec.states)}


def fit_decay(norms: np.ndarray) -> float:
    """exp(slope) of log‖∂L/∂h‖ against distance d ≥ 1: the factor lost per step back."""
    d = np.arange(len(norms))
    keep = (d >= 1) & (norms > 0) & np.isfinite(norms)
    if keep.sum() < 2:
        return math.nan
    slope = np.polyfit(d[keep], np.log(norms[keep]), 1)[0]
    return float(np.exp(slope))


def log_distances(steps: int) -> list[int]:
    """1, 2, 4, ... and the farthest distance, steps - 1."""
    out, d = [], 1
    while d < steps - 1:
        out.append(d)
        d *= 2
    if steps > 1:
        out.append(steps - 1)
    return out


@dataclass
class Curve:
    """One gradient's norm against distance back: mean over seeds, spread, fitted decay."""

    norms: np.ndarray  # (steps,), index 0 = the last step
    seed_min: np.ndarray
    seed_max: np.ndarray
    decay_per_step: float

    @classmethod
    def of(cls, per_seed: list[np.ndarray]) -> Curve:
        stack = np.stack(per_seed)  # (seeds, steps)
        mean = stack.mean(axis=0)
        return cls(mean, stack.min(axis=0), stack.max(axis=0), fit_decay(mean))

    def as_dict(self) -> dict:
        return {"grad_norms": self.norms, "spread": {"min": self.seed_min, "max": self.seed_max},
                "decay_per_step": self.decay_per_step}


@dataclass
class GradResult:
    arch: str
    init: str
    grad_norms: np.ndarray  # (steps,), index 0 = the last step; mean over seeds
    seed_min: np.ndarray
    seed_max: np.ndarray
    decay_per_step: float
    crosscheck_rel_err: float | None = None
    cell: Curve | None = None  # the LSTM's ‖∂L/∂c_t‖, same scale as grad_norms
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        d = {
            "arch": self.arch,
            "init": self.init,
            "grad_norms": self.grad_norms,
            "spread": {"min": self.seed_min, "max": self.seed_max},
            "decay_per_step": self.decay_per_step,
            "cell": self.cell.as_dict() if self.cell is not None else None,
            "crosscheck": {"max_rel_err": self.crosscheck_rel_err, "against": "torch autograd"},
        }
        d.update(self.extra)
        return d


@dataclass(frozen=True)
class Probe:
    """What is measured: the task whose inputs probe, length, width, seeds, radius."""

    task: object
    seq_len: int
    hidden: int
    seeds: int
    radius: float | None = None


def _cell(arch: str, init: str, probe: Probe, seed: int, state_dict: dict | None):
    from rnncli.scratch import build

    kw = {"nonlinearity": nonlinearity(arch, init)} if "nonlinearity" in archs.get(
        arch).options else {}
    cell = build(arch, probe.task.input_size, probe.hidden, dtype=np.float64, seed=seed, **kw)
    if state_dict is not None:
        cell.load_state_dict({k: np.asarray(v, np.float64) for k, v in state_dict.items()})
    else:
        init_params(cell.params, arch, init, np.random.default_rng([seed, 7]), probe.radius)
    return cell


def measure_probe(
    arch: str,
    init: str,
    probe: Probe,
    state_dict: dict | None = None,
    crosscheck: bool = True,
    tick: Tick | None = None,
) -> GradResult:
    """‖∂L/∂h_t‖ (and ‖∂L/∂c_t‖) averaged over the probe's seeds (fresh weights per seed
    unless ``state_dict``); seed 0 is checked against torch autograd."""
    per_seed: dict[str, list[np.ndarray]] = {}
    rel_err = None
    for seed in range(probe.seeds):
        cell = _cell(arch, init, probe, seed, state_dict)
        x, w = probe_inputs(probe.task, probe.seq_len, seed), probe_vector(probe.hidden, seed)
        grads = grads_numpy(cell, x, w)
        for name in ("h", "c"):  # mean over sequences; index 0 = last step
            if name in grads:
                norms = np.linalg.norm(grads[name], axis=2).mean(axis=1)[::-1]
                per_seed.setdefault(name, []).append(norms)
        if crosscheck and seed == 0 and archs.get(arch).torch_module:  # torch has one
            ref = grads_torch(cell, x, w, arch, nonlinearity(arch, init))
            ours = {"h": grads["h"], "c": grads.get("c_carried")}
            rel_err = max(relative_error(ours[n], ref[n]) for n in ref)
        if tick is not None:
            tick(seed + 1)
    h = Curve.of(per_seed["h"])
    cell = Curve.of(per_seed["c"]) if "c" in per_seed else None
    return GradResult(arch, init, h.norms, h.seed_min, h.seed_max, h.decay_per_step, rel_err,
                      cell)


def measure(arch: str, init: str, task, seq_len: int, hidden: int, seeds: int,
            state_dict: dict | None = None, crosscheck: bool = True,
            radius: float | None = None) -> GradResult:
    """:func:`measure_probe` with the probe spelled out."""
    return measure_probe(arch, init, Probe(task, seq_len, hidden, seeds, radius), state_dict,
                         crosscheck)


def relative_error(g: np.ndarray, ref: np.ndarray) -> float:
    """max over steps of ‖g_t - ref_t‖ / ‖ref_t‖ (steps whose reference is exactly 0 skipped)."""
    num = np.linalg.norm((g - ref).reshape(len(g), -1), axis=1)
    den = np.linalg.norm(ref.reshape(len(ref), -1), axis=1)
    ok = den > 0
    return float((num[ok] / den[ok]).max()) if ok.any() else 0.0


JobProgress = Callable[[str, int], Tick]  # (description, total seeds) -> tick
TrainProgress = Callable[[str, int], object]  # (arch, seq_len) -> per-step callback


def _after_training(arch: str, init: str, probe: Probe, train_cfg, train_progress) -> GradResult:
    """Train on the probe's task from ``init``, then measure the trained weights."""
    from rnncli.experiments.train import train_one

    cfg = replace(train_cfg, hidden=probe.hidden, init=init, radius=probe.radius)
    cb = train_progress(arch, probe.seq_len) if train_progress is not None else None
    run = train_one(probe.task, arch, probe.seq_len, cfg, cb)
    sd = {k: v.detach().double().numpy() for k, v in run.model.rnn.state_dict().items()}
    t = measure_probe(arch, init, probe, state_dict=sd)
    t.extra["phase"] = "trained"
    train = {k: v for k, v in run.as_dict().items() if k not in ("arch", "loss_curve")}
    t.extra["training"] = {"task": probe.task.name, **train}
    return t


def iter_measurements(
    arch_names: list[str],
    inits: list[str],
    probe: Probe,
    train_cfg=None,  # a TrainConfig: also measure after training on the task
    job_progress: JobProgress | None = None,
    train_progress: TrainProgress | None = None,
) -> Iterator[GradResult]:
    """Yield a GradResult per (init, arch) at initialisation and, with ``train_cfg``, after
    a training run on the probe's task from that init (same probe: inputs, w, seeds).

    forget-bias-1 is skipped for the RNN and GRU (it applies to the LSTM only).
    """
    for init in inits:
        for arch in arch_names:
            if not applies(init, arch):
                continue
            tick = job_progress(f"{arch} {init}", probe.seeds) if job_progress else None
            r = measure_probe(arch, init, probe, tick=tick)
            r.extra["phase"] = "init"
            yield r
            if train_cfg is not None:
                yield _after_training(arch, init, probe, train_cfg, train_progress)
