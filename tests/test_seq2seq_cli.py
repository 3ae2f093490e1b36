"""`rnncli seq2seq` end to end on tiny runs, and every bad input of issue #12."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from rnncli.seq2seq import metrics

TINY = ("--steps", "3", "--hidden", "8", "--batch", "8")
ROOT = Path(__file__).parents[1]


def _bad(cli, *args, expect: str) -> str:
    res = cli(*args)
    assert res.exit_code == 2, (args, res.output)
    assert res.stderr.startswith("rnncli: error: ") and res.stderr.count("\n") == 1, res.stderr
    assert "Traceback" not in res.stderr
    assert expect.lower() in res.stderr.lower(), res.stderr
    return res.stderr


@pytest.fixture
def pairs(tmp_path):
    p = tmp_path / "pairs.tsv"
    rows = [f"{w}\t{w[::-1]}" for w in ("abc", "bca", "cab", "aab", "bba", "ccb", "acb",
                                         "bac", "cba", "abb", "caa", "bcc")]
    p.write_text("\n".join(rows) + "\n")
    return p


@pytest.mark.slow
def test_tiny_run_json(cli, tmp_path):
    plot, model = tmp_path / "p.png", tmp_path / "m.pt"
    rep = cli.json("seq2seq", *TINY, "--arch", "gru,lstm", "--attention", "none,dot",
                   "--plot", str(plot), "--save", str(model))
    assert [(r["arch"], r["attention"]) for r in rep["runs"]] == [
        ("gru", "none"), ("gru", "dot"), ("lstm", "none"), ("lstm", "dot")]
    r = rep["runs"][0]
    assert r["steps"] == 3 and 0 <= r["exact"] <= 1 and 0 <= r["token_accuracy"] <= 1
    assert set(r["teacher_forced"]) == {"token_accuracy", "exact"}
    assert sum(b["n"] for b in r["by_length"]) == rep["test_pairs"]
    assert set(rep["baselines"]) == {"copy", "majority", "lookup"}
    heat = rep["attention_map"]
    assert heat["model"].split()[1] == "dot"
    assert all(abs(sum(row) - 1) < 1e-5 for row in heat["weights"])
    assert "<sos>" in rep["decoding"] and "50 steps" in rep["decoding"]
    assert plot.stat().st_size > 0 and model.stat().st_size > 0


def test_same_seed_same_numbers(cli, pairs):
    args = ("seq2seq", "--data", str(pairs), "--tokens", "char", *TINY, "--arch", "rnn",
            "--attention", "additive")
    a, b = cli.json(*args), cli.json(*args)
    strip = [{k: v for k, v in r.items() if k != "seconds"} for r in a["runs"]]
    assert strip == [{k: v for k, v in r.items() if k != "seconds"} for r in b["runs"]]


def test_table_output_and_scheduled_sampling(cli, pairs):
    res = cli("seq2seq", "--data", str(pairs), "--tokens", "char", *TINY, "--arch", "lstm",
              "--attention", "additive",
              "--teacher-forcing", "0.5", "--beam", "2", "--bidirectional-encoder",
              "--reverse-source", "--layers", "2")
    assert res.exit_code == 0, res.output
    assert "exact match by source length" in res.stdout
    assert "baselines without recurrence" in res.stdout
    assert "exposure bias" in res.stdout
    assert all(len(line) <= 80 for line in res.stdout.splitlines())


def test_user_pairs_export_and_translate(cli, pairs, tmp_path):
    model = tmp_path / "m.pt"
    rep = cli.json("seq2seq", "--data", str(pairs), "--tokens", "char", *TINY,
                   "--arch", "gru", "--attention", "dot", "--save", str(model))
    assert rep["train_pairs"] + rep["test_pairs"] == 12
    assert "bleu" in rep["runs"][0] and "chrf" in rep["runs"][0]
    out = cli.json("seq2seq", "translate", "--weights", str(model), "abc", "xyz",
                   "--beam", "2")
    assert [t["source"] for t in out["translations"]] == ["abc", "xyz"]
    assert out["unknown"] == ["x", "y", "z"]
    res = cli("seq2seq", "translate", "--weights", str(model), "abz")
    assert res.exit_code == 0 and "<unk>" in res.stderr and "'z'" in res.stderr
    for bad in (("--beam", "0"), ("--max-len", "0"), ("--max-len", "99999")):
        _bad(cli, "seq2seq", "translate", "--weights", str(model), "abc", *bad,
             expect=bad[0])
    _bad(cli, "seq2seq", "translate", "--weights", str(model), " ", expect="non-empty")


@pytest.mark.slow
def test_export_data_round_trips(cli, tmp_path):
    path = tmp_path / "dates.tsv"
    res = cli("seq2seq", "--task", "dates", "--export-data", str(path))
    assert res.exit_code == 0, res.output
    lines = path.read_text().splitlines()
    assert len(lines) == 11_000 and lines[0].count("\t") == 2
    rep = cli.json("seq2seq", "--data", str(path), "--tokens", "char", "--steps", "1",
                   "--hidden", "4", "--arch", "rnn", "--attention", "none")
    assert (rep["train_pairs"], rep["test_pairs"]) == (10_000, 1_000)


@pytest.mark.slow
def test_scan_export_counts(cli, tmp_path):
    path = tmp_path / "scan.tsv"
    assert cli("seq2seq", "--task", "scan", "--split", "length",
               "--export-data", str(path)).exit_code == 0
    rows = [line.split("\t") for line in path.read_text().splitlines()]
    assert len(rows) == 20_910
    assert max(len(t.split()) for _, t, s in rows if s == "train") == 22


def test_scan_files_in_their_own_format(cli, tmp_path):
    path = tmp_path / "scan.txt"
    path.write_text("IN: jump OUT: I_JUMP\nIN: walk twice OUT: I_WALK I_WALK\n"
                    "IN: run OUT: I_RUN\nIN: look OUT: I_LOOK\nIN: walk OUT: I_WALK\n")
    rep = cli.json("seq2seq", "--data", str(path), *TINY, "--arch", "rnn",
                   "--attention", "none")
    assert rep["tokens"] == "space" and rep["test_pairs"] == 1


@pytest.mark.parametrize("args, expect", [
    (("--task", "poetry"), "poetry"),
    (("--task", "scan", "--split", "sideways"), "sideways"),
    (("--task", "reverse", "--split", "length"), "--split"),
    (("--beam", "0"), "--beam"),
    (("--beam", "101"), "--beam"),
    (("--teacher-forcing", "1.5"), "[0, 1]"),
    (("--teacher-forcing", "-0.1"), "[0, 1]"),
    (("--arch", "transformer"), "transformer"),
    (("--attention", "cosine"), "cosine"),
    (("--max-len", "5"), "longer"),
    (("--steps", "0"), "--steps"),
    (("--hidden", "0"), "--hidden"),
    (("--test", "x.tsv"), "--data"),
    (("--example", "99999"), "--example"),
    (("--steps", "100000000"), "--force"),
    (("--hidden", "1000000"), "--force"),
    (("--batch", "100000000"), "--force"),
    (("--seeds", "4294967296"), "--seeds"),
    (("--seeds", "-1"), "--seeds"),
])
def test_bad_options(cli, tmp_path, args, expect):
    save = tmp_path / "m.pt"
    _bad(cli, "seq2seq", *TINY, *args, "--save", str(save), expect=expect)
    assert not save.exists()


def test_max_len_counts_the_long_targets(cli):
    msg = _bad(cli, "seq2seq", "--max-len", "10", expect="--max-len 10")
    assert "of 5000 training targets are longer (longest 14" in msg


def test_bad_pairs_files(cli, tmp_path):
    empty = tmp_path / "empty.tsv"
    empty.write_text("\n\n")
    _bad(cli, "seq2seq", "--data", str(empty), expect="empty")
    one = tmp_path / "one.tsv"
    one.write_text("just one column\n")
    _bad(cli, "seq2seq", "--data", str(one), expect="source<TAB>target")
    _bad(cli, "seq2seq", "--data", str(tmp_path / "missing.tsv"), expect="no such file")
    tiny = tmp_path / "tiny.tsv"
    tiny.write_text("a\tb\n")
    _bad(cli, "seq2seq", "--data", str(tiny), expect="too few")


def test_translate_bad_inputs(cli, tmp_path):
    import torch

    from rnncli.tokens import Vocab, pack_checkpoint

    other = tmp_path / "sent.pt"
    v = Vocab(["<pad>", "<unk>", "<sos>", "<eos>"])
    torch.save(pack_checkpoint({}, kind="sentiment", arch="lstm", tokens="word", vocab=v,
                               embedding_key="e", rnn_prefix="rnn.", settings={}), other)
    _bad(cli, "seq2seq", "translate", "--weights", str(other), "hi", expect="sentiment")
    _bad(cli, "seq2seq", "translate", "--weights", str(tmp_path / "none.pt"), "hi",
         expect="no such file")


def test_plot_suffix_checked_before_work(cli, tmp_path):
    _bad(cli, "seq2seq", "--plot", str(tmp_path / "p.txt"), expect=".png")


def test_metrics():
    assert metrics.exact([["a"], ["b", "c"]], [["a"], ["b"]]) == 0.5
    assert metrics.token_counts(["a", "b"], ["a", "b"]) == (3, 3)
    assert metrics.token_counts(["a"], ["a", "b"]) == (1, 3)
    assert metrics.token_counts(["a", "b"], ["a", "b"], ended=False) == (2, 3)
    b = metrics.baselines([(["x"], ["y"]), (["z"], ["y"]), (["q"], ["w"])],
                          [(["x"], ["y"]), (["n"], ["n"]), (["q"], ["w"])])
    assert b == {"copy": 1 / 3, "majority": 1 / 3, "lookup": 2 / 3}
    assert metrics.buckets([3, 4, 5, 6, 7, 8], n=3) == [(3, 4), (5, 6), (7, 8)]


@pytest.mark.slow
def test_help_does_not_import_torch():
    code = ("import sys; from rnncli.cli import app; from typer.testing import CliRunner; "
            "CliRunner().invoke(app, ['seq2seq', '--help']); "
            "assert 'torch' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


@pytest.mark.slow
def test_real_subprocess(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "rnncli", "seq2seq", *TINY, "--arch", "rnn",
                           "--attention", "dot", "--json"], capture_output=True, text=True,
                          cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["runs"][0]["arch"] == "rnn"
    assert "estimated" in proc.stderr


def test_ctrl_c_keeps_the_finished_runs(cli, monkeypatch, tmp_path, pairs):
    from rnncli.seq2seq import train

    real = train.run_one
    calls = []

    def flaky(*args, **kw):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kw)

    monkeypatch.setattr(train, "run_one", flaky)
    model = tmp_path / "m.pt"
    res = cli("seq2seq", "--data", str(pairs), "--tokens", "char", *TINY, "--arch", "rnn",
              "--attention", "none,dot,additive", "--save", str(model), "--json")
    assert res.exit_code == 130, res.output
    rep = json.loads(res.stdout)
    assert rep["interrupted"] and [r["attention"] for r in rep["runs"]] == ["none"]
    assert "kept 1 of 3 runs" in res.stderr and model.exists()


@pytest.mark.slow
def test_saved_model_feeds_gates_text_and_seeds_summary(cli, tmp_path):
    """`rnncli gates --weights model.pt --text ...` traces the saved encoder."""
    model = tmp_path / "m.pt"
    res = cli("seq2seq", *TINY, "--arch", "gru", "--attention", "dot", "--seeds", "0,1",
              "--save", str(model))
    assert res.exit_code == 0, res.output
    assert "mean over 2 seeds" in res.stdout
    traced = cli("gates", "--weights", str(model), "--text", "12345", "--json")
    assert traced.exit_code == 0, traced.output
    trace = json.loads(traced.stdout)
    assert trace["arch"] == "gru" and trace["hidden_size"] == 8
    assert [s["token"] for s in trace["steps"]] == list("12345")


def test_export_keeps_the_source_order_with_reverse_source(cli, tmp_path):
    path = tmp_path / "rev.tsv"
    assert cli("seq2seq", "--reverse-source", "--export-data", str(path)).exit_code == 0
    rows = [line.split("\t") for line in path.read_text().splitlines()]
    assert all(t == s[::-1] for s, t, _ in rows)


def test_baseline_lines_say_who_the_baseline_beats():
    from rnncli.render.seq2seq import baseline_lines

    rep = {"baselines": {"copy": 0.1, "majority": 0.0, "lookup": 0.3}, "test_pairs": 500,
           "runs": [{"arch": "rnn", "attention": "none", "exact": 0.2},
                    {"arch": "gru", "attention": "dot", "exact": 0.3},
                    {"arch": "lstm", "attention": "dot", "exact": 0.9}]}
    lines = baseline_lines(rep)
    assert "the lookup baseline (30.0%) beats: rnn none" in lines
    assert ("no better than the lookup baseline (30.0%; the 95% interval of the difference "
            "includes 0 at 500 test pairs): gru dot") in lines
    assert "beat the lookup baseline (30.0%): lstm dot" in lines
    rep["runs"] = rep["runs"][2:]
    assert baseline_lines(rep)[-1] == "every model beats the best baseline (lookup, 30.0%)"
    # a difference the test set cannot resolve is not "beats"; a tiny test set is refused
    rep["runs"] = [{"arch": "gru", "attention": "none", "exact": 0.32}]
    assert "no better than" in baseline_lines(rep)[-1]
    rep["test_pairs"] = 10
    assert "at least 30 needed" in baseline_lines(rep)[-1]
