"""The MFA code printed by the profile's ``mfa_process`` command, as in aws-vault.

``mfa_process = ykman oath accounts code --single arn:aws:iam::123456789012:mfa/alice`` or
``mfa_process = op item get aws --otp``: the command runs through the shell (``/bin/sh -c``,
as aws-vault's ``ProcessMfaProvider`` does, so quoting and ``$VARIABLES`` work as typed in
the config file; ``cmd.exe /c`` on Windows). Its standard output, stripped, must be the six
digits. Standard input is ``/dev/null``; standard error is the helper's own, so messages such
as ykman's "Touch your YubiKey..." reach the user (under ``credential_process`` the AWS CLI
captures it and shows it only when the helper fails).

The command runs in a session of its own: when it does not finish within
:data:`DEFAULT_TIMEOUT` seconds (``MFA_ASSUME_MFA_PROCESS_TIMEOUT`` to change it), or the user
presses Ctrl-C, its whole process group is killed, not just the shell. A consequence: it has
no controlling terminal and cannot prompt on it (sign in to the password manager first).

Every failure is exit code 3 (no MFA code could be read) with a one-line message that never
repeats the command line (it may hold a TOTP seed) nor its output (it may be a code).
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import subprocess
import sys
from collections.abc import Mapping

from mfa_assume.checks import check_token_code
from mfa_assume.errors import ExitCode, HelperError, InputError
from mfa_assume.prompt import CodeSource

TIMEOUT_VARIABLE = "MFA_ASSUME_MFA_PROCESS_TIMEOUT"
DEFAULT_TIMEOUT = 60.0
MAX_TIMEOUT = 3600.0
_SHELL_NOT_FOUND, _SHELL_NOT_EXECUTABLE = 127, 126  # POSIX shell exit statuses


def timeout_from(env: Mapping[str, str]) -> float:
    """Seconds to wait for the command: ``MFA_ASSUME_MFA_PROCESS_TIMEOUT``, default 60."""
    text = env.get(TIMEOUT_VARIABLE, "").strip()
    if not text:
        return DEFAULT_TIMEOUT
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and 0 < seconds <= MAX_TIMEOUT):
        raise InputError(
            f"{TIMEOUT_VARIABLE}={text!r} is not valid; expected seconds above 0 and at most "
            f"{MAX_TIMEOUT:g} (default {DEFAULT_TIMEOUT:g})"
        )
    return seconds


def source(command: str, env: Mapping[str, str], *, profile: str | None = None) -> CodeSource:
    """A code source running ``command``; the timeout is checked now, before any AWS call."""
    timeout = timeout_from(env)
    label = f"mfa_process of profile {profile!r}" if profile else "mfa_process"

    def ask(serial: str) -> str:
        return run(command, env, timeout=timeout, label=label)

    return ask


def run(command: str, env: Mapping[str, str], *, timeout: float, label: str) -> str:
    """Run ``command`` and return the six digits it printed, or raise exit code 3."""
    try:
        process = subprocess.Popen(
            command,
            shell=True,  # /bin/sh -c COMMAND (COMSPEC /c on Windows), like aws-vault
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=None,  # passed through: prompts like "Touch your YubiKey"
            env=dict(env),
            start_new_session=sys.platform != "win32",
        )
    except OSError as exc:
        raise _failed(f"cannot run {label}: {exc.strerror}") from None
    with process:
        try:
            out, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill(process)
            raise _failed(
                f"{label} did not finish within {timeout:g} seconds and was stopped; "
                f"set {TIMEOUT_VARIABLE} to wait longer"
            ) from None
        except BaseException:  # Ctrl-C: the command must not outlive the helper
            _kill(process)
            raise
    status = process.returncode
    if status < 0:
        raise _failed(f"{label} was killed by signal {-status}; no MFA code was read")
    if status == _SHELL_NOT_FOUND:
        raise _failed(f"{label}: command not found (exit status {status})")
    if status == _SHELL_NOT_EXECUTABLE:
        raise _failed(f"{label}: command not executable (exit status {status})")
    if status != 0:
        raise _failed(f"{label} failed with exit status {status}; no MFA code was read")
    text = out.decode("utf-8", "replace").strip()
    if not text:
        raise _failed(f"{label} printed nothing; expected the six-digit MFA code on its output")
    try:
        return check_token_code(text)
    except InputError:  # its message is about a typed code; this one names the command
        raise _failed(
            f"{label} printed something that is not six digits; expected only the "
            "six-digit MFA code on its output"
        ) from None


def _failed(message: str) -> HelperError:
    return HelperError(ExitCode.NO_TOKEN, message)


def _kill(process: subprocess.Popen[bytes]) -> None:
    """Kill the command's whole process group (the shell and what it started), then reap."""
    if sys.platform == "win32":  # pragma: no cover - Windows only
        process.kill()
    else:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
    process.wait()
