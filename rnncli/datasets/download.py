"""Fetch a registered data set into a cache directory and verify it, or say what to do.

- ``user_cache_dir()``: ``platformdirs.user_cache_dir("rnncli")`` (``$XDG_CACHE_HOME`` or
  ``~/.cache`` on Linux, ``~/Library/Caches`` on macOS, ``%LOCALAPPDATA%`` on Windows).
- ``ensure(spec, data_dir)``: returns ``{file name: path}`` for the data set's files in
  ``data_dir/<name>/``, or in ``data_dir`` itself when they are there (``--data-dir`` may
  name the data set's own folder). Files already there are verified (sha256) and used; missing ones
  come from the official archive (streamed with a size cap, only the expected members
  extracted, each verified before it is moved into place, atomically). A wrong checksum
  is refused; no network gives one line that says where to put the files by hand.
"""

from __future__ import annotations

import hashlib
import io
import tarfile
from pathlib import Path

from rnncli.datasets import DatasetSpec
from rnncli.errors import BadInput, RnncliError
from rnncli.fileio import write_bytes_atomic

MAX_ARCHIVE = 50 * 2**20  # bytes; no registered archive is near this


def user_cache_dir(app: str = "rnncli") -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir(app))


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def verify(spec: DatasetSpec, path: Path) -> None:
    """Refuse a file whose sha256 differs from the registry's."""
    want = spec.files[path.name]
    got = sha256(path)
    if got != want:
        raise BadInput(f"{path}: sha256 {got[:12]}... does not match the published "
                       f"{want[:12]}...; the file is corrupted or not the official "
                       f"{spec.name} release; delete it and run again")


def hand_hint(spec: DatasetSpec, folder: Path) -> str:
    return (f"looked for {' and '.join(spec.files)} in {folder} and {folder.parent}; "
            f"download {spec.url} by hand and put them (from {spec.archive_dir}/ in the "
            f"archive) into {folder}, or pass --data-dir")


def folder_for(spec: DatasetSpec, data_dir: Path | None = None) -> Path:
    """``data_dir`` itself when it holds every file of ``spec``, else ``data_dir/<name>``."""
    base = Path(data_dir or user_cache_dir())
    if data_dir is not None and all((base / name).is_file() for name in spec.files):
        return base
    return base / spec.name


def ensure(spec: DatasetSpec, data_dir: Path | None = None,
           fetch=None) -> dict[str, Path]:
    """The verified files of ``spec``; ``fetch(spec, folder) -> bytes`` (the archive)
    defaults to a download."""
    folder = folder_for(spec, data_dir)
    paths = {name: folder / name for name in spec.files}
    missing = [name for name, p in paths.items() if not p.is_file()]
    if missing:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise BadInput(f"cannot create {folder}: {exc.strerror}; pass --data-dir") from None
        archive = (fetch or _download)(spec, folder)
        _extract(spec, archive, folder, missing)
    for p in paths.values():
        verify(spec, p)
    return paths


def _download(spec: DatasetSpec, folder: Path) -> bytes:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(spec.url, timeout=30) as resp:
            data = resp.read(MAX_ARCHIVE + 1)
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        reason = getattr(exc, "reason", exc)
        raise RnncliError(f"could not download {spec.name} ({reason}); "
                          + hand_hint(spec, folder)) from None
    if len(data) > MAX_ARCHIVE:
        raise RnncliError(f"{spec.url}: larger than {MAX_ARCHIVE >> 20} MiB; refused")
    return data


def _extract(spec: DatasetSpec, archive: bytes, folder: Path, names: list[str]) -> None:
    """Pull only the expected members out of the tar.gz (no paths from the archive used)."""
    try:
        tar = tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise RnncliError(f"the downloaded {spec.name} archive is not a tar.gz ({exc}); "
                          + hand_hint(spec, folder)) from None
    with tar:
        for name in names:
            try:
                member = tar.getmember(f"{spec.archive_dir}/{name}")
            except KeyError:
                raise RnncliError(f"the {spec.name} archive lacks {spec.archive_dir}/{name}; "
                                  + hand_hint(spec, folder)) from None
            data = tar.extractfile(member).read() if member.isfile() else b""
            if hashlib.sha256(data).hexdigest() != spec.files[name]:
                raise RnncliError(f"{name} in the downloaded archive fails its sha256 check; "
                                  + hand_hint(spec, folder))
            write_bytes_atomic(folder / name, data)
