"""``rnncli explain practices`` and ``rnncli explain projects``.

The lesson's training advice and project ladder, rewritten, with the papers and
PyTorch documentation that back each point, and corrections to the lesson's
seq2seq decoding and padded-sequence classification.
"""

from __future__ import annotations

from typing import Any

from rnncli.knowledge.explain_schema import advice, note, section, topic

CLIP_SNIPPET = """\
loss.backward()
norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
optimizer.step()   # norm: the total norm before clipping, worth logging
"""

PACK_SNIPPET = """\
from torch.nn.utils.rnn import pack_padded_sequence
packed = pack_padded_sequence(emb, lengths, batch_first=True,
                              enforce_sorted=False)
_, (h_n, c_n) = lstm(packed)
logits = classifier(h_n[-1])   # top layer, each review's last real token
"""


def practices_topic() -> dict[str, Any]:
    tips = section("training", "advice", "Training advice (the lesson's values)", [], items=[
        advice("Clip the gradient norm",
               "Recurrent nets can produce rare, huge gradients; rescaling the whole "
               "gradient when its norm passes a threshold keeps one bad batch from "
               "wrecking the weights. Pascanu et al. (2013) proposed norm clipping for "
               "RNNs and suggest choosing the threshold from the typical gradient norm.",
               "max_norm 1-5 for LSTM/GRU, 0.5-1 for a vanilla RNN (lesson's rule of "
               "thumb)",
               ["pascanu2013", "torch-clip", "lesson"], code=CLIP_SNIPPET),
        advice("Start with a modest learning rate",
               "Begin around 1e-3 to 1e-4. Optionally warm up: raise the rate "
               "linearly over the first steps (the lesson says about 1000). Halve it "
               "when the validation loss stops improving (ReduceLROnPlateau with "
               "factor=0.5), or cycle it between two bounds.",
               "1e-3 to 1e-4; warm-up ~1000 steps; halve on plateau",
               ["lesson", "goyal2017", "torch-plateau", "smith2017"]),
        advice("Dropout between layers, not inside the recurrence",
               "Dropping different units of h_{t-1} at every step disturbs the memory "
               "the recurrence carries; Zaremba et al. (2014) apply dropout only to the "
               "connections between layers. nn.LSTM(dropout=p) does exactly that (after "
               "every layer but the last, so it does nothing with num_layers=1, and "
               "PyTorch warns). To drop on the recurrent path, use one mask for all "
               "steps of a sequence (variational dropout, Gal & Ghahramani 2016); "
               "nn.LSTM does not offer it.",
               "0.2-0.5 between layers; 0.1-0.3 recurrent, with care (lesson)",
               ["zaremba2014", "gal2016", "torch-lstm", "lesson"]),
        advice("Weight decay",
               "A small L2 pull towards zero on the weights. With Adam, prefer AdamW: "
               "Adam's weight_decay adds the L2 term to the gradient, where the adaptive "
               "scaling decays weights with large gradients less; AdamW decays the "
               "weights directly.",
               "1e-4 to 1e-6 (lesson)",
               ["loshchilov2019", "lesson"]),
        advice("Early stopping",
               "Watch the validation loss, keep the best checkpoint, and stop once it "
               "has not improved for a set number of epochs.",
               "patience 5-10 epochs (lesson)",
               ["prechelt1998", "lesson"]),
        advice("Initialise the LSTM forget bias to 1",
               "Starts the forget gate near 0.73 instead of 0.5, so memory and "
               "gradients last longer; `rnncli explain lstm` shows the code.",
               "bias_ih rows H:2H = 1, bias_hh rows H:2H = 0",
               ["jozefowicz2015", "gers2000"]),
    ])
    notes = section("lesson-notes", "notes", "Where the lesson's examples are loose", [],
                    items=[
        note("Seq2seq inference",
             "Seq2SeqLSTM decodes from token id 0 as the 'start token' and always "
             "generates exactly 50 steps.",
             "Id 0 is usually padding or an ordinary word. Reserve a start-of-sequence "
             "id to feed first and an end-of-sequence id; stop each sequence when it "
             "emits the end token and the loop when all have, or at a maximum length. "
             "Sutskever et al. (2014) end every sequence with <EOS> so the model "
             "learns where to stop.",
             ["sutskever2014", "lesson"]),
        note("Classifying padded batches",
             "SentimentLSTM classifies from lstm_out[:, -1, :], the last position.",
             "In a padded batch the last position of a short review is padding, so "
             "that state has also read the pad tokens. Pack the batch and use h_n[-1] "
             "(each sequence's last real step), or gather output at lengths - 1.",
             ["torch-pack", "torch-lstm", "lesson"], code=PACK_SNIPPET),
        note("Recurrent dropout",
             "Lists 'recurrent dropout 0.1-0.3' beside ordinary dropout.",
             "It needs a mask shared across time steps to work as intended (Gal & "
             "Ghahramani 2016), and nn.LSTM's dropout argument is not that: it only "
             "acts between layers.",
             ["gal2016", "torch-lstm", "lesson"]),
    ])
    return topic(
        "practices", "Training recurrent networks: practices",
        "The lesson's training advice with its typical values, the sources behind "
        "each point, and where the lesson's own examples are loose.",
        [tips, notes], ["lesson"])


def _project(rung: int, name: str, level: str, task: str, teaches: str, architecture: str,
             watch_out: str, rnncli: list[str], sources: list[str]) -> dict[str, Any]:
    return {"rung": rung, "name": name, "level": level, "task": task, "teaches": teaches,
            "architecture": architecture, "watch_out": watch_out, "rnncli": rnncli,
            "sources": sources}


def projects_topic() -> dict[str, Any]:
    ladder = section("ladder", "projects", "The project ladder", [], items=[
        _project(1, "Next-day price forecaster", "beginner",
                 "Predict tomorrow's value of a series from a window of past days "
                 "(price, volume, indicators as features).",
                 "Turning a series into (T, B, I) windows, regression losses, scaling, "
                 "validating on a later period than you train on.",
                 "1-2 layer LSTM or GRU, nn.Linear head on h_n[-1].",
                 "h stays in (-1, 1): standardise targets and use a linear head. Beat "
                 "the 'tomorrow = today' baseline before trusting the model.",
                 ["rnncli explain lstm", "rnncli gates", "rnncli advise"],
                 ["lesson", "torch-lstm"]),
        _project(2, "Chatbot reply generator", "intermediate",
                 "Generate a reply to a message.",
                 "Encoder-decoder (seq2seq), teacher forcing, start and end tokens, "
                 "greedy or beam decoding, attention over the encoder's outputs.",
                 "LSTM encoder-decoder with attention.",
                 "Decode from a real start token and stop at the end token "
                 "(`explain practices`).",
                 ["rnncli explain practices", "rnncli memory"],
                 ["lesson", "sutskever2014", "bahdanau2015"]),
        _project(3, "Code comment generator", "intermediate",
                 "Write a comment for a code snippet.",
                 "Tokenising code, long inputs with structure, mixing cell types.",
                 "GRU encoder over code tokens, LSTM decoder for the comment (an LSTM "
                 "decoder needs an initial c too: zeros or a projection).",
                 "Long snippets stress memory; watch gradient norms and clip.",
                 ["rnncli gradients", "rnncli compare", "rnncli bench"],
                 ["lesson", "pascanu2013"]),
        _project(4, "Music composer", "advanced",
                 "Generate melodies or polyphonic music in a chosen style.",
                 "Encoding music as sequences, sampling with a temperature, "
                 "conditioning on a style vector.",
                 "Stacked LSTM with attention and a style input.",
                 "Several layers and long pieces: dropout between layers only.",
                 ["rnncli gradients", "rnncli memory", "rnncli explain practices"],
                 ["lesson", "chung2014", "zaremba2014"]),
        _project(5, "Live sentiment monitor", "advanced",
                 "Score the sentiment of a stream of social-media posts as they arrive.",
                 "Variable-length batches, pre-trained embeddings, deployment, "
                 "latency and throughput.",
                 "Bidirectional LSTM over pre-trained embeddings, packed batches.",
                 "A bidirectional layer needs the whole post; classify from h_n, not "
                 "the padded last step.",
                 ["rnncli bench", "rnncli explain practices"],
                 ["lesson", "torch-pack", "torch-lstm"]),
    ])
    path = section("progression", "text", "How the rungs build on each other",
                   ["lesson"], paragraphs=[
                       "1 gives the basics of sequence regression; 2 adds generation "
                       "with seq2seq; 3 harder input structure; 4 creative generation "
                       "with conditioning; 5 production concerns: streaming, latency, "
                       "deployment.",
                   ])
    return topic(
        "projects", "Projects: from beginner to advanced",
        "Five projects from the lesson, in the order it suggests, each with what it "
        "teaches, an architecture to start from, a pitfall, and the rnncli commands "
        "that help.",
        [ladder, path], ["lesson"])
