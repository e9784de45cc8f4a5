"""Limits IAM and STS put on a developer role, as plain functions that return error text.

Each function returns ``None`` when the value is acceptable, or one sentence that names the
prop, the value and what is allowed. :func:`prop_problems` returns every problem of a role's
props, and the construct reports them all at once (one ``DeveloperRoleError`` listing each),
as the app's configuration loader does.

IAM's rules themselves (names, paths, ARNs, tags, ranges) are stated once, with their links,
in :mod:`developer_role.iam_rules`, which the app's configuration uses too; this module words
them for the construct's props (:func:`prop_problems`). Values that are CDK tokens are passed
through: only concrete values are checked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from developer_role.iam_rules import (
    MAX_ROLE_NAME_LENGTH,
    MAX_ROLE_PATH_LENGTH,
    MAX_SESSION_SECONDS,
    MAX_TAGS,
    MIN_SESSION_SECONDS,
    ROLE_NAME,
    ROLE_PATH,
    description_problem,
    principal_arn_problem,
    principal_pattern_problem,
    role_name_problem,
    role_path_problem,
    tag_key_problem,
    tag_value_problem,
)

# An AWS Organizations ID: "o-" and 10 to 32 lowercase letters or digits (the Organization
# data type's Id): https://docs.aws.amazon.com/organizations/latest/APIReference/API_Organization.html
ORGANIZATION_ID = re.compile(r"o-[a-z0-9]{10,32}")

__all__ = [
    "MAX_ROLE_NAME_LENGTH",
    "MAX_ROLE_PATH_LENGTH",
    "MAX_SESSION_SECONDS",
    "MIN_SESSION_SECONDS",
    "ROLE_NAME",
    "ROLE_PATH",
    "is_list_token",
    "is_token",
    "mfa_age_error",
    "path_error",
    "prop_problems",
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


def is_token(value: str) -> bool:
    """Whether a string holds an unresolved CDK token, a string (``${Token[``) or an element
    of a list token (``#{Token[``), checked without the CDK's runtime."""
    return "${Token[" in value or "#{Token[" in value


def is_list_token(values: Sequence[str]) -> bool:
    """Whether a list is a CDK list token (``CfnParameter.value_as_list``, ``Fn.split``)."""
    return len(values) == 1 and isinstance(values[0], str) and values[0].startswith("#{Token[")


def _trusted_principal_problem(value: str) -> str | None:
    """IAM's rule for a trusted principal; a whole account (ID or root ARN) is one IAM accepts."""
    return principal_arn_problem(value, whole_account=True)


def _arns(
    prop: str, values: Sequence[str] | str, problem_of: object, *, tokens: bool = True
) -> list[str]:
    if isinstance(values, str):
        return [
            f"{prop}: give a list of ARNs, not one string ({values!r}); "
            f"for example {prop}=[{values!r}]"
        ]
    if not tokens and any(isinstance(v, str) and is_token(v) for v in values):
        return [
            f"{prop}: give the patterns literally, not as tokens; each pattern's account root "
            "becomes the statement's principal, so its account must be known at synthesis"
        ]
    if is_list_token(values):
        return []
    problems = []
    for value in values:
        if not isinstance(value, str):
            problems.append(f"{prop}: {value!r} is not a string")
        elif value.startswith("#{Token["):
            problems.append(
                f"{prop}: a list token (a CommaDelimitedList parameter, Fn.split) must be the "
                "whole list, not one of its items"
            )
        elif not is_token(value):
            problem = problem_of(value)  # type: ignore[operator]
            if problem:
                problems.append(f"{prop}: {problem}")
    return problems


def prop_problems(
    *,
    principals: Sequence[str] | str,
    principal_arn_patterns: Sequence[str] | str,
    principal_org_id: str | None,
    session_seconds: int,
    mfa_age_seconds: int,
    role_name: str | None,
    path: str,
    description: str | None,
    tags: Mapping[str, str] | None,
    allow_session_tags: bool,
    session_tag_keys: Sequence[str] | None,
) -> list[str]:
    """Every problem of a developer role's props, each one sentence naming the prop.

    Principals and patterns follow the configuration's rules (:mod:`developer_role.iam_rules`):
    one IAM user or role per principal, no wildcards (IAM refuses partial wildcards in a
    Principal: "Invalid principal in policy"), patterns with a literal account.
    """
    problems: list[str | None] = []
    if not principals and not principal_arn_patterns and not principal_org_id:
        problems.append(
            "principals: at least one principal ARN (or an ARN pattern or organisation) "
            "must be trusted"
        )
    problems += _arns("principals", principals, _trusted_principal_problem)
    problems += _arns(
        "principal_arn_patterns", principal_arn_patterns, principal_pattern_problem, tokens=False
    )
    if (
        principal_org_id is not None
        and not is_token(principal_org_id)
        and not ORGANIZATION_ID.fullmatch(principal_org_id)
    ):
        problems.append(
            f"principal_org_id: {principal_org_id!r} is not an organisation ID "
            "(o-... with 10 to 32 lowercase letters or digits)"
        )
    problems.append(session_duration_error("max_session_duration", session_seconds))
    problems.append(mfa_age_error("max_mfa_age", mfa_age_seconds))
    if role_name is not None and not is_token(role_name):
        problems.append(role_name_error("role_name", role_name))
    if not is_token(path):
        problems.append(path_error("path", path))
    if description is not None and not is_token(description):
        problem = description_problem(description)
        problems.append(f"description: {problem}" if problem else None)
    problems += _tag_problems(tags or {})
    if session_tag_keys is not None:
        if not allow_session_tags:
            problems.append("session_tag_keys: needs allow_session_tags=True")
        if isinstance(session_tag_keys, str):
            problems.append(
                f"session_tag_keys: give a list of keys, not one string ({session_tag_keys!r})"
            )
        elif not session_tag_keys:
            problems.append(
                "session_tag_keys: an empty list would allow no key at all; leave it out to "
                "allow any key"
            )
        else:
            for key in session_tag_keys:
                if not is_token(key) and (problem := tag_key_problem(key)):
                    problems.append(f"session_tag_keys: {key!r} {problem}")
    return [p for p in problems if p]


def _tag_problems(tags: Mapping[str, str]) -> list[str]:
    problems = []
    if len(tags) > MAX_TAGS:
        problems.append(f"tags: {len(tags)} tags; IAM allows at most {MAX_TAGS} on a role")
    for key, value in tags.items():
        if not is_token(key) and (problem := tag_key_problem(key)):
            problems.append(f"tags: key {key!r} {problem}")
        if not is_token(value) and (problem := tag_value_problem(value)):
            shown = value if len(value) <= 40 else value[:37] + "..."
            problems.append(f"tags: the value of {key!r} ({shown!r}) {problem}")
    return problems
