"""The library side of ``rnncli gates``: a :class:`GatesRequest` in, a :class:`GatesResult` out.

The command builds the request from its options, :func:`run` validates it, reads the input
(``--seq``/``--input``, or token ids / text through a checkpoint's embedding), sizes the work
and refuses it when too big, and traces every gate with the reference cells of
``rnncli/scratch/reference.py`` (what is taught is what runs; sequences here are short).
``rnncli.render.gates`` draws the result. Nothing here prints.

Weights: ``trained`` (the toy task of ``rnncli.experiments.toy``; the default when it
applies: one input feature, hidden size 3, an architecture with shipped weights),
``random`` (seeded, PyTorch's uniform init) or a file (``--weights``).
"""

from __future__ import annotations

import numpy as np

from rnncli import archs
from rnncli.errors import BadInput
from rnncli.tracing.plan import (
    DEFAULT_SEQ,
    FAST_NOTE,
    RANDOM_NOTE,
    GatesRequest,
    GatesResult,
    Traced,
    archs_for,
    check_options,
    check_size,
    check_sources,
    impl_for,
    read_sequence,
    weight_source,
)

__all__ = ["GatesRequest", "GatesResult", "Traced", "run"]


def _trace(cell, x: np.ndarray, layer: int | None) -> tuple[int, dict[str, np.ndarray]]:
    k = cell.num_layers - 1 if layer is None else layer
    if not 0 <= k < cell.num_layers:
        raise BadInput(f"--layer {layer}: the network has {cell.num_layers} layer(s); "
                       f"use 0..{cell.num_layers - 1} (0 is the bottom)")
    return k, cell.forward(x, trace_layer=k)[2]


def _random(req: GatesRequest, arch: str, x: np.ndarray) -> Traced:
    from rnncli.scratch import build

    hidden = 3 if req.hidden is None else req.hidden
    layers = 1 if req.layers is None else req.layers
    check_size(arch, x.shape[1], hidden, layers, x.shape[0], req)
    opts = {k: v for k, v in (("variant", req.variant),
                              ("nonlinearity", req.nonlinearity or "tanh"))
            if k in archs.get(arch).options}
    seed = 0 if req.seed is None else req.seed
    impl = impl_for(x.shape[0], layers)
    cell = build(arch, x.shape[1], hidden, layers, impl=impl, seed=seed, dtype=np.float64,
                 **opts)
    k, trace = _trace(cell, x, req.layer)
    note = RANDOM_NOTE.format(sources=_init_sources(arch)) + f" Seed {seed}."
    shown = "weights: random (--init random)" if req.init == "random" else \
        (f"weights: random, because {'; '.join(fallback_reasons(req, arch, x))} (trained "
         f"weights exist for the {_trained_titles()} with hidden 3, one input feature and "
         "the default options)")
    head = [shown, note] + ([FAST_NOTE] if impl == "fast" else [])
    return Traced(arch, x, trace, hidden, layers, k, "random", head,
                  variant=opts.get("variant"), nonlinearity=opts.get("nonlinearity"))


def fallback_reasons(req: GatesRequest, arch: str, x: np.ndarray) -> list[str]:
    """Why the toy-trained weights cannot serve this request (what gates says on screen)."""
    from rnncli.experiments import toy

    checks = [
        (archs.get(arch).name not in toy.TRAINED_ARCHS,
         f"no toy weights were trained for the {archs.get(arch).title}"),
        (x.shape[1] != 1, f"the input has {x.shape[1]} features per step and the toy "
         "network reads one (a 0/1 stream)"),
        (req.variant != "pytorch", f"--gru-variant {req.variant} computes another function "
         "than the nn.GRU the toy weights were trained as"),
        (req.nonlinearity not in (None, "tanh"), f"--nonlinearity {req.nonlinearity}"),
        (req.hidden not in (None, toy.HIDDEN), f"--hidden {req.hidden}"),
        (req.seed is not None or req.layers is not None, "--seed/--layers ask for random "
         "weights"),
    ]
    return [why for failed, why in checks if failed] or ["the options ask for it"]


def _trained_titles() -> str:
    from rnncli.experiments import toy

    return ", ".join(archs.get(a).title for a in toy.TRAINED_ARCHS)


def _init_sources(arch: str) -> str:
    """Where torch's uniform initialisation is documented: the architecture's own torch
    page, or every torch architecture's page when torch has no module for it."""
    spec = archs.get(arch)
    torch_specs = [spec] if spec.torch_module else [archs.get(a) for a in archs.TORCH_ARCHS]
    return ", ".join(s.definition for s in torch_specs)


def _trained(req: GatesRequest, arch: str, x: np.ndarray) -> Traced:
    from rnncli.experiments import toy

    hidden = toy.HIDDEN if req.hidden is None else req.hidden
    check_size(arch, x.shape[1], hidden, 1, x.shape[0], req)
    impl = impl_for(x.shape[0], 1)
    cell, head, notes = toy.trained_network(arch, x, hidden, req.variant, impl=impl)
    k, trace = _trace(cell, x, req.layer)
    which = "--init trained" if req.init == "trained" else \
        "the default; --init random shows untrained weights"
    head = [f"weights: trained ({which})", *head] + ([FAST_NOTE] if impl == "fast" else [])
    spec = archs.get(arch)
    return Traced(arch, x, trace, cell.hidden_size, cell.num_layers, k, "trained", head, notes,
                  variant=req.variant if "variant" in spec.options else None,
                  nonlinearity="tanh" if "nonlinearity" in spec.options else None)


def run(req: GatesRequest) -> GatesResult:
    """Validate ``req``, read the input, trace every requested network (see module doc)."""
    how = weight_source(req)
    check_sources(req, how)
    if how == "weights":
        from rnncli.tracing import weights as tracing_weights

        traces = [tracing_weights.trace(req)]
    else:
        traces = _generated(req, how)
    if req.seq is None and req.input_file is None and how != "weights":
        for t in traces:
            t.header.insert(0, f"input: the lesson's sequence {DEFAULT_SEQ} (give yours with "
                               "--seq or --input)")
    return GatesResult(traces, _units(req.units, traces[0].hidden_size))


def _generated(req: GatesRequest, how: str) -> list[Traced]:
    """Traces of the toy-trained or random networks on the user's sequence."""
    x = read_sequence(req)
    if how == "trained" and req.init is None and x.shape[1] != 1:
        how = "random"   # the toy network reads one feature: say so (fallback_reasons)
    names = archs_for(req, how)
    check_options(req, how, names)
    make = _trained if how == "trained" else _random
    return [make(req, a, x) for a in names]


def _units(text: str | None, hidden: int) -> list[int] | None:
    from rnncli.options import int_list

    units = None if text is None else int_list(text, "--units", minimum=0)
    if units and max(units) >= hidden:
        raise BadInput(f"--units {text}: hidden size is {hidden}; units are 0..{hidden - 1}")
    return units
