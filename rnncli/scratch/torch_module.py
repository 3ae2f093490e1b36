"""A ``torch.nn`` module for any registered architecture, computed by its reference cell.

torch has modules for the RNN, GRU and LSTM only. The commands that train in torch
(``memory``, ``gradients --after-training``, ``race``) get every other registered
architecture (the MGU, the peephole LSTM) from :class:`ReferenceModule`: its forward pass
is the registry's reference cell (``rnncli/scratch/reference.py``: the equations, one per
line) and its backward pass that cell's hand-written BPTT, joined to autograd by a
``torch.autograd.Function`` (PyTorch docs, "Extending torch.autograd"). So a torch
optimiser trains an architecture from its registry entry alone, with gradients that the
tests check against finite differences and torch's own modules.

It takes what ``nn.RNN`` takes for plain sequences: ``(input_size, hidden_size,
num_layers, batch_first=...)`` and the architecture's options, ``forward(x, state)`` ->
``(output, h_n)`` or ``(output, (h_n, c_n))``, parameters named like torch's
(``weight_ih_l0``...). Not: packed sequences, bidirectional, dropout (the commands that
need those accept torch's architectures only). It runs on the CPU in NumPy, in the
parameters' dtype: slower than torch's kernels, which ``bench`` measures.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from rnncli import archs


def _numpy(t: torch.Tensor) -> np.ndarray:
    return t.detach().cpu().numpy()


class _ReferenceFunction(torch.autograd.Function):
    """Forward: the reference cell; backward: its BPTT (every parameter, input, state)."""

    @staticmethod
    def forward(ctx, module, x, n_state, *tensors):
        states, params = tensors[:n_state], tensors[n_state:]
        cell = module.new_cell(x.dtype)  # its own caches: calls may interleave before backward
        cell.load_state_dict({n: _numpy(p) for n, p in zip(module.names, params, strict=True)})
        state = None
        if n_state:
            state = tuple(_numpy(s) for s in states)
            state = state if len(state) > 1 else state[0]
        out, final, _ = cell.forward(_numpy(x), state)
        ctx.cell, ctx.n_state, ctx.dtype = cell, n_state, x.dtype
        finals = final if isinstance(final, tuple) else (final,)
        return tuple(torch.from_numpy(np.ascontiguousarray(a)) for a in (out, *finals))

    @staticmethod
    def backward(ctx, grad_out, *grad_finals):
        cell = ctx.cell
        g_state = tuple(_numpy(g) for g in grad_finals)
        g = cell.backward(_numpy(grad_out), g_state if len(g_state) > 1 else g_state[0])
        to_t = lambda a: torch.from_numpy(np.ascontiguousarray(a)).to(ctx.dtype)  # noqa: E731
        d_states = g.state if isinstance(g.state, tuple) else (g.state,)
        d_states = tuple(to_t(d) for d in d_states) if ctx.n_state else ()
        d_params = tuple(to_t(g.params[n]) for n in cell.to_state_dict())
        return (None, to_t(g.input), None, *d_states, *d_params)


class ReferenceModule(nn.Module):
    """``nn.RNN``-like module of architecture ``arch``, computed by its reference cell."""

    def __init__(self, arch: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 batch_first: bool = False, **options) -> None:
        super().__init__()
        from rnncli.scratch import build

        self.arch, self.input_size, self.hidden_size = arch, input_size, hidden_size
        self.num_layers, self.batch_first = num_layers, batch_first
        self.options = options
        cell = build(arch, input_size, hidden_size, num_layers, impl="reference",
                     dtype=np.float32, batch_first=batch_first,
                     seed=int(torch.randint(0, 2**31 - 1, ()).item()), **options)
        self.names = list(cell.to_state_dict())
        for name, value in cell.to_state_dict().items():
            self.register_parameter(name, nn.Parameter(torch.from_numpy(value.copy())))
        self._has_c = archs.get(arch).has_cell_state

    def new_cell(self, dtype: torch.dtype):
        """A fresh reference cell in ``dtype`` (its weights are loaded by the caller)."""
        from rnncli.scratch import build

        np_dtype = np.float64 if dtype == torch.float64 else np.float32
        return build(self.arch, self.input_size, self.hidden_size, self.num_layers,
                     impl="reference", dtype=np_dtype, batch_first=self.batch_first,
                     seed=0, **self.options)

    def forward(self, x: torch.Tensor, state=None):
        states = () if state is None else (tuple(state) if self._has_c else (state,))
        params = [getattr(self, n) for n in self.names]
        out, *finals = _ReferenceFunction.apply(self, x, len(states), *states, *params)
        return out, (tuple(finals) if self._has_c else finals[0])


def module_class(arch: str):
    """A class that builds :class:`ReferenceModule` of ``arch`` with ``nn.RNN``'s
    constructor (``cls(input_size, hidden_size, num_layers, batch_first=...)``)."""

    def make(input_size: int, hidden_size: int, num_layers: int = 1, **kw) -> ReferenceModule:
        return ReferenceModule(arch, input_size, hidden_size, num_layers, **kw)

    make.__name__ = f"Reference{archs.get(arch).title}"
    return make
