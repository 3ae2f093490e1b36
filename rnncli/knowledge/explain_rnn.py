"""``rnncli explain rnn``: the vanilla (Elman) RNN as torch.nn.RNN computes it.

Sources: torch.nn.RNN documentation; Bengio et al. 1994 and Pascanu et al. 2013 on
vanishing and exploding gradients; Le et al. 2015 on ReLU RNNs (IRNN).
"""

from __future__ import annotations

from typing import Any

from rnncli.knowledge.diagrams import diagram_section
from rnncli.knowledge.explain_lstm import parameters_section
from rnncli.knowledge.explain_schema import equations, faq, gate, section, text, topic


def rnn_topic() -> dict[str, Any]:
    eqs = equations("equations", "Equation (one step, as computed)", [
        ("h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)", "new state"),
    ], "x_t: input (B, I); h: (B, H); W_ih is H × I, W_hh is H × H. "
       "nonlinearity='relu' replaces tanh with max(0, ·). The state is also the "
       "output: nn.RNN returns h_t for every step and h_n for the last.",
       ["torch-rnn"])
    state = section("gates", "gates", "No gates: one state does everything", [], gates=[
        gate("h", "hidden state", "(-1, 1) with tanh; [0, ∞) with relu",
             "Memory, output and input to the next step at once: every step rewrites "
             "all of it through W_hh and the nonlinearity.",
             "Taking notes by rewriting the whole page from memory after every sentence.",
             "'The cat' must survive being re-encoded at every later word, so over a "
             "long gap its trace tends to fade.",
             ["torch-rnn", "bengio1994", "lesson"]),
    ])
    grads = text("gradients", "Why its gradients vanish or explode", [
        "Backpropagating one step multiplies the gradient by W_hhᵀ·diag(1 - h_t²) (for "
        "tanh). Over k steps that is a product of k such matrices, which tends to "
        "shrink or grow geometrically with k.",
        "Pascanu et al. (2013) show that with tanh, a largest singular value of W_hh "
        "below 1 is enough for the long-range gradient to vanish, and above 1 is "
        "necessary for it to explode. Exploding gradients are handled by clipping "
        "(`rnncli explain practices`); vanishing ones by gates (LSTM, GRU) or by "
        "initialisation, such as the identity-initialised ReLU RNN of Le et al. (2015).",
        "`rnncli gradients` measures the gradient norm against the distance from the loss.",
    ], ["bengio1994", "pascanu2013", "le2015"])
    questions = section("faq", "faq", "Questions learners ask", [], items=[
        faq("Why does nn.RNN have two bias vectors?",
            "b_ih and b_hh only ever appear as a sum, so one would do. PyTorch keeps "
            "both to match cuDNN's parameter layout (its source says so); the price is "
            "H extra parameters per layer. The same holds for the LSTM; for the GRU, "
            "b_hn is not redundant (`rnncli explain gru`).",
            ["torch-rnn-source", "cudnn", "torch-rnn"]),
        faq("When is a vanilla RNN enough?",
            "When what matters is only a few tens of steps back: its gradient signal from "
            "far steps fades geometrically. `rnncli memory` trains RNN, GRU and LSTM on "
            "memory tasks of growing length so you can see where each one stops: in our "
            "runs (H = 64, 5000 steps) the tanh RNN solved the adding task at T = 50 "
            "in 1 of 3 seeds (not at H = 32 with 2000 steps) and stayed at the "
            "baseline from T = 100 on, while GRU and LSTM solved T = 200.",
            ["bengio1994", "pascanu2013", "rnncli-memory"]),
    ])
    return topic(
        "rnn", "Vanilla RNN (Elman network)",
        "The simplest recurrent layer: one state vector h, rewritten at every step from "
        "the input and the previous state through one weight matrix and a tanh. LSTM "
        "and GRU add gates to this loop.",
        [eqs, diagram_section("rnn"), state, parameters_section("rnn"), grads, questions],
        ["torch-rnn"])
