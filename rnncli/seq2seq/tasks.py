"""The generated seq2seq tasks, declared once: reverse, sort, addition, dates, scan.

Each ``Task`` makes (train, test) lists of (source, target) strings from a seed, offline.
Test sources never occur in the training set (a test item is new to the model).

- reverse / sort: a digit string -> the same digits reversed / in ascending order.
- addition: ``"123+45"`` -> ``"168"``, operands 0..999 (the Keras example
  keras-io/examples/nlp/addition_rnn.py; its notes: three digits, input reversed, one
  128-unit LSTM, 50k examples, 99% after 100 epochs, in Keras's per-character accuracy,
  which is closer to our token accuracy than to exact match).
- dates: a date as people write it (``rnncli.seq2seq.dates.FORMATS``) -> ISO 8601.
- scan: the SCAN benchmark (``rnncli.seq2seq.scan``) with its three splits.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from rnncli.errors import BadInput
from rnncli.seq2seq import dates, scan

Pairs = list[tuple[str, str]]


@dataclass(frozen=True)
class Task:
    name: str
    summary: str
    tokens: str                    # tokenizer for source and target: "char" | "space"
    make: Callable[..., tuple[Pairs, Pairs]]
    source: str = ""
    splits: tuple[str, ...] = ()   # only scan has named splits


def _digits(rng: random.Random, lo: int, hi: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(rng.randint(lo, hi)))


def _disjoint(draw: Callable[[random.Random], tuple[str, str]], seed: int, n_train: int,
              n_test: int) -> tuple[Pairs, Pairs]:
    """Draw a test set first, then training pairs whose sources are not in it."""
    rng = random.Random(seed)
    test: dict[str, str] = {}
    tries = 0
    while len(test) < n_test and tries < 50 * n_test:
        s, t = draw(rng)
        test.setdefault(s, t)
        tries += 1
    train: Pairs = []
    tries = 0
    while len(train) < n_train and tries < 50 * n_train:
        s, t = draw(rng)
        tries += 1
        if s not in test:
            train.append((s, t))
    return train, list(test.items())


def _reverse(rng: random.Random, lo: int, hi: int) -> tuple[str, str]:
    s = _digits(rng, lo, hi)
    return s, s[::-1]


def _sort(rng: random.Random, lo: int, hi: int) -> tuple[str, str]:
    s = _digits(rng, lo, hi)
    return s, "".join(sorted(s))


def _addition(rng: random.Random) -> tuple[str, str]:
    a, b = rng.randint(0, 999), rng.randint(0, 999)
    return f"{a}+{b}", str(a + b)


def _date(rng: random.Random) -> tuple[str, str]:
    d = dates.random_date(rng)
    return dates.write(d, rng.choice(list(dates.FORMATS))), d.isoformat()


def make_reverse(seed: int, n_train: int, n_test: int, min_len: int = 3, max_len: int = 14,
                 **_: object) -> tuple[Pairs, Pairs]:
    return _disjoint(lambda r: _reverse(r, min_len, max_len), seed, n_train, n_test)


def make_sort(seed: int, n_train: int, n_test: int, min_len: int = 3, max_len: int = 14,
              **_: object) -> tuple[Pairs, Pairs]:
    return _disjoint(lambda r: _sort(r, min_len, max_len), seed, n_train, n_test)


def make_addition(seed: int, n_train: int, n_test: int, **_: object) -> tuple[Pairs, Pairs]:
    return _disjoint(_addition, seed, n_train, n_test)


def make_dates(seed: int, n_train: int, n_test: int, **_: object) -> tuple[Pairs, Pairs]:
    return _disjoint(_date, seed, n_train, n_test)


def make_scan(seed: int, split: str = "simple", **_: object) -> tuple[Pairs, Pairs]:
    return scan.split(scan.generate(), split, seed)


TASKS: dict[str, Task] = {
    "reverse": Task("reverse", "a digit string -> the digits reversed", "char", make_reverse),
    "sort": Task("sort", "a digit string -> its digits in ascending order", "char", make_sort),
    "addition": Task("addition", '"123+45" -> "168", operands 0..999', "char", make_addition,
                     source="Keras example addition_rnn.py: 99% per-character accuracy, "
                     "one 128-unit LSTM, reversed input, 50k examples, 100 epochs"),
    "dates": Task("dates", '"3rd of March 2021", "Mar 3, 21", ... -> "2021-03-03"', "char",
                  make_dates),
    "scan": Task("scan", "SCAN commands -> action sequences", "space", make_scan,
                 source=scan.SOURCE, splits=scan.SPLITS),
}


def get(name: str) -> Task:
    key = str(name).strip().lower()
    if key not in TASKS:
        raise BadInput(f"--task: unknown task {name!r}; choose one of {', '.join(TASKS)}")
    return TASKS[key]
