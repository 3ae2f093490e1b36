"""Initialisations of a recurrent layer that matter for gradient flow.

Each is applied to the parameter dict (PyTorch names), so the same code serves the
NumPy cell and a torch module:

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

After any of them, ``radius`` (optional) rescales every gate block of ``weight_hh`` to
that spectral radius (largest |eigenvalue|).  PyTorch's default has a radius of about
1/√3 ≈ 0.58 for large H (the circular law: entries of variance 1/(3H)); orthogonal and
identity blocks have radius 1.  Above 1, a linear recurrence amplifies some direction
at every step: the exploding-gradient regime of Pascanu et al. (2013), where a tanh
unit can still saturate and stop it, a ReLU unit cannot.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rnncli import archs
from rnncli.errors import BadInput

if TYPE_CHECKING:
    import numpy as np

INITS = ("default", "orthogonal", "identity", "forget-bias-1")


def _plain(arch: str) -> bool:
    """The plain RNN: the architecture whose nonlinearity is an option."""
    return "nonlinearity" in archs.get(arch).options


def applies(init: str, arch: str) -> bool:
    """Whether ``init`` means something for ``arch`` (forget-bias-1: a forget gate)."""
    return init != "forget-bias-1" or archs.get(arch).forget_bias_row is not None


def nonlinearity(arch: str, init: str) -> str:
    """The RNN's nonlinearity: ReLU for the IRNN, tanh otherwise."""
    return "relu" if (_plain(arch) and init == "identity") else "tanh"


def orthogonal(n: int, rng: np.random.Generator) -> np.ndarray:
    """A random n×n orthogonal matrix, uniform (Haar): Q of QR(G) with sign(diag R) fixed."""
    import numpy as np

    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))


def spectral_radius(block: np.ndarray) -> float:
    """Largest |eigenvalue| of a square matrix."""
    import numpy as np

    return float(np.abs(np.linalg.eigvals(block)).max())


def _blocks(params: dict[str, np.ndarray], arch: str) -> list[np.ndarray]:
    """The H×H gate blocks of ``weight_hh_l0`` (views), in PyTorch's row order."""
    W = params["weight_hh_l0"]
    H = W.shape[1]
    return [W[g * H : (g + 1) * H] for g in range(archs.get(arch).gate_blocks)]


def _orthogonal(params, arch: str, rng: np.random.Generator) -> None:
    for block in _blocks(params, arch):
        block[:] = orthogonal(block.shape[0], rng)


def _identity(params, arch: str, rng: np.random.Generator) -> None:
    import numpy as np

    for block in _blocks(params, arch):
        block[:] = np.eye(block.shape[0])
    if _plain(arch):  # IRNN: zero biases
        params["bias_ih_l0"][:] = 0.0
        params["bias_hh_l0"][:] = 0.0


def _forget_bias_1(params, arch: str, rng: np.random.Generator) -> None:
    if not applies("forget-bias-1", arch):
        having = " or ".join(s.title for s in archs.SPECS.values() if s.forget_bias_row)
        raise BadInput(f"--init forget-bias-1 applies to the {having} only, not {arch}")
    spec = archs.get(arch)
    H = params["weight_hh_l0"].shape[1]
    k = spec.gate_rows.index(spec.forget_bias_row)  # PyTorch's LSTM: i, f, g, o -> rows H:2H
    params["bias_ih_l0"][k * H : (k + 1) * H] = 1.0  # b_f = b_if + b_hf = 1
    params["bias_hh_l0"][k * H : (k + 1) * H] = 0.0


_APPLY = {"orthogonal": _orthogonal, "identity": _identity, "forget-bias-1": _forget_bias_1}


def init_params(
    params: dict[str, np.ndarray],
    arch: str,
    init: str,
    rng: np.random.Generator,
    radius: float | None = None,
) -> None:
    """Apply ``init`` (then ``radius``, if given) to a one-layer parameter dict, in place."""
    if init not in INITS:
        raise BadInput(f"--init: unknown value {init!r}; accepted: {', '.join(INITS)}")
    if init in _APPLY:
        _APPLY[init](params, arch, rng)
    if radius is not None:
        for block in _blocks(params, arch):
            block *= radius / spectral_radius(block)


def init_torch(module, arch: str, init: str, seed: int, radius: float | None = None) -> None:
    """Apply ``init`` (and ``radius``) to a torch.nn.RNN/GRU/LSTM through the same code."""
    import numpy as np
    import torch

    sd = module.state_dict()
    params = {k: v.detach().cpu().numpy().astype(np.float64) for k, v in sd.items()}
    init_params(params, arch, init, np.random.default_rng([seed, 7]), radius)
    dtype = next(module.parameters()).dtype
    module.load_state_dict({k: torch.from_numpy(v).to(dtype) for k, v in params.items()})
