"""The teaching material as data: explanations, comparison, decision guide, quiz.

Written anew from the lesson "LSTM and GRU: Advanced Sequence Architectures";
every factual claim carries a key into :mod:`rnncli.knowledge.sources`.
Nothing here imports torch.
"""
