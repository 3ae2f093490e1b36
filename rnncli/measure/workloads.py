"""What one benchmark row runs: a callable per (arch, impl, mode, sizes, dtype, device).
Each builder here is registered on its ``Impl`` (:mod:`.impls`), which calls it.

Implementations (PyTorch's ``benchmarks/fastrnns`` compares the same kinds):

- ``torch``: ``nn.RNN/GRU/LSTM``, the fused path (one call for the whole sequence);
- ``cell``: ``nn.RNNCell/GRUCell/LSTMCell`` stepped in a Python loop;
- ``numpy``: the project's fast from-scratch cells (``rnncli.scratch``), forward and
  hand-written backward;
- ``reference``: the readable reference cells (``rnncli/scratch/reference.py``, what
  ``gates`` traces), every registered architecture including the peephole LSTM;
- ``naive``: the lesson's loop (:mod:`rnncli.scratch.naive`), forward only;
- the runtimes of ``--runtime`` (:mod:`rnncli.runtimes`), on the torch row's weights.

Modes: ``forward`` is inference (``torch.no_grad``); ``train`` is the forward pass
plus the backward of ``loss = sum of all outputs``, with gradients for the weights
AND the input (DeepBench's backward times both; our FLOP formula counts both).
"""

from __future__ import annotations

from rnncli import archs
from rnncli.measure import footprint
from rnncli.measure.spec import Case, Workload


def torch_dtype(name: str):
    import torch

    return {"float32": torch.float32, "float64": torch.float64,
            "bfloat16": torch.bfloat16}[name]


def _load_user_weights(module, case: Case) -> None:
    """Copy the ``--weights`` file's recurrent weights into ``module`` (names match)."""
    import torch

    from rnncli.measure import usermodel

    sd = usermodel.state_dict(usermodel.read_model(case.weights))
    own = module.state_dict()
    with torch.no_grad():
        for name, value in sd.items():
            if name in own:
                own[name].copy_(torch.from_numpy(value))


def _torch_modules(case: Case):
    """The fused module, or the per-layer cells, on the case's device and dtype."""
    import torch

    torch.manual_seed(0)
    kw = {"device": case.device, "dtype": torch_dtype(case.dtype)}
    if case.impl == "torch":
        module = archs.torch_module(case.arch)(case.input_size, case.hidden_size,
                                               case.num_layers, **kw,
                                               bidirectional=case.bidirectional)
        if case.weights:
            _load_user_weights(module, case)
        return module
    cell = archs.torch_cell(case.arch)
    sizes = [case.input_size] + [case.hidden_size] * (case.num_layers - 1)
    return torch.nn.ModuleList(cell(i, case.hidden_size, **kw) for i in sizes)


def cell_loop(cells, x, arch: str):
    """Run nn.*Cell layers step by step over x (T, B, I); returns outputs (T, B, H)."""
    import torch

    T, B = x.shape[0], x.shape[1]
    layer_in = x
    with_c = archs.get(arch).has_cell_state
    for cell in cells:
        h = x.new_zeros(B, cell.hidden_size)
        c = x.new_zeros(B, cell.hidden_size) if with_c else None
        outs = []
        for t in range(T):
            if c is None:
                h = cell(layer_in[t], h)
            else:
                h, c = cell(layer_in[t], (h, c))
            outs.append(h)
        layer_in = torch.stack(outs)
    return layer_in


def _input(case: Case):
    import torch

    gen = torch.Generator(device="cpu").manual_seed(1)
    x = torch.randn(case.seq_len, case.batch, case.input_size, generator=gen)
    if case.lengths:  # padding is zeros, as a collate function would leave it
        steps = torch.arange(case.seq_len)[:, None]
        x = x * (steps < torch.tensor(case.lengths)[None, :])[..., None]
    return x.to(device=case.device, dtype=torch_dtype(case.dtype))


def _forward_fn(case: Case, module):
    """``run(x) -> tensor whose sum is the loss`` for the case's implementation."""
    if case.impl != "torch":
        return lambda inp: cell_loop(module, inp, case.arch)
    if case.batching != "packed":
        return lambda inp: module(inp)[0]
    from torch.nn.utils.rnn import pack_padded_sequence

    lengths = list(case.lengths)

    def run(inp):
        packed = pack_padded_sequence(inp, lengths, enforce_sorted=False)
        return module(packed)[0].data  # the real steps only

    return run


def _step(case: Case, module, run, x):
    import torch

    if case.mode == "forward":
        def step() -> object:
            with torch.no_grad():
                return run(x)
        return step
    x.requires_grad_(True)

    def train_step() -> object:
        module.zero_grad(set_to_none=True)
        x.grad = None
        out = run(x)
        out.sum().backward()
        return out

    return train_step


def torch_workload(case: Case) -> Workload:
    """``torch`` (the fused module) and ``cell`` (nn.*Cell in a Python loop)."""
    import torch

    module = _torch_modules(case)
    x = _input(case)
    run = _forward_fn(case, module)
    step = _step(case, module, run, x)
    sync = torch.cuda.synchronize if case.device == "cuda" else None
    params = sum(p.numel() for p in module.parameters())
    wl = Workload(step=step, params_module=params, sync=sync)
    if case.impl == "torch":
        wl.kernel = lambda: fused_kernel(module, x)
    else:
        wl.kernel = "ATen ops per step, Python loop"
    if case.device == "cuda":
        wl.memory, wl.memory_how = (lambda: footprint.cuda_peak_bytes(step)), "cuda-allocator-peak"
    elif case.mode == "train":
        wl.memory = lambda: footprint.saved_tensor_bytes(lambda: run(x),
                                                         [*module.parameters(), x])
        wl.memory_how = "autograd-saved-tensors"
    if case.weights:
        wl.note = "weights from the file"
    return wl


def fused_kernel(module, x) -> str:
    """Which kernel nn.RNN/GRU/LSTM used, read from the autograd node of a 1-step probe.

    On CPU, torch sends float32/bfloat16 LSTMs to oneDNN's fused RNN primitive
    (``aten::mkldnn_rnn_layer``) and runs GRU and RNN as generic ATen ops, step by
    step (source: torch-aten-rnn).
    """
    import torch

    with torch.enable_grad():
        probe = x[:1, :1].detach().requires_grad_(True)
        node = module(probe)[0].grad_fn
    name = node.name() if node is not None else ""
    if "Mkldnn" in name:
        return "oneDNN fused RNN"
    if "Cudnn" in name:
        return "cuDNN fused RNN"
    return "ATen ops per step"


def numpy_workload(case: Case) -> Workload:
    """``numpy`` (the fast cells) and ``reference`` (the readable ones)."""
    import numpy as np

    from rnncli import scratch

    dtype = {"float32": np.float32, "float64": np.float64}[case.dtype]
    net = scratch.build(case.arch, case.input_size, case.hidden_size, case.num_layers,
                        impl="reference" if case.impl == "reference" else "fast", dtype=dtype,
                        seed=0)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((case.seq_len, case.batch, case.input_size)).astype(dtype)
    ones = np.ones((case.seq_len, case.batch, case.hidden_size), dtype=dtype)

    if case.mode == "forward":
        def step() -> object:
            return net.forward(x)[0]
    else:
        def step() -> object:
            net.forward(x)
            return net.backward(ones)  # dL/dout = 1 for loss = sum of outputs

    params = sum(int(p.size) for p in net.params.values())
    kernel = ("NumPy, reference equations step by step" if case.impl == "reference"
              else "NumPy, batched matrix products")
    wl = Workload(step=step, params_module=params, kernel=kernel)
    if case.mode == "train":
        wl.memory = lambda: footprint.traced_kept_bytes(lambda: net.forward(x))
        wl.memory_how = "tracemalloc-forward-cache"
    return wl


#: A naive row times as many samples of its batch as fit one call of about this long.
NAIVE_CALL_S = 0.25


def naive_sample_s(case: Case) -> float:
    """Rough seconds the lesson's loop takes for ONE sample of ``case``."""
    from rnncli.scratch.naive import sample_seconds

    return sample_seconds(case.arch, case.input_size, case.hidden_size, case.num_layers,
                          case.seq_len)


def naive_batch(case: Case) -> int:
    """How many samples of the batch a naive row times (samples never interact, so the
    time of the batch is exactly B times the time of one)."""
    return max(1, min(case.batch, int(NAIVE_CALL_S // naive_sample_s(case))))


def naive_workload(case: Case) -> Workload:
    """The lesson's loop over a (possibly smaller) batch; the engine scales the time."""
    import numpy as np

    from rnncli.scratch.naive import NaiveNet

    dtype = {"float32": np.float32, "float64": np.float64}[case.dtype]
    net = NaiveNet(case.arch, case.input_size, case.hidden_size, case.num_layers, dtype)
    b = naive_batch(case)
    x = np.random.default_rng(1).standard_normal(
        (case.seq_len, b, case.input_size)).astype(dtype)
    note = "" if b == case.batch else f"timed {b} of {case.batch} samples, scaled"
    return Workload(step=lambda: net.forward(x), params_module=net.n_params(),
                    batch_timed=b, note=note, kernel="NumPy, one matrix-vector product per gate")


def runtime_workload(case: Case, threads: int = 1, clock: str = "wall") -> Workload:
    """A ``--runtime`` row: the torch row's weights prepared by the runtime, checked
    against torch (:func:`rnncli.runtimes.check_agreement`), ready to time."""
    from dataclasses import replace

    from rnncli.runtimes import RUNTIMES, check_agreement

    rt = RUNTIMES[case.impl]
    rt.need()
    module = _torch_modules(replace(case, impl="torch"))
    x = _input(replace(case, impl="torch")).numpy()
    compiled = rt.prepare(module, x, case, threads, clock)
    record = check_agreement(rt.name, compiled, module, x, case)
    wl = Workload(step=compiled.step or (lambda: compiled.forward(x)),
                  params_module=sum(p.numel() for p in module.parameters()),
                  kernel=compiled.kernel, note="weights from the file" if case.weights else "")
    wl.remote, wl.first_call_s = compiled.remote, compiled.first_call_s
    wl.extra = {"runtime": rt.name, "runtime_version": compiled.version,
                "threads_as_set": compiled.threads, "setup_s": compiled.setup_s,
                "inference_only": rt.inference_only, "agreement": record}
    return wl
