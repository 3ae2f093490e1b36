"""From-scratch NumPy RNN, GRU and LSTM that compute what torch.nn.RNN/GRU/LSTM compute.

    from rnncli.scratch import LSTM, GRU, RNN, from_torch, build
    cell = LSTM(8, 16, num_layers=2, dtype=np.float32, seed=0)
    out, (h_n, c_n), trace = cell.forward(x)        # x (T, B, 8) or (T, 8)
    grads = cell.backward(grad_output)              # hand-written BPTT
    grads.params["weight_hh_l1"], grads.input, grads.state, grads.hidden_norms

Parameters carry PyTorch's names, shapes, gate order and initialisation, so weights move
between the two with ``from_torch(module)`` / ``cell.to_state_dict()``; tests/test_scratch.py
checks outputs, states and every gradient against torch. Sources: torch-rnn, torch-gru,
torch-lstm, hochreiter1997, cho2014 (keys of rnncli.knowledge.sources).
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
