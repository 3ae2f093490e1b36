"""The porting table's OpenVINO row against OpenVINO itself: a torch LSTM/GRU's weights,
reordered by ``formats.layout`` into OpenVINO's gate order, run by OpenVINO's own
LSTMSequence/GRUSequence operations, must give torch's outputs (the docstring of
``openvino.opset13.lstm_sequence`` says "Expected format: fico"; this checks it runs so)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rnncli.formats.layout import reorder

ov = pytest.importorskip("openvino")
pytestmark = pytest.mark.slow  # compiles an OpenVINO model per case


def _run(node, feeds: dict) -> np.ndarray:
    model = ov.Model([node.output(0)], list(feeds))
    compiled = ov.Core().compile_model(model, "CPU", {"INFERENCE_PRECISION_HINT": "f32"})
    return compiled(list(feeds.values()))[0]


def _weights(module, arch: str):
    sd = {k: v.detach().numpy() for k, v in module.state_dict().items()}
    w, r = (reorder(sd[k], arch, "pytorch", "openvino")[None] for k in
            ("weight_ih_l0", "weight_hh_l0"))
    bi, bh = (reorder(sd[k], arch, "pytorch", "openvino") for k in ("bias_ih_l0", "bias_hh_l0"))
    return w, r, bi, bh


@pytest.mark.parametrize("arch", ["lstm", "gru"])
def test_openvino_runs_torch_weights_in_the_tables_gate_order(arch):
    import openvino.opset13 as ops

    torch.manual_seed(0)
    T, B, I, H = 5, 3, 4, 6
    module = (torch.nn.LSTM if arch == "lstm" else torch.nn.GRU)(I, H, batch_first=True)
    x = np.random.default_rng(0).standard_normal((B, T, I)).astype(np.float32)
    want = module(torch.from_numpy(x))[0].detach().numpy()
    w, r, bi, bh = _weights(module, arch)
    X = ops.parameter([B, T, I], np.float32)
    h0 = ops.constant(np.zeros((B, 1, H), np.float32))
    lengths = ops.constant(np.full(B, T, np.int32))
    if arch == "lstm":  # one bias: the two of torch summed
        node = ops.lstm_sequence(X, h0, h0, lengths, ops.constant(w), ops.constant(r),
                                 ops.constant((bi + bh)[None]), H, "forward")
    else:  # linear_before_reset: torch's GRU; B holds z, r, h and then h's recurrent bias
        b = np.concatenate([(bi + bh)[:2 * H], bi[2 * H:], bh[2 * H:]])[None]
        node = ops.gru_sequence(X, h0, lengths, ops.constant(w), ops.constant(r),
                                ops.constant(b), H, "forward", linear_before_reset=True)
    got = _run(node, {X: x})[:, 0]  # (B, directions, T, H) -> (B, T, H)
    np.testing.assert_allclose(got, want, atol=1e-5)
