"""Limits IAM and STS put on a developer role, as plain functions that return error text.

Each function returns ``None`` when the value is acceptable, or one sentence that names the
prop, the value and what is allowed. The construct raises on the first problem; the app's
configuration loader collects them all.
"""

from __future__ import annotations

import re

MIN_SESSION_SECONDS = 3_600
MAX_SESSION_SECONDS = 43_200
MAX_ROLE_NAME_LENGTH = 64
MAX_PATH_LENGTH = 512
# https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html
_ROLE_NAME = re.compile(r"[\w+=,.@-]+")
_PATH = re.compile(r"/([\x21-\x7e]+/)*")


def session_duration_error(prop: str, seconds: int) -> str | None:
    if MIN_SESSION_SECONDS <= seconds <= MAX_SESSION_SECONDS:
        return None
    return (
        f"{prop}: {seconds} seconds is out of range; IAM allows a maximum session duration "
        f"from {MIN_SESSION_SECONDS} (1 hour) to {MAX_SESSION_SECONDS} (12 hours) seconds"
    )


def mfa_age_error(prop: str, seconds: int) -> str | None:
    if 1 <= seconds <= MAX_SESSION_SECONDS:
        return None
    return (
        f"{prop}: {seconds} seconds is out of range; the maximum MFA age must be from 1 second "
        f"to {MAX_SESSION_SECONDS} seconds (12 hours)"
    )


def role_name_error(prop: str, name: str) -> str | None:
    if not name:
        return f"{prop}: the role name is empty; IAM needs 1 to {MAX_ROLE_NAME_LENGTH} characters"
    if len(name) > MAX_ROLE_NAME_LENGTH:
        return (
            f"{prop}: {name!r} is {len(name)} characters long; IAM allows at most "
            f"{MAX_ROLE_NAME_LENGTH}"
        )
    if not _ROLE_NAME.fullmatch(name):
        return (
            f"{prop}: {name!r} has characters IAM refuses; a role name may contain only "
            "letters, digits and + = , . @ _ -"
        )
    return None


def path_error(prop: str, path: str) -> str | None:
    if len(path) > MAX_PATH_LENGTH:
        return f"{prop}: {path!r} is longer than IAM's {MAX_PATH_LENGTH} characters"
    if not _PATH.fullmatch(path):
        return (
            f"{prop}: {path!r} is not an IAM path; it must start and end with '/' and hold "
            "only printable ASCII characters between them (for example '/developers/')"
        )
    return None
