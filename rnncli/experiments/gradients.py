"""How far back does a gradient reach?  ‖∂L/∂h_t‖ for a loss on the last step.

The probe loss is ``L = Σ_b w · h_T^b`` for a fixed random unit vector ``w``, so
‖∂L/∂h_T‖ = 1 for every sequence and ``grad_norms[k]`` is the norm k steps back,
relative to the last step (Bengio et al. 1994; Pascanu et al. 2013).  The
backward pass is the hand-written NumPy BPTT of :mod:`rnncli.scratch`; one seed
is cross-checked against torch autograd on the same weights, step by step.

Initialisations (applied to the parameter dict, so the same code serves the
NumPy cell and a torch module):

* ``default``: PyTorch's U(-1/√H, 1/√H) for every weight and bias (torch-rnn).
* ``orthogonal`` (Saxe et al. 2014): every H×H gate block of ``weight_hh`` a
  random orthogonal matrix (Q of a Gaussian's QR, signs fixed), biases as PyTorch's.
* ``identity``: the IRNN of Le et al. (2015): a ReLU RNN with ``weight_hh = I`` and
  zero biases.  It is defined for the plain RNN only; for GRU and LSTM this tool
  puts I in every gate block of ``weight_hh`` (biases kept), our own extension
  that the paper does not test.
* ``forget-bias-1``: LSTM forget-gate bias 1 (Gers et al. 2000; Jozefowicz et
  al. 2015); PyTorch adds two bias vectors, so rows H:2H of ``bias_ih`` become 1
  and of ``bias_hh`` 0.  It applies to the LSTM only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from rnncli.errors import BadInput

INITS = ("default", "orthogonal", "identity", "forget-bias-1")
GATES = {"rnn": 1, "gru": 3, "lstm": 4}
BATCH = 16  # sequences per seed


def applies(init: str, arch: str) -> bool:
    """Whether ``init`` means something for ``arch`` (forget-bias-1 is LSTM only)."""
    return init != "forget-bias-1" or arch == "lstm"


def nonlinearity(arch: str, init: str) -> str:
    """The RNN's nonlinearity: ReLU for the IRNN, tanh otherwise."""
    return "relu" if (arch == "rnn" and init == "identity") else "tanh"


def orthogonal(n: int, rng: np.random.Generator) -> np.ndarray:
    """A random n×n orthogonal matrix, uniform (Haar): Q of QR(G) with sign(diag R) fixed."""
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))


def init_params(
    params: dict[str, np.ndarray], arch: str, init: str, rng: np.random.Generator
) -> None:
    """Apply ``init`` to a one-layer parameter dict (PyTorch names), in place."""
    if init == "default":
        return
    W = params["weight_hh_l0"]
    H = W.shape[1]
    if init == "orthogonal":
        for g in range(GATES[arch]):
            W[g * H : (g + 1) * H] = orthogonal(H, rng)
    elif init == "identity":
        for g in range(GATES[arch]):
            W[g * H : (g + 1) * H] = np.eye(H)
        if arch == "rnn":  # IRNN: zero biases
            params["bias_ih_l0"][:] = 0.0
            params["bias_hh_l0"][:] = 0.0
    elif init == "forget-bias-1":
        if arch != "lstm":
            raise BadInput(f"--init forget-bias-1 applies to the LSTM only, not {arch}")
        params["bias_ih_l0"][H : 2 * H] = 1.0  # b_f = b_if + b_hf = 1
        params["bias_hh_l0"][H : 2 * H] = 0.0
    else:
        raise BadInput(f"--init: unknown value {init!r}; accepted: {', '.join(INITS)}")


def init_torch(module, arch: str, init: str, seed: int) -> None:  # noqa: ANN001
    """Apply ``init`` to a torch.nn.RNN/GRU/LSTM through the same parameter code."""
    import torch

    sd = module.state_dict()
    params = {k: v.detach().cpu().numpy().astype(np.float64) for k, v in sd.items()}
    init_params(params, arch, init, np.random.default_rng([seed, 7]))
    dtype = next(module.parameters()).dtype
    module.load_state_dict({k: torch.from_numpy(v).to(dtype) for k, v in params.items()})


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
