"""Limits IAM and STS put on a developer role, as plain functions that return error text.

Each function returns ``None`` when the value is acceptable, or one sentence that names the
prop, the value and what is allowed. The construct raises on the first problem; the app's
configuration loader collects them all.
"""

from __future__ import annotations

# IAM's role path and role name rules are defined once, in the assume-role helper's checks
# (a module with no dependencies), so that a role this library creates is always one the
# helper accepts: https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html
from mfa_assume.checks import role_name_problem, role_path_problem

MIN_SESSION_SECONDS = 3_600
MAX_SESSION_SECONDS = 43_200


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
