"""Single configuration values: their kinds (nodes of the schema) and the rules that parse them.

Every ``parse_*`` function returns ``(value, None)`` or ``(None, message)``; the nodes below
apply them, so the message gets the key's location in front. A text node's ``pattern`` is the
one regular expression both Python and the JSON Schema check (from
:mod:`developer_role.iam_rules` where IAM states it).
"""

from __future__ import annotations

import re

from developer_role.iam_rules import (
    ACCOUNT,
    HARDWARE_SERIAL,
    MANAGED_POLICY_ARN,
    MAX_TAG_KEY,
    MAX_TAG_VALUE,
    MAX_TAGS,
    MFA_DEVICE_ARN,
    NAME_CHARS,
    PARTITIONS,
    POLICY_NAME,
    PRINCIPAL_ARN,
    PRINCIPAL_PATTERN,
    REGION,
    managed_policy_arn,
    mfa_serial_problem,
    principal_arn_problem,
    principal_pattern_problem,
    service_role_policy_problem,
    tag_key_problem,
    tag_value_problem,
)
from developer_role.validation import path_error, role_name_error
from developer_roles.config.managed_policies import unknown_aws_managed_policy
from developer_roles.config.regions import parse_region
from developer_roles.config.schema import Either, Field, ListOf, MapOf, Obj, Text, parse_duration
from developer_roles.config.values import ManagedPolicyRef, PrincipalArn

__all__ = [
    "ACCOUNT_ID",
    "BOUNDARY",
    "PARTITIONS",
    "POLICIES",
    "PRINCIPAL",
    "REGION_NAME",
    "ROLE_NAME",
    "TAGS",
    "parse_duration",
    "parse_mfa_serial",
    "parse_pattern",
    "parse_policy",
    "parse_principal_arn",
    "parse_role_name",
    "parse_role_path",
    "parse_role_prefix",
    "parse_tag_key",
    "parse_tag_value",
]


def parse_principal_arn(value: str) -> tuple[PrincipalArn | None, str | None]:
    """A principal ARN, or the reason it is not one a developer role can trust."""
    problem = principal_arn_problem(value)
    match = None if problem else PRINCIPAL_ARN.fullmatch(value)
    if match is None:
        return None, problem or f"{value!r} is not an IAM user or role ARN"
    return PrincipalArn(value, **match.groupdict()), None


def parse_pattern(value: str) -> tuple[str | None, str | None]:
    """An ARN pattern that selects principals of one account, or why it cannot."""
    if problem := principal_pattern_problem(value):
        return None, problem
    return value, None


def parse_mfa_serial(value: str) -> tuple[str | None, str | None]:
    if problem := mfa_serial_problem(value):
        return None, problem
    return value, None


def parse_policy(value: str) -> tuple[ManagedPolicyRef | None, str | None]:
    """A managed policy: an AWS managed policy's name (checked against AWS's list), or an ARN."""
    if value.startswith("arn:"):
        match = managed_policy_arn(value)
        if match is None:
            return None, (
                f"{value!r} is not a managed policy ARN (arn:PARTITION:iam::ACCOUNT:policy/NAME, "
                "or arn:PARTITION:iam::aws:policy/NAME); a name is 1 to 128 ASCII letters, "
                "digits or + = , . @ _ -"
            )
        if match["owner"] == "aws":
            name = f"{match['path']}{match['name']}".lstrip("/")
            if error := unknown_aws_managed_policy(name) or service_role_policy_problem(name):
                return None, error
        return ManagedPolicyRef(value), None
    if not re.fullmatch(rf"(?:[\x21-\x7e]+/)?{POLICY_NAME}", value):
        return None, (
            f"{value!r} is not a managed policy name or ARN (a name is 1 to 128 ASCII letters, "
            "digits or + = , . @ _ -)"
        )
    if error := unknown_aws_managed_policy(value) or service_role_policy_problem(value):
        return None, error
    return ManagedPolicyRef(value), None


def parse_boundary(value: str) -> tuple[str | None, str | None]:
    """A permissions boundary: a managed policy, kept as its name or ARN."""
    ref, error = parse_policy(value)
    return (None, error) if ref is None else (ref.name_or_arn, None)


def parse_role_name(value: str) -> tuple[str | None, str | None]:
    if error := role_name_error("", value):
        return None, error.removeprefix(": ")
    return value, None


def parse_role_prefix(value: str) -> tuple[str | None, str | None]:
    if value and role_name_error("", value):
        return None, (
            f"{value!r} must be text IAM accepts in a role name "
            "(ASCII letters, digits and + = , . @ _ -)"
        )
    return value, None


def parse_role_path(value: str) -> tuple[str | None, str | None]:
    if error := path_error("", value):
        return None, error.removeprefix(": ")
    return value, None


def parse_tag_key(value: str) -> tuple[str | None, str | None]:
    if problem := tag_key_problem(value):
        return None, f"the tag key {value!r} {problem}"
    return value, None


def parse_tag_value(value: str) -> tuple[str | None, str | None]:
    if problem := tag_value_problem(value):
        return None, f"{value!r} {problem}"
    return value, None


# --- The kinds of value -------------------------------------------------------------------

ACCOUNT_ID = Text("a 12-digit AWS account ID", ACCOUNT)
REGION_NAME = Text("an AWS region name such as 'eu-west-1'", REGION, parse=parse_region)
PRINCIPAL = Text("an IAM user or role ARN", PRINCIPAL_ARN.pattern, parse=parse_principal_arn)
_ANY_POLICY = rf"{MANAGED_POLICY_ARN.pattern}|(?!arn:)(?:[\x21-\x7e]+/)?{POLICY_NAME}"
POLICY = Text("an AWS managed policy name or a managed policy ARN", _ANY_POLICY, parse=parse_policy)
BOUNDARY = Text(
    "an AWS managed policy name or a managed policy ARN", _ANY_POLICY, parse=parse_boundary
)
ROLE_NAME = Text("an IAM role name", f"[{NAME_CHARS}]{{1,64}}", parse=parse_role_name)
TAGS = MapOf(
    Text("a tag key", min_length=1, max_length=MAX_TAG_KEY, parse=parse_tag_key),
    Text("text", max_length=MAX_TAG_VALUE, parse=parse_tag_value),
    max_items=MAX_TAGS - 1,
)
POLICY_ENTRY = Either(
    POLICY,
    Obj(
        "policy entry",
        (
            Field("policy", POLICY, "the policy's name or ARN", required=True),
            Field(
                "reason",
                Text("text", min_length=1),
                "why the role needs it; required for AWS managed policies (the cdk-nag "
                "AwsSolutions-IAM4 acknowledgment)",
            ),
        ),
        "a managed policy with the reason it is attached",
    ),
    "a policy name, an ARN, or {'policy': ..., 'reason': ...}",
)
POLICIES = ListOf(POLICY_ENTRY, "a list of managed policy names or ARNs")
MFA_SERIAL = Text(
    "an MFA device ARN or serial number",
    f"{MFA_DEVICE_ARN.pattern}|{HARDWARE_SERIAL.pattern}",
    parse=parse_mfa_serial,
)
PRINCIPAL_ARN_PATTERN = Text(
    "a principal ARN pattern", PRINCIPAL_PATTERN.pattern, parse=parse_pattern
)
