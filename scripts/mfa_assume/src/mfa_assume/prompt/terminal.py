"""The MFA code typed on the controlling terminal, without echo.

The terminal is opened by the helper itself (``/dev/tty``), never standard input, output or
error: those are pipes under ``eval "$(mfa-assume ...)"`` and under ``credential_process``
(the AWS CLI and boto3 capture both output streams). Echo is switched off while the code is
typed, as botocore's own ``mfa_serial`` prompt does, and restored on every way out (Enter,
Ctrl-C, Ctrl-D, an error).

The file is opened unbuffered with ``os.open``: Python 3.11's ``open("/dev/tty", "r+")``
raises ``io.UnsupportedOperation`` (a terminal is not seekable), which an earlier version
took for "no terminal".
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from mfa_assume.checks import check_token_code
from mfa_assume.errors import ExitCode, HelperError, InputError

ATTEMPTS = 3
_MAX_LINE = 1024


def no_terminal(serial: str) -> HelperError:
    return HelperError(
        ExitCode.NO_TOKEN,
        f"an MFA code for {serial} is needed but there is no terminal to ask on; "
        "pass --token-code CODE, or --token-code - to read it from standard input, "
        "or set mfa_process in the profile",
    )


@contextlib.contextmanager
def _terminal(serial: str) -> Iterator[int]:
    """The controlling terminal's file descriptor, read/write."""
    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        raise no_terminal(serial) from None
    try:
        if not os.isatty(fd):
            raise no_terminal(serial)
        yield fd
    finally:
        os.close(fd)


@contextlib.contextmanager
def _echo_off(fd: int) -> Iterator[None]:
    import termios

    try:
        saved = termios.tcgetattr(fd)
    except termios.error:
        yield  # not a real terminal line discipline: read as it is
        return
    hidden = list(saved)
    hidden[3] &= ~termios.ECHO  # lflag
    termios.tcsetattr(fd, termios.TCSAFLUSH, hidden)
    try:
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSAFLUSH, saved)
        os.write(fd, b"\n")  # the Enter the user typed was not echoed


def _read_line(fd: int) -> str | None:
    """One line as typed (canonical mode), or None at end of input (Ctrl-D)."""
    data = b""
    while not data.endswith(b"\n") and len(data) < _MAX_LINE:
        chunk = os.read(fd, _MAX_LINE)
        if not chunk:
            return data.decode("utf-8", "replace") if data else None
        data += chunk
    return data.decode("utf-8", "replace")


def _ask_posix(serial: str) -> str:
    with _terminal(serial) as fd:
        error: InputError = InputError("no MFA code entered")
        for _ in range(ATTEMPTS):
            os.write(fd, f"MFA code for {serial}: ".encode())
            with _echo_off(fd):
                line = _read_line(fd)
            if line is None:
                raise HelperError(ExitCode.NO_TOKEN, "no MFA code entered (end of input)")
            try:
                return check_token_code(line)
            except InputError as exc:
                error = exc
                os.write(fd, (exc.message + "\n").encode())
        raise error


def tell(text: str) -> bool:
    """Show one line on the terminal (even when standard error is captured); False if none."""
    if os.name == "nt":  # pragma: no cover - Windows only
        return False
    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        return False
    try:
        os.write(fd, f"{text}\n".encode())
    finally:
        os.close(fd)
    return True


def _ask_windows(serial: str) -> str:  # pragma: no cover - Windows only
    import getpass  # reads the console itself (msvcrt), without echo

    return check_token_code(getpass.getpass(f"MFA code for {serial}: "))


def ask(serial: str) -> str:
    """Ask for the code on the terminal, up to three times if it is not six digits."""
    if os.name == "nt":  # pragma: no cover - Windows only
        return _ask_windows(serial)
    return _ask_posix(serial)
