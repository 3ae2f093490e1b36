"""THE RUNTIME REGISTRY: what ``rnncli bench --runtime`` can time the same weights on.

Each ``Runtime`` carries its behaviour: the pip extra that installs it, whether it is
installed, whether it runs inference only, and ``prepare``: from the torch module that
holds the row's weights to a ``Compiled`` (the callable timed, the export/compile time,
the thread setting as applied).  :func:`check_agreement` compares the runtime's outputs
with torch's at the row's shape AND at a second shape (the exported sequence and batch
axes must be dynamic); a runtime that disagrees raises ``Disagreement``: the row is
reported, not timed.  ``bench`` turns a prepared runtime into a row like any other
(:func:`rnncli.measure.workloads.runtime_workload`: interleaved rounds, the same clock,
first call apart).  Nothing here imports ``rnncli.measure``.

- ``torch``: the fused ``nn.RNN/GRU/LSTM`` (the reference: ``--impl torch``).
- ``onnxruntime`` / ``openvino``: the module written as ONNX ``RNN/GRU/LSTM`` nodes by
  :func:`rnncli.formats.onnx_write.build` (dynamic ``seq`` and ``batch`` axes), run by
  onnxruntime (``intra_op_num_threads``) or OpenVINO's CPU plugin
  (``INFERENCE_NUM_THREADS``, f32 precision: OpenVINO would otherwise pick bf16 on CPUs
  that have it).  Inference only.
- ``jax``: the same equations in ``jax.lax.scan`` under ``jax.jit``, in a worker process
  (:mod:`rnncli.runtimes.jaxrun`) so that XLA's thread flags hold.
- ``torch-compile``: ``torch.compile(module)``; in torch 2.13 Dynamo graph-breaks on the
  RNN modules ("Dynamo does not support RNN, GRU, or LSTM", read from its counters into
  the row's kernel), so the timed call runs the eager kernel.

No torch, onnxruntime, OpenVINO or JAX at module level (``--runtime`` is optional).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass, field

from rnncli.errors import MissingExtra, RnncliError
from rnncli.machine import CLOCKS

#: Largest max |Δ| against torch accepted in float32 before a runtime is timed.
TOLERANCE = 1e-5
#: The architectures every runtime here can run (ONNX's RNN/GRU/LSTM operators).
RUNTIME_ARCHS = ("rnn", "gru", "lstm")
RULES = (
    "one weight set: every runtime runs the weights of the torch row",
    f"outputs checked against torch before timing (max |Δ| <= {TOLERANCE:g}, float32) at "
    "the row's shape and a second one (dynamic axes); a runtime that disagrees is "
    "reported, not timed",
    "threads pinned per runtime and printed ('threads as set')",
    "interleaved rounds across runtimes, one clock for all",
    "onnxruntime and OpenVINO: inference only",
    "first call (export/compile/JIT + first run) its own column, never in the median",
)


class Disagreement(RnncliError):
    """A runtime's outputs differ from torch's: the row is reported, not timed."""

    def __init__(self, runtime: str, record: dict) -> None:
        self.record = record
        super().__init__(f"{runtime}: outputs differ from torch (max |Δ| "
                         f"{record['max_abs_diff']:.2g} > {TOLERANCE:g})")


@dataclass
class Compiled:
    """A runtime's prepared model: ``forward(x) -> y`` (T, B, H·D) as NumPy arrays."""

    forward: Callable[[object], object]
    setup_s: float  # export / conversion / compile, before the first call
    threads: str  # the thread setting as applied
    version: str
    step: Callable[[], object] | None = None  # the timed call (default: forward(x))
    remote: object | None = None  # blocks timed in another process (JAX: jaxrun.JaxTiming)
    first_call_s: float | None = None  # measured where ``remote`` times (JAX)
    kernel: Callable[[], str] | str = ""  # a callable is read after the calls


@dataclass(frozen=True)
class Runtime:
    name: str
    help: str
    package: str  # the import name checked by is_installed
    extra: str  # pip install 'rnncli[extra]'
    prepare: Callable[..., Compiled]  # (module, x, case, threads, clock) -> Compiled
    #: bench's rough cost model: seconds of fixed overhead per step and layer (forward,
    #: train), GFLOP/s reached, and seconds spent before the first call (export, compile)
    cost: tuple[float, float, float] = (10e-6, 60e-6, 20.0)
    setup_s: float = 0.3
    inference_only: bool = True
    in_all: bool = True  # part of --runtime all (when installed)
    notes: tuple[str, ...] = field(default_factory=tuple)

    def is_installed(self) -> bool:
        return importlib.util.find_spec(self.package) is not None

    def need(self) -> None:
        """MissingExtra (one line naming the extra) when the package is absent."""
        if not self.is_installed():
            raise MissingExtra(self.package, self.extra)

    def modes(self) -> tuple[str, ...]:
        return ("forward",) if self.inference_only else ("forward", "train")


def _onnx_bytes(module) -> bytes:
    """The module as ONNX nodes with dynamic sequence and batch axes (the formats
    helper's writer: torch 2.13's exporter freezes a GRU's sequence length)."""
    from rnncli.formats.onnx_write import build
    from rnncli.formats.torch_files import from_module

    return build(from_module(module)).SerializeToString()


def _onnxruntime(module, x, case, threads: int, clock: str) -> Compiled:
    import onnxruntime as ort

    from rnncli.formats.onnx_write import session

    now = CLOCKS[clock]
    t0 = now()
    sess = session(_onnx_bytes(module), threads)
    setup = now() - t0
    feed = {"x": x}
    return Compiled(lambda inp: sess.run(["y"], {"x": inp})[0], setup,
                    f"intra_op_num_threads={threads}, inter_op_num_threads=1",
                    ort.__version__, step=lambda: sess.run(["y"], feed),
                    kernel=f"onnxruntime {case.arch.upper()} op (CPU EP)")


def _openvino(module, x, case, threads: int, clock: str) -> Compiled:
    import io

    import openvino as ov

    now = CLOCKS[clock]
    t0 = now()
    model = ov.convert_model(io.BytesIO(_onnx_bytes(module)))
    config = {"INFERENCE_NUM_THREADS": threads, "INFERENCE_PRECISION_HINT": "f32",
              "NUM_STREAMS": 1}
    compiled = ov.Core().compile_model(model, "CPU", config)
    request = compiled.create_infer_request()
    setup = now() - t0

    def forward(inp):
        request.infer({0: inp})
        return request.get_output_tensor(0).data.copy()

    return Compiled(forward, setup, f"INFERENCE_NUM_THREADS={threads}, NUM_STREAMS=1, f32",
                    ov.get_version(), step=lambda: request.infer({0: x}),
                    kernel="OpenVINO CPU plugin, sequence op")


def _torch_compile(module, x, case, threads: int, clock: str) -> Compiled:
    import torch

    now = CLOCKS[clock]
    t0 = now()
    compiled = torch.compile(module)
    setup = now() - t0
    xt = torch.from_numpy(x)

    def forward(inp):
        with torch.no_grad():
            return compiled(torch.from_numpy(inp))[0].numpy()

    def step():
        with torch.no_grad():
            return compiled(xt)

    return Compiled(forward, setup, f"torch.set_num_threads({threads})", torch.__version__,
                    step=step, kernel=_dynamo_kernel)


def _dynamo_kernel() -> str:
    """What Dynamo did, read from its counters after the calls (torch 2.13: 'Attempted to
    wrap RNN, GRU, or LSTM ... Dynamo does not support RNN, GRU, or LSTM')."""
    from torch._dynamo.utils import counters

    breaks = [k.splitlines()[0] for k in counters.get("graph_break", {})]
    if breaks:
        return f"torch.compile graph break ({breaks[0]}): the eager kernel runs"
    return "torch.compile graph"


def _jax(module, x, case, threads: int, clock: str) -> Compiled:
    from rnncli.runtimes import jaxrun

    return jaxrun.prepare(module, x, case, threads, clock)


RUNTIMES: dict[str, Runtime] = {r.name: r for r in (
    Runtime("onnxruntime", "ONNX nodes on onnxruntime's CPU EP", "onnxruntime", "onnx",
            _onnxruntime),
    Runtime("openvino", "ONNX nodes on OpenVINO's CPU plugin", "openvino", "openvino",
            _openvino, setup_s=1.0),
    Runtime("jax", "jax.lax.scan under jit (XLA CPU), in a worker process", "jax", "jax",
            _jax, cost=(20e-6, 80e-6, 10.0), setup_s=4.0, inference_only=False),
    Runtime("torch-compile", "torch.compile(module) (graph-breaks: runs eager); not in "
            "'all'", "torch", "torch", _torch_compile, cost=(15e-6, 60e-6, 20.0),
            setup_s=12.0, in_all=False),
)}
#: What --runtime accepts (torch is the fused --impl torch, the reference of every ratio).
NAMES = ("torch", *RUNTIMES)


def installed() -> list[str]:
    """The runtimes ``--runtime all`` means: torch and every installed one in 'all'."""
    return ["torch"] + [n for n, r in RUNTIMES.items() if r.in_all and r.is_installed()]


def parse(text: str) -> list[str]:
    """``--runtime``'s comma list (or ``all``) checked: BadInput for an unknown name,
    MissingExtra for one that is not installed."""
    from rnncli.options import choice_list

    if text.strip().lower() == "all":
        return installed()
    names = choice_list(text, "--runtime", list(NAMES))
    for n in names:
        if n in RUNTIMES:
            RUNTIMES[n].need()
    return names


def _max_diff(a, b) -> float:
    import numpy as np

    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.shape != b.shape:
        return float("inf")
    return float(np.max(np.abs(a - b))) if a.size else 0.0


def second_shape(seq_len: int, batch: int) -> tuple[int, int]:
    """Another (T, B) to run after export: frozen axes fail here."""
    return max(1, seq_len // 2 + 1) if seq_len > 1 else 2, batch + 1


def check_agreement(name: str, compiled: Compiled, module, x, case) -> dict:
    """Max |Δ| of the runtime's outputs against torch's at (T, B) and a second shape."""
    import numpy as np
    import torch

    T2, B2 = second_shape(case.seq_len, case.batch)
    x2 = np.random.default_rng(2).standard_normal((T2, B2, case.input_size)).astype(np.float32)
    diffs, shapes = [], []
    for inp in (x, x2):
        with torch.no_grad():
            want = module(torch.from_numpy(inp))[0].numpy()
        try:
            got = compiled.forward(inp)
        except Exception as e:  # noqa: BLE001 - a frozen axis fails inside the runtime
            from rnncli.errors import short

            got, err = None, short(e)
        diffs.append(_max_diff(got, want) if got is not None else float("inf"))
        shapes.append([int(inp.shape[0]), int(inp.shape[1])])
    record = {"max_abs_diff": max(diffs), "tolerance": TOLERANCE, "shapes": shapes,
              "diffs": diffs, "dynamic_axes": diffs[1] <= TOLERANCE,
              "agrees": max(diffs) <= TOLERANCE}
    if diffs[1] == float("inf") and "err" in locals():
        record["error"] = err
    if not record["agrees"]:
        raise Disagreement(name, record)
    return record
