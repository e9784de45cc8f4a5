"""The sign-in URL reaches the browser through a private page, never on a command line.

A browser is started with the URL as an argument, and every local user can read a process's
arguments (``/proc/<pid>/cmdline``, ``ps``) while it runs: the ``SigninToken`` in the URL
signs in as the role for 15 minutes. So the helper writes a small HTML page that sends the
browser on to the sign-in URL (``<meta http-equiv="refresh">``) into a new folder only the
user can enter (``mkdtemp``: 0700, unpredictable name; the page is created 0600, exclusively,
not through a link), and gives the browser ``file://`` and the page's path, which carries no
secret.

When to remove it: the browser reads the page some time after it was started (a cold start
takes seconds; ``webbrowser`` does not wait for it), and the page is useless once the token
expires. A small background process (:func:`main`, ``python -m mfa_assume.console_page``,
whose arguments are the folder only) removes the folder as soon as the page has been read
(its access time moves past its creation) or the token's 15 minutes are over, whichever
comes first. Until then only the user (and root) can read the page, as the user's own
``~/.aws/credentials``.

The folder is under ``$XDG_RUNTIME_DIR`` (a per-user 0700 tmpfs on systemd machines) when it
is set to a folder of the user's, else the system's temporary folder.
"""

from __future__ import annotations

import html
import os
import stat
import sys
from collections.abc import Callable, Mapping

from mfa_assume.console import TOKEN_VALID_SECONDS

PREFIX = "mfa-assume-console-"
PAGE = "signin.html"
POLL_SECONDS = 0.2


def page_html(url: str) -> str:
    """A page that sends the browser to ``url`` at once (and links it, without refresh)."""
    quoted = html.escape(url, quote=True)
    return (
        "<!doctype html>\n"
        '<html><head><meta charset="utf-8">'
        '<meta name="referrer" content="no-referrer">'
        f'<meta http-equiv="refresh" content="0;url={quoted}">'
        "<title>Signing in to the AWS console</title></head>\n"
        f'<body><p><a href="{quoted}">Continue to the AWS console</a></p></body></html>\n'
    )


def page_folder_base(env: Mapping[str, str]) -> str:
    """``$XDG_RUNTIME_DIR`` when it is an absolute folder of this user's that only they may
    enter (not a link), else the system's temporary folder."""
    import tempfile

    runtime = env.get("XDG_RUNTIME_DIR") or ""
    if os.path.isabs(runtime):
        try:
            info = os.stat(runtime, follow_symlinks=False)
        except OSError:
            info = None
        if (
            info is not None
            and stat.S_ISDIR(info.st_mode)
            and info.st_uid == os.getuid()
            and not info.st_mode & 0o077
        ):
            return runtime
    return tempfile.gettempdir()


def write_page(url: str, env: Mapping[str, str]) -> str:
    """The path of a new private page that leads to ``url``."""
    import tempfile

    folder = tempfile.mkdtemp(prefix=PREFIX, dir=page_folder_base(env))  # 0700, O_EXCL
    path = os.path.join(folder, PAGE)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(page_html(url))
    return path


def page_url(path: str) -> str:
    import pathlib

    return pathlib.Path(path).as_uri()


def remove_page(path: str) -> None:
    """Remove the page and its folder (either may be gone already)."""
    import contextlib

    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
    with contextlib.suppress(FileNotFoundError, OSError):
        os.rmdir(os.path.dirname(path))


def start_remover(path: str) -> None:
    """Start the background process that removes the page once read (or expired)."""
    import subprocess

    subprocess.Popen(
        [sys.executable, "-m", "mfa_assume.console_page", os.path.dirname(path)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        close_fds=True,
        start_new_session=True,  # outlives the helper, untouched by the terminal's Ctrl-C
    )


def was_read(path: str) -> bool:
    """Whether the page was read since it was written (its access time moved past its
    change time), or is gone."""
    try:
        info = os.stat(path, follow_symlinks=False)
    except FileNotFoundError:
        return True
    return info.st_atime_ns > info.st_ctime_ns


def remove_when_read(
    path: str,
    *,
    limit: float = TOKEN_VALID_SECONDS,
    monotonic: Callable[[], float] | None = None,
    pause: Callable[[float], None] | None = None,
) -> None:
    """Wait until the page was read or ``limit`` seconds passed, then remove it."""
    import time

    monotonic = monotonic or time.monotonic
    pause = pause or time.sleep
    deadline = monotonic() + limit
    while not was_read(path) and monotonic() < deadline:
        pause(POLL_SECONDS)
    remove_page(path)


def main(argv: list[str]) -> int:
    """``python -m mfa_assume.console_page FOLDER``: the remover (see the module's text)."""
    if len(argv) != 1 or not os.path.basename(argv[0]).startswith(PREFIX):
        return 2
    remove_when_read(os.path.join(argv[0], PAGE))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
