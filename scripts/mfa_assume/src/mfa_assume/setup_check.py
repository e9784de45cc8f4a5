"""``mfa-assume setup --check``: does every profile's ``credential_process`` command run?

A command the AWS CLI cannot start fails with only ``[Errno 2] No such file or directory``,
and only when credentials are wanted (under cron: at night). This check finds that first: a
command that is not on the PATH (or not at its absolute path), not executable, or (for this
helper) one that does not start: ``--version`` is run, which asks for nothing. A helper
named without its path is reported too: it runs here, but not under a short PATH (cron,
IDEs, services); ``mfa-assume setup`` writes the absolute path.

A role profile the helper assumes without ``mfa_serial`` gets a warning, not a failure: the
helper then lists the caller's MFA devices at each new session, which works only with
``iam:ListMFADevices`` and one device, and this check makes no AWS call to find out.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from collections.abc import Mapping
from typing import TextIO

from mfa_assume import PROG, profiles
from mfa_assume.errors import ExitCode

COMMAND = f"{PROG} setup --check"
VERSION_TIMEOUT_SECONDS = 20


def problem(command: str, env: Mapping[str, str]) -> str | None:
    """Why ``command`` (a ``credential_process`` value) does not run; None when it does."""
    try:
        words = shlex.split(command)
    except ValueError as exc:
        return f"its command cannot be split into words ({exc})"
    if not words:
        return "its command is empty"
    program = words[0]
    helper = profiles.runs_helper(command)
    if os.sep not in program:
        found = shutil.which(program, path=env.get("PATH", os.defpath))
        if found is None:
            return f"{program!r} is not on the PATH"
        if helper:
            return (
                f"{program!r} is found on this PATH only, not under a short PATH (cron, IDEs, "
                f"services); run {PROG} setup to write its absolute path ({found})"
            )
        return None
    if not os.path.isfile(program):
        return f"{program} does not exist"
    if not os.access(program, os.X_OK):
        return f"{program} is not executable"
    if not helper:
        return None
    first_option = next((i for i, w in enumerate(words) if w.startswith("--")), len(words))
    start = words[:first_option]
    try:
        done = subprocess.run(
            [*start, "--version"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=VERSION_TIMEOUT_SECONDS,
            check=False,
            env=dict(env),
        )
    except OSError as exc:
        return f"{program} cannot be started ({exc.strerror})"
    except subprocess.TimeoutExpired:
        return f"{program} --version did not finish in {VERSION_TIMEOUT_SECONDS} s"
    if done.returncode != 0:
        return f"{' '.join(start)} --version exits with {done.returncode}"
    return None


def _helper_profile(command: str) -> str | None:
    """The profile a ``credential_process`` that runs this helper names (``--profile X``)."""
    if not profiles.runs_helper(command):
        return None
    try:
        words = shlex.split(command)
    except ValueError:
        return None
    at = next((i for i, word in enumerate(words[:-1]) if word == "--profile"), None)
    return None if at is None else words[at + 1]


def check(env: Mapping[str, str], stderr: TextIO) -> int:
    """One line per profile whose command does not run; exit 16 when there is one."""
    config = profiles.read_files(env).config
    checked = failed = 0
    for name, section in config.items():
        command = section.get("credential_process")
        if command is None:
            continue
        checked += 1
        reason = problem(command, env)
        if reason is not None:
            failed += 1
            stderr.write(f"{COMMAND}: profile {name!r}: {reason}\n")
        role = _helper_profile(command)
        if (
            role is not None
            and role in config
            and "role_arn" in config[role]
            and "mfa_serial" not in config[role]
        ):
            stderr.write(
                f"{COMMAND}: warning: profile {role!r} has no mfa_serial: the helper lists "
                "your MFA devices (iam:ListMFADevices) for each new session and fails if you "
                f"may not or have several; run {PROG} setup --serial-number "
                "arn:aws:iam::ACCOUNT:mfa/NAME, or ask for mfaSerial in the configuration\n"
            )
    if failed:
        return ExitCode.CHECK_FAILED
    if checked == 1:
        stderr.write(f"{COMMAND}: the credential_process of 1 profile runs\n")
    else:
        stderr.write(f"{COMMAND}: the credential_process of each of {checked} profiles runs\n")
    return ExitCode.OK
