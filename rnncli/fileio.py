"""Files in and out, safely.

Out: atomic writes (a temporary file beside the target, then a rename), so a reader never
sees a half-written file and a crash or Ctrl-C leaves the old file (or none) in place. The
new file gets ordinary permissions: an existing file keeps its mode, a new one gets
0o666 minus the umask, as ``open()`` would give it (``mkstemp``'s 0600 is not kept).

In: :func:`regular_file` (an existing regular file of bounded size: not a FIFO, not
``/dev/zero``, not a directory), :func:`read_bytes` / :func:`read_text` (such a file's
contents, checked again on the open descriptor), :func:`read_stdin` (standard input bounded in bytes
and in time), and :func:`load_numpy` (``allow_pickle=False``, every array's declared
size checked from its header before any of it is read).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable
from pathlib import Path

from rnncli.errors import BadInput, short
from rnncli.ioerrors import (
    disk_full,
    read_failed,
    root_cause,
    write_failed,
)

MiB = 1 << 20
MAX_INPUT_BYTES = 512 * MiB  # default bound on a file we read whole
MAX_ARRAY_BYTES = 1024 * MiB  # default bound on the arrays a file declares, in total
MAX_STDIN_BYTES = 1 * MiB  # default bound on piped standard input


def check_writable(path: str | os.PathLike[str], suffixes: tuple[str, ...] = ()) -> Path:
    """Fail early (before any work) if ``path`` cannot be written or has the wrong suffix."""
    p = Path(path)
    if not str(path).strip() or p.name in ("", ".", ".."):
        raise BadInput(f"{str(path)!r}: not a file name")
    if suffixes and p.suffix.lower() not in suffixes:
        raise BadInput(f"{p}: expected a file ending in {' or '.join(suffixes)}")
    parent = p.parent if str(p.parent) else Path(".")
    try:
        _check_target(p, parent)
    except OSError as exc:  # a parent the user cannot enter
        raise BadInput(f"{p}: cannot check the path ({exc.strerror or short(exc)})") from None
    if not os.access(parent, os.W_OK | os.X_OK):
        raise BadInput(f"{p}: directory {parent} is not writable")
    _probe(p, parent)
    return p


def _probe(p: Path, parent: Path) -> None:
    """Create and remove a temporary file where the output will go: /proc, a read-only or
    full file system fail here, before any work (root passes os.access everywhere)."""
    from rnncli import tempfiles
    from rnncli.interrupt import deferred

    try:
        with deferred():
            os.unlink(tempfiles.new(p, ".probe"))
    except OSError as exc:
        raise BadInput(f"{p}: cannot write in {parent} ({exc.strerror or short(exc)})") from None


def _check_target(p: Path, parent: Path) -> None:
    if not parent.is_dir():
        raise BadInput(f"{p}: directory {parent} does not exist")
    if p.is_dir():
        raise BadInput(f"{p}: is a directory")
    if p.exists() and not p.is_file():
        raise BadInput(f"{p}: exists and is not a regular file")


def _umask() -> int:
    mask = os.umask(0o022)  # the only portable way to read it is to set it
    os.umask(mask)
    return mask


def _mode_for(target: Path) -> int:
    """The mode the written file should have: an existing file's, else 0o666 & ~umask."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        return 0o666 & ~_umask()


#: Called with (path, what) after every file written here; the CLI sets it to announce the
#: file on stderr in one wording (the library itself never prints).
_announce: Callable[[Path, str], None] | None = None


def set_announcer(announce: Callable[[Path, str], None] | None) -> None:
    """Install the callback told of every written file (``rnncli.cli`` does, once a run)."""
    global _announce
    _announce = announce


def write_atomic(path: str | os.PathLike[str], write: Callable[[str], None],
                 what: str = "") -> Path:
    """Call ``write(tmp_path)`` to produce the file, then move it onto ``path``; ``what``
    (e.g. "the LSTM model") is said when the file is announced.

    Ctrl-C, SIGTERM (see ``rnncli.interrupt``) or a failed write remove the temporary file
    and leave the previous ``path`` as it was; a write error (a full disk, a file too large)
    becomes one line naming the path and the OS's reason (:func:`write_failed`). Stale
    temporary files of ``path`` from a killed process are removed first (``tempfiles``).
    """
    from rnncli import tempfiles
    from rnncli.interrupt import deferred

    p = Path(path)
    tempfiles.clear_stale(p)
    tmp = None
    try:
        with deferred():
            tmp = tempfiles.new(p)
        write(tmp)
        with deferred():
            os.chmod(tmp, _mode_for(p))
            os.replace(tmp, p)
            tmp = None
    except OSError as exc:
        raise write_failed(p, exc) from None
    except Exception as exc:  # a library writing to the path itself (keras, safetensors)
        full = disk_full(p, exc)
        if full is None:
            raise
        raise write_failed(p, full) from None
    finally:
        if tmp is not None:
            with deferred():
                _remove(tmp)
    if _announce is not None:
        _announce(p, what)
    return p


def _remove(tmp: str) -> None:
    try:
        os.unlink(tmp)
    except FileNotFoundError:
        pass


def _open_tmp(tmp: str, binary: bool):
    """The temporary file opened for writing (tests replace it to fake a full disk)."""
    return open(tmp, "wb") if binary else open(tmp, "w", encoding="utf-8")


def write_with(path: str | os.PathLike[str], fill: Callable[[object], None],
               what: str = "", binary: bool = True) -> Path:
    """Write ``path`` atomically by calling ``fill(file_object)``; flushed to disk.

    Every writer goes through a Python file object, so a full disk is an ``OSError`` with
    its errno (``torch.save`` to a path reports it as an opaque RuntimeError)."""

    def _write(tmp: str) -> None:
        try:
            with _open_tmp(tmp, binary) as fh:
                fill(fh)
                fh.flush()
                os.fsync(fh.fileno())
        except Exception as exc:
            raise root_cause(exc) from None

    return write_atomic(path, _write, what)


def write_text_atomic(path: str | os.PathLike[str], text: str, what: str = "") -> Path:
    """Write ``text`` to ``path`` atomically (UTF-8)."""
    return write_with(path, lambda fh: fh.write(text), what, binary=False)


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes, what: str = "") -> Path:
    """Write ``data`` to ``path`` atomically."""
    return write_with(path, lambda fh: fh.write(data), what)


def save_torch_atomic(path: str | os.PathLike[str], obj: object, what: str = "") -> Path:
    """``torch.save(obj)`` to ``path`` atomically."""
    import torch

    return write_with(path, lambda fh: torch.save(obj, fh), what)


def save_figure_atomic(fig, path: str | os.PathLike[str] | None,
                       title: str | None = None) -> Path | None:
    """Save a matplotlib figure atomically (format from the suffix), and keep it for the
    ``--html`` page when one is open. ``path`` None: only the page gets it."""
    from rnncli import report

    report.add_figure(fig, title)
    if path is None:
        return None
    fmt = Path(path).suffix.lstrip(".") or "png"
    return write_with(path, lambda fh: fig.savefig(fh, format=fmt, dpi=120,
                                                   bbox_inches="tight"), "figure")


def regular_file(path: str | os.PathLike[str], option: str,
                 max_bytes: int = MAX_INPUT_BYTES) -> Path:
    """``path`` if it is an existing, readable regular file of at most ``max_bytes``.

    Refuses (BadInput, one line naming ``option``) a missing path, a directory, a FIFO, a
    device such as ``/dev/zero``, a file over the bound, and a path the user cannot read
    or whose directory the user cannot enter. Use it before reading any file named by the
    user (``--input``, ``--weights``, ``bench --compare``, ``--data``).
    """
    p = Path(path)
    try:
        st = os.stat(p)
    except FileNotFoundError:
        raise BadInput(f"{option} {p}: no such file") from None
    except OSError as exc:
        raise BadInput(f"{option} {p}: cannot read ({exc.strerror or short(exc)})") from None
    if stat.S_ISDIR(st.st_mode):
        raise BadInput(f"{option} {p}: is a directory, not a file")
    if not stat.S_ISREG(st.st_mode):
        raise BadInput(f"{option} {p}: not a regular file (a pipe, device or socket)")
    if st.st_size > max_bytes:
        raise BadInput(f"{option} {p}: {st.st_size / MiB:.1f} MiB is over the "
                       f"{max_bytes / MiB:.0f} MiB limit of what this command reads")
    if not os.access(p, os.R_OK):
        raise BadInput(f"{option} {p}: permission denied")
    _probe_read(p, option)
    return p


def _probe_read(p: Path, option: str) -> None:
    """Read the first byte: a file that fails to read (``/proc/self/mem``: EIO; a bad
    sector) is refused here naming it, not later as a bare ``Input/output error``."""
    try:
        with open(p, "rb") as fh:
            fh.read(1)
    except OSError as exc:
        raise read_failed(p, exc, option) from None


def read_bytes(path: str | os.PathLike[str], option: str,
               max_bytes: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of a user's file: :func:`regular_file`, then checked again on the open
    descriptor (the path may be swapped for a FIFO or a bigger file between the two) and
    read to at most ``max_bytes``. BadInput (one line naming ``option``) otherwise."""
    p = regular_file(path, option, max_bytes)
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as fh:
            info = os.fstat(fh.fileno())
            if not stat.S_ISREG(info.st_mode) or info.st_size > max_bytes:
                raise BadInput(f"{option} {p}: changed while being read (now not a regular "
                               f"file of at most {max_bytes / MiB:.0f} MiB)")
            return fh.read(max_bytes + 1)
    except OSError as exc:
        raise read_failed(p, exc, option) from None


def read_text(path: str | os.PathLike[str], option: str,
              max_bytes: int = MAX_INPUT_BYTES) -> str:
    """:func:`read_bytes` decoded as UTF-8 (BadInput naming the file when it is not)."""
    try:
        return read_bytes(path, option, max_bytes).decode("utf-8")
    except UnicodeDecodeError:
        raise BadInput(f"{option} {path}: not UTF-8 text") from None


def read_stdin(stream, max_bytes: int = MAX_STDIN_BYTES, wait_s: float = 1.0,
               what: str = "stdin") -> str:
    """What a non-terminal ``stream`` offers, bounded in bytes and in time.

    Reads until end of input, or until ``wait_s`` seconds pass with nothing new (a pipe
    that stays open, such as ``sleep 100 |``), and refuses (BadInput) more than
    ``max_bytes`` (``yes | rnncli quiz`` would otherwise grow without bound). Decoded as
    UTF-8 with replacement characters. An in-memory stream (tests) is read up to the bound.
    """
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        text = stream.read(max_bytes + 1) if hasattr(stream, "read") else ""
        if len(text) > max_bytes:
            raise BadInput(_too_much(what, max_bytes)) from None
        return text
    return _read_fd(fd, max_bytes, wait_s, what).decode("utf-8", errors="replace")


def _too_much(what: str, max_bytes: int) -> str:
    return f"{what}: more than {max_bytes} bytes of input; give a short answer list"


def _read_fd(fd: int, max_bytes: int, wait_s: float, what: str) -> bytes:
    import select
    import time

    chunks: list[bytes] = []
    size = 0
    deadline = time.monotonic() + wait_s
    while (left := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            break
        data = os.read(fd, 65536)
        if not data:
            break
        chunks.append(data)
        size += len(data)
        if size > max_bytes:
            raise BadInput(_too_much(what, max_bytes))
    return b"".join(chunks)


def _npy_header(fp) -> tuple[tuple[int, ...], object]:
    """(shape, dtype) from a .npy header, reading nothing of the data."""
    import numpy as np

    fmt = np.lib.format
    try:
        version = fmt.read_magic(fp)
    except ValueError:
        raise BadInput(f"{getattr(fp, 'name', 'the file')}: not a plain .npy array of numbers "
                       "(no NumPy header: another format, or a pickle, which is never loaded)"
                       ) from None
    reader = fmt.read_array_header_1_0 if version == (1, 0) else fmt.read_array_header_2_0
    shape, _, dtype = reader(fp)  # version 3.0 differs from 2.0 only in the text encoding
    return tuple(int(n) for n in shape), dtype


def array_headers(path: str | os.PathLike[str], kind: str) -> dict[str, tuple]:
    """{name: (shape, dtype)} of every array a .npy/.npz declares, data left unread."""
    import zipfile

    if kind == ".npy":
        with open(path, "rb") as fh:
            return {"": _npy_header(fh)}
    out = {}
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            if info.filename.endswith(".npy"):
                with zf.open(info) as fh:
                    out[info.filename[:-4]] = _npy_header(fh)
    return out


def _check_declared(path, headers: dict[str, tuple], max_bytes: int) -> None:
    import numpy as np

    total = 0
    for name, (shape, dtype) in headers.items():
        if dtype.hasobject:
            raise BadInput(_PICKLED.format(path=path, kind=Path(path).suffix))
        total += int(np.prod(shape, dtype=object)) * max(dtype.itemsize, 1)
        if total > max_bytes:
            label = f" (array {name!r} has shape {shape})" if name else f" (shape {shape})"
            raise BadInput(f"{path}: declares {total / MiB:.0f} MiB of arrays{label}, over the "
                           f"{max_bytes / MiB:.0f} MiB limit; refused before reading")


_PICKLED = ("{path}: not a plain {kind} of numbers: it holds pickled Python objects, which "
            "are never loaded (that would unpickle code); save numeric arrays with numpy")


def load_numpy(path: str | os.PathLike[str], kind: str,
               want: Callable[[str], bool] | Iterable[str] | None = None,
               max_bytes: int = MAX_ARRAY_BYTES):
    """``numpy.load(path, allow_pickle=False)`` of a ``.npy`` (one array) or ``.npz`` (a
    dict of named arrays); a pickle is never loaded, and every failure is one BadInput line.

    Each array's declared shape and dtype are read from its header first: more than
    ``max_bytes`` in total is refused before any data is decompressed. ``want`` (names or
    a predicate) limits which arrays of an .npz are read and checked.
    """
    keep = want if callable(want) or want is None else set(want).__contains__
    try:
        return _load_checked(path, kind, keep, max_bytes)
    except BadInput:
        raise
    except MemoryError:
        raise BadInput(f"{path}: the arrays do not fit in memory") from None
    except ValueError as exc:
        if "allow_pickle" in str(exc) or "Object arrays" in str(exc):
            raise BadInput(_PICKLED.format(path=path, kind=kind)) from None
        raise BadInput(f"{path}: not a readable {kind} file ({short(exc)})") from None
    except Exception as exc:  # BadZipFile, OSError, EOFError ...
        raise BadInput(
            f"{path}: not a readable {kind} file ({type(exc).__name__}: {short(exc)})"
        ) from None


def _load_checked(path, kind: str, keep, max_bytes: int):
    import numpy as np

    headers = array_headers(path, kind)
    if keep is not None:
        headers = {n: h for n, h in headers.items() if keep(n)}
    _check_declared(path, headers, max_bytes)
    data = np.load(path, allow_pickle=False)
    if kind == ".npz":
        if not hasattr(data, "files"):
            raise BadInput(f"{path}: a single array, not an .npz archive of named arrays")
        with data:
            return {name: data[name] for name in data.files if name in headers}
    if not isinstance(data, np.ndarray):
        raise BadInput(f"{path}: expected a single array in .npy format")
    return data
