"""Exit codes and the one exception type the command-line layer turns into a message.

| Code | Meaning                                                                     |
|------|-----------------------------------------------------------------------------|
| 0    | Success (with ``-- command``: the command's own exit code is passed through) |
| 1    | Unexpected AWS error (the message names the AWS error code)                  |
| 2    | Invalid input, found before any AWS call (flags, usage, profile, token, ARN, |
|      | region, endpoint URL, session tags, source_profile loop, credential_process  |
|      | loop, a section or key twice in a file)                                      |
| 3    | An MFA code is needed but none could be read (no terminal, empty stdin)      |
| 4    | Base credentials missing, expired or invalid (or a key id without its secret) |
| 5    | The role requires MFA and no MFA code was sent                               |
| 6    | MFA code rejected (wrong, expired, already used, or serial not yours)        |
| 7    | MFA device serial could not be found (not permitted to list MFA devices)     |
| 8    | Access denied for another reason (trust policy, permissions)                 |
| 9    | Requested duration above the role's maximum session duration, or above one  |
|      | hour for role chaining (temporary base credentials)                          |
| 10   | AWS endpoint unreachable                                                     |
| 11   | A local file could not be written (credentials file, output)                 |
| 12   | Timed out waiting for another run that is getting the same session           |
| 13   | ``console``: these credentials cannot sign in to the AWS console (long-term  |
|      | keys, an MFA session's GetSessionToken credentials, or refused by the        |
|      | federation endpoint)                                                         |
| 14   | ``console``: no browser to open the sign-in URL (use ``--print-url``)        |
| 15   | ``setup``: no profiles for you (nothing published, or no role trusts you)    |
| 16   | ``setup --check``: a profile's ``credential_process`` command does not run   |
| 126  | ``-- command`` found but not executable                                      |
| 127  | ``-- command`` not found                                                     |
| 130  | Interrupted (Ctrl-C)                                                         |
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import TextIO

from mfa_assume import PROG


class ExitCode(enum.IntEnum):
    OK = 0
    AWS_OTHER = 1
    INVALID_INPUT = 2
    NO_TOKEN = 3
    BASE_CREDENTIALS = 4
    MFA_REQUIRED = 5
    MFA_REJECTED = 6
    SERIAL_NOT_FOUND = 7
    ACCESS_DENIED = 8
    DURATION_TOO_LONG = 9
    ENDPOINT_UNREACHABLE = 10
    LOCAL_WRITE = 11
    LOCK_TIMEOUT = 12
    CANNOT_SIGN_IN = 13
    NO_BROWSER = 14
    NO_PROFILES = 15
    CHECK_FAILED = 16
    COMMAND_NOT_EXECUTABLE = 126
    COMMAND_NOT_FOUND = 127
    INTERRUPTED = 130


class HelperError(Exception):
    """A failure that ends the run with a one-line message and a documented exit code.

    Messages never contain secrets (secret keys, session tokens, MFA codes).
    """

    def __init__(self, code: ExitCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class InputError(HelperError):
    """Invalid input found before any AWS call (exit code 2)."""

    def __init__(self, message: str) -> None:
        super().__init__(ExitCode.INVALID_INPUT, message)


def reported(run: Callable[[], int], stderr: TextIO) -> int:
    """``run()``'s exit code; a :class:`HelperError` or Ctrl-C that ends it is written to
    ``stderr`` as one line and becomes its exit code."""
    try:
        return run()
    except HelperError as exc:
        stderr.write(f"{PROG}: {exc.message}\n")
        return int(exc.code)
    except KeyboardInterrupt:
        stderr.write(f"{PROG}: interrupted\n")
        return ExitCode.INTERRUPTED
