"""Private, atomic file writes shared by the cache and ``--write-profile``.

The cache folder may sit in a shared or world-writable ``XDG_CACHE_HOME``, where another user
can plant a symbolic link, a folder of their own or a file at its name. The folder is
therefore created and checked without following a link (``O_NOFOLLOW | O_DIRECTORY``, then
``fstat`` of what was opened: owner and mode), tightened through that descriptor (``fchmod``),
and entries are written relative to it (``openat``-style ``dir_fd``), so a link swapped in after
the check is never followed either. Each refusal is an :class:`OSError` whose ``strerror``
says why and what to do.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat

_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0)


def _refusal(directory: str, why: str) -> PermissionError:
    return PermissionError(
        errno.EPERM,
        f"{directory} {why}; the helper keeps secrets only in a folder of its own: remove it, "
        "or set XDG_CACHE_HOME to a folder only you can write",
    )


def open_private_dir(directory: str) -> int:
    """A descriptor of ``directory``: created 0700 if missing, never through a link, owned by
    this user, and tightened to 0700 if others could enter it. The caller closes it."""
    parent = os.path.dirname(directory) or "."
    os.makedirs(parent, mode=0o700, exist_ok=True)
    with contextlib.suppress(FileExistsError):  # whatever is there is checked below
        os.mkdir(directory, 0o700)
    try:
        fd = os.open(directory, _DIR_FLAGS)
    except OSError as error:
        if error.errno in (errno.ELOOP, errno.EMLINK) or os.path.islink(directory):
            raise _refusal(
                directory, "is a symbolic link, which the helper does not follow"
            ) from error
        if error.errno == errno.ENOTDIR:
            raise _refusal(directory, "is not a folder") from error
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISDIR(info.st_mode):  # pragma: no cover - O_DIRECTORY refuses it
            raise _refusal(directory, "is not a folder")
        if hasattr(os, "getuid") and info.st_uid != os.getuid():
            raise _refusal(directory, f"belongs to another user (uid {info.st_uid})")
        if os.name == "posix" and info.st_mode & 0o077:
            os.fchmod(fd, 0o700)
    except BaseException:
        os.close(fd)
        raise
    return fd


def ensure_private_dir(directory: str) -> None:
    """Create ``directory`` with mode 0700, or tighten it; refuse a link or another's folder."""
    os.close(open_private_dir(directory))


def write_private_file(path: str, text: str, *, dir_fd: int | None = None) -> None:
    """Write ``text`` to ``path`` atomically with mode 0600.

    A temporary file (created 0600, exclusively, not through a link) in the same folder is
    written, flushed to disk and renamed over ``path``: readers see the old or the new
    content, never a mix, and concurrent writers each rename a complete file. With
    ``dir_fd`` (from :func:`open_private_dir`), ``path`` is a name in that folder and every
    step is relative to the descriptor. Without it, a missing folder is created 0700.
    """
    if dir_fd is None:
        directory = os.path.dirname(path) or "."
        os.makedirs(directory, mode=0o700, exist_ok=True)
        name = path
    else:
        name = os.path.basename(path)
        directory = os.path.dirname(name)
    tmp = os.path.join(directory, f".tmp-{os.urandom(8).hex()}.part")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(tmp, flags, 0o600, dir_fd=dir_fd)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp, dir_fd=dir_fd)
        raise
