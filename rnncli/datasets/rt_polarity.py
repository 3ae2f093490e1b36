"""Pang & Lee's sentence polarity data set v1.0 ("rt-polarity", "MR").

5,331 positive and 5,331 negative Rotten Tomatoes snippets, one per line, lower-cased and
tokenised by the authors, latin-1 encoded. Official release: ``rt-polaritydata.tar.gz``
on the authors' movie-review-data page at Cornell (URL as given in the release's README,
which NLTK's ``sentence_polarity`` package reproduces, with the CC BY 4.0 attribution).

Published figures (accuracy %, 10-fold cross-validation, not one fixed split): Kim (2014),
"Convolutional Neural Networks for Sentence Classification", EMNLP, Table 2, column MR:
CNN-rand 76.1; Wang & Manning (2012), "Baselines and bigrams", RT-s: NBSVM-bi 79.4.
Both were checked against copies of the tables quoted in public repositories (the
papers' PDFs were not at hand).
"""

from __future__ import annotations

from pathlib import Path

from rnncli.datasets import DatasetSpec, Published

SPEC = DatasetSpec(
    name="rt-polarity",
    title="sentence polarity data set v1.0 (Pang & Lee 2005)",
    url="https://www.cs.cornell.edu/people/pabo/movie-review-data/rt-polaritydata.tar.gz",
    archive_dir="rt-polaritydata",
    files={
        "rt-polarity.pos": "2da124ec187a9d5a29c9f04e91c540e02baed5af8868f550a26bd6fd4dbf8bf0",
        "rt-polarity.neg": "4ace77d558c3714723843f1d65b60c01e3417b208180f0728808d76ad0eeeaca",
    },
    encoding="latin-1",
    licence="CC BY 4.0 (Creative Commons Attribution 4.0 International), "
    "(C) 2005 Bo Pang and Lillian Lee",
    citation="Bo Pang and Lillian Lee. Seeing stars: Exploiting class relationships for "
    "sentiment categorization with respect to rating scales. Proceedings of ACL 2005.",
    homepage="https://www.cs.cornell.edu/people/pabo/movie-review-data/",
    size_bytes=500_000,
    published=(
        Published("CNN-rand (Kim 2014)", 76.1, "10-fold cross-validation",
                  "Kim 2014, Table 2, MR"),
        Published("NBSVM-bi (Wang & Manning 2012)", 79.4, "10-fold cross-validation",
                  "Wang & Manning 2012, RT-s"),
    ),
)

LABELS = ("negative", "positive")


def read(files: dict[str, Path]) -> tuple[list[str], list[int]]:
    """Texts and labels (0 negative, 1 positive), negatives first, in file order."""
    texts: list[str] = []
    labels: list[int] = []
    for name, label in (("rt-polarity.neg", 0), ("rt-polarity.pos", 1)):
        # one snippet per b"\n" line; str.splitlines would also cut at latin-1 \x85 (NEL)
        for raw in files[name].read_bytes().split(b"\n"):
            line = raw.decode(SPEC.encoding)
            if line.strip():
                texts.append(line.strip())
                labels.append(label)
    return texts, labels
