"""Measured memory of one step.

- CUDA: the caching allocator's peak during the step (``torch.cuda.max_memory_allocated``)
  minus what was allocated before it.
- CPU, torch and cell: the bytes autograd keeps for backward, measured with
  ``torch.autograd.graph.saved_tensors_hooks``: every tensor saved during the
  forward of a train step is seen by the pack hook; we sum the distinct storages,
  leaving out the parameters and the input (they exist whether or not we train).
  Source: PyTorch documentation, "Autograd mechanics: hooks for saved tensors".
- CPU, numpy: the bytes the forward pass allocates and still holds when it returns,
  traced with ``tracemalloc`` (NumPy reports its buffers to it), minus the arrays the
  forward returns: this is the cache the hand-written backward reads.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable, Iterable


def saved_tensor_bytes(forward: Callable[[], object], exclude: Iterable) -> int:
    """Bytes of distinct storages autograd saves while ``forward()`` runs."""
    import torch

    skip = {t.untyped_storage().data_ptr() for t in exclude}
    seen: dict[int, int] = {}

    def pack(t):
        s = t.untyped_storage()
        ptr = s.data_ptr()
        if ptr not in skip:
            seen[ptr] = max(seen.get(ptr, 0), s.nbytes())
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        out = forward()
    del out
    return sum(seen.values())


def cuda_peak_bytes(step: Callable[[], object]) -> int:
    """Peak bytes the CUDA allocator held during ``step()`` above what it held before."""
    import torch

    torch.cuda.synchronize()
    base = torch.cuda.memory_allocated()
    torch.cuda.reset_peak_memory_stats()
    step()
    torch.cuda.synchronize()
    return int(torch.cuda.max_memory_allocated() - base)


def _owned_nbytes(obj: object) -> int:
    """Bytes of the arrays in ``obj`` that own their buffer (views into a cache are not)."""
    if hasattr(obj, "nbytes"):
        return int(obj.nbytes) if getattr(obj, "base", None) is None else 0
    if isinstance(obj, dict):
        return sum(_owned_nbytes(v) for v in obj.values())
    if isinstance(obj, (list, tuple)):
        return sum(_owned_nbytes(v) for v in obj)
    return 0


def traced_kept_bytes(forward: Callable[[], object]) -> int:
    """Bytes allocated by ``forward()`` and still alive after it, minus the arrays it
    returns that own their buffer (outputs that are views into the cache stay counted:
    the cache is what backward needs)."""
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        result = forward()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        if not was_tracing:
            tracemalloc.stop()
    return max(0, after - before - _owned_nbytes(result))
