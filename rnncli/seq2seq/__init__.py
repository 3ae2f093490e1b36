"""Encoder-decoder (sequence-to-sequence) training and decoding for ``rnncli seq2seq``.

Modules: ``tasks`` (generated tasks: reverse, sort, addition, dates), ``scan`` (the SCAN
benchmark from its grammar), ``dates`` (the date formats and their parser), ``data``
(pairs files, vocabularies, batches), ``models`` (encoder, decoder, attention), ``decode``
(greedy and beam search), ``metrics`` (exact match, token accuracy, baselines, BLEU/chrF),
``train`` (the step-budgeted runs), ``checkpoint`` (save and load a trained model),
``experiment`` (request -> data -> estimate -> runs -> report), ``session`` (one command
run: outputs checked, runs with Ctrl-C kept, best saved).
torch is imported by ``models``, ``decode``, ``train``, ``checkpoint`` and what imports them.
"""

#: The decoder's attentions (``--attention``): none, Bahdanau's additive score, Luong's dot.
ATTENTIONS = ("none", "additive", "dot")
