"""Issue 20's corrections that a unit test can hold: the Unicode word tokenizer, every row
of a ``sentiment --data X --test Y`` file used, the linear AR fitted on float64 inputs."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import numpy as np
import pytest
from draws import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from rnncli.race import baselines, data
from rnncli.race.series import Frame
from rnncli.sentiment.data import TableSpec, from_file, split
from rnncli.tokens import words

# --- tokenizer -----------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("Clichés, naïve!", ["clichés", ",", "naïve", "!"]),
    ("Déjà vu – São Paulo", ["déjà", "vu", "–", "são", "paulo"]),
    ("don't STOP", ["don't", "stop"]),
    ("Ωmega 42x", ["ωmega", "42x"]),
    ("a_b", ["a", "_", "b"]),
])
def test_words_keep_accented_letters_inside_words(text, expected):
    assert words(text) == expected


def test_words_join_a_letter_typed_with_a_combining_mark():
    decomposed = unicodedata.normalize("NFD", "naïve clichés")
    assert len(decomposed) > len("naïve clichés")   # really decomposed
    assert words(decomposed) == ["naïve", "clichés"]


@settings(max_examples=examples(60), deadline=None)
@given(st.text(st.characters(categories=("L", "Nd")), min_size=1, max_size=12))
def test_a_run_of_letters_and_digits_is_one_word(word):
    norm = unicodedata.normalize("NFC", word).lower()
    if norm.isalnum() and norm == unicodedata.normalize("NFC", norm):
        assert words(word) == [norm]


def test_gates_text_and_seq2seq_share_the_tokenizer():
    from rnncli.tokens import tokenizer

    assert tokenizer("word") is words


# --- sentiment: every row used ----------------------------------------------------------------


@pytest.mark.parametrize("n", [9, 10, 11, 19, 29, 101])
def test_split_uses_every_item(n):
    items = list(range(n))
    for fractions in ((0.8, 0.1), (0.9, 0.1)):
        a, b, c = split(items, fractions=fractions, seed=1)
        assert sorted(a + b + c) == items
    assert split(items, fractions=(0.9, 0.1), seed=1)[2] == []


def test_data_with_test_file_trains_or_validates_on_every_row(tmp_path):
    rows = [f"text number {i}\t{'pos' if i % 2 else 'neg'}" for i in range(29)]
    (tmp_path / "d.tsv").write_text("\n".join(rows) + "\n")
    (tmp_path / "t.tsv").write_text("some test\tpos\nanother test\tneg\n")
    corpus = from_file(TableSpec(tmp_path / "d.tsv"), TableSpec(tmp_path / "t.tsv"))
    seen = [r for part in (corpus.train, corpus.val) for r in part]
    assert len(seen) == 29 and len(corpus.val) == 29 - int(29 * 0.9) == 3
    assert not corpus.skipped


# --- race: the linear AR on float64 inputs -------------------------------------------------


def test_linear_ar_design_is_float64_exact():
    rng = np.random.default_rng(0)
    y = np.cumsum(rng.normal(size=400)) * 1e3 + 1e6 / 3   # large offset: float32 rounds it
    frame = Frame(columns={"y": y}, source="test")
    prep = data.prepare(data.select(frame, "y", None), 8, 1, "standard")
    design = baselines._design(prep, prep.train)
    scaled = (y - prep.y_mean) / prep.y_std
    expected = scaled[prep.train[:, None] + np.arange(-7, 1)[None, :]]
    np.testing.assert_array_equal(design[:, 1:], expected)
    coef = baselines.fit_linear(prep)
    ref, *_ = np.linalg.lstsq(np.hstack([np.ones((len(prep.train), 1)), expected]),
                              scaled[prep.train + 1], rcond=None)
    np.testing.assert_allclose(coef, ref, rtol=1e-10, atol=1e-12)
    assert prep.windows(prep.train).dtype == np.float32   # the networks still get float32


# --- advise: parameters are not time; the raced column is named and can be chosen -----------


def test_advise_limited_budget_says_parameters_not_time(cli):
    d = cli.json("advise", "--budget", "limited", "--seq-len", "50")
    why = next(r["why"] for r in d["reasons"] if r["question"] == "budget")
    assert "parameters, not time" in why and "oneDNN" in why and "--measure" in why


def test_advise_generation_gets_no_unverified_point(cli):
    d = cli.json("advise", "--task", "generation", "--seq-len", "50")
    r = next(r for r in d["reasons"] if r["question"] == "task")
    assert set(r["points"].values()) <= {0} and "closes the gap" in r["why"]


def _prices(tmp_path):
    rng = np.random.default_rng(0)
    close = np.cumsum(rng.normal(size=300)) + 100
    rows = [f"{c:.3f},{v}" for c, v in zip(close, rng.integers(1000, 5000, 300), strict=True)]
    path = tmp_path / "prices.csv"
    path.write_text("close,volume\n" + "\n".join(rows) + "\n")
    return path


def test_advise_target_picks_the_raced_column(tmp_path):
    from rnncli.race import evidence, run

    csv = str(_prices(tmp_path))
    assert run.plan(evidence.request(csv, None)).selected.target == "volume"   # the default
    plan = run.plan(evidence.request(csv, None, target="close"))
    assert plan.selected.target == "close" and plan.request.target == "close"


def test_advise_target_without_data_and_unknown_column_are_one_line(cli, tmp_path):
    res = cli("advise", "--target", "close")
    assert res.exit_code == 2 and "--target needs --data" in res.output
    res = cli("advise", "--data", str(_prices(tmp_path)), "--target", "nope")
    assert res.exit_code == 2 and "nope" in res.output and "Traceback" not in res.output


# --- seq2seq --tokens word: BLEU/chrF against the user's raw references ----------------------

RAW = ["The cat sat on the mat.", "Hello, World!", "It's (really) fine: 42%.",
       "Naïve clichés, again?", "Don't stop now."]


def test_word_detokenisation_undoes_the_tokenizer_up_to_case():
    from rnncli.tokens import join_words

    for line in RAW:
        assert join_words(words(line)) == line.lower()
        assert words(join_words(words(line))) == words(line)


def test_mt_scores_use_the_raw_references():
    sacrebleu = pytest.importorskip("sacrebleu")
    from rnncli.seq2seq import experiment
    from rnncli.seq2seq.data import build_corpus

    pairs = [(f"src {i}", t) for i, t in enumerate(RAW)]
    corpus = build_corpus(pairs, pairs, "word")
    assert corpus.test_refs == RAW
    perfect = [list(t) for t in corpus.test_tgt]       # right on every (lower-cased) token
    got = experiment._mt_scores(corpus, perfect)
    hyps = [line.lower() for line in RAW]
    assert got["bleu"] == pytest.approx(sacrebleu.corpus_bleu(hyps, [RAW]).score)
    assert got["chrf"] == pytest.approx(sacrebleu.corpus_chrf(hyps, [RAW]).score)
    assert got["bleu"] < 100 and got["bleu_lc"] == pytest.approx(100)


def test_char_tokens_score_exactly_against_raw_references():
    pytest.importorskip("sacrebleu")
    from rnncli.seq2seq import experiment
    from rnncli.seq2seq.data import build_corpus

    pairs = [(f"s{i}", t) for i, t in enumerate(RAW)]
    corpus = build_corpus(pairs, pairs, "char")
    got = experiment._mt_scores(corpus, [list(t) for t in corpus.test_tgt])
    assert got["bleu"] == pytest.approx(100) and "bleu_lc" not in got


# --- sentiment --data-dir: the data set's folder or its parent ------------------------------


def test_data_dir_accepts_the_folder_and_its_parent(tmp_path):
    from rnncli.datasets import download, get

    spec = get("rt-polarity")
    inner = tmp_path / "rt-polarity"
    assert download.folder_for(spec, tmp_path) == inner        # nothing there: the usual place
    tmp_path.joinpath("elsewhere").mkdir()
    for name in spec.files:
        (tmp_path / "elsewhere" / name).write_bytes(b"x")
    assert download.folder_for(spec, tmp_path / "elsewhere") == tmp_path / "elsewhere"


def test_missing_data_set_names_the_folders_tried(tmp_path):
    from rnncli.datasets import download, get
    from rnncli.errors import RnncliError

    def offline(spec, folder):
        raise RnncliError("could not download (offline); " + download.hand_hint(spec, folder))

    with pytest.raises(RnncliError) as err:
        download.ensure(get("rt-polarity"), tmp_path, fetch=offline)
    assert str(tmp_path / "rt-polarity") in str(err.value) and str(tmp_path) in str(err.value)


SHARED_RT = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "rt-polarity"


@pytest.mark.skipif(not SHARED_RT.is_dir(), reason="shared rt-polarity files not present")
def test_real_rt_polarity_folder_given_directly():
    from rnncli.datasets import download, get

    spec = get("rt-polarity")
    for d in (SHARED_RT, SHARED_RT.parent):
        paths = download.ensure(spec, d, fetch=lambda *a: pytest.fail("no download"))
        assert set(paths) == set(spec.files)


# --- gates and explain: what a new user types -----------------------------------------------


def test_gates_cho2014_on_two_features_says_why_weights_are_random(cli):
    res = cli("gates", "--arch", "gru", "--gru-variant", "cho2014", "--seq", "0.5,1;0,1;1,0")
    assert res.exit_code == 0, res.output
    err = " ".join(res.stderr.split()) if res.stderr else " ".join(res.output.split())
    text = " ".join(res.output.split()) + " " + err
    assert "weights: random, because the input has 2 features" in text
    assert "--gru-variant cho2014" in text
    res = cli("gates", "--arch", "gru", "--seq", "0.5,1;0,1;1,0", "--json")  # no refusal
    assert res.exit_code == 0, res.output


def test_gates_seq_with_spaces_hints_at_commas(cli):
    res = cli("gates", "--seq", "1", "0", "0", "1")
    assert res.exit_code == 2 and res.stderr.count("\n") == 1
    assert "--seq 1,0,0,1" in res.stderr and "commas" in res.stderr


@pytest.mark.parametrize("args, meant", [(["explain", "lsmt"], "'lstm'"),
                                         (["advise", "--budget", "limitd"], "'limited'")])
def test_choice_typos_get_did_you_mean_without_library_noise(cli, args, meant):
    res = cli(*args)
    assert res.exit_code == 2 and res.stderr.count("\n") == 1
    assert "Value error" not in res.stderr and f"Did you mean {meant}?" in res.stderr


def test_gates_numbers_to_a_text_model_suggest_text(cli, tmp_path):
    path = tmp_path / "m.pt"
    res = cli("sentiment", "--arch", "lstm", "--steps", "3", "--hidden", "4", "--embed", "4",
              "--save", str(path))
    assert res.exit_code == 0, res.output
    res = cli("gates", "--weights", str(path), "--seq", "1,0,0,1")
    assert res.exit_code == 2 and "--text" in res.stderr and res.stderr.count("\n") == 1
    # the documented example stays inside the probes' vocabulary; other words are named
    res = cli("gates", "--weights", str(path), "--text", "the acting was not bad", "--json")
    assert res.exit_code == 0 and "unknown to the vocabulary" not in res.stdout
    res = cli("gates", "--weights", str(path), "--text", "the acting was not bad at all",
              "--json")
    notes = " ".join(res.stdout.split())
    assert res.exit_code == 0 and "traced as <unk>: at, all" in notes
    assert "known here: the, acting, was, not, bad" in notes


# --- seq2seq translate: inputs outside the training data are flagged ---------------------------


def test_source_shapes_and_lengths_flag_unfamiliar_inputs():
    from rnncli.seq2seq.use import shape, unfamiliar

    assert shape("25 May 1996") == "9 a 9" and shape("yesterday") == "a"
    assert shape("3rd of März, 2021") == "9a a a, 9"
    settings = {"source_len": [7, 30], "source_shapes": ["9 a 9", "9/9/9"]}
    assert unfamiliar("25 May 1996", 11, settings) == []
    why = unfamiliar("yesterday", 9, settings)
    assert len(why) == 1 and "'a'" in why[0]
    assert "40 tokens" in unfamiliar("1 a 2", 40, settings)[0]
    assert unfamiliar("yesterday", 9, {}) == []     # an older checkpoint: nothing to compare


@pytest.mark.slow
def test_translate_warns_outside_the_training_distribution(cli, tmp_path):
    model = tmp_path / "dates.pt"
    res = cli("seq2seq", "--task", "dates", "--steps", "3", "--hidden", "8", "--batch", "8",
              "--arch", "gru", "--attention", "none", "--save", str(model))
    assert res.exit_code == 0, res.output
    res = cli("seq2seq", "translate", "--weights", str(model), "yesterday", "25 May 1996")
    assert res.exit_code == 0
    assert "'yesterday' is outside the training data" in res.stderr
    assert "'25 May 1996' is outside" not in res.stderr
    out = cli.json("seq2seq", "translate", "--weights", str(model), "yesterday")
    assert out["translations"][0]["unfamiliar"]
