"""``rnncli explain practices`` and ``rnncli explain projects``.

The lesson's training advice and project ladder, rewritten, with the papers and
PyTorch documentation that back each point, and corrections to the lesson's
seq2seq decoding and padded-sequence classification.
"""

from __future__ import annotations

from typing import Any

from rnncli.knowledge import snippets
from rnncli.knowledge.explain_schema import advice, faq, note, section, topic


def practices_topic() -> dict[str, Any]:
    tips = section("training", "advice", "Training advice (the lesson's values)", [], items=[
        advice("Clip the gradient norm",
               "Recurrent nets can produce rare, huge gradients; rescaling the whole "
               "gradient when its norm passes a threshold keeps one bad batch from "
               "wrecking the weights. Pascanu et al. (2013) proposed norm clipping for "
               "RNNs and suggest choosing the threshold from the typical gradient norm.",
               "max_norm 1-5 for LSTM/GRU, 0.5-1 for a vanilla RNN (lesson's rule of "
               "thumb)",
               ["pascanu2013", "torch-clip", "lesson"], code=snippets.CLIP),
        advice("Start with a modest learning rate",
               "Begin around 1e-3 to 1e-4. Optionally warm up: raise the rate "
               "linearly over the first steps (the lesson says about 1000; warm-up is "
               "common practice, not a result of an RNN paper we can point to). Halve it "
               "when the validation loss stops improving (ReduceLROnPlateau with "
               "factor=0.5), or cycle it between two bounds.",
               "1e-3 to 1e-4; warm-up ~1000 steps; halve on plateau",
               ["lesson", "torch-plateau", "smith2017"]),
        advice("Dropout on the non-recurrent connections, not inside the recurrence",
               "Dropping different units of h_{t-1} at every step disturbs the memory "
               "the recurrence carries; Zaremba et al. (2014) drop only the "
               "non-recurrent connections: the input of the first layer, the "
               "connections between layers and the output before the prediction. "
               "nn.LSTM(dropout=p) covers only the middle part (after every layer but "
               "the last, so it does nothing with num_layers=1, and PyTorch warns); add "
               "nn.Dropout on the embeddings and before the output layer yourself. To "
               "drop on the recurrent path, use one mask for all steps of a sequence "
               "(variational dropout, Gal & Ghahramani 2016); nn.LSTM does not offer it.",
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
    recipes = section("classification", "faq", "Classifying padded batches", [], items=[
        faq("How do I classify a padded batch of sequences?",
            "Pack the batch with the true lengths and classify from h_n[-1], the top "
            "layer's state after each sequence's own last real token. output[:, -1] is "
            "the state after the last position, which for every shorter sequence is "
            "padding: the prediction would change with the amount of padding.",
            ["torch-pack", "torch-lstm"], code=snippets.PACKED_CLASSIFIER),
        faq("And with a bidirectional LSTM?",
            "Concatenate the top layer's two final states, torch.cat([h_n[-2], h_n[-1]], "
            "dim=1): h_n[-2] is the forward direction after the last real token, h_n[-1] "
            "the backward direction after reading back to the first token. Do not use "
            "output[:, -1]: its backward half is the backward direction's FIRST step, "
            "so it has seen only the last token (in a padded batch, a pad token). With "
            "packing, both directions start and end at each sequence's real tokens.",
            ["torch-lstm", "torch-pack"], code=snippets.BIDIRECTIONAL_CLASSIFIER),
    ])
    tbptt = section("truncated-bptt", "faq", "Truncated backpropagation through time", [],
                    items=[
        faq("How do I train on a sequence too long for one backward pass?",
            "Cut it into chunks of K steps. Carry the state from one chunk to the next "
            "so the model still sees the whole history, but detach it first: the "
            "values stay, the graph behind them is dropped, so each backward pass "
            "runs through K steps only and memory stays bounded. Gradients then reach "
            "back at most K steps, which limits what the model can learn to remember.",
            ["torch-autograd"], code=snippets.TRUNCATED_BPTT),
        faq("What happens if I forget the detach?",
            "The second backward pass tries to run through the first chunk's graph as "
            "well, whose saved tensors the first backward already freed, and torch "
            "stops with 'RuntimeError: Trying to backward through the graph a second "
            "time'. retain_graph=True silences the error but makes every step "
            "backpropagate through the whole history so far: slower each chunk, and "
            "memory that grows without bound. Detach instead.",
            ["torch-autograd"]),
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
             "(each sequence's last real step), or gather output at lengths - 1: see "
             "'Classifying padded batches' above (and its bidirectional recipe).",
             ["torch-pack", "torch-lstm", "lesson"]),
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
        [tips, recipes, tbptt, notes], ["lesson"])


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
                 "A bidirectional layer needs the whole post; classify from "
                 "torch.cat([h_n[-2], h_n[-1]], dim=1) of a packed batch, not the padded "
                 "last step (`explain practices`, section classification).",
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
