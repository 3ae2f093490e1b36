"""Exact counts for the registered architectures: parameters, FLOPs, activation memory.

Pure arithmetic, no torch, so ``explain``, ``compare`` and ``advise`` stay fast. What varies
between architectures (gate blocks, extra parameter vectors, element-wise work, values kept
for backward) comes from the registry, ``rnncli.archs``.

Parameter counts follow PyTorch's layout (torch.nn.RNN/GRU/LSTM docs): each
layer has ``weight_ih`` (G·H × I_l), ``weight_hh`` (G·H × H) and two bias
vectors ``bias_ih`` and ``bias_hh`` (G·H each), where G is the number of gate
blocks (``ArchSpec.gate_rows``: RNN 1, GRU 3, LSTM 4) and I_l is the input size of
layer l (I for the first layer, H above it; twice H when the layer below is
bidirectional). Hence an LSTM layer holds 4·(H·I + H² + 2H) parameters. An
architecture's extra H-sized vectors (``ArchSpec.extra_params``: the peephole LSTM's
``weight_ci``, ``weight_cf``, ``weight_co``) add H each per layer and direction.
"""

from __future__ import annotations

from rnncli import archs
from rnncli.errors import BadInput

#: Values per unit the backward pass keeps for each step, as rnncli.scratch's cells store
#: them: LSTM and peephole i, f, g, o, c, h (tanh(c_t) is recomputed in backward);
#: GRU r, z, n, W_hn·h + b_hn, h (the fast cell's choice); RNN h.
KEPT_PER_UNIT = {name: archs.get(name).kept_per_unit for name in archs.names()}


class UnknownArchitecture(BadInput, ValueError):
    """An architecture name the registry does not know (also a ``ValueError``)."""


def _spec(arch: str) -> archs.ArchSpec:
    try:
        return archs.get(arch)
    except BadInput as exc:
        raise UnknownArchitecture(str(exc)) from None


def _check(arch: str) -> int:
    return _spec(arch).gate_blocks


def layer_input_sizes(input_size: int, hidden_size: int, num_layers: int,
                      bidirectional: bool = False) -> list[int]:
    """Input size seen by each layer."""
    below = hidden_size * (2 if bidirectional else 1)
    return [input_size] + [below] * (num_layers - 1)


def param_count(arch: str, input_size: int, hidden_size: int, num_layers: int = 1,
                bias: bool = True, bidirectional: bool = False) -> int:
    """Number of parameters of ``torch.nn.{RNN,GRU,LSTM}`` (or any registered architecture)
    with these sizes: G·(H·I_l + H² + 2H) per layer and direction, plus H per extra vector
    (the peephole LSTM's 3H)."""
    spec = _spec(arch)
    g, h = spec.gate_blocks, hidden_size
    dirs = 2 if bidirectional else 1
    total = 0
    for i in layer_input_sizes(input_size, h, num_layers, bidirectional):
        total += dirs * (g * (h * i + h * h + (2 * h if bias else 0)) + spec.extra_vectors * h)
    return total


def param_formula(arch: str) -> str:
    """The per-layer parameter formula as text, e.g. ``4·(H·I + H² + 2H)``."""
    spec = _spec(arch)
    g = spec.gate_blocks
    text = f"{g}·(H·I + H² + 2H)" if g > 1 else "H·I + H² + 2H"
    return f"{text} + {spec.extra_vectors}H" if spec.extra_vectors else text


def matmul_flops(arch: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 seq_len: int = 1, batch: int = 1, include_input: bool = True) -> int:
    """Forward FLOPs of the matrix products (2 per multiply-add).

    ``include_input=False`` gives DeepBench's recurrent-only count (W_hh·h only).
    """
    g = _check(arch)
    h = hidden_size
    per_step = 0
    for i in layer_input_sizes(input_size, h, num_layers):
        per_step += 2 * g * h * ((i if include_input else 0) + h)
    return per_step * seq_len * batch


def elementwise_flops(arch: str, hidden_size: int, num_layers: int = 1,
                      seq_len: int = 1, batch: int = 1) -> int:
    """Forward FLOPs outside the matrix products: bias adds, activations, gating.

    Counted as one FLOP per add, multiply or activation evaluation:
    from each spec's ``ArchSpec.elementwise_per_unit`` (per step, per layer, per sequence
    in the batch); e.g. RNN 2 biases + tanh = 3H; LSTM 8 biases + 5 activations + c and h
    updates (4 ops) = 17H; the peephole LSTM adds three peephole products and their adds.
    """
    per_unit = _spec(arch).elementwise_per_unit
    return per_unit * hidden_size * num_layers * seq_len * batch


def forward_flops(arch: str, input_size: int, hidden_size: int, num_layers: int = 1,
                  seq_len: int = 1, batch: int = 1, include_input: bool = True) -> int:
    """Analytic forward FLOPs: matrix products plus element-wise work."""
    return matmul_flops(arch, input_size, hidden_size, num_layers, seq_len, batch,
                        include_input) + elementwise_flops(arch, hidden_size, num_layers,
                                                           seq_len, batch)


def train_flops(arch: str, input_size: int, hidden_size: int, num_layers: int = 1,
                seq_len: int = 1, batch: int = 1, include_input: bool = True) -> int:
    """Forward + backward: the backward pass does two products per forward product
    (gradient w.r.t. inputs and w.r.t. weights), so about 3× the forward matmuls."""
    mm = matmul_flops(arch, input_size, hidden_size, num_layers, seq_len, batch, include_input)
    ew = elementwise_flops(arch, hidden_size, num_layers, seq_len, batch)
    return 3 * mm + 2 * ew


def activation_bytes(arch: str, hidden_size: int, num_layers: int = 1, seq_len: int = 1,
                     batch: int = 1, dtype_bytes: int = 4) -> int:
    """Bytes the training forward pass keeps for backward (our NumPy cells' choice)."""
    return _spec(arch).kept_per_unit * hidden_size * num_layers * seq_len * batch * dtype_bytes


def max_hidden_for_params(arch: str, input_size: int, params_max: int,
                          num_layers: int = 1, bias: bool = True) -> int:
    """Largest hidden size H whose :func:`param_count` stays within ``params_max``.

    Returns 0 when even H = 1 does not fit.  ``param_count`` grows strictly with H,
    so a bisection over H finds the exact answer.
    """
    _check(arch)
    if param_count(arch, input_size, 1, num_layers, bias) > params_max:
        return 0
    lo, hi = 1, 2
    while param_count(arch, input_size, hi, num_layers, bias) <= params_max:
        lo, hi = hi, hi * 2
    while hi - lo > 1:  # invariant: lo fits, hi does not
        mid = (lo + hi) // 2
        if param_count(arch, input_size, mid, num_layers, bias) <= params_max:
            lo = mid
        else:
            hi = mid
    return lo
