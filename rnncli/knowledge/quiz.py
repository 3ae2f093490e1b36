"""The lesson's quick check, as multiple-choice questions with explained answers.

The first four questions are the lesson's own "Quick Check"; the rest come from
the same material (gate ranges, the exact GRU : LSTM parameter ratio, where
clipping goes, the update-gate convention, ``output`` vs ``h_n``, the forget-gate
bias, dropout, counting).  Each question points to the ``rnncli explain``
section that teaches it and cites its source (keys into
:mod:`rnncli.knowledge.sources`).  In the data the correct option is always
written first; :func:`make_quiz` shuffles questions and options with a seeded
``random.Random``, so the same ``--seed`` always gives the same quiz.  No torch.
"""

from __future__ import annotations

import random
from typing import Any

from rnncli import formulas
from rnncli.errors import BadInput


def _q(qid: str, question: str, options: list[str], explanation: str, topic: str,
       section: str, source: str, lesson: bool = False) -> dict[str, Any]:
    return {"id": qid, "question": question, "options": options, "explanation": explanation,
            "explain": {"topic": topic, "section": section}, "source": source,
            "from_lesson": lesson}


def _lstm_params_question() -> dict[str, Any]:
    i, h = 64, 128
    right = formulas.param_count("lstm", i, h)
    one_bias = 4 * (h * i + h * h + h)
    return _q(
        "lstm-params", f"How many parameters does torch.nn.LSTM({i}, {h}) hold?",
        [f"{right:,}", f"{formulas.param_count('gru', i, h):,}", f"{one_bias:,}",
         f"{formulas.param_count('rnn', i, h):,}"],
        f"4 weight blocks (i, f, g, o), each H·I + H² plus two bias vectors: "
        f"4·({h}·{i} + {h}² + 2·{h}) = {right:,}. One bias vector would give {one_bias:,}; "
        f"the GRU's 3 blocks give 3/4 of it.", "lstm", "parameters", "torch-lstm")


QUESTIONS: list[dict[str, Any]] = [
    _q("lstm-solves", "What problem do LSTM gates address that a vanilla RNN cannot handle?",
       ["Gradients that vanish over many steps, so long-range dependencies go unlearned",
        "Overfitting on small data sets",
        "The cost of the matrix products at each step",
        "Sequences of different lengths in one batch"],
       "In a vanilla RNN the gradient is a product of one Jacobian per step and shrinks "
       "(or grows) geometrically. The LSTM's cell is updated additively, c = f ⊙ c + i ⊙ g, "
       "so while f stays near 1 the gradient passes through many steps. It mitigates the "
       "problem; it does not abolish it.", "lstm", "gradient-path", "hochreiter1997", True),
    _q("gru-vs-lstm", "How does a GRU differ from an LSTM?",
       ["One state (no separate cell) and two gates; the update gate does the work of "
        "LSTM's forget and input gates",
        "It adds peephole connections from the cell to every gate",
        "It has no gates and uses ReLU instead of tanh",
        "It keeps two states but drops the candidate"],
       "The GRU merges cell and hidden state and couples forgetting and writing in one "
       "update gate z; a reset gate r controls how much of h enters the candidate.",
       "gru", "gates", "cho2014", True),
    _q("when-gru", "What did Chung et al. (2014) find when they compared the GRU with the "
       "LSTM?",
       ["At about equal parameter counts (the GRU with more units), the two were comparable "
        "on music and speech, neither always ahead",
        "The GRU matches the LSTM with 3/4 of the parameters, so it suits small data sets",
        "The LSTM beat the GRU on every task",
        "The GRU failed to learn long-range dependencies"],
       "They sized the models to about the same number of parameters and found GRU and "
       "LSTM comparable; nothing there tests data-set size. Other studies differ: Britz et "
       "al. (2017) found LSTMs ahead in machine translation, and only the LSTM's cell can "
       "implement a counter (Weiss et al. 2018). At equal WIDTH a GRU layer has 3/4 of an LSTM's "
       "parameters. Try both on your data: rnncli advise, rnncli memory.",
       "gru", "faq", "chung2014", True),
    _q("why-clip", "Why is gradient clipping important when training RNNs?",
       ["Gradients can still explode; clipping the norm bounds each update",
        "It cures vanishing gradients",
        "It makes the forward pass faster",
        "It replaces the learning-rate schedule"],
       "Products of Jacobians can grow as well as shrink (Pascanu et al. 2013). Rescaling "
       "the gradient when its norm exceeds a threshold keeps one bad batch from throwing "
       "the weights far away. It does nothing for vanishing gradients.",
       "practices", "training", "pascanu2013", True),
    _q("gate-range", "What values can the LSTM's forget, input and output gates take?",
       ["Between 0 and 1 (a sigmoid)", "Between -1 and 1 (a tanh)",
        "Any non-negative number (a ReLU)", "Exactly 0 or exactly 1"],
       "Gates are sigmoids, so each is a soft switch in (0, 1) that scales what passes. "
       "The candidate g uses tanh, in (-1, 1), so it can add or subtract.",
       "lstm", "gates", "hochreiter1997"),
    _q("candidate-range", "Why does the LSTM use tanh for the candidate g but sigmoid for "
       "the gates?",
       ["The candidate must be able to push the cell up or down; gates only scale, in (0, 1)",
        "tanh is cheaper to compute than sigmoid",
        "Sigmoid would make the parameter count larger",
        "It is arbitrary: swapping them changes nothing"],
       "A gate multiplies, so a fraction in (0, 1) is what it needs; the candidate is "
       "content to write, and a zero-centred range (-1, 1) lets it raise or lower the cell.",
       "lstm", "faq", "hochreiter1997"),
    _q("param-ratio", "In PyTorch, at the same input and hidden sizes, how many parameters "
       "does an nn.GRU layer hold compared with an nn.LSTM layer?",
       ["Exactly 3/4", "About half", "The same", "5/4"],
       "PyTorch stacks 3 blocks (r, z, n) for the GRU and 4 (i, f, g, o) for the LSTM, each "
       "H·I + H² + 2H, so the ratio is exactly 3 : 4 at any size (the vanilla RNN is 1/4). "
       "Not in Keras: its GRU (reset_after=True) has 3·(H·I + H² + 2H) against its LSTM's "
       "4·(H·I + H² + H), 0.754 at I=64, H=128.",
       "gru", "parameters", "torch-gru"),
    _lstm_params_question(),
    _q("clip-where", "Where does torch.nn.utils.clip_grad_norm_ go in a training step?",
       ["After loss.backward() and before optimizer.step()",
        "Before loss.backward()", "After optimizer.step()", "Once, before training starts"],
       "Clipping rescales the gradients that backward() just computed, so it must come "
       "after backward and before the optimizer uses them.", "practices", "training",
       "torch-clip"),
    _q("update-convention", "In PyTorch's GRU, h' = (1 - z) ⊙ n + z ⊙ h. What does an update "
       "gate z near 1 do?",
       ["Keeps the previous state h almost unchanged",
        "Replaces the state with the new candidate n",
        "Resets the state to zero", "Doubles the state"],
       "In PyTorch's convention, which is Cho et al.'s (2014, eq. 7), z is a keep gate. The "
       "lesson writes the other convention, h' = (1 - z) ⊙ h + z ⊙ n, as Chung et al. "
       "(2014) and Olah's post do, where z near 1 takes the candidate: not an error, but "
       "do not mix the two when reading nn.GRU's z.", "gru", "update-convention",
       "cho2014"),
    _q("output-vs-hn", "out, (h_n, c_n) = lstm(x) for a 2-layer unidirectional nn.LSTM with "
       "batch_first=True and unpadded input. What equals out[:, -1]?",
       ["h_n[-1]: the top layer's hidden state at the last step",
        "c_n[-1]: the top layer's cell state", "h_n[0]: the first layer's last state",
        "The hidden states of both layers, concatenated"],
       "out holds the top layer's h at every step; h_n holds the last step's h for every "
       "layer. So out[:, -1] == h_n[-1] (with padding, or bidirectional, they differ).",
       "lstm", "faq", "torch-lstm"),
    _q("forget-bias", "Why set the LSTM's forget-gate bias to 1 at initialisation?",
       ["So f starts near σ(1) ≈ 0.73: the cell keeps its contents and gradients flow "
        "early in training",
        "So the LSTM forgets everything at the start",
        "To make the parameter count match the GRU's",
        "Because PyTorch requires it"],
       "Jozefowicz et al. (2015) found that a forget bias of 1 closes the gap between the "
       "LSTM and the GRU. In PyTorch set bias_ih's forget slice to 1 and "
       "bias_hh's to 0, since the two are added.", "lstm", "faq", "jozefowicz2015"),
    _q("dropout-where", "Where should plain dropout go in a stacked RNN?",
       ["Between layers (nn.LSTM's dropout=), not on the recurrent connections",
        "On the recurrent connection h_{t-1} -> h_t at every step, with a new mask",
        "On the gates' weights only", "Nowhere: RNNs cannot use dropout"],
       "Zaremba et al. (2014) apply dropout to the connections between layers; a fresh mask "
       "on the recurrence at every step disrupts memory. nn.LSTM's dropout= acts only "
       "between layers, so it does nothing with num_layers=1.", "practices", "training",
       "zaremba2014"),
    _q("solved", "Does an LSTM make vanishing gradients impossible?",
       ["No: it mitigates them while forget gates stay open, but they can still vanish or "
        "explode",
        "Yes, the cell state guarantees a constant gradient",
        "Yes, because sigmoid gates never saturate",
        "No, an LSTM's gradients vanish faster than a vanilla RNN's"],
       "The lesson calls it 'solved'; that is loose. The gradient along the cell is "
       "multiplied by f at each step, so it decays when forget gates close; other paths "
       "can explode, hence clipping. See rnncli gradients.", "lstm", "gradient-path",
       "gers2000"),
    _q("counting", "Which cell can implement a counter (recognise aⁿbⁿ for every n) in "
       "finite precision?",
       ["LSTM", "GRU", "Vanilla tanh RNN", "None of them"],
       "Weiss et al. (2018) prove the LSTM can implement a counter in its cell, while a "
       "finite-precision GRU or tanh RNN cannot, and their trained LSTMs counted beyond "
       "the trained n. That is what the cell can do, not what every training run finds: "
       "in `rnncli memory --task counting --seq-len 20` all three cells solved the trained "
       "n <= 10 and none generalised to n 11-20 (LSTM 0.20, RNN 0.10, GRU 0.00 on our "
       "machine; docs/memory.md).",
       "gru", "faq", "weiss2018"),
    _q("two-states", "Which of the three cells carries two state vectors from step to step?",
       ["LSTM (h and c)", "GRU (h and z)", "Vanilla RNN (h and x)", "All three"],
       "Only the LSTM keeps a separate cell state c beside the hidden state h; the GRU and "
       "the vanilla RNN carry h alone.", "lstm", "faq", "hochreiter1997"),
]


def make_quiz(seed: int = 0, count: int | None = None) -> list[dict[str, Any]]:
    """Questions in a seeded order, each with its options shuffled; ``correct`` is 0-based."""
    total = len(QUESTIONS)
    if count is not None and not 1 <= count <= total:
        raise BadInput(f"--count must be between 1 and {total}, got {count}")
    rng = random.Random(seed)
    order = list(range(total))
    rng.shuffle(order)
    quiz = []
    for k in order[: count or total]:
        q = QUESTIONS[k]
        perm = list(range(len(q["options"])))
        rng.shuffle(perm)
        quiz.append({**q, "options": [q["options"][p] for p in perm],
                     "correct": perm.index(0)})
    return quiz


def fresh_seed() -> int:
    """A new random seed for a quiz nobody asked to repeat (printed, so it can be)."""
    import secrets

    return secrets.randbelow(2**31)


def _answer(t: str, n: int, options: int, name: str) -> int:
    """One answer: ASCII digits only (no '³' or '٣'), within the options."""
    if not (t.isascii() and t.isdigit() and len(t) <= 3 and 1 <= int(t) <= options):
        raise BadInput(f"{name}: answer {n} is {t[:20]!r}; expected a number from 1 to "
                       f"{options}")
    return int(t) - 1


def parse_answers(text: str, quiz: list[dict[str, Any]], name: str = "--answers"
                  ) -> list[int | None]:
    """``"1,3,2"`` -> 0-based choices, one per question in order; fewer answers than
    questions leave the rest unanswered (``None``); more is an error."""
    items = [t.strip() for t in str(text).replace("\n", ",").split(",")]
    while items and items[-1] == "":
        items.pop()
    if len(items) > len(quiz):
        raise BadInput(f"{name}: {len(items)} answers for {len(quiz)} questions; give at "
                       f"most one per question")
    pairs = zip(items, quiz[:len(items)], strict=True)
    given: list[int | None] = [_answer(t, n, len(q["options"]), name)
                               for n, (t, q) in enumerate(pairs, start=1)]
    return given + [None] * (len(quiz) - len(given))


def grade(quiz: list[dict[str, Any]], given: list[int | None], seed: int) -> dict[str, Any]:
    """Score and per-question results (the ``--json`` schema of ``rnncli quiz``).

    Unanswered questions (``None``) show neither the answer nor the explanation.
    """
    rows = []
    for n, (q, g) in enumerate(zip(quiz, given, strict=True), start=1):
        row = {"n": n, "id": q["id"], "question": q["question"], "options": q["options"],
               "from_lesson": q["from_lesson"], "given": None if g is None else g + 1}
        if g is not None:
            row.update(correct=q["correct"] + 1, is_correct=g == q["correct"],
                       explanation=q["explanation"], source=q["source"],
                       explain=f"rnncli explain {q['explain']['topic']}",
                       section=q["explain"]["section"])
        rows.append(row)
    answered = sum(g is not None for g in given)
    return {"seed": seed, "total": len(quiz), "answered": answered,
            "score": sum(bool(r.get("is_correct")) for r in rows), "questions": rows}
