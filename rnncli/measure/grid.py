"""Grids of cases and presets (the time and memory estimates live in ``budget``).

Presets:

- ``deepbench-train`` / ``deepbench-inference``: the RNN kernel sizes Baidu's
  DeepBench publishes (source: deepbench; ``code/kernels/rnn_problems.h``, its
  ``training_set`` and ``inference_server_set``), input size = hidden size, one
  layer.  These are data-centre sizes: on a laptop they take far more than 10
  minutes, so the estimate refuses them unless ``--force`` (or filter with ``--arch``).
- ``small``: a scaled-down laptop set (hidden 64..256, seq 50..200).

- ``latency``: batch 1, forward, p50 and p99 of single calls (DeepBench's inference
  setting); the other sizes come from the size flags.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, replace

from rnncli import archs
from rnncli.errors import BadInput
from rnncli.measure.impls import unsupported
from rnncli.measure.spec import Case

#: DeepBench's RNN problems as (arch, hidden, batch, seq_len), transcribed from
#: baidu-research/DeepBench, code/kernels/rnn_problems.h ("vanilla" is our "rnn");
#: its benchmark feeds inputs of the hidden size, one layer.
_T4 = (1500, 750, 375, 187)
DEEPBENCH_TRAIN: tuple[tuple[str, int, int, int], ...] = (
    *(("rnn", h, b, 50) for h in (1760, 2048, 2560) for b in (16, 32, 64, 128)),
    *(("lstm", h, b, 25) for h in (512, 1024, 2048, 4096) for b in (16, 32, 64, 128)),
    *(("lstm", 1536, b, 50) for b in (8, 16, 32)),
    *(("lstm", 256, b, 150) for b in (16, 32, 64)),
    *(("gru", 2816, 32, t) for t in _T4[1:]),  # DeepBench comments out T = 1500 here
    *(("gru", h, 32, t) for h in (2048, 1536, 2560) for t in _T4),
    ("gru", 512, 32, 1), ("gru", 1024, 32, 1500), ("gru", 1024, 64, 1500),
)
#: The "inference_server_set" of the same file: batches of 1, 2 and 4.
DEEPBENCH_INFERENCE: tuple[tuple[str, int, int, int], ...] = (
    *(("lstm", h, b, 25) for h in (512, 1024, 2048) for b in (1, 2, 4)),
    *(("lstm", 1536, b, 50) for b in (1, 2, 4)),
    *(("lstm", 256, b, 150) for b in (1, 2, 4)),
    *(("gru", h, b, t) for h in (2816, 2048, 1536, 2560) for b in (1, 2, 4) for t in _T4),
    *(("gru", 512, b, 1) for b in (1, 2, 4)),
    *(("gru", 1024, b, 1500) for b in (1, 2, 4)),
)
#: A laptop-sized set: (hidden, batch, seq_len) for every arch, input 64, one layer.
SMALL: tuple[tuple[int, int, int], ...] = ((64, 16, 50), (128, 32, 100), (256, 32, 200))


@dataclass(frozen=True)
class Preset:
    """A ``--preset``: its default ``--mode``; a table sets every size, else batch 1 with
    every call timed on its own (p50/p99)."""

    mode: str
    table: bool = True


PRESETS = {"deepbench-train": Preset("train"), "deepbench-inference": Preset("forward"),
           "small": Preset("both"), "latency": Preset("forward", table=False)}


def build_cases(arch_names: Sequence[str], impls: Sequence[str], modes: Sequence[str],
                seq_lens: Sequence[int], batches: Sequence[int], input_sizes: Sequence[int],
                hiddens: Sequence[int], layers: Sequence[int], dtype: str,
                device: str) -> list[Case]:
    """Every combination, sizes outermost so rows of one size sit together."""
    out = []
    for t, b, i, h, n in itertools.product(seq_lens, batches, input_sizes, hiddens, layers):
        for mode, impl, arch in itertools.product(modes, impls, arch_names):
            out.append(Case(arch, impl, mode, t, b, i, h, n, dtype, device))
    return out


def preset_cases(name: str, impls: Sequence[str], modes: Sequence[str], dtype: str,
                 device: str, arch_names: Sequence[str] | None = None) -> list[Case]:
    """The cases of a preset (``arch_names`` filters DeepBench's rows)."""
    out = []
    if name == "small":
        for h, b, t in SMALL:
            out += build_cases(arch_names or archs.names(torch_only=True), impls, modes, [t],
                               [b], [64], [h], [1], dtype, device)
        return out
    table = DEEPBENCH_TRAIN if name == "deepbench-train" else DEEPBENCH_INFERENCE
    for arch, h, b, t in table:
        if arch_names and arch not in arch_names:
            continue
        for mode, impl in itertools.product(modes, impls):
            out.append(Case(arch, impl, mode, t, b, h, h, 1, dtype, device))
    return out


def with_lengths(cases: Sequence[Case], lengths: Sequence[int]) -> list[Case]:
    """Each case twice, padded and packed, over a batch of the given lengths."""
    out = []
    for c in cases:
        for how in ("padded", "packed"):
            out.append(replace(c, seq_len=max(lengths), batch=len(lengths), batching=how,
                               lengths=tuple(lengths)))
    return out


@dataclass
class Plan:
    """The cases to run and the notes on combinations left out."""

    cases: list[Case]
    skipped: list[str]


def _cases(req) -> list[Case]:
    """Every case the request asks for, runnable or not."""
    if req.preset and PRESETS[req.preset].table:
        cases = preset_cases(req.preset, req.impls, req.modes, req.dtype, req.device, req.archs)
    else:
        s = req.sizes
        cases = build_cases(req.archs, req.impls, req.modes, s["seq_len"], s["batch"],
                            s["input_size"], s["hidden"], s["layers"], req.dtype, req.device)
    if req.drawn:
        cases = with_lengths(cases, req.drawn)
    if req.model:
        cases = [replace(c, weights=str(req.model.path),
                         bidirectional=req.model.bidirectional) for c in cases]
    return cases


def plan(req) -> Plan:  # req: rnncli.measure.request.Request
    """Every runnable case of a request; unsupported combinations are skipped with a note."""
    keep, notes = [], []
    for c in _cases(req):
        why = unsupported(c)
        if why is None:
            keep.append(c)
        elif why not in notes:
            notes.append(why)
    if not keep:
        raise BadInput(notes[0] if notes else "no case to run (check --arch with --preset)")
    return Plan(keep, notes)
