"""The recurrent sentiment classifier: what ``rnncli sentiment --show-code`` prints.

This file is self-contained (torch only) so a user can copy it as it is.
"""

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence


class SentimentRNN(nn.Module):
    """Embedding -> RNN/GRU/LSTM -> dropout -> MLP, read from each sequence's final state.

    ``rnn_class`` is ``nn.RNN``, ``nn.GRU`` or ``nn.LSTM``. Token id 0 is padding.
    The batch is packed (``pack_padded_sequence``), so the recurrence stops at each
    sequence's own last word and ``h_n`` is that word's state, whatever padding follows.
    (Reading ``output[:, -1]`` of a padded batch, as the lesson's SentimentLSTM does, gives
    the state after the padding for every sequence shorter than the longest.)
    """

    def __init__(self, vocab_size, num_classes=2, rnn_class=nn.LSTM, embed=64, hidden=64,
                 layers=1, bidirectional=False, dropout=0.3, mlp=64):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed, padding_idx=0)
        self.rnn = rnn_class(embed, hidden, num_layers=layers, batch_first=True,
                             bidirectional=bidirectional,
                             dropout=dropout if layers > 1 else 0.0)
        self.directions = 2 if bidirectional else 1
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Sequential(                  # the lesson's classifier, after dropout
            nn.Linear(self.directions * hidden, mlp),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(mlp, num_classes),
        )
        if isinstance(self.rnn, nn.LSTM):           # forget-gate bias 1 (Jozefowicz et al. 2015)
            for name, bias in self.rnn.named_parameters():
                if name.startswith("bias_ih"):      # rows: input, forget, cell, output
                    with torch.no_grad():
                        bias[hidden:2 * hidden].fill_(1.0)
                elif name.startswith("bias_hh"):
                    with torch.no_grad():
                        bias[hidden:2 * hidden].zero_()

    def features(self, ids, lengths):
        """Final states of the top layer, both directions side by side: (B, D*H)."""
        x = self.embedding(ids)                                   # (B, T, E)
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True,
                                      enforce_sorted=False)
        _, state = self.rnn(packed)
        h_n = state[0] if isinstance(state, tuple) else state     # LSTM: (h_n, c_n)
        top = h_n[-self.directions:]                              # (D, B, H)
        return torch.cat(list(top), dim=-1)                       # (B, D*H)

    def forward(self, ids, lengths):
        """Logits (B, num_classes) for token ids (B, T) and their lengths (B,)."""
        return self.head(self.dropout(self.features(ids, lengths)))
