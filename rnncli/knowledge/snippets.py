"""Code that ``rnncli explain`` prints: every snippet here is complete and runs as printed.

The tests execute each one (``tests/test_explain.py``) with torch, and the models that
read a padded batch are checked to give the same prediction when more padding is added.
Snippets carry their own small data so that they run on their own; ``assert`` lines in
them state the facts the text around them teaches.  No torch is imported here: these are
strings.
"""

from __future__ import annotations

FORGET_BIAS = """\
import torch

lstm = torch.nn.LSTM(64, 128, num_layers=2)
H = lstm.hidden_size
with torch.no_grad():
    for name, p in lstm.named_parameters():
        if name.startswith("bias_ih"):
            p[H:2 * H].fill_(1.0)   # rows H:2H = forget gate
        elif name.startswith("bias_hh"):
            p[H:2 * H].zero_()      # the two biases add up
"""

CLIP = """\
import torch
from torch import nn

lstm, head = nn.LSTM(8, 16, batch_first=True), nn.Linear(16, 1)
params = [*lstm.parameters(), *head.parameters()]
optimizer = torch.optim.AdamW(params, lr=1e-3)
x, y = torch.randn(4, 10, 8), torch.randn(4, 1)

_, (h_n, _) = lstm(x)
loss = nn.functional.mse_loss(head(h_n[-1]), y)
optimizer.zero_grad()
loss.backward()
norm = nn.utils.clip_grad_norm_(params, max_norm=1.0)  # after backward
optimizer.step()  # norm: the total norm before clipping, worth logging
"""

#: A classifier of padded batches: pack, then read h_n[-1] (each sequence's last real step).
PACKED_CLASSIFIER = """\
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

PAD = 0


class Classifier(nn.Module):
    def __init__(self, vocab_size=100, embed_dim=16, hidden_size=32,
                 num_classes=2):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed_dim, padding_idx=PAD)
        self.lstm = nn.LSTM(embed_dim, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, num_classes)

    def forward(self, tokens, lengths):  # tokens (B, T), padded with PAD
        packed = pack_padded_sequence(self.embed(tokens), lengths.cpu(),
                                      batch_first=True,
                                      enforce_sorted=False)
        _, (h_n, _) = self.lstm(packed)
        return self.head(h_n[-1])  # top layer, last real token of each


model = Classifier()
tokens = torch.tensor([[5, 8, 2, 9], [7, 3, PAD, PAD]])  # lengths 4 and 2
logits = model(tokens, torch.tensor([4, 2]))
"""

#: The bidirectional version: concatenate the top layer's two final states.
BIDIRECTIONAL_CLASSIFIER = """\
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

PAD = 0


class BiClassifier(nn.Module):
    def __init__(self, vocab_size=100, embed_dim=16, hidden_size=32,
                 num_layers=2, num_classes=2):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed_dim, padding_idx=PAD)
        self.lstm = nn.LSTM(embed_dim, hidden_size, num_layers=num_layers,
                            batch_first=True, bidirectional=True)
        self.head = nn.Linear(2 * hidden_size, num_classes)

    def forward(self, tokens, lengths):  # tokens (B, T), padded with PAD
        packed = pack_padded_sequence(self.embed(tokens), lengths.cpu(),
                                      batch_first=True,
                                      enforce_sorted=False)
        _, (h_n, _) = self.lstm(packed)
        # h_n: (num_layers * 2, B, H); the top layer's forward direction is
        # h_n[-2] (after the last real token), its backward one h_n[-1]
        # (after reading back to the first token)
        return self.head(torch.cat([h_n[-2], h_n[-1]], dim=1))


model = BiClassifier()
tokens = torch.tensor([[5, 8, 2, 9], [7, 3, PAD, PAD]])  # lengths 4 and 2
logits = model(tokens, torch.tensor([4, 2]))
"""

#: Shapes of nn.LSTM's inputs and outputs, checked by its own asserts.
SHAPES = """\
import torch
from torch import nn

B, T, I, H, L = 3, 10, 8, 16, 2
lstm = nn.LSTM(I, H, num_layers=L, batch_first=True, bidirectional=True)
x = torch.randn(B, T, I)                # (B, T, I) because batch_first=True
output, (h_n, c_n) = lstm(x)
assert output.shape == (B, T, 2 * H)    # top layer only, both directions
assert h_n.shape == (L * 2, B, H)       # batch second, whatever batch_first
assert c_n.shape == (L * 2, B, H)
# unpadded input: the forward half of the last step is the forward h_n ...
assert torch.allclose(output[:, -1, :H], h_n[-2])
# ... but the backward direction ENDS at step 0, having read everything
assert torch.allclose(output[:, 0, H:], h_n[-1])
assert not torch.allclose(output[:, -1, H:], h_n[-1])  # read one token only
"""

#: Truncated backpropagation through time over one long series.
TRUNCATED_BPTT = """\
import torch
from torch import nn

torch.manual_seed(0)
lstm, head = nn.LSTM(1, 32, batch_first=True), nn.Linear(32, 1)
optimizer = torch.optim.Adam([*lstm.parameters(), *head.parameters()],
                             lr=1e-2)
series = torch.sin(torch.linspace(0, 60, 2001)).view(1, -1, 1)  # (B, T, 1)
K = 50                                  # steps per chunk: the truncation
state = None
for start in range(0, series.size(1) - 1, K):
    x = series[:, start:start + K]          # inputs
    y = series[:, start + 1:start + K + 1]  # next values
    x = x[:, :y.size(1)]
    if state is not None:
        state = tuple(s.detach() for s in state)  # keep values, cut graph
    out, state = lstm(x, state)
    loss = nn.functional.mse_loss(head(out), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
"""

#: Every snippet, by name: what the tests execute.
ALL: dict[str, str] = {
    "forget_bias": FORGET_BIAS,
    "clip": CLIP,
    "packed_classifier": PACKED_CLASSIFIER,
    "bidirectional_classifier": BIDIRECTIONAL_CLASSIFIER,
    "shapes": SHAPES,
    "truncated_bptt": TRUNCATED_BPTT,
}
