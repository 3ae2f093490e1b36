"""``rnncli explain gru``: the GRU, its two variants and its two update conventions.

Equations follow torch.nn.GRU (gate order r, z, n; reset applied after the
recurrent product, as cuDNN does) and Cho et al. 2014 (reset before the product).
The flipped update convention is the one of Chung et al. 2014, Olah's 2015 post and
the lesson: a different convention, not an error.
"""

from __future__ import annotations

from typing import Any

from rnncli.knowledge.diagrams import diagram_section
from rnncli.knowledge.explain_lstm import parameters_section
from rnncli.knowledge.explain_schema import equations, faq, gate, note, section, topic


def _equations() -> dict[str, Any]:
    return equations("equations", "Equations (one step, variant 'pytorch', as computed)", [
        ("r_t = σ(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)", "reset gate"),
        ("z_t = σ(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)", "update gate"),
        ("n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t-1} + b_hn))", "candidate"),
        ("h_t = (1 - z_t) ⊙ n_t + z_t ⊙ h_{t-1}", "new state"),
    ], "x_t: input (B, I); h and every gate: (B, H); σ: logistic sigmoid; ⊙: "
       "element-wise product. W_ih stacks W_ir, W_iz, W_in (3H × I) and W_hh stacks "
       "W_hr, W_hz, W_hn (3H × H), in the order r, z, n. Because r multiplies "
       "W_hn h + b_hn after the product, one h·W_hhᵀ product per step serves all "
       "three blocks.",
       ["torch-gru", "cudnn"])


def _variants() -> dict[str, Any]:
    return section("variants", "table", "Two variants: where the reset gate acts",
                   ["torch-gru", "cudnn", "cho2014", "lesson"],
                   columns=["variant", "candidate n_t", "used by"],
                   rows=[
                       ["pytorch", "tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t-1} + b_hn))",
                        "nn.GRU, cuDNN, rnncli default"],
                       ["cho2014", "tanh(W_in x_t + b_in + W_hn (r_t ⊙ h_{t-1}) + b_hn)",
                        "Cho et al. 2014, the lesson's GRUFromScratch"],
                   ],
                   paragraphs=[
                       "The two are different functions: the same weights give different "
                       "outputs whenever r is not all ones. In 'cho2014' the reset must be "
                       "known before the W_hn product, so each step needs two dependent "
                       "matrix products instead of one. `rnncli gates --gru-variant` picks one.",
                       "In both variants rnncli updates the state with h_t = (1 - z_t) ⊙ "
                       "n_t + z_t ⊙ h_{t-1}, the direction of Cho et al. and PyTorch.",
                   ])


def _conventions() -> dict[str, Any]:
    return section("update-convention", "table", "Two update-gate conventions",
                   ["cho2014", "torch-gru", "d2l-gru", "chung2014", "olah2015", "lesson"],
                   columns=["z ≈ 1 means", "state update", "written this way by"],
                   rows=[
                       ["keep the old state", "h_t = z ⊙ h_{t-1} + (1 - z) ⊙ n_t",
                        "Cho et al. 2014, PyTorch, cuDNN, d2l, rnncli"],
                       ["take the candidate", "h_t = (1 - z) ⊙ h_{t-1} + z ⊙ n_t",
                        "Chung et al. 2014, Olah 2015, the lesson"],
                   ],
                   paragraphs=[
                       "The lesson uses the flipped convention: its GRUFromScratch writes "
                       "h = (1 - z) ⊙ h_prev + z ⊙ h_tilde, so in the lesson z near 1 means "
                       "'update', while in nn.GRU (and in `rnncli gates`) z near 1 means "
                       "'keep'.",
                       "Cho et al. (2014, eq. 7) write h_t = z ⊙ h_{t-1} + (1 - z) ⊙ h~_t (their "
                       "h~ is our n), "
                       "so the lesson's form is not 'after Cho et al.': it is the other "
                       "convention, also used by Chung et al. (2014) and Olah's post. "
                       "Neither is an error, but do not mix them: read nn.GRU's z (and "
                       "`rnncli gates`) as 'keep'.",
                       "Both describe the same family of models: since σ(-a) = 1 - σ(a), "
                       "negating the update gate's weights and biases turns one into the "
                       "other. Trained weights are not interchangeable without that flip.",
                   ])


def _gates() -> dict[str, Any]:
    return section("gates", "gates", "The gates: what each one does", [], gates=[
        gate("r", "reset gate", "(0, 1): 0 drops h_{t-1} from the candidate, 1 uses it",
             "Decides how much of the previous state the candidate may look at.",
             "Starting a fresh page: drafting the next note without rereading the last.",
             "At a sentence boundary the candidate can be built from the new words "
             "alone, without the previous sentence's summary.",
             ["cho2014", "torch-gru", "lesson"]),
        gate("z", "update gate", "(0, 1): in nn.GRU 1 keeps h_{t-1}, 0 takes n_t",
             "Blends old state and candidate per unit; it does the LSTM's forget and "
             "input jobs at once, coupled: keep a share z, write the share 1 - z.",
             "Going line by line: keep the old note, or overwrite it with the draft.",
             "At 'The dog', subject units get z ≈ 0 (overwritten: cat → dog); units "
             "tracking, say, the tense get z ≈ 1 (kept).",
             ["cho2014", "torch-gru", "lesson"]),
        gate("n", "candidate", "(-1, 1): tanh",
             "The proposed new state, from x_t and the reset-filtered h_{t-1}.",
             "The draft you might write over the old line.",
             "A pattern meaning 'subject: dog'.",
             ["torch-gru", "lesson"]),
        gate("h", "hidden state", "(-1, 1) if h_0 is: a blend of two values in (-1, 1)",
             "Memory and output in one vector; there is no separate cell state.",
             "The notes and what you say are the same page.",
             "Carries 'subject = dog' until an update gate near 0 overwrites it.",
             ["cho2014", "torch-gru"]),
    ])


def _faq() -> dict[str, Any]:
    return section("faq", "faq", "Questions learners ask", [], items=[
        faq("Are a GRU's two bias vectors redundant too?",
            "Only partly. For r and z, b_i· and b_h· appear only as a sum. But b_hn sits "
            "inside r_t ⊙ (W_hn h + b_hn), so it is scaled by a reset value that changes "
            "with every step and sample: r ⊙ b_hn cannot be folded into b_in. PyTorch's "
            "layout (two biases, like cuDNN's) makes that extra freedom available.",
            ["torch-gru", "cudnn", "torch-rnn-source"]),
        faq("GRU or LSTM?",
            "Chung et al. (2014) compared them at about equal parameter counts (the GRU "
            "got more units) on polyphonic music and speech, and found them comparable, "
            "neither always ahead; their study says nothing about data-set size. Britz et "
            "al. (2017), in a large study of neural machine translation, found LSTM "
            "cells ahead of GRU cells. Jozefowicz et al. (2015) found that a forget-gate "
            "bias of 1 closes the gap they saw between LSTM and GRU. Weiss et al. (2018) "
            "prove the LSTM can implement a counter in its cell (aⁿbⁿ) where a "
            "finite-precision GRU cannot; `rnncli memory --task counting` tests whether a "
            "trained model counts beyond the trained n (at T = 20 none of the three did). "
            "At equal width a PyTorch GRU layer has 3/4 of an LSTM layer's parameters, "
            "but fewer parameters is not less time: in torch 2.13 on CPU only nn.LSTM "
            "reaches oneDNN's fused RNN kernel (ONEDNN_VERBOSE=1 prints its 'rnn' "
            "primitive), nn.GRU runs step by step, and `rnncli bench` measured the GRU "
            "slower to train than the LSTM. That is torch's kernel, not the GRU: on the "
            "same weights onnxruntime and OpenVINO ran the GRU 1.5-6× faster than torch "
            "(forward; 4.6-6× at batch 1) and about as fast as their LSTM (`rnncli bench "
            "--runtime all` names the fastest runtime for your shapes; docs/bench.md). "
            "`rnncli compare`, `bench` and `memory` measure the differences at your sizes.",
            ["chung2014", "britz2017", "jozefowicz2015", "weiss2018", "torch-gru",
             "torch-lstm", "onednn-rnn"]),
    ])


def _notes() -> dict[str, Any]:
    return section("lesson-notes", "notes", "Where the lesson is loose", [], items=[
        note("Update-gate direction",
             "GRUFromScratch computes h = (1 - z) ⊙ h_prev + z ⊙ h_tilde.",
             "That is the flipped convention (Chung et al. 2014, Olah 2015), not Cho et "
             "al.'s: z near 1 takes the candidate. nn.GRU and Cho et al. (eq. 7) write h = "
             "(1 - z) ⊙ n + z ⊙ h, where z near 1 keeps the old state. Not an error, a "
             "different convention: do not mix them when reading nn.GRU's z.",
             ["chung2014", "olah2015", "cho2014", "torch-gru", "lesson"]),
        note("Reset before the product",
             "GRUFromScratch applies r to h_prev before the weight product.",
             "That is Cho et al.'s variant ('cho2014' here); nn.GRU applies r after "
             "W_hn h + b_hn. Weights copied from nn.GRU into the lesson's code give "
             "different outputs.",
             ["cho2014", "torch-gru", "lesson"]),
        note("Initialisation",
             "Gate biases start at zero, weights U(-1/√H, 1/√H).",
             "nn.GRU draws weights and biases alike from U(-1/√H, 1/√H).",
             ["torch-gru", "lesson"]),
    ])


def gru_topic() -> dict[str, Any]:
    return topic(
        "gru", "GRU: gated recurrent unit",
        "A GRU keeps a single state vector h. An update gate z blends the old state "
        "with a candidate n, and a reset gate r decides how much of the old state the "
        "candidate may use. It has three weight blocks where the LSTM has four, and "
        "no separate cell state.",
        [_equations(), diagram_section("gru"), _variants(), _conventions(), _gates(),
         parameters_section("gru"),
         _faq(), _notes()],
        ["cho2014", "torch-gru", "lesson"])
