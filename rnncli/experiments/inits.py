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
"""

from __future__ import annotations

import numpy as np

from rnncli.errors import BadInput
from rnncli.formulas import GATE_BLOCKS

INITS = ("default", "orthogonal", "identity", "forget-bias-1")


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
        for g in range(GATE_BLOCKS[arch]):
            W[g * H : (g + 1) * H] = orthogonal(H, rng)
    elif init == "identity":
        for g in range(GATE_BLOCKS[arch]):
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
