"""Atomic file writing: write to a temporary file beside the target, then rename.

A reader never sees a half-written file, and a crash or Ctrl-C leaves the old
file (or none) in place.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from rnncli.errors import BadInput


def check_writable(path: str | os.PathLike[str], suffixes: tuple[str, ...] = ()) -> Path:
    """Fail early (before any work) if ``path`` cannot be written or has the wrong suffix."""
    p = Path(path)
    if suffixes and p.suffix.lower() not in suffixes:
        raise BadInput(f"{p}: expected a file ending in {' or '.join(suffixes)}")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise BadInput(f"{p}: directory {parent} does not exist")
    if p.is_dir():
        raise BadInput(f"{p}: is a directory")
    if not os.access(parent, os.W_OK):
        raise BadInput(f"{p}: directory {parent} is not writable")
    return p


def write_atomic(path: str | os.PathLike[str], write: Callable[[str], None]) -> Path:
    """Call ``write(tmp_path)`` to produce the file, then move it onto ``path``."""
    p = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=p.suffix, dir=p.parent or ".")
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, p)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return p


def write_text_atomic(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` to ``path`` atomically (UTF-8)."""

    def _write(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())

    return write_atomic(path, _write)


def save_figure_atomic(fig, path: str | os.PathLike[str]) -> Path:  # noqa: ANN001
    """Save a matplotlib figure atomically (format from the suffix)."""
    fmt = Path(path).suffix.lstrip(".") or "png"

    def _write(tmp: str) -> None:
        fig.savefig(tmp, format=fmt, dpi=120, bbox_inches="tight")

    return write_atomic(path, _write)


def load_numpy(path: str | os.PathLike[str], kind: str):  # noqa: ANN201
    """``numpy.load(path, allow_pickle=False)`` of a ``.npy`` (one array) or ``.npz`` (a
    dict of named arrays); a pickle is never loaded, and every failure is one BadInput line."""
    import numpy as np

    from rnncli.errors import short

    try:
        data = np.load(path, allow_pickle=False)
        if kind == ".npz":
            if not hasattr(data, "files"):
                raise BadInput(f"{path}: a single array, not an .npz archive of named arrays")
            with data:
                return {name: data[name] for name in data.files}
        if not isinstance(data, np.ndarray):
            raise BadInput(f"{path}: expected a single array in .npy format")
        return data
    except BadInput:
        raise
    except ValueError as exc:
        if "allow_pickle" in str(exc) or "Object arrays" in str(exc):
            raise BadInput(
                f"{path}: not a plain {kind} of numbers: it holds pickled Python objects, which "
                "are never loaded (that would unpickle code); save numeric arrays with numpy"
            ) from None
        raise BadInput(f"{path}: not a readable {kind} file ({short(exc)})") from None
    except Exception as exc:  # BadZipFile, OSError, EOFError ...
        raise BadInput(
            f"{path}: not a readable {kind} file ({type(exc).__name__}: {short(exc)})"
        ) from None
