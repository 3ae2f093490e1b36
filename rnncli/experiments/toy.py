"""The toy task behind ``rnncli gates --init trained``: "steps since the last 1".

Input: a stream of 0s and 1s (one feature; a 1 arrives with probability ``P_ONE``).
Target at every step: how many steps ago the most recent 1 arrived, capped at ``CAP`` and
scaled to 0..1, y_t = min(d_t, CAP) / CAP (d_t = 0 at a 1; before any 1, d_t = CAP).

The task is chosen so that the gates have a job a learner can see: at a 1 the network
must throw its running count away (an LSTM's forget gate drops, a GRU's update gate drops
so the candidate replaces the state), and between 1s it must keep the count and add one
step to it (forget/update gates high). A vanilla RNN has no gate to do this with and must
overwrite its whole state every step.

The shipped weights (``rnncli/data/gates_toy.npz``, metadata in ``gates_toy.json``) are
made by ``scripts/train_gates_toy.py``, which calls :func:`train` for each architecture
with hidden size 3; torch is imported only there. Loading them (:func:`load_trained`)
needs NumPy only.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from rnncli import archs
from rnncli.errors import BadInput, RnncliError

TASK_NAME = "steps since the last 1"
CAP = 5
P_ONE = 0.2
TRAIN_LEN = 24
DATA = Path(__file__).resolve().parent.parent / "data"
WEIGHTS_FILE = DATA / "gates_toy.npz"
META_FILE = DATA / "gates_toy.json"
#: The architectures with shipped weights: torch's own (the script trains torch modules).
TRAINED_ARCHS = archs.names(torch_only=True)
HIDDEN = 3


def describe() -> str:
    """One line naming the task, for the output."""
    return (f"'{TASK_NAME}': input a 0/1 stream; target min(steps since the last 1, {CAP})/{CAP}"
            " at every step")


def targets(x: np.ndarray) -> np.ndarray:
    """y_t = min(d_t, CAP)/CAP for a 0/1 sequence x of shape (T,) or (T, B)."""
    x = np.asarray(x)
    d = np.full(x.shape[1:], CAP, dtype=np.int64)
    y = np.empty(x.shape, dtype=np.float64)
    for t in range(x.shape[0]):
        d = np.where(x[t] > 0.5, 0, np.minimum(d + 1, CAP))
        y[t] = d / CAP
    return y


def batch(rng: np.random.Generator, size: int, length: int = TRAIN_LEN):
    """(x (T, B, 1), y (T, B, 1)) drawn fresh: 1s with probability P_ONE."""
    x = (rng.random((length, size)) < P_ONE).astype(np.float64)
    return x[..., None], targets(x)[..., None]


def train(arch: str, hidden: int = HIDDEN, seed: int = 0, steps: int = 2000, lr: float = 1e-2):
    """Train torch's ``arch`` + a linear read-out on the task (MSE, Adam, clip 1.0).

    The LSTM starts with its forget-gate bias raised by 1, the usual practice (Gers et al.
    2000; Jozefowicz et al. 2015), so "keep" is its default and "forget" has to be learnt.

    Returns ``(state_dict, readout, val_rmse)``: the recurrent weights under PyTorch's names
    (float64 arrays), the read-out ``{"weight": (1, H), "bias": (1,)}`` and the RMSE on a
    fixed validation set, in steps (0 is perfect; predicting the mean scores about 1.9).
    """
    import torch

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    rnn = archs.torch_module(arch)(1, hidden)
    head = torch.nn.Linear(hidden, 1)
    spec = archs.get(arch)
    if spec.forget_bias_row:  # forget-gate bias +1 at the start (gers2000, jozefowicz2015)
        k = spec.gate_rows.index(spec.forget_bias_row)
        with torch.no_grad():
            rnn.bias_hh_l0[k * hidden : (k + 1) * hidden] += 1.0
    params = list(rnn.parameters()) + list(head.parameters())
    opt = torch.optim.Adam(params, lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    xv, yv = (torch.from_numpy(a).float() for a in batch(np.random.default_rng(10_000 + seed), 512))
    for _ in range(steps):
        x, y = (torch.from_numpy(a).float() for a in batch(rng, 128))
        loss = torch.nn.functional.mse_loss(head(rnn(x)[0]), y)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        sched.step()
    with torch.no_grad():
        rmse = float(torch.sqrt(torch.nn.functional.mse_loss(head(rnn(xv)[0]), yv))) * CAP
    sd = {k: v.detach().double().numpy() for k, v in rnn.state_dict().items()}
    readout = {"weight": head.weight.detach().double().numpy(),
               "bias": head.bias.detach().double().numpy()}
    return sd, readout, rmse


def load_trained(arch: str, hidden: int = HIDDEN):
    """(state_dict, readout, meta) of the shipped weights for ``arch`` (NumPy only)."""
    if arch not in TRAINED_ARCHS:
        raise BadInput(f"--init trained: no weights for {arch!r}; choose "
                       f"{', '.join(TRAINED_ARCHS)} (or --init random)")
    if hidden != HIDDEN:
        raise BadInput(
            f"--init trained ships weights for --hidden {HIDDEN} only (got {hidden}); training "
            "another size takes longer than this command should wait: run "
            "scripts/train_gates_toy.py --hidden N --out w.npz, then --weights w.npz"
        )
    if not WEIGHTS_FILE.is_file() or not META_FILE.is_file():
        raise RnncliError(f"the shipped weights {WEIGHTS_FILE.name} are missing; reinstall rnncli")
    meta = json.loads(META_FILE.read_text(encoding="utf-8"))
    with np.load(WEIGHTS_FILE, allow_pickle=False) as data:
        sd = {k.split(".", 1)[1]: data[k] for k in data.files
              if k.startswith(f"{arch}.") and not k.startswith(f"{arch}.readout.")}
        readout = {k.rsplit(".", 1)[1]: data[k] for k in data.files
                   if k.startswith(f"{arch}.readout.")}
    return sd, readout, meta


def readout_steps(hidden: np.ndarray, readout: dict[str, np.ndarray]) -> np.ndarray:
    """The trained read-out's answer in steps: CAP * (W h_t + b), shape (T,)."""
    return CAP * (hidden @ readout["weight"].T + readout["bias"])[:, 0]


def trained_network(arch: str, x: np.ndarray, hidden: int = HIDDEN, variant: str = "pytorch",
                    impl: str = "reference"):
    """(cell, header lines, per-step notes) of the shipped network for ``arch`` on x (T, 1).

    The notes give the read-out's answer at each step beside the true count (when x holds
    only 0s and 1s), so a reader can see the network does the task.
    """
    from rnncli.scratch import build, from_state_dict

    if x.ndim != 2 or x.shape[1] != 1:
        raise BadInput(f"the sequence has {x.shape[-1]} feature(s) per step but the trained "
                       "network expects 1 (a 0/1 stream)")
    sd, readout, meta = load_trained(arch, hidden)
    fast = from_state_dict(sd, arch, variant=variant, dtype=np.float64)
    cell = build(arch, 1, fast.hidden_size, fast.num_layers, impl=impl, variant=variant,
                 dtype=np.float64)  # gates traces the reference cells (fast: long inputs)
    cell.load_state_dict(fast.to_state_dict())
    score = meta["scores"][arch]["val_rmse_steps"]
    head = [f"trained on the toy task {describe()}; validation RMSE {score} steps, answering "
            f"the mean: {meta['baseline_rmse_steps']} (rnncli/data/gates_toy.json)"]
    _, _, top = cell.forward(x)
    guess = readout_steps(top["hidden"], readout)
    if np.isin(x, (0.0, 1.0)).all():
        true = targets(x[:, 0]) * CAP
        notes = [f"model: {g:.1f} steps since a 1 (true {y:.0f})"
                 for g, y in zip(guess, true, strict=True)]
    else:
        head.append("note: the task's inputs are 0 and 1; other values are extrapolation")
        notes = [f"model: {g:.1f} steps since a 1" for g in guess]
    return cell, head, notes
