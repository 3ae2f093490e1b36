"""Starting settings for the recommended cell, and a ready ``torch.nn`` snippet (as text).

The values follow the lesson's training practices (clip norm 1-5, learning rate
1e-3 with warm-up and halving on plateau, dropout between layers, weight decay
1e-4..1e-6, early-stopping patience 5-10) and the cited papers; widths are fitted
to ``--params-max`` exactly with :func:`rnncli.formulas.max_hidden_for_params`.
No torch here: the snippet is text, checked by a test that runs it.
"""

from __future__ import annotations

from typing import Any

from rnncli import formulas

ARCHS = formulas.ARCHS
MODULE = {"rnn": "RNN", "gru": "GRU", "lstm": "LSTM"}
MIN_STACKED_WIDTH = 32  # below this, a second layer is not worth its parameters


def base_hidden(answers: dict[str, Any]) -> int:
    """Width before any --params-max fit: 64 lean, 256 rich, 128 otherwise."""
    if answers["budget"] == "abundant" and answers["data"] == "large":
        return 256
    if answers["budget"] == "limited" and answers["data"] == "small":
        return 64
    return 128


def base_layers(answers: dict[str, Any]) -> int:
    """Two layers only for complex patterns with a large data set."""
    return 2 if answers["complexity"] == "complex" and answers["data"] == "large" else 1


def fitted_widths(answers: dict[str, Any]) -> dict[str, dict[str, int]]:
    """Hidden size and layers per cell: the base, or the widest fitting --params-max."""
    i, pmax = answers["input_size"], answers.get("params_max")
    out = {}
    for arch in ARCHS:
        layers = base_layers(answers)
        if pmax is None:
            h = base_hidden(answers)
        else:
            h = formulas.max_hidden_for_params(arch, i, pmax, layers)
            if layers > 1 and h < MIN_STACKED_WIDTH:
                layers = 1
                h = formulas.max_hidden_for_params(arch, i, pmax, layers)
        params = formulas.param_count(arch, i, h, layers) if h else 0
        out[arch] = {"hidden_size": h, "num_layers": layers, "params": params}
    return out


def sci(x: float) -> str:
    """1e-3 rather than 0.001 (as people write learning rates)."""
    mantissa, exp = f"{x:.0e}".split("e")
    return f"{mantissa}e{int(exp)}"


def _note(setting: str, why: str, source: str | None) -> dict[str, Any]:
    return {"setting": setting, "why": why, "source": source}


def settings(arch: str, answers: dict[str, Any]) -> dict[str, Any]:
    """Concrete starting settings for ``arch`` with the reason (and source) for each."""
    fit = fitted_widths(answers)[arch]
    h, layers = fit["hidden_size"], fit["num_layers"]
    small = answers["data"] == "small"
    dropout = (0.3 if small else 0.2) if layers > 1 else 0.0
    head_dropout = 0.3 if small else 0.2
    s: dict[str, Any] = {
        "arch": arch,
        "input_size": answers["input_size"],
        "hidden_size": h,
        "num_layers": layers,
        "params": fit["params"],
        "dropout": dropout,
        "head_dropout": head_dropout,
        "clip_norm": 1.0,
        "optimizer": "AdamW",
        "lr": 1e-3,
        "warmup_steps": 100 if small else 1000,
        "plateau_factor": 0.5,
        "plateau_patience": 2,
        "weight_decay": 1e-4 if small else 1e-5,
        "early_stopping_patience": 10 if small else 5,
        "forget_bias": 1.0 if arch == "lstm" else None,
        "task": answers.get("task") or "classification",
    }
    pmax = answers.get("params_max")
    notes = [
        _note("hidden_size", (f"widest {MODULE[arch]} within {pmax:,} parameters "
                              f"(recurrent layers only): {fit['params']:,}")
              if pmax else (f"{h} units: 64 for a lean start, 256 with abundant compute and "
                            f"data, 128 otherwise; pass --params-max to fit a budget"), None),
        _note("num_layers", "2 layers only for complex patterns with a large data set",
              "lesson"),
        _note("dropout", (f"{dropout} between the {layers} layers (nn.{MODULE[arch]}'s "
                          "dropout=), never on the recurrent connections") if layers > 1 else
              "one layer: nn." + MODULE[arch] + "'s dropout= would do nothing (it acts "
              f"between layers); use {head_dropout} before the output layer", "zaremba2014"),
        _note("clip_norm", "clip the gradient norm at 1.0 after backward, before the step "
              "(lesson: 1-5 for gated cells, 0.5-1 for a vanilla RNN)", "pascanu2013"),
        _note("lr", "AdamW at 1e-3 (lesson: start at 1e-3 to 1e-4) with decoupled weight "
              "decay", "loshchilov2019"),
        _note("warmup_steps", f"linear warm-up over {s['warmup_steps']} steps (lesson: the "
              "first 1000; shortened for a small data set)", "goyal2017"),
        _note("plateau_factor", "halve the learning rate when validation loss stalls for 2 "
              "epochs (lesson: reduce by 0.5 on plateau)", "lesson"),
        _note("weight_decay", f"{sci(s['weight_decay'])} (lesson: 1e-4 to 1e-6; more with less "
              "data)", "lesson"),
        _note("early_stopping_patience", f"stop after {s['early_stopping_patience']} epochs "
              "without a better validation loss and keep the best weights (lesson: 5-10)",
              "prechelt1998"),
    ]
    if arch == "lstm":
        notes.append(_note("forget_bias", "forget-gate bias 1 (bias_ih's forget slice 1, "
                           "bias_hh's 0, so their sum is 1): the cell keeps its contents "
                           "early in training", "jozefowicz2015"))
    s["notes"] = notes
    s["snippet"] = snippet(s)
    return s


def snippet(s: dict[str, Any]) -> str:
    """A ready ``torch.nn`` model and training step for these settings (valid Python)."""
    cls = MODULE[s["arch"]]
    per_step = s["task"] != "classification"
    lines = [
        "import torch",
        "from torch import nn",
        "",
        "",
        "class Model(nn.Module):",
        f'    """{cls} suggested by rnncli advise ({s["task"]})."""',
        "",
        f"    def __init__(self, input_size={s['input_size']}, hidden_size={s['hidden_size']}, "
        f"num_layers={s['num_layers']},",
        f"                 num_outputs={1 if per_step else 2}):",
        "        super().__init__()",
        f"        self.rnn = nn.{cls}(input_size, hidden_size, num_layers=num_layers,",
        " " * (len(cls) + 23) + f"batch_first=True, dropout={s['dropout']})",
        f"        self.drop = nn.Dropout({s['head_dropout']})",
        "        self.head = nn.Linear(hidden_size, num_outputs)",
    ]
    if s["arch"] == "lstm":
        lines += [
            "        with torch.no_grad():  # forget-gate bias 1 (gate order i, f, g, o)",
            "            for name, b in self.rnn.named_parameters():",
            "                if name.startswith('bias_'):",
            "                    value = 1.0 if name.startswith('bias_ih') else 0.0",
            "                    b[hidden_size:2 * hidden_size] = value",
        ]
    lines += [
        "",
        "    def forward(self, x, state=None):  # x: (batch, time, input_size)",
        "        out, state = self.rnn(x, state)  # out: (batch, time, hidden_size)",
    ]
    if per_step:
        lines.append("        return self.head(self.drop(out)), state  # one output per step")
    else:
        lines.append("        return self.head(self.drop(out[:, -1])), state  # last step")
    loss = "nn.functional.mse_loss" if per_step else "nn.functional.cross_entropy"
    lines += [
        "",
        "",
        "model = Model()",
        f"optimizer = torch.optim.AdamW(model.parameters(), lr={sci(s['lr'])}, "
        f"weight_decay={sci(s['weight_decay'])})",
        "plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(",
        f"    optimizer, factor={s['plateau_factor']}, patience={s['plateau_patience']})",
        f"WARMUP_STEPS = {s['warmup_steps']}",
        "",
        "",
        f"def train_step(x, y, step, loss_fn={loss}):",
        "    if step < WARMUP_STEPS:  # linear warm-up to the base learning rate",
        "        for group in optimizer.param_groups:",
        f"            group['lr'] = {sci(s['lr'])} * (step + 1) / WARMUP_STEPS",
        "    model.train()",
        "    optimizer.zero_grad()",
        "    y_hat, _ = model(x)",
        "    loss = loss_fn(y_hat, y)",
        "    loss.backward()",
        f"    nn.utils.clip_grad_norm_(model.parameters(), max_norm={s['clip_norm']})",
        "    optimizer.step()",
        "    return loss.item()",
        "",
        "",
        "# After each epoch (once warm-up is over): plateau.step(val_loss); stop after",
        f"# {s['early_stopping_patience']} epochs without a better val_loss, keeping the best "
        "weights.",
    ]
    return "\n".join(lines) + "\n"
