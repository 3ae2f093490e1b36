"""What every cell shares: PyTorch-style parameters, layer stacking, state handling.

Each cell class (the fast ``rnn.RNN``, ``gru.GRU``, ``lstm.LSTM`` and the reference ones of
``reference_cells.py``) only writes the equations of ONE layer, forward
(``_layer_forward``) and backward (``_layer_backward``); this module stacks layers, checks
shapes and values (real numbers only: complex input is refused, never cast), handles
unbatched and batch-first input and packages the results.

Parameters follow PyTorch exactly (names ``weight_ih_l{k}``, ``weight_hh_l{k}``,
``bias_ih_l{k}``, ``bias_hh_l{k}``; G*H rows in PyTorch's gate order; every entry drawn
from U(-1/sqrt(H), 1/sqrt(H)); the peephole LSTM adds ``weight_c{i,f,o}_l{k}``), so a
state dict moves between the two unchanged
(sources: torch-rnn, torch-gru, torch-lstm).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from rnncli import archs
from rnncli.errors import BadInput, RnncliError

DTYPES = {"float32": np.float32, "float64": np.float64}


class ShapeError(BadInput, ValueError):
    """An array given to a cell has the wrong shape (also a ``ValueError`` for notebooks)."""


@dataclass
class Gradients:
    """Everything ``backward`` computes, shaped like what ``forward`` took and gave.

    ``params``: {PyTorch name: dL/dparam}; ``input``: dL/dx (like x); ``state``: dL/d(initial
    state), an array (L, B, H) or for the LSTM a tuple (dh_0, dc_0); ``hidden``: (T, B, H) total
    dL/dh_t of the last layer (from the output at t AND from step t+1 through the recurrence),
    laid out like the output ((B, T, H) when ``batch_first``); ``hidden_norms``: (T,)
    Frobenius norm of dL/dh_t over batch and units;
    ``hidden_by_layer``: the same as ``hidden`` for every layer, bottom first.
    """

    params: dict[str, np.ndarray]
    input: np.ndarray
    state: np.ndarray | tuple[np.ndarray, np.ndarray]
    hidden: np.ndarray
    hidden_norms: np.ndarray
    hidden_by_layer: tuple[np.ndarray, ...] = field(default_factory=tuple)


def sigmoid(a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """σ(a) = 1 / (1 + e^-a), as the fast cells compute it (three calls, in place with ``out``).

    Relative precision: a few ulp for every a whose σ(a) is a normal float (a > -87 in
    float32, a > -708 in float64), as torch.sigmoid, so a nearly closed gate (σ(-20) = 2e-9)
    keeps its digits. e^-a overflows to inf for very negative a and underflows to 0 for very
    positive a, which gives exactly σ = 0 and σ = 1: both are silenced here, so σ stays in
    [0, 1] for any finite input without a warning. (½·tanh(a/2) + ½, cheaper by one call,
    has an absolute error of ~eps: a closed gate, and all it multiplies, would lose digits.)
    """
    a = np.asarray(a)
    if a.dtype.kind != "f":
        a = a.astype(np.float64)
    with np.errstate(over="ignore", under="ignore"):
        out = np.negative(a, out=out)
        np.exp(out, out=out)
        out += 1
        np.reciprocal(out, out=out)
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


def real_array(value: object, dtype: object, what: str) -> np.ndarray:
    """``value`` as a real NumPy array (of ``dtype`` unless None); ``BadInput`` for complex,
    text or ragged values, which NumPy would otherwise cast (dropping the imaginary part)."""
    if hasattr(value, "detach"):  # a torch tensor, perhaps one that requires grad
        value = value.detach().cpu().numpy()
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError) as exc:
        raise BadInput(f"{what} is not a numeric array: {exc}") from exc
    if np.iscomplexobj(arr):
        raise BadInput(f"{what} is complex; the cells compute with real numbers only")
    if arr.dtype.kind not in "biuf":
        raise BadInput(f"{what} must be a real numeric array, got dtype {arr.dtype}")
    return arr if dtype is None else arr.astype(dtype, copy=False)


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

    ``reference_cells.ReferenceCell`` is the subclass every cell uses: it sets ``arch`` (a
    key of ``rnncli.archs``) and reads ``gates`` (G, the number of row blocks in each
    weight), ``n_states`` (1, or 2 for the LSTM's (h, c)), options and extra parameters
    from the registry, and writes ``_layer_forward`` / ``_layer_backward`` /
    ``_layer_trace`` with the reference step and BPTT. ``impl`` says which implementation
    a class is: "reference" (the equations of reference.py) or "fast" (rnn.py, gru.py,
    lstm.py, which override the per-layer methods).
    """

    arch = ""
    impl = "fast"
    gates = 1
    n_states = 1

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        *,
        dtype: object = np.float64,
        seed: int | None = None,
        rng: np.random.Generator | None = None,
        batch_first: bool = False,
    ) -> None:
        self.batch_first = bool(batch_first)  # x and output (B, T, ·) as torch's batch_first
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
    def _layer_shapes(self, n_in: int) -> dict[str, tuple[int, ...]]:
        """{PyTorch name without the layer suffix: shape} of one layer with ``n_in`` inputs.

        The four of torch.nn.RNN/GRU/LSTM; an architecture with more (the peephole LSTM's
        diagonal weights) extends it. ``_layer_forward`` gets them in this order.
        """
        gh, h = self.gates * self.hidden_size, self.hidden_size
        return {"weight_ih": (gh, n_in), "weight_hh": (gh, h), "bias_ih": (gh,), "bias_hh": (gh,)}

    def _param_shapes(self) -> dict[str, tuple[int, ...]]:
        shapes: dict[str, tuple[int, ...]] = {}
        for k in range(self.num_layers):
            n_in = self.input_size if k == 0 else self.hidden_size
            for name, shape in self._layer_shapes(n_in).items():
                shapes[f"{name}_l{k}"] = shape
        return shapes

    def _layer_names(self) -> tuple[str, ...]:
        return tuple(self._layer_shapes(self.input_size))

    def _layer_params(self, k: int) -> tuple[np.ndarray, ...]:
        """Layer k's parameters in ``_layer_shapes`` order, read fresh so in-place edits count."""
        out, shapes = [], self._param_shapes()
        for name in self._layer_names():
            key = f"{name}_l{k}"
            arr = real_array(self.params[key], self.dtype, key)
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
            arr = np.array(real_array(state_dict[name], self.dtype, name))
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
        return {"batch_first": True} if self.batch_first else {}

    # ----------------------------------------------------------------- forward
    def forward(self, x, state=None, trace_layer: int | None = None):
        """Run the whole sequence: returns ``(output, state, trace)``.

        x: (T, B, I) ((B, T, I) when ``batch_first``), or (T, I) for one unbatched sequence.
        state: the initial state, or None for zeros: h_0 (L, B, H) (LSTM: a tuple (h_0, c_0));
        unbatched (L, H). output: the top layer's h_t at every step, laid out like x with H
        features. state: the final state, shaped like the initial one. trace: {name: array
        laid out like the output} of layer ``trace_layer`` (default: the last); the arrays
        are read-only views of what ``backward`` will use.
        """
        x, batched = self._time_major_input(x)
        T, B, _ = x.shape
        trace_layer = self._check_trace_layer(trace_layer)
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
        trace = {name: self._caller_layout(arr, batched) for name, arr in trace.items()}
        return self._caller_layout(output, batched), self._caller_state(stacked, batched), trace

    __call__ = forward

    def _time_major_input(self, x) -> tuple[np.ndarray, bool]:
        """x as a fresh (T, B, I) array (backward needs x as it was) and whether it was batched."""
        x = np.array(real_array(x, self.dtype, "input"))
        if x.ndim not in (2, 3) or x.shape[-1] != self.input_size or 0 in x.shape:
            lead = "B, T" if self.batch_first else "T, B"
            raise ShapeError(
                f"input must have shape ({lead}, {self.input_size}) or (T, {self.input_size})"
                f" with T, B >= 1, got {x.shape}"
            )
        if x.ndim == 2:
            return x[:, None, :], False
        return (np.ascontiguousarray(x.swapaxes(0, 1)) if self.batch_first else x), True

    def _caller_layout(self, arr: np.ndarray, batched: bool) -> np.ndarray:
        """A (T, B, ·) array laid out as the caller's input was: (T, ·), (B, T, ·) or as is."""
        if not batched:
            return arr[:, 0]
        return arr.swapaxes(0, 1) if self.batch_first else arr

    def _caller_state(self, parts: list[np.ndarray], batched: bool):
        """(L, B, H) state parts -> h, or (h, c) for two states; unbatched (L, H)."""
        if not batched:
            parts = [p[:, 0] for p in parts]
        return parts[0] if self.n_states == 1 else tuple(parts)

    def _check_trace_layer(self, trace_layer: int | None) -> int:
        if trace_layer is None:
            return self.num_layers - 1
        if not -self.num_layers <= trace_layer < self.num_layers:
            raise BadInput(f"trace_layer must be in 0..{self.num_layers - 1}, got {trace_layer}")
        return trace_layer

    def _initial_states(
        self, state, B: int, batched: bool, names=("state", "initial state")
    ) -> list[tuple[np.ndarray, ...]]:
        """[(h_0, ...) of layer k for k in layers], each (B, H): zeros for None. Backward
        uses it for dL/d(final state) too (``names`` then says so in errors)."""
        L, H = self.num_layers, self.hidden_size
        if state is None:
            parts = [np.zeros((L, B, H), dtype=self.dtype)] * self.n_states
        else:
            parts = self._checked_state(state, names, B, batched)
        return [tuple(p[k] for p in parts) for k in range(L)]

    def _checked_state(self, state, names: tuple[str, str], B: int, batched: bool):
        """State parts as (L, B, H) arrays from what the caller gave, shapes checked."""
        parts = self._state_parts(state, names[0])
        L, H = self.num_layers, self.hidden_size
        want = (L, B, H) if batched else (L, H)
        for j, p in enumerate(parts):
            if p.shape != want:
                raise ShapeError(f"{names[1]} part {j} has shape {p.shape}, expected {want}")
        return parts if batched else [p[:, None, :] for p in parts]

    def _title(self) -> str:
        return archs.get(self.arch).title if self.arch else type(self).__name__

    def _state_parts(self, state, what: str) -> list[np.ndarray]:
        if self.n_states == 1:
            if isinstance(state, (tuple, list)):
                raise BadInput(f"{what} of the {self._title()} is one array h (L, B, H)")
            return [real_array(state, self.dtype, what)]
        if not isinstance(state, (tuple, list)) or len(state) != 2:
            raise BadInput(f"{what} of the {self._title()} is a tuple (h, c) of arrays (L, B, H)")
        return [real_array(s, self.dtype, what) for s in state]

    # ----------------------------------------------------------------- backward
    def backward(self, grad_output, grad_state=None) -> Gradients:
        """Backpropagation through time for the last ``forward``.

        grad_output: dL/d(output), shaped like the output (None: zeros). grad_state: dL/d(final
        state), shaped like the returned state (None: zeros).
        """
        if self._cache is None:
            raise RnncliError("call forward() before backward()")
        caches, batched, (T, B, _) = self._cache
        dy = self._time_major_grad(grad_output, T, B, batched)
        d_final = self._initial_states(grad_state, B, batched, ("grad_state", "grad_state"))
        grads: dict[str, np.ndarray] = {}
        d_init: list[list[np.ndarray]] = [[] for _ in range(self.n_states)]
        hidden: list[np.ndarray] = []
        top = dy
        for k in reversed(range(self.num_layers)):
            dy, d0, layer_grads, dh_all = self._layer_backward(
                self._layer_params(k), caches[k], dy, d_final[k]
            )
            for name, grad in zip(self._layer_names(), layer_grads, strict=True):
                grads[f"{name}_l{k}"] = grad
            for j in range(self.n_states):
                d_init[j].append(d0[j])
            hidden.insert(0, self._caller_layout(dh_all, batched))
            top = dh_all if k == self.num_layers - 1 else top  # (T, B, H) of the last layer
        return Gradients(
            params={name: grads[name] for name in self.params},  # PyTorch's order
            input=self._caller_layout(dy, batched),
            state=self._caller_state([np.stack(d[::-1]) for d in d_init], batched),
            hidden=hidden[-1],
            hidden_norms=np.sqrt(np.einsum("tbh,tbh->t", top, top)),
            hidden_by_layer=tuple(hidden),
        )

    def _time_major_grad(self, grad_output, T: int, B: int, batched: bool) -> np.ndarray:
        """dL/d(output) as a (T, B, H) array, checked against the output's shape."""
        H = self.hidden_size
        if grad_output is None:
            return np.zeros((T, B, H), dtype=self.dtype)
        d_out = real_array(grad_output, self.dtype, "grad_output")
        want = ((B, T, H) if self.batch_first else (T, B, H)) if batched else (T, H)
        if d_out.shape != want:
            raise ShapeError(f"grad_output has shape {d_out.shape}, expected {want}")
        if not batched:
            return d_out[:, None, :]
        return np.ascontiguousarray(d_out.swapaxes(0, 1)) if self.batch_first else d_out

    # ----------------------------------------------------------------- per layer
    def _layer_forward(self, p, x, state0):  # pragma: no cover - abstract
        raise NotImplementedError

    def _layer_backward(self, p, cache, dy, d_final):  # pragma: no cover - abstract
        raise NotImplementedError

    def _layer_trace(self, cache) -> dict[str, np.ndarray]:  # pragma: no cover - abstract
        raise NotImplementedError
