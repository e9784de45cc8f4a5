"""Rules for single configuration values: each turns text into data or says why it cannot.

Every ``parse_*`` function returns ``(value, None)`` or ``(None, message)``; the schema in
:mod:`developer_roles.config.format` applies them, so the message gets the key's location in front.
"""

from __future__ import annotations

import re

from developer_role.validation import path_error, role_name_error
from developer_roles.config.iam_rules import (
    ACCOUNT,
    NAME_CHARS,
    PARTITION,
    PARTITIONS,
    PATH,
    POLICY_NAME,
    USER_OR_ROLE_NAME,
    managed_policy_arn,
    tag_key_problem,
    tag_value_problem,
    unknown_aws_managed_policy,
)
from developer_roles.config.model import ManagedPolicyRef, PrincipalArn
from developer_roles.config.schema import parse_duration

__all__ = [
    "PARTITIONS",
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

_PRINCIPAL_ARN = re.compile(
    rf"arn:(?P<partition>{PARTITION}):iam::(?P<account>{ACCOUNT}):(?P<kind>user|role)"
    rf"(?P<path>{PATH})(?P<name>{USER_OR_ROLE_NAME})"
)
_PRINCIPAL_PATTERN = re.compile(
    rf"arn:(?P<partition>{PARTITION}):iam::(?P<account>{ACCOUNT}):(user|role)/[\x21-\x7e]+"
)
_MFA_DEVICE_ARN = re.compile(rf"arn:{PARTITION}:iam::{ACCOUNT}:mfa/[/{NAME_CHARS}]+")
_HARDWARE_SERIAL = re.compile(rf"[/:{NAME_CHARS}]{{9,256}}")
_ROOT = re.compile(rf"arn:{PARTITION}:iam::{ACCOUNT}:root")


def parse_principal_arn(value: str) -> tuple[PrincipalArn | None, str | None]:
    """A principal ARN, or the reason it is not one a developer role can trust."""
    shown = repr(value)
    if "*" in value or "?" in value:
        return None, (
            f"{shown} has a wildcard; name one IAM user or role (or use a group's "
            "'principalArnPatterns')"
        )
    if re.fullmatch(ACCOUNT, value) or _ROOT.fullmatch(value):
        return None, (
            f"{shown} trusts a whole account; name one IAM user or role "
            "(arn:aws:iam::ACCOUNT:user/NAME or arn:aws:iam::ACCOUNT:role/NAME)"
        )
    if value.startswith("arn:") and ":sts::" in value and ":assumed-role/" in value:
        return None, (
            f"{shown} is a session, not a role; use the role's ARN (arn:aws:iam::ACCOUNT:role/NAME)"
        )
    match = _PRINCIPAL_ARN.fullmatch(value)
    if match is None or match["partition"] not in PARTITIONS or len(match["path"]) > 512:
        return None, (
            f"{shown} is not an IAM user or role ARN; expected "
            "arn:PARTITION:iam::ACCOUNT:user/NAME or arn:PARTITION:iam::ACCOUNT:role/NAME "
            "(a name is 1 to 64 ASCII letters, digits or + = , . @ _ -)"
        )
    return PrincipalArn(value, **match.groupdict()), None


def parse_pattern(value: str) -> tuple[str | None, str | None]:
    """An ARN pattern that selects principals of one account, or why it cannot."""
    match = _PRINCIPAL_PATTERN.fullmatch(value)
    if match is None or match["partition"] not in PARTITIONS:
        return None, (
            f"{value!r} is not a principal ARN pattern; expected "
            "arn:PARTITION:iam::ACCOUNT:user/PATTERN or .../role/PATTERN with a literal account"
        )
    if value.endswith((":user/*", ":role/*")):
        return None, (
            f"{value!r} matches every user or role of the account; narrow it "
            "(for example user/payments-*)"
        )
    return value, None


def parse_mfa_serial(value: str) -> tuple[str | None, str | None]:
    ok = (
        _MFA_DEVICE_ARN.fullmatch(value)
        if value.startswith("arn:")
        else _HARDWARE_SERIAL.fullmatch(value)
    )
    if ok:
        return value, None
    return None, (
        f"{value!r} is not an MFA device ARN (arn:aws:iam::ACCOUNT:mfa/NAME) or hardware "
        "serial number"
    )


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
            error = unknown_aws_managed_policy(f"{match['path']}{match['name']}".lstrip("/"))
            if error:
                return None, error
        return ManagedPolicyRef(value), None
    if not re.fullmatch(rf"(?:[\x21-\x7e]+/)?{POLICY_NAME}", value):
        return None, (
            f"{value!r} is not a managed policy name or ARN (a name is 1 to 128 ASCII letters, "
            "digits or + = , . @ _ -)"
        )
    if error := unknown_aws_managed_policy(value):
        return None, error
    return ManagedPolicyRef(value), None


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
