"""Limits IAM and STS put on a developer role, as plain functions that return error text.

Each function returns ``None`` when the value is acceptable, or one sentence that names the
prop, the value and what is allowed. The construct raises on the first problem; the app's
configuration loader collects them all.

IAM's role path and role name rules (API_CreateRole) are stated here, so that the library
depends on nothing but the CDK: https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html
The assume-role helper states the same rules for the ARNs it accepts; a test holds the two to
one table (tests/stacks/test_role_path_rule.py).
"""

from __future__ import annotations

import re

MIN_SESSION_SECONDS = 3_600
MAX_SESSION_SECONDS = 43_200
MAX_ROLE_PATH_LENGTH = 512
MAX_ROLE_NAME_LENGTH = 64
# A path is "/" or "/" + printable ASCII (0x21-0x7E) + "/"; a name is [\w+=,.@-] in ASCII.
ROLE_PATH = re.compile(r"/(?:[\x21-\x7e]+/)?")
ROLE_NAME = re.compile(r"[A-Za-z0-9_+=,.@-]+")


def role_path_problem(path: str) -> str | None:
    """Why IAM would refuse ``path`` as a role path, or None when it is valid."""
    if len(path) > MAX_ROLE_PATH_LENGTH:
        return f"is longer than IAM's {MAX_ROLE_PATH_LENGTH} characters"
    if not ROLE_PATH.fullmatch(path):
        return (
            "is not an IAM path; it must start and end with '/' and hold only printable "
            "ASCII characters between them (for example '/developers/')"
        )
    return None


def role_name_problem(name: str) -> str | None:
    """Why IAM would refuse ``name`` as a role name, or None when it is valid."""
    if not name:
        return f"is empty; IAM needs 1 to {MAX_ROLE_NAME_LENGTH} characters"
    if len(name) > MAX_ROLE_NAME_LENGTH:
        return f"is {len(name)} characters long; IAM allows at most {MAX_ROLE_NAME_LENGTH}"
    if not ROLE_NAME.fullmatch(name):
        return (
            "has characters IAM refuses; a role name may contain only letters, digits "
            "and + = , . @ _ -"
        )
    return None


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
    problem = role_name_problem(name)
    if problem is None:
        return None
    if not name:
        return f"{prop}: the role name {problem}"
    return f"{prop}: {name!r} {problem}"


def path_error(prop: str, path: str) -> str | None:
    problem = role_path_problem(path)
    return None if problem is None else f"{prop}: {path!r} {problem}"
