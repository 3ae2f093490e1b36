"""Encoder-decoder (sequence-to-sequence) training and decoding for ``rnncli seq2seq``.

Modules: ``tasks`` (generated tasks: reverse, sort, addition, dates), ``scan`` (the SCAN
benchmark from its grammar), ``dates`` (the date formats and their parser), ``data``
(pairs files, vocabularies, batches), ``models`` (encoder, decoder, attention), ``decode``
(greedy and beam search), ``metrics`` (exact match, token accuracy, baselines, BLEU/chrF),
``train`` (the step-budgeted runs), ``checkpoint`` (save and load a trained model).
torch is imported only by ``models``, ``decode``, ``train`` and ``checkpoint``.
"""
