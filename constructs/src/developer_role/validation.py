"""Limits IAM and STS put on a developer role, as plain functions that return error text.

Each function returns ``None`` when the value is acceptable, or one sentence that names the
prop, the value and what is allowed. The construct raises on the first problem; the app's
configuration loader collects them all.

IAM's rules themselves (names, paths, ranges) are stated once, with their links, in
:mod:`developer_role.iam_rules`; this module words them for the construct's props.
"""

from __future__ import annotations

from developer_role.iam_rules import (
    MAX_ROLE_NAME_LENGTH,
    MAX_ROLE_PATH_LENGTH,
    MAX_SESSION_SECONDS,
    MIN_SESSION_SECONDS,
    ROLE_NAME,
    ROLE_PATH,
    role_name_problem,
    role_path_problem,
)

__all__ = [
    "MAX_ROLE_NAME_LENGTH",
    "MAX_ROLE_PATH_LENGTH",
    "MAX_SESSION_SECONDS",
    "MIN_SESSION_SECONDS",
    "ROLE_NAME",
    "ROLE_PATH",
    "mfa_age_error",
    "path_error",
    "role_name_error",
    "role_name_problem",
    "role_path_problem",
    "session_duration_error",
]


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
