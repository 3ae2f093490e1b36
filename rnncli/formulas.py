"""Exact counts for RNN, GRU and LSTM: parameters, FLOPs, activation memory.

Pure arithmetic, no torch, so ``explain``, ``compare`` and ``advise`` stay fast.

Parameter counts follow PyTorch's layout (torch.nn.RNN/GRU/LSTM docs): each
layer has ``weight_ih`` (G·H × I_l), ``weight_hh`` (G·H × H) and two bias
vectors ``bias_ih`` and ``bias_hh`` (G·H each), where G is the number of gate
blocks (RNN 1, GRU 3, LSTM 4) and I_l is the input size of layer l (I for the
first layer, H above it; twice H when the layer below is bidirectional).
Hence an LSTM layer holds 4·(H·I + H² + 2H) parameters.
"""

from __future__ import annotations

ARCHS = ("rnn", "gru", "lstm")

#: Gate blocks stacked in the fused weight matrices, in PyTorch's row order.
GATE_BLOCKS = {"rnn": 1, "gru": 3, "lstm": 4}
GATE_ORDER = {"rnn": ("hidden",), "gru": ("reset", "update", "candidate"),
              "lstm": ("input", "forget", "candidate", "output")}

#: Values per unit the backward pass keeps for each step (see rnncli.scratch):
#: LSTM i, f, g, o, c, tanh(c), h; GRU r, z, n, W_hn·h + b_hn, h; RNN h.
KEPT_PER_UNIT = {"rnn": 1, "gru": 5, "lstm": 7}


def _check(arch: str) -> int:
    if arch not in GATE_BLOCKS:
        raise ValueError(f"unknown architecture {arch!r}; expected one of {', '.join(ARCHS)}")
    return GATE_BLOCKS[arch]


def layer_input_sizes(input_size: int, hidden_size: int, num_layers: int,
                      bidirectional: bool = False) -> list[int]:
    """Input size seen by each layer."""
    below = hidden_size * (2 if bidirectional else 1)
    return [input_size] + [below] * (num_layers - 1)


def param_count(arch: str, input_size: int, hidden_size: int, num_layers: int = 1,
                bias: bool = True, bidirectional: bool = False) -> int:
    """Number of parameters of ``torch.nn.{RNN,GRU,LSTM}`` with these sizes."""
    g = _check(arch)
    h = hidden_size
    dirs = 2 if bidirectional else 1
    total = 0
    for i in layer_input_sizes(input_size, h, num_layers, bidirectional):
        total += dirs * g * (h * i + h * h + (2 * h if bias else 0))
    return total


def param_formula(arch: str) -> str:
    """The per-layer parameter formula as text, e.g. ``4·(H·I + H² + 2H)``."""
    g = _check(arch)
    return f"{g}·(H·I + H² + 2H)" if g > 1 else "H·I + H² + 2H"


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
    RNN 2 biases + tanh = 3H; GRU 6 biases + 3 activations + r⊙· + (1−z), two
    products and a sum = 15H; LSTM 8 biases + 5 activations + c and h updates
    (4 ops) = 17H (per step, per layer, per sequence in the batch).
    """
    per_unit = {"rnn": 3, "gru": 15, "lstm": 17}[arch]
    _check(arch)
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
    _check(arch)
    return KEPT_PER_UNIT[arch] * hidden_size * num_layers * seq_len * batch * dtype_bytes


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
