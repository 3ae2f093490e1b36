"""Rendering for `rnncli seq2seq`: results beside baselines, exposure bias, accuracy by
source length, the attention map (terminal and matplotlib), translations.

Works on the report dict of ``rnncli.seq2seq.experiment.assemble``; no torch here.
"""

from __future__ import annotations

from functools import partial

from rich.table import Table
from rich.text import Text

from rnncli import fmt
from rnncli import verdict as rule

SHADES = " ░▒▓█"
MAX_MAP_ROWS = 30
ABBREV = {"none": "none", "additive": "add", "dot": "dot"}
CUTS = (0.05, 0.25, 0.5, 0.75)  # weight thresholds of the shades


_pct = partial(fmt.percent, decimals=1)  # accuracies: 87.5%
_pct0 = fmt.percent  # the by-length table: 88%


def run_line(r: dict) -> str:
    """One line about a finished run, for stderr."""
    stop = "" if r["stopped"] == "steps" else f", stopped: {r['stopped']}"
    return (f"{r['arch']} {r['attention']} seed {r['seed']}: exact {_pct(r['exact'])}, "
            f"tokens {_pct(r['token_accuracy'])}, {r['steps']} steps, "
            f"{r['seconds']:.1f} s{stop}")


def _caption(rep: dict, mt: bool) -> str:
    caption = ("TF: teacher-forced (true prefix at every step); free: the model reads its "
               "own outputs")
    if not mt:
        return caption
    caption += "; BLEU/chrF: sacrebleu, detokenised outputs against your raw test targets"
    lc = [f"{r['arch']} {r['attention']} {r['seed']}: {r['bleu_lc']:.1f}"
          for r in rep["runs"] if "bleu_lc" in r]
    return caption + ("; BLEU lower-cased (word tokens drop case): " + ", ".join(lc)
                      if lc else "")


def results_table(rep: dict) -> Table:
    mt = any("bleu" in r for r in rep["runs"])
    title = f"seq2seq: {rep['task']}" + (f" ({rep['split']} split)" if rep["split"] else "")
    t = Table(title=title, title_justify="left", caption=_caption(rep, mt),
              caption_justify="left")
    for col in ("arch", "attn", "seed"):  # attn: none, dot, add(itive)
        t.add_column(col)
    for col in ("exact", "tokens free", "tokens TF", "no <eos>", "s"):
        t.add_column(col, justify="right")
    if mt:
        t.add_column("BLEU", justify="right")
        t.add_column("chrF", justify="right")
    for r in rep["runs"]:
        row = [r["arch"], ABBREV.get(r["attention"], r["attention"]), str(r["seed"]),
               _pct(r["exact"]),
               _pct(r["token_accuracy"]), _pct(r["teacher_forced"]["token_accuracy"]),
               str(r["no_eos"]), f"{r['seconds']:.1f}"]
        if mt:
            row += [f"{r.get('bleu', float('nan')):.1f}", f"{r.get('chrf', float('nan')):.1f}"]
        t.add_row(*row)
    return t


def _against(rep: dict, name: str, value: float) -> dict[str, list[str]]:
    """Each run against the best baseline by the shared rule (``rnncli.verdict``: the
    Newcombe interval of the difference in exact match on the same test pairs)."""
    n = int(rep.get("test_pairs") or 0)
    out: dict[str, list[str]] = {}
    for r in rep["runs"]:
        label = f"{r['arch']} {r['attention']}"
        said = rule.compare_accuracies(rule.Accuracy(label, r["exact"], n),
                                       rule.Accuracy(name, value, n))
        out.setdefault(said.outcome, []).append(label)
    return out


def baseline_lines(rep: dict) -> list[str]:
    b = rep["baselines"]
    name, value = max(b.items(), key=lambda kv: kv[1])
    lines = ["baselines without recurrence (exact): "
             + ", ".join(f"{k} {_pct(v)}" for k, v in b.items())]
    by = _against(rep, name, value)
    n = int(rep.get("test_pairs") or 0)
    if by.get("b"):
        lines.append(f"the {name} baseline ({_pct(value)}) beats: {', '.join(by['b'])}")
    level = by.get("tie", []) + by.get("not distinguishable", [])
    if level:
        lines.append(f"no better than the {name} baseline ({_pct(value)}; the 95% interval "
                     f"of the difference includes 0 at {n} test pairs): {', '.join(level)}")
    if by.get("too small"):
        lines.append(f"not compared with the baselines ({n} test pairs, at least "
                     f"{rule.MIN_EXAMPLES} needed): {', '.join(by['too small'])}")
    if set(by) == {"a"}:
        lines.append(f"every model beats the best baseline ({name}, {_pct(value)})")
    elif by.get("a"):
        lines.append(f"beat the {name} baseline ({_pct(value)}): {', '.join(by['a'])}")
    return lines


def exposure_line(rep: dict) -> str:
    gaps = [(r["teacher_forced"]["token_accuracy"] - r["token_accuracy"], r)
            for r in rep["runs"]]
    gap, r = max(gaps, key=lambda g: g[0])
    if gap <= 0:
        return "exposure bias: no model does better fed the true prefix than reading its own"
    return (f"exposure bias: fed the true prefix, {r['arch']} {r['attention']} gets "
            f"{_pct(r['teacher_forced']['token_accuracy'])} of tokens right; reading its own "
            f"outputs, {_pct(r['token_accuracy'])} (gap {100 * gap:.1f} points, the largest)")


def length_table(rep: dict) -> Table:
    t = Table()
    t.add_column("length")
    t.add_column("n", justify="right")
    runs = rep["runs"]
    for r in runs:
        t.add_column(f"{r['arch']}\n{ABBREV.get(r['attention'], r['attention'])}",
                     justify="right")
    for i, bucket in enumerate(runs[0]["by_length"]):
        rng = f"{bucket['lo']}" if bucket["lo"] == bucket["hi"] else \
            f"{bucket['lo']}-{bucket['hi']}"
        t.add_row(rng, str(bucket["n"]), *(_pct0(r["by_length"][i]["exact"]) for r in runs))
    return t


def _shade(w: float) -> str:
    return SHADES[sum(w >= c for c in CUTS)]


def attention_text(heat: dict, tokens: str) -> Text:
    """Rows: output tokens; columns: source tokens; darker = more weight."""
    width = 2 if tokens == "char" else 6
    src = heat["source"]
    label_w = min(12, max(len(t) for t in heat["output"]))
    text = Text(f"attention of {heat['model']}, test example {heat['index']} "
                f"(rows: output, columns: source; weight: blank < 0.05 {SHADES[1]} < 0.25 "
                f"{SHADES[2]} < 0.5 {SHADES[3]} < 0.75 {SHADES[4]})\n")
    text.append(" " * (label_w + 1) + "".join(t[: width - 1].ljust(width) for t in src) + "\n")
    rows = list(zip(heat["output"], heat["weights"], strict=True))
    for tok, weights in rows[:MAX_MAP_ROWS]:
        cells = "".join(_shade(w) * (width - 1) + " " for w in weights)
        text.append(tok[:label_w].rjust(label_w) + " " + cells + "\n")
    if len(rows) > MAX_MAP_ROWS:
        text.append(f"... {len(rows) - MAX_MAP_ROWS} more output steps (see --json)\n")
    return text


def render(console, rep: dict) -> None:
    """The whole report on stdout."""
    c = rep
    console.print(f"{c['train_pairs']} training and {c['test_pairs']} test pairs, "
                  f"{c['tokens']} tokens, vocab {c['src_vocab']} -> {c['tgt_vocab']}, "
                  f"outputs capped at {c['max_len']} tokens")
    if c["unknown_test_tokens"]:
        shown = ", ".join(repr(t) for t in c["unknown_test_tokens"][:8])
        console.print(f"test sources hold {len(c['unknown_test_tokens'])} token(s) never "
                      f"seen in training, read as <unk>: {shown}")
    if not c["runs"]:
        return
    console.print(results_table(c))
    short = [r for r in c["runs"] if r["length_ratio"] < 0.9]
    if short:
        r = min(short, key=lambda r: r["length_ratio"])
        console.print(f"outputs stop early: {r['arch']} {r['attention']} writes "
                      f"{100 * r['length_ratio']:.0f}% of the target tokens in total")
    for s in c["summary"]:
        console.print(f"{s['arch']} {s['attention']}: exact {_pct(s['exact_mean'])} mean over "
                      f"{s['seeds']} seeds, sd {100 * s['exact_sd']:.1f} points")
    for line in baseline_lines(c) + [exposure_line(c)]:
        console.print(line)
    console.print("exact match by source length (tokens), with and without attention:")
    console.print(length_table(c))
    if c["attention_map"]:
        console.print(attention_text(c["attention_map"], c["tokens"]))
    _footer(console, c)


def _footer(console, c: dict) -> None:
    best = max(c["runs"], key=lambda r: r["exact"])
    for ex in best["examples"]:
        mark = "ok" if ex["output"] == ex["target"] else "wrong"
        console.print(f"  {ex['source']!r} -> {ex['output']!r} ({mark}; target "
                      f"{ex['target']!r})", markup=False)
    if c["published"]:
        p = c["published"]
        console.print(f"published ({p['source']}), {p['split']} split: {p['figure']}")
        if p.get("note"):
            console.print(f"  ({p['note']})")
    elif c["source"]:
        console.print(f"reference: {c['source']}")
    if c["mt_hint"]:
        console.print(c["mt_hint"])
    console.print(c["decoding"])


def figure(rep: dict):
    """Accuracy by source length per model, and the attention map when there is one."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    heat = rep.get("attention_map")
    fig, axes = plt.subplots(1, 2 if heat else 1, figsize=(11 if heat else 6, 4.2))
    ax = axes[0] if heat else axes
    for r in rep["runs"]:
        pts = [((b["lo"] + b["hi"]) / 2, b["exact"]) for b in r["by_length"]
               if b["exact"] is not None]
        label = f"{r['arch']} {r['attention']} s{r['seed']}"
        ax.plot(*zip(*pts, strict=True), marker="o", label=label)
    ax.set_xlabel("source length (tokens)")
    ax.set_ylabel("exact match")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title(f"seq2seq {rep['task']}: accuracy by source length")
    ax.legend(fontsize=8)
    if heat:
        a2 = axes[1]
        im = a2.imshow(heat["weights"], cmap="Greys", vmin=0, vmax=1, aspect="auto")
        a2.set_xticks(range(len(heat["source"])), heat["source"], fontsize=7, rotation=90)
        a2.set_yticks(range(len(heat["output"])), heat["output"], fontsize=7)
        a2.set_xlabel("source (input tokens)")
        a2.set_ylabel("output (generated tokens)")
        a2.set_title(f"attention: {heat['model']}")
        fig.colorbar(im, ax=a2, fraction=0.046, pad=0.02, label="attention weight")
    fig.tight_layout()
    return fig


def translations(result: dict) -> Table:
    t = Table(caption=f"{result['arch']}, {result['attention']} attention, beam "
              f"{result['beam']}", caption_justify="left")
    t.add_column("source")
    t.add_column("output")
    for row in result["translations"]:
        out = row["output"] if row["ended"] else row["output"] + " (no <eos> by the cap)"
        t.add_row(Text(row["source"]), Text(out))
    return t


class RunProgress:
    """A transient progress bar on stderr per run (off when stderr is not a terminal)."""

    def __init__(self, console, steps: int, n_runs: int = 0) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self.steps = steps
        self.n_runs, self.started = n_runs, 0
        self.progress = Progress(TextColumn("{task.description}"), BarColumn(),
                                 MofNCompleteColumn(), TextColumn("loss {task.fields[loss]}"),
                                 console=console, transient=True,
                                 disable=not console.is_terminal)

    def __enter__(self) -> RunProgress:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.progress.__exit__(*exc)

    def run_label(self) -> str:
        """'run k of n' for the latest run started (n grows if the plan does)."""
        return f"run {self.started} of {max(self.n_runs, self.started)}"

    def callback(self, label: str):
        self.started += 1
        tid = self.progress.add_task(f"{self.run_label()}: {label}", total=self.steps,
                                     loss="-")

        def cb(step: int, loss: float) -> None:
            if step % 10 == 0 or step == self.steps:
                self.progress.update(tid, completed=step, loss=f"{loss:.3g}")

        return cb

    def done(self) -> None:
        if self.progress.task_ids:
            self.progress.update(self.progress.task_ids[-1], completed=self.steps)
