"""Real data sets as registry entries: where to download them, what their files must hash
to, their licence and citation, and published results to print beside a run.

``get(name)`` returns a ``DatasetSpec``; ``ensure(spec, data_dir)`` returns the verified
files, downloading the official release into the cache directory on first use. A data
set is added by declaring one more ``DatasetSpec`` (see ``rt_polarity.py``) and listing
it in ``REGISTRY``; the loading code (``download.py``) is shared.

Nothing here imports torch.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rnncli.errors import BadInput


@dataclass(frozen=True)
class Published:
    """A published result to print beside the user's run (with where it comes from)."""

    model: str
    accuracy: float  # percent
    protocol: str
    source: str


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    title: str
    url: str                       # the official archive
    archive_dir: str               # folder inside the archive that holds the files
    files: dict[str, str]          # file name -> sha256 hex
    encoding: str
    licence: str
    citation: str
    homepage: str
    size_bytes: int                # archive size, for the download estimate
    published: tuple[Published, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)


def _registry() -> dict[str, DatasetSpec]:
    from rnncli.datasets import rt_polarity

    return {rt_polarity.SPEC.name: rt_polarity.SPEC}


def names() -> tuple[str, ...]:
    return tuple(_registry())


def get(name: str) -> DatasetSpec:
    key = str(name).strip().lower()
    reg = _registry()
    if key not in reg:
        raise BadInput(f"unknown data set {name!r}; known: {', '.join(reg)}")
    return reg[key]
