"""The ``torch.nn`` starting code that ``rnncli advise`` prints, per task (as text).

- classification: pack the padded batch and classify from ``h_n[-1]``, the top layer
  after each sequence's last real step (never ``out[:, -1]``, which is padding for the
  shorter sequences);
- counting, streaming: one output per step, the loss masked to the real steps;
- generation: a language model (embedding, recurrent layer, a vocabulary softmax),
  trained with teacher forcing and sampled with a temperature.

Every variant runs as printed; tests execute each on a padded batch of variable lengths
and check that adding padding does not change a prediction.  No torch here.
"""

from __future__ import annotations

from typing import Any

from rnncli import archs, fmt


def _forget_bias(s: dict[str, Any]) -> list[str]:
    if not archs.get(s["arch"]).has_cell_state:
        return []
    return [
        "        with torch.no_grad():  # forget-gate bias 1 (gate order i, f, g, o)",
        "            for name, b in self.rnn.named_parameters():",
        "                if name.startswith('bias_'):",
        "                    value = 1.0 if name.startswith('bias_ih') else 0.0",
        "                    b[hidden_size:2 * hidden_size] = value",
    ]


def _rnn_lines(s: dict[str, Any], input_name: str) -> list[str]:
    cls = archs.get(s["arch"]).torch_module
    return [
        f"        self.rnn = nn.{cls}({input_name}, hidden_size, num_layers=num_layers,",
        " " * (len(cls) + 23) + f"batch_first=True, dropout={s['dropout']})",
        f"        self.drop = nn.Dropout({s['head_dropout']})  # input and output side",
    ]


def _classifier(s: dict[str, Any]) -> list[str]:
    state = "(h_n, _)" if archs.get(s["arch"]).has_cell_state else "h_n"
    return [
        "from torch.nn.utils.rnn import pack_padded_sequence",
        "",
        "",
        "class Model(nn.Module):",
        f'    """{archs.get(s["arch"]).title} suggested by rnncli advise (classification)."""',
        "",
        f"    def __init__(self, input_size={s['input_size']}, "
        f"hidden_size={s['hidden_size']},",
        f"                 num_layers={s['num_layers']}, num_classes=2):",
        "        super().__init__()",
        *_rnn_lines(s, "input_size"),
        "        self.head = nn.Linear(hidden_size, num_classes)",
        *_forget_bias(s),
        "",
        "    def forward(self, x, lengths):  # x: (batch, time, input_size), padded",
        "        packed = pack_padded_sequence(self.drop(x), lengths.cpu(),",
        "                                      batch_first=True, enforce_sorted=False)",
        f"        _, {state} = self.rnn(packed)",
        "        return self.head(self.drop(h_n[-1]))  # top layer, last REAL step",
    ]


def _per_step(s: dict[str, Any]) -> list[str]:
    outputs = 2 if s["task"] == "counting" else 1
    what = "a class per step" if outputs == 2 else "a value per step"
    return [
        "",
        "class Model(nn.Module):",
        f'    """{archs.get(s["arch"]).title} suggested by rnncli advise ({s["task"]})."""',
        "",
        f"    def __init__(self, input_size={s['input_size']}, "
        f"hidden_size={s['hidden_size']},",
        f"                 num_layers={s['num_layers']}, num_outputs={outputs}):",
        "        super().__init__()",
        *_rnn_lines(s, "input_size"),
        "        self.head = nn.Linear(hidden_size, num_outputs)",
        *_forget_bias(s),
        "",
        "    def forward(self, x, state=None):  # x: (batch, time, input_size)",
        "        out, state = self.rnn(self.drop(x), state)",
        f"        return self.head(self.drop(out)), state  # {what}",
    ]


def _generator(s: dict[str, Any]) -> list[str]:
    return [
        "",
        "PAD, SOS, EOS = 0, 2, 3  # token ids as rnncli.tokens.Vocab numbers them",
        "",
        "",
        "class Model(nn.Module):",
        f'    """{archs.get(s["arch"]).title} language model suggested by rnncli advise."""',
        "",
        f"    def __init__(self, vocab_size=1000, embed_dim={s['input_size']}, "
        f"hidden_size={s['hidden_size']},",
        f"                 num_layers={s['num_layers']}):",
        "        super().__init__()",
        "        self.embed = nn.Embedding(vocab_size, embed_dim, padding_idx=PAD)",
        *_rnn_lines(s, "embed_dim"),
        "        self.head = nn.Linear(hidden_size, vocab_size)  # a score per token",
        *_forget_bias(s),
        "",
        "    def forward(self, tokens, state=None):  # tokens: (batch, time)",
        "        out, state = self.rnn(self.drop(self.embed(tokens)), state)",
        "        return self.head(self.drop(out)), state  # (batch, time, vocab)",
    ]


def _optimizer(s: dict[str, Any]) -> list[str]:
    return [
        "",
        "",
        "model = Model()",
        f"optimizer = torch.optim.AdamW(model.parameters(), lr={fmt.sci(s['lr'], 1)}, "
        f"weight_decay={fmt.sci(s['weight_decay'], 1)})",
        "plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(",
        f"    optimizer, factor={s['plateau_factor']}, patience={s['plateau_patience']})",
        f"WARMUP_STEPS = {s['warmup_steps']}",
        "",
        "",
    ]


def _step_head(s: dict[str, Any], signature: str) -> list[str]:
    return [
        f"def train_step({signature}):",
        "    if step < WARMUP_STEPS:  # linear warm-up to the base learning rate",
        "        for group in optimizer.param_groups:",
        f"            group['lr'] = {fmt.sci(s['lr'], 1)} * (step + 1) / WARMUP_STEPS",
        "    model.train()",
        "    optimizer.zero_grad()",
    ]


def _step_tail(s: dict[str, Any]) -> list[str]:
    return [
        "    loss.backward()",
        f"    nn.utils.clip_grad_norm_(model.parameters(), max_norm={s['clip_norm']})",
        "    optimizer.step()",
        "    return loss.item()",
        "",
        "",
    ]


def _train(s: dict[str, Any]) -> list[str]:
    task = s["task"]
    if task == "classification":
        body = ["    loss = nn.functional.cross_entropy(model(x, lengths), y)"]
        return _step_head(s, "x, lengths, y, step") + body + _step_tail(s)
    if task == "generation":
        body = ["    # teacher forcing: read the true tokens, predict each next one",
                "    logits, _ = model(tokens[:, :-1])",
                "    loss = nn.functional.cross_entropy(",
                "        logits.reshape(-1, logits.size(-1)), tokens[:, 1:].reshape(-1),",
                "        ignore_index=PAD)  # padding is never a target"]
        return _step_head(s, "tokens, step") + body + _step_tail(s)
    loss = ("nn.functional.cross_entropy" if task == "counting"
            else "nn.functional.mse_loss")
    body = ["    y_hat, _ = model(x)",
            "    real = torch.arange(x.size(1))[None, :] < lengths[:, None]",
            f"    loss = {loss}(y_hat[real], y[real])  # real steps only"]
    return _step_head(s, "x, lengths, y, step") + body + _step_tail(s)


_SAMPLER = [
    "@torch.no_grad()",
    "def sample(max_len=50, temperature=1.0):",
    '    """Generate token ids, one at a time: lower temperature, safer choices."""',
    "    model.eval()",
    "    token, state, out = torch.tensor([[SOS]]), None, []",
    "    for _ in range(max_len):",
    "        logits, state = model(token, state)",
    "        probs = torch.softmax(logits[0, -1] / temperature, dim=-1)",
    "        token = torch.multinomial(probs, 1).view(1, 1)",
    "        if token.item() == EOS:",
    "            break",
    "        out.append(token.item())",
    "    return out",
    "",
    "",
    "# To map an input sequence to an output sequence (translation, replies), use an",
    "# encoder-decoder with attention: rnncli seq2seq trains and explains one.",
]

_STREAMING = [
    "# Streaming: feed each new step as it arrives and carry the state,",
    "#   y_t, state = model(x_t, state)   with x_t of shape (1, 1, input_size).",
]


def snippet(s: dict[str, Any]) -> str:
    """A ready ``torch.nn`` model and training step for these settings (valid Python)."""
    model = {"classification": _classifier, "generation": _generator}.get(s["task"],
                                                                          _per_step)
    lines = ["import torch", "from torch import nn", *model(s), *_optimizer(s), *_train(s)]
    if s["task"] == "generation":
        lines += _SAMPLER
    elif s["task"] == "streaming":
        lines += _STREAMING
    lines += [
        "# After each epoch (once warm-up is over): plateau.step(val_loss); stop after",
        f"# {s['early_stopping_patience']} epochs without a better val_loss, keeping the "
        "best weights.",
    ]
    return "\n".join(lines) + "\n"
