"""Per-user cache of temporary credentials, one JSON file per role, session and caller.

Rules: the folder is ``$XDG_CACHE_HOME/mfa-assume`` or ``~/.cache/mfa-assume`` (mode 0700),
files are 0600 and written atomically (temporary file in the same folder, then
``os.replace``), so concurrent runs never see a half-written file. A file that cannot be
parsed, belongs to someone else or is readable by others is ignored (and replaced on the
next write). Entries are used until ``MARGIN`` before they expire: botocore refreshes
``credential_process`` credentials that have less than 10 minutes left, so handing out
anything shorter would make it call the helper again at once.

This module is on the cache-hit path: it imports nothing heavy (``tempfile`` only when
writing) and never boto3.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Mapping

from mfa_assume import PROG, files
from mfa_assume.credentials import Credentials

try:  # the builtin module: importing hashlib loads OpenSSL, ~2 ms on the cache-hit path
    from _sha256 import sha256 as _sha256  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - Python >= 3.12 or other builds
    from hashlib import sha256 as _sha256

MARGIN = dt.timedelta(minutes=10)
FORMAT_VERSION = 1


def cache_dir(env: Mapping[str, str]) -> str:
    base = env.get("XDG_CACHE_HOME") or os.path.join(
        env.get("HOME") or os.path.expanduser("~"), ".cache"
    )
    return os.path.join(base, PROG)


def key_for(parts: Mapping[str, str]) -> str:
    """A file-name-safe digest; the parts themselves are never written to disk."""
    canonical = json.dumps(dict(parts), sort_keys=True, separators=(",", ":"))
    digest: str = _sha256(canonical.encode()).hexdigest()
    return digest


def entry_path(directory: str, key: str) -> str:
    return os.path.join(directory, f"{key}.json")


def load(path: str, now: dt.datetime, margin: dt.timedelta = MARGIN) -> Credentials | None:
    """Cached credentials with more than ``margin`` left, or None."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    with os.fdopen(fd, encoding="utf-8") as handle:
        try:
            info = os.fstat(handle.fileno())
            if _unsafe(info):
                return None
            data = json.load(handle)
            if data.get("Version") != FORMAT_VERSION:
                return None
            creds = Credentials.from_dict(data)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None
    if creds.seconds_left(now) <= margin.total_seconds():
        return None
    return creds


def _unsafe(info: os.stat_result) -> bool:
    """Owned by someone else, or readable/writable by group or others."""
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        return True
    return os.name == "posix" and bool(info.st_mode & 0o077)


def store(path: str, creds: Credentials) -> None:
    """Write ``creds`` to ``path`` atomically with mode 0600."""
    data = {"Version": FORMAT_VERSION, **creds.to_dict()}
    files.ensure_private_dir(os.path.dirname(path))
    files.write_private_file(path, json.dumps(data) + "\n")
