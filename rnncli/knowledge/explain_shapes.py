"""``rnncli explain shapes``: tensor shapes and conventions, the questions users ask most.

Input layout and ``batch_first`` (which never applies to h_0, h_n, c_n: pytorch issue
#4145), ``output`` against ``h_n`` and ``c_n`` for stacked and bidirectional layers, gate
order across frameworks (PyTorch, Keras, ONNX) and why their parameter counts differ.
The code here runs as printed; its asserts are the facts (tests execute it).
"""

from __future__ import annotations

from typing import Any

from rnncli import formulas
from rnncli.knowledge import snippets
from rnncli.knowledge.explain_schema import faq, section, text, topic

I, H = 64, 128


def _layout() -> dict[str, Any]:
    return section("layout", "table", "Shapes of nn.RNN / nn.GRU / nn.LSTM",
                   ["torch-lstm", "torch-issue-4145"],
                   columns=["tensor", "batch_first=False", "batch_first=True"],
                   rows=[
                       ["input x", "(T, B, I)", "(B, T, I)"],
                       ["output", "(T, B, D·H)", "(B, T, D·H)"],
                       ["h_0, h_n", "(D·L, B, H)", "(D·L, B, H): unchanged"],
                       ["c_0, c_n (LSTM)", "(D·L, B, H)", "(D·L, B, H): unchanged"],
                   ],
                   paragraphs=[
                       "T steps, B sequences, I input features, H hidden units, L = "
                       "num_layers, D = 2 if bidirectional else 1. batch_first only "
                       "swaps the first two axes of the input and of output; the states "
                       "keep the batch in the second axis whatever it says (a long-"
                       "standing request to change that, pytorch issue #4145, is still "
                       "open). An unbatched input (T, I) gives states (D·L, H).",
                   ])


def _outputs() -> dict[str, Any]:
    return section("outputs", "faq", "output, h_n and c_n", [], items=[
        faq("What exactly do output, h_n and c_n hold?",
            "output holds the TOP layer's h_t at every step, the two directions side by "
            "side (forward in [..., :H], backward in [..., H:]). h_n and c_n hold the "
            "LAST step's h and c of EVERY layer and direction, ordered layer by layer: "
            "index 2·l is layer l forward, 2·l + 1 layer l backward, so h_n[-2] and "
            "h_n[-1] are the top layer's two directions. The backward direction's last "
            "step is t = 0, so its final state sits at output[:, 0, H:], not at "
            "output[:, -1]. With a packed batch, each sequence's h_n is taken at its "
            "own last real step. The asserts below check all of this.",
            ["torch-lstm", "torch-pack"], code=snippets.SHAPES),
    ])


def _gate_order() -> dict[str, Any]:
    """The porting map: built from rnncli.formats.layout, the table ``rnncli convert`` uses
    (one source of truth, not a copy in prose)."""
    from rnncli.formats import layout

    rows = [[c.title, ", ".join(c.letters["lstm"]), ", ".join(c.letters["gru"]), c.layout,
             c.biases["lstm"]] for c in layout.CONVENTIONS.values()]
    gru = [f"{c.title}: {c.gru}." for c in layout.CONVENTIONS.values()]
    return section("gate-order", "table", "Porting map: gate order across frameworks",
                   ["torch-lstm", "torch-gru", "keras-lstm", "keras-gru", "onnx-lstm",
                    "onnx-gru"],
                   columns=["framework", "LSTM blocks", "GRU blocks", "weights",
                            "LSTM biases"],
                   rows=rows,
                   paragraphs=[
                       "Keras' c and ONNX's c are PyTorch's g, the candidate; their h is "
                       "the GRU's n. Keras stores its kernels transposed, (I, 4H): copying "
                       "weights across frameworks means transposing and reordering the "
                       "blocks, never only reshaping. This table is the one `rnncli "
                       "convert` reads; every conversion it makes is proved by a max |Δ|.",
                       "Where the GRU's reset acts: " + " ".join(gru) + " Keras' "
                       "reset_after=False is the 'cho2014' variant (`rnncli explain gru`): "
                       "nn.GRU cannot run it, `rnncli convert` refuses that move with the "
                       "error it would make.",
                       "ONNX's GRU has an attribute linear_before_reset whose default, "
                       "0, applies the reset before the recurrent product: the "
                       "'cho2014' variant, not nn.GRU. torch.onnx.export writes "
                       "linear_before_reset=1 for an nn.GRU; a GRU node without it "
                       "computes a different function from the same weights.",
                   ])


def _counts() -> dict[str, Any]:
    torch_n = formulas.param_count("lstm", I, H)
    keras_n = 4 * (H * I + H * H + H)
    return text("parameter-counts", "Why parameter counts differ", [
        f"nn.LSTM({I}, {H}) holds {torch_n:,} parameters: 4·(H·I + H² + 2H). Keras' "
        f"LSTM({H}) on {I} inputs holds {keras_n:,}: one bias vector, 4·(H·I + H² + H), "
        f"4H = {torch_n - keras_n} fewer for the same function, because b_ih and b_hh "
        "only ever appear as a sum. PyTorch keeps both for cuDNN's layout (its source "
        "says so); ONNX's B stores both too (8H). A Keras GRU with reset_after=True "
        "has two bias rows and matches PyTorch's count; with reset_after=False it has "
        "one.",
    ], ["torch-lstm", "keras-lstm", "keras-gru", "onnx-lstm", "torch-rnn-source"])


def shapes_topic() -> dict[str, Any]:
    return topic(
        "shapes", "Shapes and conventions",
        "What goes in and comes out of PyTorch's recurrent layers, what batch_first "
        "does and does not change, and how PyTorch, Keras and ONNX order and count "
        "the same weights.",
        [_layout(), _outputs(), _gate_order(), _counts()],
        ["torch-lstm"])
