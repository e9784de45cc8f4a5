"""The MFA code on standard input: ``--token-code -`` (for scripts and password managers)."""

from __future__ import annotations

from typing import TextIO

from mfa_assume.checks import check_token_code
from mfa_assume.errors import ExitCode, HelperError


def read(stdin: TextIO) -> str:
    line = stdin.readline(1024)
    if not line.strip():
        raise HelperError(
            ExitCode.NO_TOKEN,
            "--token-code - was given but standard input was empty; "
            "send the six-digit MFA code on standard input",
        )
    return check_token_code(line)
