"""rnncli.checkpoint: finding and reading recurrent weights in user files, safely."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rnncli import archs
from rnncli.checkpoint import load_weights, recurrent_groups, to_cell
from rnncli.errors import BadInput

MODULES = {a: archs.torch_module(a) for a in archs.names(torch_only=True)}


@pytest.mark.parametrize("arch", list(MODULES))
def test_shapes_give_arch_sizes_and_layers(tmp_path, arch):
    torch.manual_seed(0)
    module = MODULES[arch](3, 5, 2)
    torch.save(module.state_dict(), tmp_path / "m.pt")
    w = load_weights(tmp_path / "m.pt")
    assert (w.arch, w.input_size, w.hidden_size, w.num_layers, w.prefix) == (arch, 3, 5, 2, "")
    assert all(v.dtype == np.float64 for v in w.state_dict.values())
    x = torch.randn(6, 3)
    with torch.no_grad():
        ref, _ = module(x)
    out, _, _ = to_cell(w).forward(x.numpy())
    np.testing.assert_allclose(out, ref.numpy(), atol=1e-6)


def test_nested_checkpoint_and_prefix_forms(tmp_path):
    lstm = torch.nn.LSTM(2, 3)
    ckpt = {"epoch": 1, "state": {"encoder.rnn." + k: v for k, v in lstm.state_dict().items()},
            "optimizer": {"param_groups": [{"lr": 0.1}]}}
    torch.save(ckpt, tmp_path / "c.ckpt")
    for prefix in (None, "state.encoder.rnn", "state.encoder.rnn."):
        w = load_weights(tmp_path / "c.ckpt", prefix)
        assert w.prefix == "state.encoder.rnn" and w.arch == "lstm"
        np.testing.assert_array_equal(w.state_dict["weight_hh_l0"],
                                      lstm.weight_hh_l0.detach().double().numpy())


def test_npz_with_pytorch_names_and_no_bias(tmp_path):
    torch.manual_seed(1)
    gru = torch.nn.GRU(2, 4, bias=False)
    np.savez(tmp_path / "g.npz", **{f"dec.gru.{k}": v.numpy() for k, v in
                                    gru.state_dict().items()})
    w = load_weights(tmp_path / "g.npz")
    assert (w.arch, w.prefix, sorted(w.state_dict)) == ("gru", "dec.gru",
                                                        ["weight_hh_l0", "weight_ih_l0"])
    x = torch.randn(5, 2)
    with torch.no_grad():
        ref, _ = gru(x)
    np.testing.assert_allclose(to_cell(w).forward(x.numpy())[0], ref.numpy(), atol=1e-6)


def test_half_precision_tensors_are_read(tmp_path):
    rnn = torch.nn.RNN(1, 2).half()
    torch.save(rnn.state_dict(), tmp_path / "h.pt")
    w = load_weights(tmp_path / "h.pt")
    np.testing.assert_array_equal(w.state_dict["bias_ih_l0"],
                                  rnn.bias_ih_l0.detach().double().numpy())


def test_groups():
    names = ["a.lstm.weight_ih_l0", "a.lstm.weight_hh_l0", "b.weight_ih_l0", "b.weight_hh_l1",
             "head.weight", "weight_ih_l0", "c.bias_ih_l0"]
    assert sorted(recurrent_groups(names)) == ["", "a.lstm", "b"]  # c has no weight_ih


def test_missing_layer_zero_and_gaps(tmp_path):
    sd = torch.nn.LSTM(1, 2, 3).state_dict()
    del sd["weight_ih_l1"], sd["weight_hh_l1"], sd["bias_ih_l1"], sd["bias_hh_l1"]
    torch.save(sd, tmp_path / "gap.pt")
    with pytest.raises(BadInput, match="layers"):
        load_weights(tmp_path / "gap.pt")
    torch.save({"weight_ih_l0": torch.zeros(4, 1)}, tmp_path / "half.pt")
    with pytest.raises(BadInput, match="lacks"):
        load_weights(tmp_path / "half.pt")
