"""From-scratch NumPy RNN, GRU, LSTM (what torch.nn.RNN/GRU/LSTM compute) and peephole LSTM.

Two implementations of every cell: ``reference.py`` writes each architecture's equations one
per line (a plain forward step and a plain BPTT; what the tool teaches and ``gates``
traces), run by ``reference_cells.ReferenceCell`` for every registered architecture; the
fast cells ``rnn.py``, ``gru.py``, ``lstm.py`` subclass the reference classes and override
the per-layer methods to compute the same numbers quickly (tested equal to the reference to
1e-12 in float64). Architectures without a fast cell (the peephole LSTM, torch has no
module for it) run the reference implementation.

    from rnncli.scratch import LSTM, GRU, RNN, build, from_torch
    cell = LSTM(8, 16, num_layers=2, dtype=np.float32, seed=0)   # or rng=np.random.Generator
    out, (h_n, c_n), trace = cell.forward(x)        # x (T, B, 8) or (T, 8); time-major
    grads = cell.backward(grad_output)              # hand-written BPTT, after forward
    grads.params["weight_hh_l1"], grads.input, grads.state, grads.hidden, grads.hidden_norms

- ``RNN(I, H, L=1, *, nonlinearity="tanh"|"relu", dtype=np.float64, seed=None, rng=None)``,
  ``GRU(..., variant="pytorch"|"cho2014")``, ``LSTM(...)``, ``PeepholeLSTM(...)``, every
  one also with ``batch_first=True`` (x and output (B, T, ·)); ``build(arch, I, H, L,
  impl="fast"|"reference", **kw)`` by registry name (rnncli.archs), ``impl="reference"``
  giving ``ReferenceRNN``/``ReferenceGRU``/``ReferenceLSTM``/``PeepholeLSTM``.
- Attributes: ``arch``, ``impl`` ("fast" or "reference"), ``input_size``, ``hidden_size``,
  ``num_layers``, ``dtype``, ``batch_first``, ``params`` ({PyTorch name: array}; edit in
  place, the next forward uses it), ``variant`` (GRU), ``nonlinearity`` (RNN).
- ``forward(x, state=None, trace_layer=None) -> (output, state, trace)``: trace holds
  read-only (T, B, H) arrays of one layer (default the last): LSTM and peephole input,
  forget, candidate, output, cell, hidden; GRU reset, update, candidate, hidden; RNN hidden.
- ``backward(grad_output, grad_state=None) -> Gradients`` (params, input, state, hidden,
  hidden_norms, hidden_by_layer); either argument may be None for zeros.
- ``to_state_dict()`` / ``load_state_dict(sd)``; ``from_torch(module_or_state_dict,
  variant="pytorch", dtype=None, *, nonlinearity=None)`` (honours ``batch_first``);
  ``from_state_dict(sd, arch=None, *, variant, nonlinearity, dtype, batch_first)`` for NumPy
  dicts such as an ``np.load`` npz; ``infer_arch(sd)``: the architecture of a state dict.
- Bad shapes raise ``ShapeError`` (a ``BadInput`` and a ``ValueError``); other bad values,
  complex numbers included (never silently cast), ``rnncli.errors.BadInput``.

Parameters carry PyTorch's names, shapes, gate order and initialisation, so weights move
between the two unchanged; tests/test_scratch.py checks outputs, states and every gradient
against torch. Sources: torch-rnn, torch-gru, torch-lstm, hochreiter1997, gers2000, cho2014
gers2000peephole, gers2002 (keys of rnncli.knowledge.sources).
"""

from rnncli.scratch.base import Gradients, Recurrent, ShapeError, sigmoid
from rnncli.scratch.convert import (
    CLASSES,
    REFERENCE_CLASSES,
    build,
    cell_class,
    from_state_dict,
    from_torch,
    infer_arch,
)
from rnncli.scratch.gru import GRU
from rnncli.scratch.lstm import LSTM
from rnncli.scratch.reference_cells import (
    PeepholeLSTM,
    ReferenceCell,
    ReferenceGRU,
    ReferenceLSTM,
    ReferenceRNN,
    reference_class,
)
from rnncli.scratch.rnn import RNN

__all__ = [
    "CLASSES",
    "GRU",
    "LSTM",
    "REFERENCE_CLASSES",
    "RNN",
    "PeepholeLSTM",
    "ReferenceCell",
    "ReferenceGRU",
    "ReferenceLSTM",
    "ReferenceRNN",
    "Gradients",
    "Recurrent",
    "ShapeError",
    "build",
    "cell_class",
    "from_state_dict",
    "from_torch",
    "infer_arch",
    "reference_class",
    "sigmoid",
]
