"""``rnncli explain lstm``: the LSTM as PyTorch and rnncli.scratch compute it.

Equations follow the torch.nn.LSTM documentation (gate order i, f, g, o; two bias
vectors); parameter numbers come from :mod:`rnncli.formulas`.  Sources: Hochreiter &
Schmidhuber 1997, Gers et al. 2000, Jozefowicz et al. 2015, Greff et al. 2017.
"""

from __future__ import annotations

import math
from typing import Any

from rnncli import archs
from rnncli.formulas import param_count, param_formula
from rnncli.knowledge import snippets
from rnncli.knowledge.diagrams import diagram_section
from rnncli.knowledge.explain_schema import (
    equations,
    faq,
    gate,
    note,
    section,
    text,
    topic,
)

#: What a single bias vector per gate block would mean, per architecture.
ONE_BIAS = {
    "rnn": "A single bias vector would give {count:,} for one layer: the same function "
           "with {fewer} fewer numbers.",
    "lstm": "A single bias vector, as in the lesson's LSTMFromScratch, would give "
            "{count:,} for one layer: the same function with {fewer} fewer numbers.",
    "gru": "A single bias vector, as in the lesson's GRUFromScratch, would give {count:,} "
           "for one layer. That is the same function only in the 'cho2014' form; in "
           "nn.GRU's form b_hn is scaled by r and cannot be folded (see the FAQ).",
}

#: The worked example used in every parameter section (and checked against torch).
EXAMPLE_I, EXAMPLE_H = 64, 128

def parameters_section(arch: str) -> dict[str, Any]:
    """Exact parameter count of one layer, its tensors, and worked examples."""
    g, i, h = archs.get(arch).gate_blocks, EXAMPLE_I, EXAMPLE_H
    rows = "H" if g == 1 else f"{g}H"
    tensors = [
        {"name": "weight_ih_l0", "shape": f"({rows}, I) = ({g * h}, {i})", "count": g * h * i},
        {"name": "weight_hh_l0", "shape": f"({rows}, H) = ({g * h}, {h})", "count": g * h * h},
        {"name": "bias_ih_l0", "shape": f"({rows},) = ({g * h},)", "count": g * h},
        {"name": "bias_hh_l0", "shape": f"({rows},) = ({g * h},)", "count": g * h},
    ]
    one = param_count(arch, i, h)
    two = param_count(arch, i, h, num_layers=2)
    paragraphs = [
        f"Per layer: {param_formula(arch)}, where I is the input size of that layer "
        "(I for the first layer, H above it, 2H above a bidirectional layer) and the "
        "2H counts the two bias vectors.",
        f"At I={i}, H={h}: {one:,} parameters for one layer; a second layer reads H "
        f"inputs and adds {two - one:,}, so two layers hold {two:,}.",
        ONE_BIAS[arch].format(count=one - g * h, fewer=g * h),
    ]
    examples = [
        {"input_size": i, "hidden_size": h, "num_layers": 1, "count": one},
        {"input_size": i, "hidden_size": h, "num_layers": 2, "count": two},
        {"input_size": 1, "hidden_size": 3, "num_layers": 1, "count": param_count(arch, 1, 3)},
    ]
    return section("parameters", "parameters", "Parameters (exact, as torch counts them)",
                   [f"torch-{arch}"], formula=param_formula(arch), tensors=tensors,
                   examples=examples, paragraphs=paragraphs)


def xavier_bound(fan_in: int, fan_out: int) -> float:
    """Glorot/Xavier uniform bound sqrt(6 / (fan_in + fan_out)) (Glorot & Bengio 2010)."""
    return math.sqrt(6.0 / (fan_in + fan_out))


def _equations() -> dict[str, Any]:
    return equations("equations", "Equations (one step, as computed)", [
        ("i_t = σ(W_ii x_t + b_ii + W_hi h_{t-1} + b_hi)", "input gate"),
        ("f_t = σ(W_if x_t + b_if + W_hf h_{t-1} + b_hf)", "forget gate"),
        ("g_t = tanh(W_ig x_t + b_ig + W_hg h_{t-1} + b_hg)", "candidate"),
        ("o_t = σ(W_io x_t + b_io + W_ho h_{t-1} + b_ho)", "output gate"),
        ("c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t", "cell state"),
        ("h_t = o_t ⊙ tanh(c_t)", "hidden state"),
    ], "x_t: input (B, I); h, c and every gate: (B, H); σ: logistic sigmoid; ⊙: "
       "element-wise product. W_ih stacks W_ii, W_if, W_ig, W_io (4H × I) and W_hh "
       "stacks the W_h· blocks (4H × H), in the order i, f, g, o. rnncli's reference "
       "cell (rnncli/scratch/reference.py, printed by `rnncli explain lstm --code`) "
       "computes each step as written: one pre-activation a = x_t W_ihᵀ + b_ih + "
       "h_{t-1} W_hhᵀ + b_hh of width 4H, split into the four blocks; it does not "
       "project all inputs before the time loop.",
       ["torch-lstm", "hochreiter1997", "gers2000"])


def _gates() -> dict[str, Any]:
    return section("gates", "gates", "The gates: what each one does", [], gates=[
        gate("f", "forget gate", "(0, 1): near 0 wipes that unit of c, near 1 keeps it",
             "Scales the old cell state, unit by unit, before anything new is added.",
             "Striking out the lines of your lecture notes that stopped mattering.",
             "In 'The cat slept. The dog ...', units that stored 'the subject is the "
             "cat' should be wiped once a new subject appears.",
             ["gers2000", "lesson"]),
        gate("i", "input gate", "(0, 1): 0 writes nothing, 1 writes all of g",
             "Scales the candidate before it is added to the cell: how much to write.",
             "Picking which of the speaker's new points deserve a line in your notes.",
             "At 'The dog', open the gate on the subject units so 'dog' replaces 'cat'.",
             ["hochreiter1997", "lesson"]),
        gate("g", "candidate", "(-1, 1): tanh, so it can push a unit up or down",
             "The new content proposed for the cell, from x_t and h_{t-1}.",
             "The draft sentence you might add to the page.",
             "A pattern meaning 'subject: dog, singular'.",
             ["torch-lstm", "lesson"]),
        gate("o", "output gate", "(0, 1): 0 hides the unit, 1 shows it fully",
             "Chooses which units of tanh(c_t) appear in h_t, the part the next layer, "
             "the prediction and the next step's gates can see.",
             "Deciding what to say out loud from everything written in your notes.",
             "When a verb comes next, expose the subject's number: 'the dog barks'.",
             ["hochreiter1997", "lesson"]),
        gate("c", "cell state", "unbounded: |c_t| < |c_{t-1}| + 1 per unit",
             "Long-term memory, changed only by an element-wise scale (f) and add "
             "(i ⊙ g), never by a weight matrix from one step to the next.",
             "The notebook itself.",
             "Holds 'subject = dog' across a long clause until f clears it.",
             ["hochreiter1997", "gers2000"]),
    ])


def _why() -> dict[str, Any]:
    return text("gradient-path", "Why the cell helps gradients", [
        "Along the cell path, ∂c_t/∂c_{t-1} is just diag(f_t) (other paths run through "
        "h_{t-1} and the gates). With f near 1 a gradient can cross many steps almost "
        "unchanged; a vanilla RNN instead multiplies by W_hhᵀ·diag(1 - h²) at every "
        "step, which shrinks or grows geometrically.",
        "The forget gate is not in the 1997 LSTM: Gers et al. (2000) added it. With "
        "PyTorch's default initialisation f starts near 0.5, which roughly halves the "
        "cell-path gradient each step; that is why the forget bias is often set to 1 (see below).",
        "`rnncli gradients` measures the gradient step by step for RNN, GRU and LSTM.",
    ], ["hochreiter1997", "gers2000", "bengio1994", "pascanu2013", "jozefowicz2015"])


def _faq() -> dict[str, Any]:
    return section("faq", "faq", "Questions learners ask", [], items=[
        faq("Cell state or hidden state: what is the difference?",
            "c is the memory: it is only scaled and added to, it is unbounded, and it "
            "never leaves the layer. h = o ⊙ tanh(c) is what the layer shows: the output "
            "at each step, the input of the layer above, and the vector fed back through "
            "W_hh into all four gates. nn.LSTM returns both at the end: h_n and c_n.",
            ["torch-lstm", "hochreiter1997"]),
        faq("nn.LSTM returns output and (h_n, c_n). Which is which?",
            "output has shape (T, B, D·H) (batch first: (B, T, D·H)) and holds the top "
            "layer's h_t at every step, both directions side by side if bidirectional. "
            "h_n and c_n have shape (D·num_layers, B, H) and hold the last step's h and "
            "c of every layer (and direction). For one direction and unpadded input, "
            "output[-1] equals h_n[-1]; for a bidirectional layer the backward "
            "direction's final state sits at output[0] (second half), and with a packed "
            "batch h_n is taken at each sequence's own last real step. So use h_n: "
            "h_n[-1] for one direction, torch.cat([h_n[-2], h_n[-1]], dim=1) for a "
            "bidirectional layer (`rnncli explain practices --section classification`; "
            "`rnncli explain shapes` checks every shape).",
            ["torch-lstm", "torch-pack"]),
        faq("Why the second tanh, in h = o ⊙ tanh(c)?",
            "c is a running sum that can grow by up to 1 per step, so it can leave the "
            "range the gates and the next layer expect. tanh squashes it back into "
            "(-1, 1) before o selects from it. Greff et al. (2017) removed this output "
            "activation in one of their variants and found it hurt performance clearly.",
            ["greff2017", "torch-lstm"]),
        faq("Why sigmoid for the gates and tanh for the candidate?",
            "A gate multiplies another vector, so it should be a fraction: sigmoid "
            "gives (0, 1), a soft switch between blocking (0) and passing (1). The "
            "candidate is content that must be able to raise or lower a unit, so it is "
            "zero-centred: tanh gives (-1, 1), and being bounded it moves c by less than "
            "1 per step.",
            ["hochreiter1997", "torch-lstm"]),
        faq("Why two bias vectors, b_ih and b_hh?",
            "In an LSTM they only ever appear as the sum b_ih + b_hh, so one vector would "
            "give the same function (the lesson's from-scratch LSTM has one). PyTorch "
            "keeps both for compatibility with cuDNN, whose layout has separate input "
            "and recurrent biases; it costs 4H extra parameters per layer. In a GRU the "
            "b_hn block is not redundant: see `rnncli explain gru`.",
            ["torch-rnn-source", "cudnn", "torch-lstm"]),
        faq("How and why should I set the forget-gate bias to 1?",
            "With small random weights f starts near σ(0) = 0.5, so the cell forgets "
            "half of itself each step and gradients along the cell shrink by about half "
            "per step. A forget bias of 1 starts f near σ(1) ≈ 0.73 and lets memory and "
            "gradients last longer; Jozefowicz et al. (2015) found it closes the gap they "
            "measured between LSTM and GRU, and note the idea goes back to Gers et al. (2000). "
            "In PyTorch the forget block is rows H:2H of each bias; since the two biases "
            "add, set one to 1 and the other to 0. Keras' LSTM does it by default "
            "(unit_forget_bias=True, with glorot-uniform input and orthogonal recurrent "
            "kernels); nn.LSTM does not, so a Keras model rebuilt and retrained in "
            "PyTorch loses that bias silently unless you set it.",
            ["jozefowicz2015", "gers2000", "torch-lstm", "keras-lstm-source"],
            code=snippets.FORGET_BIAS),
        faq("Why does an LSTM's output never leave (-1, 1)?",
            "h = o ⊙ tanh(c) with 0 < o < 1 and |tanh(c)| < 1, so |h| < 1 whatever the "
            "input (in float32 a saturated unit can round to exactly ±1, never beyond). "
            "To predict prices, counts or other unbounded targets, put an nn.Linear head "
            "on h and standardise the targets.",
            ["torch-lstm"]),
    ])


def _notes() -> dict[str, Any]:
    i, h = EXAMPLE_I, EXAMPLE_H
    xav = xavier_bound(i + h, h)
    return section("lesson-notes", "notes", "Where the lesson is loose", [], items=[
        note("Initialisation",
             "The LSTMFromScratch docstring calls its initialisation 'Xavier'.",
             f"It draws U(-1/√H, 1/√H), which is PyTorch's default for nn.LSTM. Xavier/"
             f"Glorot uniform is U(±√(6/(fan_in + fan_out))): for the lesson's W_f of "
             f"shape (H, I+H) at I={i}, H={h} that is ±{xav:.3f}, against 1/√H = "
             f"±{1 / math.sqrt(h):.3f}.",
             ["torch-lstm", "glorot2010", "lesson"]),
        note("Gate biases",
             "Its gate biases start at zero.",
             "nn.LSTM draws its biases from the same U(-1/√H, 1/√H) as its weights. "
             "Neither sets the forget bias to 1, which is worth doing (see the FAQ).",
             ["torch-lstm", "jozefowicz2015", "lesson"]),
        note("One weight matrix per gate on [x, h]",
             "Each gate has one matrix applied to the stacked vector [x_t; h_{t-1}] "
             "and one bias.",
             "That is the same function as W_ih x + W_hh h: the split is only a "
             "layout. PyTorch stores the four gates fused into W_ih (4H × I) and W_hh "
             "(4H × H), with two biases; parameter counts differ by 4H per layer.",
             ["torch-lstm", "lesson"]),
        note("'Vanishing gradients: solved'",
             "The comparison table says the LSTM solved vanishing gradients.",
             "It mitigates them: the cell path multiplies by f_t each step, so "
             "gradients still fade when f stays below 1, and they can still explode "
             "through the h path, which is why clipping is still used.",
             ["gers2000", "jozefowicz2015", "pascanu2013", "lesson"]),
    ])


def lstm_topic() -> dict[str, Any]:
    return topic(
        "lstm", "LSTM: long short-term memory",
        "An LSTM carries two vectors from step to step: a cell state c, changed only "
        "by gated element-wise scaling and addition, and a hidden state h read out of "
        "it. Sigmoid gates decide what to erase (f), what to write (i) and what to "
        "show (o); the lesson compares this to a student who keeps, crosses out and "
        "adds lecture notes.",
        [_equations(), diagram_section("lstm"), _gates(), parameters_section("lstm"), _why(),
         _faq(), _notes()],
        ["hochreiter1997", "lesson"])
