"""The shortcut: a run that repeats an earlier one prints that run's answer straight away.

Which cache entry a run uses, and what it prints, follow from its inputs alone: its options,
the environment variables the helper reads (``AWS_*``, ``MFA_ASSUME_*``, ``HOME``,
``XDG_CACHE_HOME``), the bytes of the AWS config and credentials files, the helper's own code
(its modules' sizes and mtimes), and the entry itself.
After a run that printed credentials from a valid entry, :func:`remember` writes a shortcut
file in the cache folder, ``<digest>.shortcut``, named after a digest of those inputs and
holding the text printed, the entry's path and identity (device, inode, size, mtime) and
the credentials' expiry. A later run with the same inputs (:func:`answer`) reads the two AWS
files without parsing them, finds the file and prints its text when the entry is still the
same file, still private in a private folder (the cache's own rules: otherwise the normal
path ignores the entry and tightens the folder), and the credentials have more than
``cache.MARGIN`` left: no INI parsing, no
validation (the same inputs passed it), no JSON, about half the time of a cache hit.
Anything else (another option or variable, an edited file, an entry replaced by
``--refresh`` or a new session) finds no valid shortcut, and the normal path runs.

Only runs that print credentials get one: not ``--refresh``, ``--write-profile`` or
``-- command``. A shortcut file holds credentials like an entry does: it is written and read
with the same rules (0600 in the private folder, ours, regular, not a link), and files
older than any session are removed when another one is written. Rule for new code: anything
else that the choice of entry or the output comes to depend on must go into
:func:`inputs_digest` (tests/mfa_assume/test_shortcut.py checks the variables read).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

from mfa_assume import __version__, awsfiles, cache

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads it the same)
if TYPE_CHECKING:
    from mfa_assume.credentials import Credentials

FORMAT = "1"
SUFFIX = ".shortcut"
VARIABLE_PREFIXES = ("AWS_", "MFA_ASSUME_")
VARIABLES = frozenset({"HOME", "XDG_CACHE_HOME"})
MAX_AGE = 13 * 3600  # seconds; longer than any session (12 hours): the file has expired
_PACKAGE = os.path.dirname(os.path.abspath(__file__))


def _piece(data: bytes) -> bytes:
    return b"%d:" % len(data) + data


def _text(value: str) -> bytes:
    return value.encode("utf-8", "surrogateescape")  # os.environ may hold undecodable bytes


def _code() -> str:
    """The package's modules by name, size and mtime: an edited or upgraded helper gives
    other digests, even without a new version number."""
    with os.scandir(_PACKAGE) as found:
        stamps = [(item.name, item.stat()) for item in found if item.name.endswith(".py")]
    return " ".join(f"{name}:{info.st_size}:{info.st_mtime_ns}" for name, info in sorted(stamps))


def inputs_digest(args: Sequence[str], env: Mapping[str, str]) -> str | None:
    """A digest of everything a run's answer depends on; None if an AWS file (or the package
    folder) cannot be read.

    Each piece is length-prefixed and the counts come first, so that different inputs never
    make the same bytes."""
    variables = [name for name in sorted(env) if name.startswith(VARIABLE_PREFIXES)]
    variables += [name for name in sorted(VARIABLES) if name in env]
    try:
        head = f"{FORMAT} {__version__} {len(args)} {len(variables)} {_code()}"
    except OSError:
        return None
    pieces = [_text(head), *map(_text, args)]
    for name in variables:
        pieces += [_text(name), _text(env[name])]
    for path in (awsfiles.config_path(env), awsfiles.credentials_path(env)):
        try:
            with open(path, "rb") as handle:
                pieces.append(b"+" + handle.read())  # a missing file is the empty piece
        except (FileNotFoundError, NotADirectoryError):
            pieces.append(b"")
        except OSError:
            return None
    return cache.sha256_hex(b"".join(map(_piece, pieces)))


def shortcut_path(env: Mapping[str, str], digest: str) -> str:
    return os.path.join(cache.cache_dir(env), digest + SUFFIX)


def _identity(info: os.stat_result) -> str:
    return f"{info.st_dev} {info.st_ino} {info.st_size} {info.st_mtime_ns}"


def answer(args: Sequence[str], env: Mapping[str, str], now: float) -> str | None:
    """The text an earlier run with these inputs printed, when still valid at ``now``
    (seconds since the epoch); None otherwise (the normal path decides)."""
    digest = inputs_digest(args, env)
    raw = None if digest is None else cache.read_bytes(shortcut_path(env, digest))
    if raw is None:
        return None
    try:
        head, entry, text = raw.decode("utf-8").split("\n", 2)
        version, expires, identity = head.split(" ", 2)
        info = cache.private_entry(entry)  # a 0644 entry or 0755 folder: the normal path
        same_entry = info is not None and identity == _identity(info)
        seconds_left = int(expires) - now
    except ValueError:
        return None
    if version != FORMAT or not same_entry or seconds_left <= cache.MARGIN.total_seconds():
        return None
    return text


def remember(
    args: Sequence[str], env: Mapping[str, str], entry: str, creds: Credentials, text: str
) -> None:
    """After a run with ``args`` printed ``text`` for ``creds`` from the cache entry at
    ``entry``: write the shortcut for its inputs. Best effort: nothing is written when the
    entry is missing or no longer holds ``creds``, and a failed write is not an error."""
    digest = inputs_digest(args, env)
    if digest is None:
        return
    try:
        info = os.stat(entry, follow_symlinks=False)
    except OSError:
        return
    if cache.credentials_in(cache.read(entry)) != creds:  # not cached, or replaced since
        return
    from mfa_assume import files

    head = f"{FORMAT} {int(creds.expiration.timestamp())} {_identity(info)}"
    path = shortcut_path(env, digest)
    try:
        files.write_private_file(path, f"{head}\n{entry}\n{text}")
        _prune(os.path.dirname(path), keep=path)
    except OSError:
        pass


def _prune(directory: str, keep: str) -> None:
    """Remove shortcut files older than any session (they hold expired credentials)."""
    import time

    oldest = time.time() - MAX_AGE
    with os.scandir(directory) as found:
        for item in found:
            if not item.name.endswith(SUFFIX) or item.path == keep:
                continue
            if item.is_file(follow_symlinks=False) and item.stat().st_mtime < oldest:
                os.unlink(item.path)
