"""Per-user cache of temporary credentials, one JSON file per role, session and caller.

Rules: the folder is ``$XDG_CACHE_HOME/mfa-assume`` or ``~/.cache/mfa-assume`` (mode 0700,
created and checked without following a link: :func:`mfa_assume.files.open_private_dir`),
files are 0600 and written atomically (temporary file in the same folder, then
``os.replace``), so concurrent runs never see a half-written file. A file that cannot be
parsed, belongs to someone else or is readable by others is ignored (and replaced on the
next write). Entries are used until ``MARGIN`` before they expire. botocore (so boto3 and the
AWS CLI) refreshes ``credential_process`` credentials that have less than 15 minutes left (its
advisory window; below 10 minutes it insists), and re-runs the process on every request until
it gets credentials with more: ``_DEFAULT_ADVISORY_REFRESH_TIMEOUT = 15 * 60`` in
https://github.com/boto/botocore/blob/develop/botocore/credentials.py (see also
https://github.com/boto/botocore/issues/2189). So the helper hands out only credentials with
more than 15 minutes left, plus a minute for the SDK to use them: a running client then
starts the helper once per session, at 15 minutes left, and gets new credentials.

This module is on the cache-hit path: it imports nothing heavy (``tempfile`` only when
writing) and never boto3. ``json`` and ``Credentials`` are imported where they are used:
the shortcut (:mod:`mfa_assume.shortcut`) needs only the folder, ``read_bytes`` and ``MARGIN``.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping

from mfa_assume import PROG, files

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads it the same)
if TYPE_CHECKING:
    import datetime as dt
    from typing import Any

    from mfa_assume.credentials import Credentials
else:
    try:  # the same classes; datetime.py itself first builds its Python version, ~1.5 ms
        import _datetime as dt
    except ImportError:  # pragma: no cover - other implementations
        import datetime as dt

try:  # the builtin module: importing hashlib loads OpenSSL, ~2 ms on the cache-hit path
    from _sha256 import sha256 as _sha256  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - Python >= 3.12 or other builds
    from hashlib import sha256 as _sha256

SDK_ADVISORY_REFRESH = dt.timedelta(minutes=15)  # botocore's advisory refresh window
MARGIN = SDK_ADVISORY_REFRESH + dt.timedelta(minutes=1)
FORMAT_VERSION = 1
MAX_ENTRY_BYTES = 64 * 1024  # an entry is a few hundred bytes; anything larger is not one


def cache_dir(env: Mapping[str, str]) -> str:
    """``$XDG_CACHE_HOME/mfa-assume``, or ``~/.cache/mfa-assume`` when it is unset or not
    absolute (the XDG Base Directory spec says to ignore a relative path)."""
    base = env.get("XDG_CACHE_HOME") or ""
    if not os.path.isabs(base):
        base = os.path.join(env.get("HOME") or os.path.expanduser("~"), ".cache")
    return os.path.join(base, PROG)


def key_for(parts: Mapping[str, str]) -> str:
    """A file-name-safe digest; the parts themselves are never written to disk."""
    import json

    canonical = json.dumps(dict(parts), sort_keys=True, separators=(",", ":"))
    return sha256_hex(canonical.encode())


def sha256_hex(data: bytes) -> str:
    """SHA-256 in hex, without importing hashlib where the builtin module exists."""
    digest: str = _sha256(data).hexdigest()
    return digest


def entry_path(directory: str, key: str) -> str:
    return os.path.join(directory, f"{key}.json")


def read_bytes(path: str) -> bytes | None:
    """The content of a regular, private file of ours of at most ``MAX_ENTRY_BYTES``.

    Opened without following a link and without blocking (a FIFO would block ``open``),
    and checked with ``fstat`` before anything is read: a folder, FIFO, device or socket,
    or a file too large to be an entry, is not an entry.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or _unsafe(info) or info.st_size > MAX_ENTRY_BYTES:
            return None
        chunks: list[bytes] = []
        size = 0
        while chunk := os.read(fd, MAX_ENTRY_BYTES + 1 - size):
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_ENTRY_BYTES:  # grew since fstat
                return None
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


def read(path: str) -> dict[str, Any] | None:
    """The entry's JSON object when it is ours, private and of this format; else None."""
    import json

    raw = read_bytes(path)
    if raw is None:
        return None
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested too deeply
        return None
    if not isinstance(data, dict) or data.get("Version") != FORMAT_VERSION:
        return None
    return data


def credentials_in(data: Mapping[str, Any] | None) -> Credentials | None:
    from mfa_assume.credentials import Credentials

    if data is None:
        return None
    try:
        return Credentials.from_dict(data)
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def load(path: str, now: dt.datetime, margin: dt.timedelta = MARGIN) -> Credentials | None:
    """Cached credentials with more than ``margin`` left, or None."""
    creds = credentials_in(read(path))
    if creds is None or creds.seconds_left(now) <= margin.total_seconds():
        return None
    return creds


def private_entry(path: str) -> os.stat_result | None:
    """``path``'s stat (not following a link) when it is a regular file of ours that no one
    else may read, in a folder of ours that no one else may enter; else None. The shortcut
    checks the entry it names with this: the same rules as :func:`read_bytes`."""
    try:
        info = os.stat(path, follow_symlinks=False)
        folder = os.stat(os.path.dirname(path), follow_symlinks=False)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode) or _unsafe(info):
        return None
    if not stat.S_ISDIR(folder.st_mode) or _unsafe(folder):  # a link there is not our folder
        return None
    return info


def _unsafe(info: os.stat_result) -> bool:
    """Owned by someone else, or readable/writable by group or others."""
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        return True
    return os.name == "posix" and bool(info.st_mode & 0o077)


def store(path: str, creds: Credentials, **extra: str) -> None:
    """Write ``creds`` (and ``extra`` fields) to ``path`` atomically with mode 0600."""
    import json

    data = {"Version": FORMAT_VERSION, **creds.to_dict(), **extra}
    folder = files.open_private_dir(os.path.dirname(path))  # never through a link
    try:
        files.write_private_file(os.path.basename(path), json.dumps(data) + "\n", dir_fd=folder)
    finally:
        os.close(folder)
