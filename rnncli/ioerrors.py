"""OS errors of reading and writing files, as one line naming the file.

``write_failed``/``read_failed``: the path, the OS's reason ("no space left on device"),
what was kept; exit 1 for the machine's failure (a full disk, a file too large, an I/O
error), 2 for a path the OS refuses. ``root_cause`` finds the OSError (or Ctrl-C/SIGTERM)
behind a library's own exception; ``disk_full`` recognises a full disk behind a library
that writes the path itself.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from rnncli.errors import BadInput, RnncliError, short


def disk_full(p: Path, exc: Exception) -> OSError | None:
    """The OS error behind a library's own exception about a failed write, when its text
    says so or the file system has no space left (torch.save to a path: "enforce fail")."""
    text = str(exc)
    for code in (errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)):
        if os.strerror(code) in text:
            return OSError(code, os.strerror(code))
    try:
        st = os.statvfs(p.parent if str(p.parent) else ".")
    except (OSError, AttributeError):
        return None
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)) if st.f_bavail == 0 else None


#: errno values that are the machine's failure (exit 1), not a bad path (exit 2)
MACHINE_ERRNOS = frozenset({errno.ENOSPC, errno.EFBIG, errno.EIO, errno.ENOMEM,
                            getattr(errno, "EDQUOT", errno.ENOSPC)})


def write_failed(p: Path, exc: OSError) -> RnncliError:
    """One line for a failed write: the path, the OS's reason, what was kept."""
    reason = exc.strerror or short(exc)
    reason = reason[:1].lower() + reason[1:]
    kept = "the previous file is kept" if p.exists() else "nothing was written"
    cls = RnncliError if exc.errno in MACHINE_ERRNOS else BadInput
    return cls(f"cannot write {p}: {reason}; {kept}")


def root_cause(exc: BaseException) -> BaseException:
    """The OSError or Ctrl-C/SIGTERM behind a writer's own error: torch's zip writer,
    closing after a failed write, raises ``RuntimeError: [enforce fail ...]`` over it."""
    seen = exc
    for _ in range(8):
        if isinstance(seen, (OSError, KeyboardInterrupt)):
            return seen
        seen = seen.__cause__ or seen.__context__
        if seen is None:
            break
    return exc


def read_failed(p: Path | str, exc: OSError, option: str = "") -> RnncliError:
    """One line for a failed read, naming the file (exit 1 for the machine's failure)."""
    cls = RnncliError if exc.errno in MACHINE_ERRNOS else BadInput
    where = f"{option} {p}" if option else str(p)
    return cls(f"{where}: cannot read ({exc.strerror or short(exc)})")
