"""How far back does a gradient reach?  ‖∂L/∂h_t‖ for a loss on the last step.

The probe loss is ``L = Σ_b w · h_T^b`` for a fixed random unit vector ``w``, so
‖∂L/∂h_T‖ = 1 for every sequence and ``grad_norms[k]`` is the norm k steps back,
relative to the last step (Bengio et al. 1994; Pascanu et al. 2013).  The
backward pass is the hand-written NumPy BPTT of :mod:`rnncli.scratch`; one seed
is cross-checked against torch autograd on the same weights, step by step.

Initialisations: see :mod:`rnncli.experiments.inits`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from rnncli.experiments.inits import applies, init_params, nonlinearity

BATCH = 16  # sequences per seed


def probe_inputs(task, seq_len: int, seed: int) -> np.ndarray:  # noqa: ANN001
    """The inputs the gradient is measured on: a batch of the task's sequences (float64)."""
    return task.generate(seq_len, BATCH, np.random.default_rng([seed, 3])).x.astype(np.float64)


def probe_vector(hidden: int, seed: int) -> np.ndarray:
    w = np.random.default_rng([seed, 5]).standard_normal(hidden)
    return w / np.linalg.norm(w)


def norms_numpy(cell, x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # noqa: ANN001
    """NumPy BPTT: per-sequence ‖∂L/∂h_t‖ (T, B) and the full gradients (T, B, H)."""
    out, _, _ = cell.forward(x)
    grad_output = np.zeros_like(out)
    grad_output[-1] = w  # L = Σ_b w · h_T^b: only the last step is scored
    g = cell.backward(grad_output)
    return np.linalg.norm(g.hidden, axis=2), g.hidden


def grads_torch(cell, x: np.ndarray, w: np.ndarray, arch: str, nonlin: str) -> np.ndarray:  # noqa: ANN001
    """The same ∂L/∂h_t by torch autograd, stepping the torch module one step at a time."""
    import torch

    cls = {"rnn": torch.nn.RNN, "gru": torch.nn.GRU, "lstm": torch.nn.LSTM}[arch]
    kw = {"nonlinearity": nonlin} if arch == "rnn" else {}
    module = cls(cell.input_size, cell.hidden_size, **kw).double()
    module.load_state_dict({k: torch.from_numpy(v) for k, v in cell.to_state_dict().items()})
    xs = torch.from_numpy(x)
    state, hs = None, []
    for t in range(xs.shape[0]):
        _, state = module(xs[t : t + 1], state)
        h = state[0] if arch == "lstm" else state  # (1, B, H), feeds step t+1
        h.retain_grad()
        hs.append(h)
    loss = (hs[-1][0] @ torch.from_numpy(w)).sum()
    loss.backward()
    return np.stack([h.grad[0].numpy() for h in hs])  # (T, B, H)


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
class GradResult:
    arch: str
    init: str
    grad_norms: np.ndarray  # (steps,), index 0 = the last step; mean over seeds
    seed_min: np.ndarray
    seed_max: np.ndarray
    decay_per_step: float
    crosscheck_rel_err: float | None = None
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        d = {
            "arch": self.arch,
            "init": self.init,
            "grad_norms": self.grad_norms,
            "spread": {"min": self.seed_min, "max": self.seed_max},
            "decay_per_step": self.decay_per_step,
            "crosscheck": {"max_rel_err": self.crosscheck_rel_err, "against": "torch autograd"},
        }
        d.update(self.extra)
        return d


def measure(
    arch: str,
    init: str,
    task,  # noqa: ANN001
    seq_len: int,
    hidden: int,
    seeds: int,
    state_dict: dict | None = None,
    crosscheck: bool = True,
) -> GradResult:
    """‖∂L/∂h_t‖ averaged over ``seeds`` (fresh weights per seed unless ``state_dict``)."""
    from rnncli.scratch import build

    nonlin = nonlinearity(arch, init)
    per_seed, rel_err = [], None
    for seed in range(seeds):
        kw = {"nonlinearity": nonlin} if arch == "rnn" else {}
        cell = build(arch, task.input_size, hidden, dtype=np.float64, seed=seed, **kw)
        if state_dict is not None:
            cell.load_state_dict({k: np.asarray(v, np.float64) for k, v in state_dict.items()})
        else:
            init_params(cell.params, arch, init, np.random.default_rng([seed, 7]))
        x, w = probe_inputs(task, seq_len, seed), probe_vector(hidden, seed)
        norms, g = norms_numpy(cell, x, w)
        per_seed.append(norms.mean(axis=1)[::-1])  # mean over sequences; index 0 = last step
        if crosscheck and seed == 0:
            ref = grads_torch(cell, x, w, arch, nonlin)
            rel_err = relative_error(g, ref)
    stack = np.stack(per_seed)  # (seeds, steps)
    mean = stack.mean(axis=0)
    return GradResult(arch, init, mean, stack.min(axis=0), stack.max(axis=0), fit_decay(mean),
                      rel_err)


def relative_error(g: np.ndarray, ref: np.ndarray) -> float:
    """max over steps of ‖g_t - ref_t‖ / ‖ref_t‖ (steps whose reference is exactly 0 skipped)."""
    num = np.linalg.norm((g - ref).reshape(len(g), -1), axis=1)
    den = np.linalg.norm(ref.reshape(len(ref), -1), axis=1)
    ok = den > 0
    return float((num[ok] / den[ok]).max()) if ok.any() else 0.0


def iter_measurements(
    archs: list[str],
    inits: list[str],
    task,  # noqa: ANN001
    seq_len: int,
    hidden: int,
    seeds: int,
    train_cfg=None,  # noqa: ANN001  # a TrainConfig: also measure after training on ``task``
    progress=None,  # noqa: ANN001  # (arch, seq_len) -> per-step callback, for training
):
    """Yield a GradResult per (init, arch) at initialisation and, with ``train_cfg``, after
    a short training run on ``task`` from that init (same probe: inputs, w, seeds).

    forget-bias-1 is skipped for the RNN and GRU (it applies to the LSTM only).
    """
    from dataclasses import replace

    from rnncli.experiments.train import train_one

    for init in inits:
        for arch in archs:
            if not applies(init, arch):
                continue
            r = measure(arch, init, task, seq_len, hidden, seeds)
            r.extra["phase"] = "init"
            yield r
            if train_cfg is None:
                continue
            cfg = replace(train_cfg, hidden=hidden, init=init)
            cb = progress(arch, seq_len) if progress is not None else None
            run = train_one(task, arch, seq_len, cfg, cb)
            sd = {k: v.detach().double().numpy() for k, v in run.model.rnn.state_dict().items()}
            t = measure(arch, init, task, seq_len, hidden, seeds, state_dict=sd)
            t.extra["phase"] = "trained"
            train = {k: v for k, v in run.as_dict().items() if k != "arch"}
            t.extra["training"] = {"task": task.name, **train}
            yield t
