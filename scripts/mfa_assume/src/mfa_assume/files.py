"""Private, atomic file writes shared by the cache and ``--write-profile``."""

from __future__ import annotations

import os


def ensure_private_dir(directory: str) -> None:
    """Create ``directory`` with mode 0700, or tighten it; refuse one owned by someone else."""
    os.makedirs(directory, mode=0o700, exist_ok=True)
    info = os.stat(directory)
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise PermissionError(f"{directory} is owned by another user")
    if os.name == "posix" and info.st_mode & 0o077:
        os.chmod(directory, 0o700)


def write_private_file(path: str, text: str) -> None:
    """Write ``text`` to ``path`` atomically with mode 0600.

    A temporary file (created 0600 by ``mkstemp``) in the same folder is written, flushed to
    disk and renamed over ``path``: readers see the old or the new content, never a mix, and
    concurrent writers each rename a complete file. A missing folder is created 0700.
    """
    import contextlib
    import tempfile  # only on the write path, to keep cache hits fast

    directory = os.path.dirname(path) or "."
    os.makedirs(directory, mode=0o700, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
