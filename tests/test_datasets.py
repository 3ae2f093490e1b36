"""rnncli.datasets: the rt-polarity loader verifies checksums, refuses corrupted files,
extracts only the expected archive members, and never touches the network in tests.
User TSV/CSV files: columns, header and labels guessed, unreadable lines reported."""

from __future__ import annotations

import io
import shutil
import sys
import tarfile
from pathlib import Path

import pytest

from rnncli import datasets
from rnncli.datasets import download, rt_polarity
from rnncli.errors import BadInput, RnncliError
from rnncli.sentiment.data import TableSpec, from_file, read_labelled

SHARED = Path(__file__).parents[1].parent / "shared" / "data" / "rt-polarity"
needs_data = pytest.mark.skipif(not (SHARED / "rt-polarity.pos").is_file(),
                                reason="../shared/data/rt-polarity not present")
SPEC = datasets.get("rt-polarity")


def _no_network(spec, folder):  # a fetch that fails the way an offline machine does
    raise RnncliError(f"could not download {spec.name}; " + download.hand_hint(spec, folder))


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "rt-polarity"
    folder.mkdir()
    for name in SPEC.files:
        shutil.copy(SHARED / name, folder / name)
    return folder


def _archive(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(f"rt-polaritydata/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def test_registry_names_the_official_release():
    assert datasets.names() == ("rt-polarity",)
    assert SPEC.url.endswith("/movie-review-data/rt-polaritydata.tar.gz")
    assert "CC BY 4.0" in SPEC.licence and "Pang" in SPEC.citation
    with pytest.raises(BadInput, match="unknown data set"):
        datasets.get("imdb")


@needs_data
def test_loader_verifies_the_shared_files(tmp_path):
    _copy(tmp_path)
    files = download.ensure(SPEC, tmp_path, fetch=_no_network)
    texts, labels = rt_polarity.read(files)
    assert len(texts) == 10662 and labels.count(1) == labels.count(0) == 5331


@needs_data
def test_corrupted_file_is_refused(tmp_path):
    folder = _copy(tmp_path)
    data = bytearray((folder / "rt-polarity.pos").read_bytes())
    data[100] ^= 1
    (folder / "rt-polarity.pos").write_bytes(bytes(data))
    with pytest.raises(BadInput, match="sha256"):
        download.ensure(SPEC, tmp_path, fetch=_no_network)


@needs_data
def test_missing_files_come_from_the_archive_and_are_verified(tmp_path):
    members = {n: (SHARED / n).read_bytes() for n in SPEC.files}
    files = download.ensure(SPEC, tmp_path, fetch=lambda spec, folder: _archive(members))
    assert all(p.is_file() for p in files.values())
    bad = dict(members, **{"rt-polarity.neg": members["rt-polarity.neg"][:-10]})
    with pytest.raises(RnncliError, match="sha256"):
        download.ensure(SPEC, tmp_path / "other", fetch=lambda spec, folder: _archive(bad))
    assert not (tmp_path / "other" / "rt-polarity" / "rt-polarity.neg").exists()


def test_no_network_says_where_to_put_the_files(tmp_path):
    with pytest.raises(RnncliError, match="by hand") as exc:
        download.ensure(SPEC, tmp_path, fetch=_no_network)
    assert str(tmp_path / "rt-polarity") in str(exc.value)


def test_user_cache_dir_is_platformdirs(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    if sys.platform.startswith("linux"):
        assert download.user_cache_dir() == tmp_path / "rnncli"


@needs_data
@pytest.mark.slow
def test_cli_rt_polarity_tiny(cli, tmp_path):
    _copy(tmp_path)
    data = cli.json("sentiment", "--dataset", "rt-polarity", "--data-dir", str(tmp_path),
                    "--arch", "gru", "--steps", "2", "--embed", "4", "--hidden", "4")
    assert data["dataset"]["sizes"] == {"train": 8529, "val": 1066, "test": 1067}
    assert data["dataset"]["info"]["published"][0]["accuracy"] == 76.1
    assert data["verdicts"] == []


# ------------------------------------------------------------------ user files


def _write(tmp_path, text, name="d.tsv", raw: bytes | None = None) -> Path:
    p = tmp_path / name
    p.write_bytes(raw if raw is not None else text.encode("utf-8"))
    return p


def test_sst2_style_file_with_header(tmp_path):
    rows = "".join(f"a {'fine' if i % 2 else 'dull'} film number {i}\t{i % 2}\n"
                   for i in range(30))
    p = _write(tmp_path, "sentence\tlabel\n" + rows)
    sents, names, skipped, _, cols = read_labelled(TableSpec(p))
    assert len(sents) == 30 and names == ["0", "1"] and skipped == []
    assert cols == {"text": "0 (sentence)", "label": "1 (label)"}


def test_word_labels_csv_label_first_and_bad_lines_reported(tmp_path):
    lines = [f"{'pos' if i % 2 else 'neg'},review text {i} is here" for i in range(30)]
    raw = ("\n".join(lines[:10]) + "\n\xff\xfe broken,line\nneg,a,b,c\npos,\n"
           + "\n".join(lines[10:])).encode("latin-1")
    p = _write(tmp_path, "", "d.csv", raw)
    sents, names, skipped, _, cols = read_labelled(TableSpec(p))
    assert names == ["neg", "pos"] and len(sents) == 30 and cols["label"] == "0"
    assert [n for n, _ in skipped] == [11, 12, 13]
    assert "UTF-8" in skipped[0][1] and "fields" in skipped[1][1] and "empty" in skipped[2][1]


def test_more_than_two_classes_and_explicit_columns(tmp_path):
    rows = "".join(f"{i}\t{['low', 'mid', 'high'][i % 3]}\tsome words {i}\n" for i in range(30))
    p = _write(tmp_path, rows)
    sents, names, _, _, _ = read_labelled(TableSpec(p, text_col="2", label_col="1"))
    assert names == ["high", "low", "mid"] and len(sents) == 30
    with pytest.raises(BadInput, match="no such column"):
        read_labelled(TableSpec(p, text_col="7"))


def test_test_file_uses_the_training_labels(tmp_path):
    train = _write(tmp_path, "".join(f"t {i}\t{'ab'[i % 2]}\n" for i in range(40)))
    test = _write(tmp_path, "x\ta\ny\tb\nz\tc\n", "t.tsv")
    corpus = from_file(TableSpec(train), TableSpec(test))
    assert len(corpus.test) == 2 and corpus.skipped == [(3, "--test: unknown label 'c'")]


def test_oversized_file_is_refused_before_reading(tmp_path, monkeypatch):
    from rnncli.sentiment import data

    p = _write(tmp_path, "x\t1\n" * 100)
    with pytest.raises(BadInput, match="limit"):
        data.read_table(p, max_bytes=10)
