"""``rnncli explain peephole``: the LSTM with peephole connections.

Gers & Schmidhuber 2000 ("Recurrent nets that time and count") and Gers, Schraudolph &
Schmidhuber 2002 added diagonal weights from the cell into the gates; Greff et al. 2017
found that removing them did not significantly hurt on their tasks.  The equations are
those of rnncli/scratch/reference.py's ``peephole_step``; parameter numbers come from
:mod:`rnncli.formulas`.  No torch here.
"""

from __future__ import annotations

from typing import Any

from rnncli import formulas
from rnncli.knowledge.diagrams import diagram_section
from rnncli.knowledge.explain_lstm import EXAMPLE_H, EXAMPLE_I
from rnncli.knowledge.explain_schema import equations, faq, section, text, topic


def _equations() -> dict[str, Any]:
    return equations("equations", "Equations (one step, as rnncli computes it)", [
        ("i_t = σ(W_ii x_t + b_ii + W_hi h_{t-1} + b_hi + w_ci ⊙ c_{t-1})", "input gate"),
        ("f_t = σ(W_if x_t + b_if + W_hf h_{t-1} + b_hf + w_cf ⊙ c_{t-1})", "forget gate"),
        ("g_t = tanh(W_ig x_t + b_ig + W_hg h_{t-1} + b_hg)", "candidate"),
        ("c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t", "cell state"),
        ("o_t = σ(W_io x_t + b_io + W_ho h_{t-1} + b_ho + w_co ⊙ c_t)", "output gate"),
        ("h_t = o_t ⊙ tanh(c_t)", "hidden state"),
    ], "As the LSTM (gate order i, f, g, o), plus three vectors w_ci, w_cf, w_co of "
       "size H: diagonal ('peephole') weights, so each unit's gates read only that "
       "unit's own cell. i and f read c_{t-1}; o reads the new c_t, so the output gate "
       "is computed after the cell update. With w_ci = w_cf = w_co = 0 it is the LSTM.",
       ["gers2000peephole", "gers2002", "torch-lstm"])


def _why() -> dict[str, Any]:
    return text("why-peepholes", "What peepholes are for", [
        "In an LSTM the gates see the cell only through h_{t-1} = o ⊙ tanh(c_{t-1}): "
        "while the output gate is closed, they are blind to what the cell holds. Gers "
        "& Schmidhuber (2000) let the gates look at the cell directly and showed that "
        "this helps on tasks where timing matters: telling apart and producing "
        "intervals between events of exact lengths, and counting. Gers, Schraudolph & "
        "Schmidhuber (2002) used them to learn precisely timed outputs.",
        "Greff et al. (2017) compared eight LSTM variants on speech (TIMIT), "
        "handwriting (IAM) and polyphonic music (JSB Chorales): removing the peepholes "
        "did not significantly hurt performance, just as coupling the input and "
        "forget gates did not; the forget gate and the output activation mattered "
        "most. They do not say why libraries choose what they do. PyTorch's nn.LSTM "
        "has no peepholes; the ONNX LSTM operator specifies them (optional weights "
        "P[iof], one vector each for the input, output and forget gates).",
    ], ["gers2000peephole", "gers2002", "greff2017", "onnx-lstm"])


def _parameters() -> dict[str, Any]:
    i, h = EXAMPLE_I, EXAMPLE_H
    lstm = formulas.param_count("lstm", i, h)
    peep = formulas.param_count("peephole", i, h)
    return text("parameters", "Parameters (exact)", [
        f"Per layer: {formulas.param_formula('peephole')}, the LSTM's "
        f"4·(H·I + H² + 2H) plus the three peephole vectors. At I={i}, H={h}: {peep:,} "
        f"against the LSTM's {lstm:,}, {peep - lstm} more ({(peep - lstm) / lstm:.2%}).",
        "`rnncli compare` shows the peephole LSTM's column beside the others, and "
        "`rnncli gates --arch peephole` traces its gates.",
    ], ["gers2000peephole"])


def _faq() -> dict[str, Any]:
    return section("faq", "faq", "Questions learners ask", [], items=[
        faq("Why does the output gate read c_t and not c_{t-1}?",
            "o_t decides what to show of tanh(c_t), so it is computed after the cell "
            "update and may look at the value it is about to expose; i and f act on "
            "the update itself and can only see the cell as it was before it. That "
            "ordering is Gers & Schmidhuber's (2000).",
            ["gers2000peephole"]),
        faq("Can I build it from nn.LSTM?",
            "No: nn.LSTM computes all four gates from one product before the cell "
            "update, with no term in c. Write the step by hand (in torch autograd, as "
            "rnncli's tests do) or use rnncli's reference cell.",
            ["torch-lstm"]),
    ])


def peephole_topic() -> dict[str, Any]:
    return topic(
        "peephole", "Peephole LSTM",
        "An LSTM whose gates also read the cell state directly, through one weight per "
        "unit and gate. Proposed for precise timing and counting; a large study found "
        "it unnecessary on speech, handwriting and music.",
        [_equations(), diagram_section("peephole"), _why(), _parameters(), _faq()],
        ["gers2000peephole", "greff2017"])
