"""From-scratch NumPy RNN, GRU and LSTM that compute what torch.nn.RNN/GRU/LSTM compute.

    from rnncli.scratch import LSTM, GRU, RNN, build, from_torch
    cell = LSTM(8, 16, num_layers=2, dtype=np.float32, seed=0)   # or rng=np.random.Generator
    out, (h_n, c_n), trace = cell.forward(x)        # x (T, B, 8) or (T, 8); time-major
    grads = cell.backward(grad_output)              # hand-written BPTT, after forward
    grads.params["weight_hh_l1"], grads.input, grads.state, grads.hidden, grads.hidden_norms

- ``RNN(I, H, L=1, *, nonlinearity="tanh"|"relu", dtype=np.float64, seed=None, rng=None)``,
  ``GRU(..., variant="pytorch"|"cho2014")``, ``LSTM(...)``; ``build(arch, I, H, L, **kw)``.
- Attributes: ``arch``, ``input_size``, ``hidden_size``, ``num_layers``, ``dtype``,
  ``params`` ({PyTorch name: array}; edit in place, the next forward uses it),
  ``variant`` (GRU), ``nonlinearity`` (RNN).
- ``forward(x, state=None, trace_layer=None) -> (output, state, trace)``: trace holds
  read-only (T, B, H) arrays of one layer (default the last): LSTM input, forget,
  candidate, output, cell, hidden; GRU reset, update, candidate, hidden; RNN hidden.
- ``backward(grad_output, grad_state=None) -> Gradients`` (params, input, state, hidden,
  hidden_norms, hidden_by_layer); either argument may be None for zeros.
- ``to_state_dict()`` / ``load_state_dict(sd)``; ``from_torch(module_or_state_dict,
  variant="pytorch", dtype=None, *, nonlinearity=None)``; ``from_state_dict(sd, arch=None,
  *, variant, nonlinearity, dtype)`` for NumPy dicts such as an ``np.load`` npz.
- Bad shapes raise ``ShapeError`` (a ``BadInput`` and a ``ValueError``); other bad values
  ``rnncli.errors.BadInput``.

Parameters carry PyTorch's names, shapes, gate order and initialisation, so weights move
between the two unchanged; tests/test_scratch.py checks outputs, states and every gradient
against torch. Sources: torch-rnn, torch-gru, torch-lstm, hochreiter1997, gers2000, cho2014
(keys of rnncli.knowledge.sources).
"""

from rnncli.scratch.base import Gradients, Recurrent, ShapeError, sigmoid
from rnncli.scratch.convert import CLASSES, build, from_state_dict, from_torch
from rnncli.scratch.gru import GRU
from rnncli.scratch.lstm import LSTM
from rnncli.scratch.rnn import RNN

__all__ = [
    "CLASSES",
    "GRU",
    "LSTM",
    "RNN",
    "Gradients",
    "Recurrent",
    "ShapeError",
    "build",
    "from_state_dict",
    "from_torch",
    "sigmoid",
]
