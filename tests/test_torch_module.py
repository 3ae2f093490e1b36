"""The reference cell as a torch module (rnncli/scratch/torch_module.py): torch's own
modules and finite differences agree with its forward and backward."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rnncli import archs
from rnncli.scratch.torch_module import ReferenceModule


def _batch(batch_first, T=5, B=3, I=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    shape = (B, T, I) if batch_first else (T, B, I)
    return torch.randn(*shape, generator=g, dtype=torch.float64, requires_grad=True)


@pytest.mark.parametrize("arch", archs.names(torch_only=True))
@pytest.mark.parametrize("batch_first", [False, True])
def test_equals_torch_module_forward_and_backward(arch, batch_first):
    torch.manual_seed(0)
    ref = archs.torch_module(arch)(4, 6, 2, batch_first=batch_first).double()
    ours = ReferenceModule(arch, 4, 6, 2, batch_first=batch_first).double()
    ours.load_state_dict(ref.state_dict())
    x = _batch(batch_first)
    x2 = x.detach().clone().requires_grad_(True)
    out_r, st_r = ref(x)
    out_o, st_o = ours(x2)
    torch.testing.assert_close(out_o, out_r, rtol=1e-10, atol=1e-12)
    states_r = st_r if isinstance(st_r, tuple) else (st_r,)
    states_o = st_o if isinstance(st_o, tuple) else (st_o,)
    loss_r = out_r.pow(2).sum() + sum(s.sum() for s in states_r)
    loss_o = out_o.pow(2).sum() + sum(s.sum() for s in states_o)
    loss_r.backward()
    loss_o.backward()
    torch.testing.assert_close(x2.grad, x.grad, rtol=1e-9, atol=1e-12)
    for (name, p), q in zip(ref.named_parameters(), ours.parameters(), strict=True):
        torch.testing.assert_close(q.grad, p.grad, rtol=1e-9, atol=1e-12, msg=name)


@pytest.mark.parametrize("arch", [a for a in archs.names() if not archs.get(a).torch_module])
def test_gradcheck_for_architectures_torch_lacks(arch):
    """Every parameter, the input and the initial state, by torch's finite differences."""
    torch.manual_seed(1)
    m = ReferenceModule(arch, 3, 4, 1).double()
    x = _batch(False, T=4, B=2, I=3)
    spec = archs.get(arch)
    h0 = torch.randn(1, 2, 4, dtype=torch.float64, requires_grad=True)
    states = (h0, torch.randn(1, 2, 4, dtype=torch.float64, requires_grad=True)) \
        if spec.has_cell_state else (h0,)
    params = [p.detach().clone().requires_grad_(True) for p in m.parameters()]
    from rnncli.scratch.torch_module import _ReferenceFunction

    def f(x, *tensors):
        return _ReferenceFunction.apply(m, x, len(states), *tensors)

    assert torch.autograd.gradcheck(f, (x, *states, *params), eps=1e-6, atol=1e-6)


def test_calls_may_interleave_before_backward():
    """Stepping one step at a time and back-propagating once (as gradients' torch check
    does) needs every call to keep its own caches."""
    torch.manual_seed(2)
    m = ReferenceModule("mgu", 2, 3).double()
    x = _batch(False, T=3, B=2, I=2)
    out_full, _ = m(x)
    out_full.sum().backward()
    full = x.grad.clone()
    x.grad = None
    state, outs = None, []
    for t in range(3):
        o, state = m(x[t:t + 1], state)
        outs.append(o)
    torch.cat(outs).sum().backward()
    torch.testing.assert_close(x.grad, full, rtol=1e-10, atol=1e-12)


def test_trains_in_memory_command(cli):
    data = cli.json("memory", "--task", "adding", "--seq-len", "8", "--arch", "mgu",
                    "--steps", "3", "--hidden", "4", "--batch", "4")
    runs = data["runs"] if isinstance(data, dict) and "runs" in data else data
    assert "mgu" in str(runs)


def test_all_still_means_the_lessons_three(cli):
    from rnncli.options import trainable_arch_list

    assert trainable_arch_list("all") == list(archs.names(torch_only=True))
    assert "mgu" in trainable_arch_list("mgu,gru")
    res = cli("memory", "--arch", "nope", "--steps", "1")
    assert res.exit_code == 2 and "nope" in res.stderr


def test_float32_by_default_like_torch():
    m = ReferenceModule("mgu", 2, 3)
    assert all(p.dtype == torch.float32 for p in m.parameters())
    out, h = m(torch.zeros(4, 1, 2))
    assert out.dtype == torch.float32 and h.shape == (1, 1, 3)
    assert np.isfinite(out.detach().numpy()).all()
