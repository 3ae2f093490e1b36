"""Where the sentences come from: the generated probes, a registered data set, or the
user's own TSV/CSV file, each turned into one ``Corpus`` (train / validation / test).

User files: tab- or comma-separated (the delimiter is guessed from the first lines), a
header row optional (recognised when its label cell is not a label seen in the data).
The text column is the one with the longest cells, the label column the one with the
fewest distinct values (``text_col``/``label_col``: an index from 0 or a header name).
Labels may be integers, words (pos/neg, positive/negative ...) or more than two classes;
binary word labels are ordered negative first. Lines that cannot be used (wrong number
of fields, empty text, bytes that are not UTF-8) are counted and reported by line number.
The size is checked before anything is read. Splits use a fixed seed.
"""

from __future__ import annotations

import csv
import io
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from rnncli.errors import BadInput
from rnncli.sentiment.probes import Sentence

MAX_BYTES = 200 * 2**20
SPLIT_SEED = 2005
_NEG = ("0", "neg", "negative", "bad", "false", "no", "-1", "-")
_POS = ("1", "pos", "positive", "good", "true", "yes", "+1", "+")


@dataclass
class Corpus:
    name: str
    labels: list[str]
    train: list[Sentence]
    val: list[Sentence]
    test: list[Sentence]
    probes: dict[str, list[Sentence]] | None = None
    info: dict = field(default_factory=dict)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (line number, why)


def split(items: list, fractions=(0.8, 0.1), seed: int = SPLIT_SEED) -> tuple[list, list, list]:
    """Shuffle with a fixed seed and cut into train / val / test.

    Each cut is rounded down and the last part takes the rest, so every item lands in
    one part; fractions summing to 1 (``(0.9, 0.1)``) leave the third part empty."""
    items = list(items)
    random.Random(seed).shuffle(items)
    a = int(len(items) * fractions[0])
    b = len(items) if sum(fractions) >= 1 - 1e-9 else a + int(len(items) * fractions[1])
    return items[:a], items[a:b], items[b:]


def from_probes(seed: int) -> Corpus:
    from rnncli.sentiment import probes

    c = probes.build(seed)
    return Corpus("generated probes", list(probes.LABELS), c.train, c.val, c.test, c.probes,
                  info={"seed": seed, "train_filler_max": probes.TRAIN_FILLER_MAX})


def from_dataset(name: str, data_dir: Path | None, seed: int) -> Corpus:
    from rnncli import datasets
    from rnncli.datasets import download, rt_polarity

    spec = datasets.get(name)
    files = download.ensure(spec, data_dir)
    texts, labels = rt_polarity.read(files)
    rows = [Sentence(t, y, "") for t, y in zip(texts, labels, strict=True)]
    train, val, test = split(rows, seed=SPLIT_SEED + seed)
    info = {"citation": spec.citation, "licence": spec.licence, "url": spec.url,
            "files": {k: str(v) for k, v in files.items()},
            "published": [p.__dict__ for p in spec.published], "split": "80/10/10"}
    return Corpus(spec.name, list(rt_polarity.LABELS), train, val, test, info=info)


# ---------------------------------------------------------------- user files


def read_table(path: Path, max_bytes: int = MAX_BYTES, option: str = "--data"
               ) -> tuple[list[tuple[int, list[str]]], list[tuple[int, str]]]:
    """Rows ``(line number, fields)`` and the lines skipped as ``(line number, why)``."""
    from rnncli.fileio import read_bytes

    raw = read_bytes(path, option, max_bytes)  # not a FIFO, a device, too large
    lines = raw.splitlines()
    if not any(line.strip() for line in lines):
        raise BadInput(f"{path}: the file is empty")
    sample = b"\n".join(lines[:20])
    delim = "\t" if sample.count(b"\t") >= max(1, sample.count(b",") // 4) else ","
    rows, skipped = [], []
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            skipped.append((n, f"not UTF-8 at byte {exc.start}"))
            continue
        fields = next(csv.reader(io.StringIO(text), delimiter=delim), [])
        rows.append((n, [f.strip() for f in fields]))
    return rows, skipped


def _column(spec: str | None, header: list[str] | None, width: int, name: str) -> int | None:
    if spec is None:
        return None
    if spec.isdigit() and int(spec) < width:
        return int(spec)
    if header and spec in header:
        return header.index(spec)
    raise BadInput(f"{name} {spec!r}: no such column (the file has {width} columns"
                   + (f": {', '.join(header)})" if header else ")"))


def _guess_columns(rows: list[list[str]], width: int) -> tuple[int, int]:
    """(text column, label column): the label column has no empty cell and the fewest
    distinct values; the text column is the other one with the longest cells."""
    label = min(range(width), key=lambda c: (any(not r[c] for r in rows),
                                              len({r[c] for r in rows})))
    length = [sum(len(r[c]) for r in rows) for c in range(width)]
    text = max((c for c in range(width) if c != label), key=length.__getitem__)
    return text, label


def _label_names(values: list[str]) -> list[str]:
    distinct = sorted(set(values))
    low = {v.lower() for v in distinct}
    if len(distinct) == 2 and low <= set(_NEG + _POS) and (low & set(_NEG)) and (low & set(_POS)):
        return sorted(distinct, key=lambda v: v.lower() in _POS)
    if all(v.lstrip("-").isdigit() for v in distinct):
        return sorted(distinct, key=int)
    return distinct


def _check_labels(names: list[str], n_rows: int, path: Path) -> None:
    if len(names) < 2:
        raise BadInput(f"{path}: every example has the label {names[0]!r}: a classifier needs "
                       "at least two classes")
    if len(names) > max(20, n_rows // 5):
        raise BadInput(f"{path}: the label column has {len(names)} distinct values in "
                       f"{n_rows} rows, which does not look like class labels; name the "
                       "columns with --text-col and --label-col")


@dataclass
class TableSpec:
    path: Path
    text_col: str | None = None
    label_col: str | None = None
    option: str = "--data"  # named in a read error


def _rows_of_width(path: Path, option: str = "--data") -> tuple[list, list, int]:
    """The rows with the usual number of fields, the lines skipped, that number."""
    rows, skipped = read_table(path, option=option)
    width = Counter(len(f) for _, f in rows).most_common(1)[0][0]
    if width < 2:
        raise BadInput(f"{path}: one column only; expected a text and a label column "
                       "separated by a tab or a comma")
    good = [(n, f) for n, f in rows if len(f) == width]
    skipped += [(n, f"{len(f)} fields, expected {width}") for n, f in rows if len(f) != width]
    return good, skipped, width


def _choose_columns(spec: TableSpec, good: list, header, width: int) -> tuple[int, int]:
    t_guess, l_guess = _guess_columns([f for _, f in good], width)
    t = _column(spec.text_col, header, width, "--text-col")
    lab = _column(spec.label_col, header, width, "--label-col")
    t = t_guess if t is None else t
    lab = l_guess if lab is None else lab
    if t == lab:
        raise BadInput("--text-col and --label-col name the same column")
    return t, lab


def read_labelled(spec: TableSpec, labels: list[str] | None = None,
                  columns: tuple[int, int] | None = None):
    """``(sentences, label names, skipped, (text column, label column), column names)``
    of a user file; a test file passes the training file's ``labels`` and ``columns``."""
    good, skipped, width = _rows_of_width(spec.path, spec.option)
    if columns is not None:
        return _known_columns(spec.path, good, columns, labels, skipped)
    header = _header(good, spec)
    if header is not None:
        good = good[1:]
    if not good:
        raise BadInput(f"{spec.path}: no data rows")
    t, lab = _choose_columns(spec, good, header, width)
    return _sentences(spec.path, good, t, lab, labels, skipped, header)


def _known_columns(path, good, columns, labels, skipped):
    t, lab = columns
    if max(columns) >= len(good[0][1]):
        raise BadInput(f"{path}: has {len(good[0][1])} columns; the training file's text and "
                       f"label columns are {t} and {lab}")
    header = good[0][1] if good[0][1][lab] not in labels else None
    return _sentences(path, good[1:] if header else good, t, lab, labels, skipped, header)


def _header(good: list[tuple[int, list[str]]], spec: TableSpec) -> list[str] | None:
    """The first row if it looks like a header: a cell value seen nowhere else in its
    column while that column repeats values (a label column), or a named column."""
    if len(good) < 2:
        return None
    first = good[0][1]
    for name in (spec.text_col, spec.label_col):
        if name and not name.isdigit() and name in first:
            return first
    for c, cell in enumerate(first):
        rest = [f[c] for _, f in good[1:]]
        if len(set(rest)) <= max(20, len(rest) // 5) and cell not in rest:
            return first
    return None


def _with_text(path, good, t, header, skipped):
    if not any(f[t] for _, f in good):
        raise BadInput(f"{path}: the text column ({_name(header, t)}) is empty in every row")
    skipped += [(n, "empty text") for n, f in good if not f[t]]
    return [(n, f) for n, f in good if f[t]]


def _sentences(path, good, t, lab, labels, skipped, header):
    good = _with_text(path, good, t, header, skipped)
    names = labels
    if names is None:
        names = _label_names([f[lab] for _, f in good])
        _check_labels(names, len(good), path)
    index = {v: i for i, v in enumerate(names)}
    skipped += [(n, f"unknown label {f[lab]!r}") for n, f in good if f[lab] not in index]
    rows = [Sentence(f[t], index[f[lab]], "") for n, f in good if f[lab] in index]
    if not rows:
        raise BadInput(f"{path}: no row has a label of the training file ({', '.join(names)})")
    cols = {"text": _name(header, t), "label": _name(header, lab)}
    return rows, names, sorted(skipped), (t, lab), cols


def _name(header: list[str] | None, col: int) -> str:
    return f"{col} ({header[col]})" if header else str(col)


def from_file(spec: TableSpec, test: TableSpec | None = None, seed: int = 0) -> Corpus:
    rows, names, skipped, index, cols = read_labelled(spec)
    if test is None:
        train, val, test_rows = split(rows, seed=SPLIT_SEED + seed)
        test_skipped = []
    else:
        train, val, _ = split(rows, fractions=(0.9, 0.1), seed=SPLIT_SEED + seed)  # _ empty
        test_rows, _, test_skipped, _, _ = read_labelled(test, names, index)
    for part, what in ((train, "training"), (test_rows, "test")):
        if not part:
            raise BadInput(f"{spec.path}: too few rows for a {what} set")
    skipped = [(n, why) for n, why in skipped] + [(n, f"--test: {why}") for n, why in test_skipped]
    info = {"file": str(spec.path), "columns": cols, "test_file": str(test.path) if test else None}
    return Corpus(Path(spec.path).name, names, train, val, test_rows, info=info, skipped=skipped)
