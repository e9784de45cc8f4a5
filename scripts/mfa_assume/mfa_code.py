"""Read the MFA code: from standard input (``--token-code -``) or a terminal prompt.

The prompt opens the terminal itself (``/dev/tty``), never standard output or standard
error, so it also works when the helper runs as a ``credential_process`` whose output is
captured. The opener is injectable for tests.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TextIO

from mfa_assume.checks import check_token_code
from mfa_assume.errors import ExitCode, HelperError, InputError

TtyOpener = Callable[[], TextIO]
PROMPT_ATTEMPTS = 3


def open_tty() -> TextIO:
    """The controlling terminal for reading and writing; ``OSError`` when there is none."""
    if os.name == "nt":
        return open("CON", "r+", encoding="utf-8")  # pragma: no cover - Windows only
    return open("/dev/tty", "r+", encoding="utf-8")


def read_from_stdin(stdin: TextIO) -> str:
    line = stdin.readline()
    if not line.strip():
        raise HelperError(
            ExitCode.NO_TOKEN,
            "--token-code - was given but standard input was empty; "
            "send the six-digit MFA code on standard input",
        )
    return check_token_code(line)


def prompt(opener: TtyOpener, serial: str) -> str:
    """Ask on the terminal, up to three times if what is typed is not six digits."""
    try:
        tty = opener()
    except OSError:
        raise HelperError(
            ExitCode.NO_TOKEN,
            f"an MFA code for {serial} is needed but there is no terminal to ask on; "
            "pass --token-code CODE, or --token-code - to read it from standard input",
        ) from None
    with tty:
        error = InputError("no MFA code entered")
        for _ in range(PROMPT_ATTEMPTS):
            tty.write(f"MFA code for {serial}: ")
            tty.flush()
            line = tty.readline()
            if not line:
                raise HelperError(ExitCode.NO_TOKEN, "no MFA code entered (end of input)")
            try:
                return check_token_code(line)
            except InputError as exc:
                error = exc
                tty.write(exc.message + "\n")
        raise error
