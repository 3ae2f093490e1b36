"""The reference cells: every registered architecture behind the cells' class API.

``ReferenceCell`` is the readable base of every cell: one layer forward is a loop of the
architecture's reference step (``ArchSpec.step``, a function of ``reference.py``), one
layer backward one call of its BPTT (``ArchSpec.bptt``); what it learns from the registry
(gate blocks, states, options, extra parameters) it does not repeat. The fast cells
(``rnn.RNN``, ``gru.GRU``, ``lstm.LSTM``) subclass ``ReferenceRNN``/``ReferenceGRU``/
``ReferenceLSTM`` and override only the per-layer methods with laid-out-for-speed code,
tested equal (tests/test_reference.py).

``reference_class(arch)`` gives the class of any registered name: the named ones below,
or one made from the spec for an architecture added to the registry alone.
Get a cell with ``rnncli.scratch.build(arch, I, H, L, impl="reference")``.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from rnncli import archs
from rnncli.errors import BadInput
from rnncli.scratch.base import Recurrent


class ReferenceCell(Recurrent):
    """A stack of layers computed by the registry's reference step and BPTT.

    ``Cls(input_size, hidden_size, num_layers=1, *, <options>, dtype, seed, rng,
    batch_first)``; the options are the spec's (``nonlinearity`` of the RNN, ``variant``
    of the GRU), each an attribute, defaulting to its first choice.
    """

    impl = "reference"

    def __init__(self, input_size, hidden_size, num_layers=1, **kw):
        spec = archs.get(self.arch)
        for option, choices in spec.options.items():
            value = kw.pop(option, choices[0])
            if value not in choices:
                raise BadInput(f"{spec.title} {option} must be one of {', '.join(choices)}, "
                               f"got {value!r}")
            setattr(self, option, value)
        super().__init__(input_size, hidden_size, num_layers, **kw)

    @property
    def spec(self) -> archs.ArchSpec:
        return archs.get(self.arch)

    @property
    def gates(self) -> int:  # type: ignore[override]
        return self.spec.gate_blocks

    @property
    def n_states(self) -> int:  # type: ignore[override]
        return self.spec.n_states

    def _options(self) -> dict:
        """Keyword options of ``step`` and ``bptt`` (RNN nonlinearity, GRU variant)."""
        return {option: getattr(self, option) for option in self.spec.options}

    def _extra_repr(self) -> dict[str, object]:
        return self._options() | super()._extra_repr()

    def _layer_shapes(self, n_in):
        """The four PyTorch tensors, then the spec's H-sized extra vectors (peepholes)."""
        extra = {name: (self.hidden_size,) for name in self.spec.extra_params}
        return super()._layer_shapes(n_in) | extra

    def _layer_forward(self, p, x, state0):
        step = _function(self.spec.step)
        named = dict(zip(self._layer_names(), p, strict=True))
        keys, steps, state = self.spec.state_keys, [], tuple(state0)
        for x_t in x:
            with np.errstate(under="ignore"):  # a product rounding to 0 is the right answer
                s = step(named, x_t, *state, **self._options())
            steps.append(s)
            state = tuple(s[k] for k in keys)
        output = np.stack([s["hidden"] for s in steps])
        return output, state, (x, tuple(state0), steps)

    def _layer_trace(self, cache):
        steps = cache[2]
        return {name: np.stack([s[name] for s in steps]) for name in steps[0]}

    def _layer_backward(self, p, cache, dy, d_final):
        names = self._layer_names()
        x, state0, steps = cache
        with np.errstate(under="ignore"):
            grads, dx, d0, dhs = _function(self.spec.bptt)(
                dict(zip(names, p, strict=True)), x, *state0, steps, dy, *d_final, **self._options()
            )
        return dx, d0, tuple(grads[n] for n in names), dhs


@cache
def _function(dotted: str):
    return archs.resolve(dotted)


class ReferenceRNN(ReferenceCell):
    """Elman RNN (``torch.nn.RNN``), ``reference.rnn_step`` / ``rnn_bptt``;
    ``nonlinearity="tanh"|"relu"``."""

    arch = "rnn"


class ReferenceGRU(ReferenceCell):
    """GRU (``torch.nn.GRU`` or Cho et al. 2014), ``reference.gru_step`` / ``gru_bptt``;
    ``variant="pytorch"|"cho2014"``."""

    arch = "gru"


class ReferenceLSTM(ReferenceCell):
    """LSTM (``torch.nn.LSTM``), ``reference.lstm_step`` / ``lstm_bptt``; state (h, c)."""

    arch = "lstm"


class PeepholeLSTM(ReferenceCell):
    """LSTM with diagonal peephole weights (Gers & Schmidhuber 2000), ``reference.peephole_*``.

    ``PeepholeLSTM(input_size, hidden_size, num_layers=1, *, dtype, seed, rng)``. Parameters:
    those of ``torch.nn.LSTM`` plus ``weight_ci_l{k}``, ``weight_cf_l{k}``, ``weight_co_l{k}``
    (H each: c_{t-1} into the input and forget gates, c_t into the output gate), drawn like
    the others from U(-1/sqrt(H), 1/sqrt(H)). State (h, c); trace keys as the LSTM's.
    """

    arch = "peephole"


_NAMED = {cls.arch: cls for cls in (ReferenceRNN, ReferenceGRU, ReferenceLSTM, PeepholeLSTM)}


@cache
def reference_class(arch: str) -> type[ReferenceCell]:
    """The reference class of a registered architecture (made from its spec when there is
    no named one: an architecture added through the registry alone)."""
    spec = archs.get(arch)
    if spec.name in _NAMED:
        return _NAMED[spec.name]
    name = "Reference" + "".join(ch for ch in spec.title.title() if ch.isalnum())
    return type(name, (ReferenceCell,), {"arch": spec.name, "__doc__": (
        f"{spec.title}, computed by {spec.step} / {spec.bptt}.")})
