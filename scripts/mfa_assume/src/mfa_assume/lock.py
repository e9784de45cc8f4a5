"""One process at a time gets a new session for a cache entry; the others wait and share it.

A lock is taken only on a cache miss, so a hit costs nothing more. It is an advisory
``flock`` on ``<entry>.lock`` next to the entry (created 0600 in the private cache folder):

* the kernel releases it when its holder exits in any way, a crash or ``kill -9`` included,
  so a lock is never stale; the empty lock file stays and is reused;
* a waiter polls for it until ``MFA_ASSUME_LOCK_TIMEOUT`` seconds (default 300: the holder
  may be waiting for a person to type a code) and then gives up with exit code 12;
* when the cache folder cannot be written, no lock is taken (the session is not cached
  either, and a warning says so);
* after getting the lock the caller reads the cache again: the holder has usually just
  written the session there.

On Windows there is no ``fcntl``: no lock is taken (concurrent callers each ask for a code).
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator, Mapping

from mfa_assume import PROG
from mfa_assume.errors import ExitCode, HelperError, InputError

TIMEOUT_VARIABLE = "MFA_ASSUME_LOCK_TIMEOUT"
DEFAULT_TIMEOUT = 300.0
POLL_SECONDS = 0.05


def timeout_from(env: Mapping[str, str]) -> float:
    """Seconds to wait for another caller's lock (``MFA_ASSUME_LOCK_TIMEOUT``)."""
    text = env.get(TIMEOUT_VARIABLE)
    if text is None or not text.strip():
        return DEFAULT_TIMEOUT
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 3600:
        raise InputError(f"{TIMEOUT_VARIABLE}={text!r} is not valid; expected 0 to 3600 seconds")
    return seconds


@contextlib.contextmanager
def held(
    entry_path: str,
    timeout: float,
    *,
    monotonic: Callable[[], float] = time.monotonic,
    pause: Callable[[float], None] = time.sleep,
    waiting: Callable[[], None] | None = None,
) -> Iterator[None]:
    """Hold the lock of the cache entry at ``entry_path`` for the ``with`` block.

    ``waiting`` is called once, when the lock is found held by another caller (to say that
    this one waits for the other's MFA code)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    from mfa_assume import files

    try:
        # Opened relative to the folder just checked (never through a link, owned by this
        # user), so a link swapped in at the folder's path after the check is not followed.
        folder = files.open_private_dir(os.path.dirname(entry_path))
        try:
            flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
            fd = os.open(os.path.basename(entry_path) + ".lock", flags, 0o600, dir_fd=folder)
        finally:
            os.close(folder)
    except OSError:  # no cache folder to write: nothing to share either (a warning follows)
        yield
        return
    try:
        deadline = monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if waiting is not None:
                    waiting()
                    waiting = None
                if monotonic() >= deadline:
                    raise HelperError(
                        ExitCode.LOCK_TIMEOUT,
                        f"another {PROG} has been getting this session for more than "
                        f"{timeout:g} s (waiting for its MFA code?); finish or stop it and "
                        f"retry, or set {TIMEOUT_VARIABLE} to wait longer",
                    ) from None
                pause(POLL_SECONDS)
        yield
    finally:
        os.close(fd)  # releases the lock
