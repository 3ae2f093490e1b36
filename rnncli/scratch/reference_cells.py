"""The reference cells of ``reference.py`` behind the cells' class API.

``ReferenceRNN``, ``ReferenceGRU``, ``ReferenceLSTM`` take the same arguments and give the
same results as ``RNN``, ``GRU``, ``LSTM`` (forward -> (output, state, trace), backward ->
``Gradients``, PyTorch's parameter names), but every step runs the plain functions of
``reference.py``: slower, and what the tool teaches and traces. ``PeepholeLSTM`` exists only
here (torch has no peephole module and rnncli no fast peephole cell).

Get one with ``rnncli.scratch.build(arch, I, H, L, impl="reference")``.
"""

from __future__ import annotations

import numpy as np

from rnncli.scratch import reference
from rnncli.scratch.base import Recurrent
from rnncli.scratch.gru import GRU
from rnncli.scratch.lstm import LSTM
from rnncli.scratch.rnn import RNN


class _ReferenceLayers:
    """One layer = a loop of ``step`` forward and one call of ``bptt`` backward."""

    impl = "reference"
    step = staticmethod(reference.lstm_step)
    bptt = staticmethod(reference.lstm_bptt)

    def _options(self) -> dict:
        """Keyword options of ``step`` and ``bptt`` (RNN nonlinearity, GRU variant)."""
        return {}

    def _layer_forward(self, p, x, state0):
        named = dict(zip(self._layer_names(), p, strict=True))
        steps, state = [], tuple(state0)
        for x_t in x:
            with np.errstate(under="ignore"):  # a product rounding to 0 is the right answer
                s = self.step(named, x_t, *state, **self._options())
            steps.append(s)
            state = (s["hidden"], s["cell"]) if self.n_states == 2 else (s["hidden"],)
        output = np.stack([s["hidden"] for s in steps])
        return output, state, (x, tuple(state0), steps)

    def _layer_trace(self, cache):
        steps = cache[2]
        return {name: np.stack([s[name] for s in steps]) for name in steps[0]}

    def _layer_backward(self, p, cache, dy, d_final):
        names = self._layer_names()
        x, state0, steps = cache
        with np.errstate(under="ignore"):
            grads, dx, d0, dhs = self.bptt(
                dict(zip(names, p, strict=True)), x, *state0, steps, dy, *d_final, **self._options()
            )
        return dx, d0, tuple(grads[n] for n in names), dhs


class ReferenceRNN(_ReferenceLayers, RNN):
    """``RNN`` computed by ``reference.rnn_step`` / ``rnn_bptt``."""

    step = staticmethod(reference.rnn_step)
    bptt = staticmethod(reference.rnn_bptt)

    def _options(self):
        return {"nonlinearity": self.nonlinearity}


class ReferenceGRU(_ReferenceLayers, GRU):
    """``GRU`` (both variants) computed by ``reference.gru_step`` / ``gru_bptt``."""

    step = staticmethod(reference.gru_step)
    bptt = staticmethod(reference.gru_bptt)

    def _options(self):
        return {"variant": self.variant}


class ReferenceLSTM(_ReferenceLayers, LSTM):
    """``LSTM`` computed by ``reference.lstm_step`` / ``lstm_bptt``."""


class PeepholeLSTM(_ReferenceLayers, Recurrent):
    """LSTM with diagonal peephole weights (Gers & Schmidhuber 2000), ``reference.peephole_*``.

    ``PeepholeLSTM(input_size, hidden_size, num_layers=1, *, dtype, seed, rng)``. Parameters:
    those of ``torch.nn.LSTM`` plus ``weight_ci_l{k}``, ``weight_cf_l{k}``, ``weight_co_l{k}``
    (H each: c_{t-1} into the input and forget gates, c_t into the output gate), drawn like
    the others from U(-1/sqrt(H), 1/sqrt(H)). State (h, c); trace keys as the LSTM's.
    """

    arch = "peephole"
    gates = 4
    n_states = 2
    step = staticmethod(reference.peephole_step)
    bptt = staticmethod(reference.peephole_bptt)

    def _layer_shapes(self, n_in):
        h = self.hidden_size
        return super()._layer_shapes(n_in) | {
            "weight_ci": (h,),
            "weight_cf": (h,),
            "weight_co": (h,),
        }
