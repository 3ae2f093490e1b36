"""What the three cells share: PyTorch-style parameters, layer stacking, state handling.

Each cell class (``rnn.RNN``, ``gru.GRU``, ``lstm.LSTM``) only writes the equations of
ONE layer, forward (``_layer_forward``) and backward (``_layer_backward``); this module
stacks layers, checks shapes, handles unbatched input and packages the results.

Parameters follow PyTorch exactly (names ``weight_ih_l{k}``, ``weight_hh_l{k}``,
``bias_ih_l{k}``, ``bias_hh_l{k}``; G*H rows in PyTorch's gate order; every entry drawn
from U(-1/sqrt(H), 1/sqrt(H))), so a state dict moves between the two unchanged
(sources: torch-rnn, torch-gru, torch-lstm).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from rnncli.errors import BadInput, RnncliError

DTYPES = {"float32": np.float32, "float64": np.float64}


class ShapeError(BadInput, ValueError):
    """An array given to a cell has the wrong shape (also a ``ValueError`` for notebooks)."""


@dataclass
class Gradients:
    """Everything ``backward`` computes, shaped like what ``forward`` took and gave.

    ``params``: {PyTorch name: dL/dparam}; ``input``: dL/dx (like x); ``state``: dL/d(initial
    state), an array (L, B, H) or for the LSTM a tuple (dh_0, dc_0); ``hidden``: (T, B, H) total
    dL/dh_t of the last layer (from the output at t AND from step t+1 through the recurrence);
    ``hidden_norms``: (T,) Frobenius norm of ``hidden[t]`` over batch and units;
    ``hidden_by_layer``: the same as ``hidden`` for every layer, bottom first.
    """

    params: dict[str, np.ndarray]
    input: np.ndarray
    state: np.ndarray | tuple[np.ndarray, np.ndarray]
    hidden: np.ndarray
    hidden_norms: np.ndarray
    hidden_by_layer: tuple[np.ndarray, ...] = field(default_factory=tuple)


def sigmoid(a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """σ(a) = ½(1 + tanh(a/2)): the same function as 1/(1+e^-a), but it cannot overflow.

    ``np.exp(-a)`` overflows (a warning and inf) for a < -88 in float32 or -709 in float64;
    tanh saturates at ±1 instead, so σ stays inside [0, 1] for any finite input. (In floating
    point σ(a) rounds to exactly 0 or 1 once |a| is large, as torch.sigmoid does.)
    Accuracy: the error is a few eps of the unit range (about 1e-7 in float32), so a nearly
    closed gate (σ < 0.01) has a larger RELATIVE error than torch's exp-based sigmoid; the
    float32 tests compare values bounded by 1 on that absolute scale.
    """
    out = np.multiply(a, 0.5, out=out)
    np.tanh(out, out=out)
    out *= 0.5
    out += 0.5
    return out


def aligned_empty(shape: tuple[int, ...], dtype) -> np.ndarray:
    """``np.empty`` that starts on a 64-byte boundary.

    OpenBLAS's kernels for small products (the cells' per-step (B, K) @ (K, H)
    products) run about 25% slower when the weight matrix is not 64-byte aligned, and NumPy
    only guarantees 16 bytes.
    """
    itemsize = np.dtype(dtype).itemsize
    raw = np.empty(int(np.prod(shape)) * itemsize + 64, dtype=np.uint8)
    start = -raw.ctypes.data % 64
    return raw[start : start + int(np.prod(shape)) * itemsize].view(dtype).reshape(shape)


def _positive_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise BadInput(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def as_dtype(dtype: object) -> type:
    """np.float32 or np.float64 from a dtype-like (``"float32"``, ``np.float64``, ...)."""
    try:
        dt = np.dtype(dtype)
    except TypeError as exc:
        raise BadInput(f"dtype must be float32 or float64, got {dtype!r}") from exc
    if dt not in (np.float32, np.float64):
        raise BadInput(f"dtype must be float32 or float64, got {dt}")
    return dt.type


class Recurrent:
    """A stack of ``num_layers`` recurrent layers with PyTorch's parameters.

    Subclasses set ``arch``, ``gates`` (G, the number of row blocks in each weight),
    ``trace_names`` and ``n_states`` (1, or 2 for the LSTM's (h, c)), and write
    ``_layer_forward`` / ``_layer_backward`` / ``_layer_trace``.
    """

    arch = ""
    gates = 1
    n_states = 1
    trace_names: tuple[str, ...] = ()

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        *,
        dtype: object = np.float64,
        seed: int | None = None,
        rng: np.random.Generator | None = None,
    ) -> None:
        self.input_size = _positive_int("input_size", input_size)
        self.hidden_size = _positive_int("hidden_size", hidden_size)
        self.num_layers = _positive_int("num_layers", num_layers)
        self.dtype = as_dtype(dtype)
        rng = rng if rng is not None else np.random.default_rng(seed)
        bound = 1.0 / np.sqrt(self.hidden_size)  # PyTorch: U(-1/sqrt(H), 1/sqrt(H))
        self.params: dict[str, np.ndarray] = {}
        for name, shape in self._param_shapes().items():
            self.params[name] = rng.uniform(-bound, bound, shape).astype(self.dtype)
        self._cache: tuple | None = None
        self._work: dict[str, np.ndarray] = {}

    def _buffer(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """A scratch array kept between calls (never returned to the caller).

        Fresh large arrays cost page faults on every call; reusing the internal ones
        (the BPTT work arrays) keeps backward's time in the arithmetic.
        """
        buf = self._work.get(name)
        if buf is None or buf.shape != shape or buf.dtype != self.dtype:
            buf = self._work[name] = np.empty(shape, dtype=self.dtype)
        return buf

    # ----------------------------------------------------------------- parameters
    def _param_shapes(self) -> dict[str, tuple[int, ...]]:
        gh, h = self.gates * self.hidden_size, self.hidden_size
        shapes: dict[str, tuple[int, ...]] = {}
        for k in range(self.num_layers):
            n_in = self.input_size if k == 0 else h
            shapes[f"weight_ih_l{k}"] = (gh, n_in)
            shapes[f"weight_hh_l{k}"] = (gh, h)
            shapes[f"bias_ih_l{k}"] = (gh,)
            shapes[f"bias_hh_l{k}"] = (gh,)
        return shapes

    def _layer_params(self, k: int) -> tuple[np.ndarray, ...]:
        """(W_ih, W_hh, b_ih, b_hh) of layer k, read fresh so in-place edits take effect."""
        out, shapes = [], self._param_shapes()
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            key = f"{name}_l{k}"
            arr = np.asarray(self.params[key], dtype=self.dtype)
            if arr.shape != shapes[key]:
                raise ShapeError(f"{key} has shape {arr.shape}, expected {shapes[key]}")
            out.append(arr)
        return tuple(out)

    def to_state_dict(self) -> dict[str, np.ndarray]:
        """A copy of the parameters under PyTorch's names (load with ``torch.from_numpy``)."""
        return {name: np.array(value, dtype=self.dtype) for name, value in self.params.items()}

    def load_state_dict(self, state_dict: dict[str, object]) -> None:
        """Copy arrays (same names and shapes as ``params``) into this cell."""
        shapes = self._param_shapes()
        if set(state_dict) != set(shapes):
            raise BadInput(f"state dict keys {sorted(state_dict)} do not match {sorted(shapes)}")
        for name, shape in shapes.items():
            arr = np.array(state_dict[name], dtype=self.dtype)
            if arr.shape != shape:
                raise ShapeError(f"{name} has shape {arr.shape}, expected {shape}")
            self.params[name] = arr

    def __repr__(self) -> str:
        extra = "".join(f", {k}={v!r}" for k, v in self._extra_repr().items())
        return (
            f"{type(self).__name__}({self.input_size}, {self.hidden_size}, "
            f"num_layers={self.num_layers}{extra}, dtype={np.dtype(self.dtype).name})"
        )

    def _extra_repr(self) -> dict[str, object]:
        return {}

    # ----------------------------------------------------------------- forward
    def forward(self, x, state=None, trace_layer: int | None = None):
        """Run the whole sequence: returns ``(output, state, trace)``.

        x: (T, B, I), or (T, I) for one unbatched sequence. state: the initial state, or
        None for zeros: h_0 (L, B, H) (LSTM: a tuple (h_0, c_0)); unbatched (L, H).
        output: (T, B, H), the top layer's h_t at every step. state: the final state, shaped
        like the initial one. trace: {name: (T, B, H)} of layer ``trace_layer`` (default: the
        last); the arrays are read-only views of what ``backward`` will use.
        """
        x = np.array(x, dtype=self.dtype)  # a copy: backward needs x as it was
        batched = x.ndim == 3
        if x.ndim not in (2, 3) or x.shape[-1] != self.input_size or 0 in x.shape:
            raise ShapeError(
                f"input must have shape (T, B, {self.input_size}) or (T, {self.input_size})"
                f" with T, B >= 1, got {x.shape}"
            )
        if not batched:
            x = x[:, None, :]
        T, B, _ = x.shape
        if trace_layer is None:
            trace_layer = self.num_layers - 1
        if not -self.num_layers <= trace_layer < self.num_layers:
            raise BadInput(f"trace_layer must be in 0..{self.num_layers - 1}, got {trace_layer}")
        init = self._initial_states(state, B, batched)  # list over layers of tuples
        # drop the previous call's arrays first: the new ones then reuse their memory
        self._cache = None
        caches, finals, inp = [], [], x
        for k in range(self.num_layers):
            inp, final, cache = self._layer_forward(self._layer_params(k), inp, init[k])
            caches.append(cache)
            finals.append(final)
        self._cache = (caches, batched, x.shape)
        stacked = [np.stack([f[j] for f in finals]) for j in range(self.n_states)]
        trace = self._layer_trace(caches[trace_layer])
        for arr in trace.values():
            arr.flags.writeable = False
        output = inp.copy()  # the caches keep their own arrays: editing output is safe
        if not batched:
            output = output[:, 0]
            stacked = [s[:, 0] for s in stacked]
            trace = {name: arr[:, 0] for name, arr in trace.items()}
        out_state = stacked[0] if self.n_states == 1 else tuple(stacked)
        return output, out_state, trace

    __call__ = forward

    def _initial_states(self, state, B: int, batched: bool) -> list[tuple[np.ndarray, ...]]:
        L, H = self.num_layers, self.hidden_size
        if state is None:
            zeros = np.zeros((L, B, H), dtype=self.dtype)
            parts = [zeros] * self.n_states
        else:
            parts = self._state_parts(state, "state")
            want = (L, B, H) if batched else (L, H)
            for j, p in enumerate(parts):
                if p.shape != want:
                    raise ShapeError(f"initial state part {j} has shape {p.shape}, expected {want}")
            if not batched:
                parts = [p[:, None, :] for p in parts]
        return [tuple(p[k] for p in parts) for k in range(L)]

    def _state_parts(self, state, what: str) -> list[np.ndarray]:
        if self.n_states == 1:
            if isinstance(state, (tuple, list)):
                raise BadInput(f"{what} of a {self.arch.upper()} is one array h (L, B, H)")
            return [np.asarray(state, dtype=self.dtype)]
        if not isinstance(state, (tuple, list)) or len(state) != 2:
            raise BadInput(f"{what} of an LSTM is a tuple (h, c) of arrays (L, B, H)")
        return [np.asarray(s, dtype=self.dtype) for s in state]

    # ----------------------------------------------------------------- backward
    def backward(self, grad_output, grad_state=None) -> Gradients:
        """Backpropagation through time for the last ``forward``.

        grad_output: dL/d(output), shaped like the output (None: zeros). grad_state: dL/d(final
        state), shaped like the returned state (None: zeros).
        """
        if self._cache is None:
            raise RnncliError("call forward() before backward()")
        caches, batched, (T, B, _) = self._cache
        L, H = self.num_layers, self.hidden_size
        out_shape = (T, B, H) if batched else (T, H)
        if grad_output is None:
            d_out = np.zeros((T, B, H), dtype=self.dtype)
        else:
            d_out = np.asarray(grad_output, dtype=self.dtype)
            if d_out.shape != out_shape:
                raise ShapeError(f"grad_output has shape {d_out.shape}, expected {out_shape}")
            d_out = d_out if batched else d_out[:, None, :]
        if grad_state is None:
            d_final = [np.zeros((L, B, H), dtype=self.dtype)] * self.n_states
        else:
            d_final = self._state_parts(grad_state, "grad_state")
            want = (L, B, H) if batched else (L, H)
            for j, p in enumerate(d_final):
                if p.shape != want:
                    raise ShapeError(f"grad_state part {j} has shape {p.shape}, expected {want}")
            d_final = d_final if batched else [p[:, None, :] for p in d_final]

        grads: dict[str, np.ndarray] = {}
        d_init: list[list[np.ndarray]] = [[] for _ in range(self.n_states)]
        hidden: list[np.ndarray] = []
        dy = d_out
        for k in reversed(range(L)):
            p = self._layer_params(k)
            dy, d0, (dW_ih, dW_hh, db_ih, db_hh), dh_all = self._layer_backward(
                p, caches[k], dy, tuple(d[k] for d in d_final)
            )
            grads[f"weight_ih_l{k}"], grads[f"weight_hh_l{k}"] = dW_ih, dW_hh
            grads[f"bias_ih_l{k}"], grads[f"bias_hh_l{k}"] = db_ih, db_hh
            for j in range(self.n_states):
                d_init[j].append(d0[j])
            hidden.append(dh_all)
        hidden.reverse()
        d_state = [np.stack(d[::-1]) for d in d_init]
        grads = {name: grads[name] for name in self.params}  # PyTorch's order
        norms = np.sqrt(np.einsum("tbh,tbh->t", hidden[-1], hidden[-1]))
        if not batched:
            dy = dy[:, 0]
            d_state = [s[:, 0] for s in d_state]
            hidden = [h[:, 0] for h in hidden]
        return Gradients(
            params=grads,
            input=dy,
            state=d_state[0] if self.n_states == 1 else tuple(d_state),
            hidden=hidden[-1],
            hidden_norms=norms,
            hidden_by_layer=tuple(hidden),
        )

    # ----------------------------------------------------------------- per layer
    def _layer_forward(self, p, x, state0):  # pragma: no cover - abstract
        raise NotImplementedError

    def _layer_backward(self, p, cache, dy, d_final):  # pragma: no cover - abstract
        raise NotImplementedError

    def _layer_trace(self, cache) -> dict[str, np.ndarray]:  # pragma: no cover - abstract
        raise NotImplementedError

