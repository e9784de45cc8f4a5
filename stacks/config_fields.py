"""Readers for single configuration values. Each appends problems to a list and returns data."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from typing import Any

from developer_role import POWER_USER_ACCESS
from developer_role.validation import mfa_age_error, session_duration_error
from stacks.config_model import ManagedPolicyRef, PrincipalArn

PARTITIONS = ("aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f")

_PRINCIPAL_ARN = re.compile(
    r"arn:(?P<partition>[a-z-]+):iam::(?P<account>\d{12}):(?P<kind>user|role)"
    r"(?P<path>/(?:[\x21-\x7e]*/)?)(?P<name>[\w+=,.@-]{1,128})"
)
_PRINCIPAL_PATTERN = re.compile(
    r"arn:(?P<partition>[a-z-]+):iam::(?P<account>\d{12}):(user|role)/[\x21-\x7e]+"
)
_MANAGED_POLICY_ARN = re.compile(r"arn:[a-z-]+:iam::(aws|\d{12}):policy/[\x21-\x7e]+")
_POLICY_NAME = re.compile(r"[\w+=,.@-]{1,128}")
_MFA_DEVICE_ARN = re.compile(r"arn:[a-z-]+:iam::\d{12}:mfa/[\w+=,.@/-]+")
_HARDWARE_SERIAL = re.compile(r"[\w+=/:,.@-]{9,256}")
ACCOUNT = re.compile(r"\d{12}")
REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d")
ORG_ID = re.compile(r"o-[a-z0-9]{10,32}")
_DURATION = re.compile(r"(?P<amount>\d+)\s*(?P<unit>[smh]?)")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600}

ROLE_SETTING_KEYS = frozenset(
    {
        "maxSessionDuration",
        "maxMfaAge",
        "requireSourceIdentity",
        "managedPolicies",
        "permissionsBoundary",
        "tags",
    }
)

BUILTIN_DEFAULTS: Mapping[str, Any] = {
    "maxSessionDuration": 3600,
    "maxMfaAge": 3600,
    "requireSourceIdentity": False,
    "managedPolicies": (ManagedPolicyRef(POWER_USER_ACCESS),),
    "permissionsBoundary": None,
    "tags": {},
}


def parse_duration(value: object) -> int | None:
    """Seconds from ``3600``, ``"3600"``, ``"90m"`` or ``"12h"``; ``None`` if unreadable."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and (match := _DURATION.fullmatch(value.strip().lower())):
        return int(match["amount"]) * _UNIT_SECONDS[match["unit"]]
    return None


def parse_principal_arn(value: str) -> tuple[PrincipalArn | None, str | None]:
    """A principal ARN, or the reason it is not one a developer role can trust."""
    shown = repr(value)
    if "*" in value or "?" in value:
        return None, (
            f"{shown} has a wildcard; name one IAM user or role (or use a group's "
            "'principalArnPatterns')"
        )
    if ACCOUNT.fullmatch(value) or re.fullmatch(r"arn:[a-z-]+:iam::\d{12}:root", value):
        return None, (
            f"{shown} trusts a whole account; name one IAM user or role "
            "(arn:aws:iam::ACCOUNT:user/NAME or arn:aws:iam::ACCOUNT:role/NAME)"
        )
    if value.startswith("arn:") and ":sts::" in value and ":assumed-role/" in value:
        return None, (
            f"{shown} is a session, not a role; use the role's ARN (arn:aws:iam::ACCOUNT:role/NAME)"
        )
    match = _PRINCIPAL_ARN.fullmatch(value)
    if match is None or match["partition"] not in PARTITIONS:
        return None, (
            f"{shown} is not an IAM user or role ARN; expected "
            "arn:PARTITION:iam::ACCOUNT:user/NAME or arn:PARTITION:iam::ACCOUNT:role/NAME"
        )
    return PrincipalArn(value, **match.groupdict()), None


def pattern_error(value: object) -> str | None:
    """Why an ARN pattern cannot select principals, or ``None``."""
    if not isinstance(value, str):
        return f"{value!r} must be text"
    match = _PRINCIPAL_PATTERN.fullmatch(value)
    if match is None or match["partition"] not in PARTITIONS:
        return (
            f"{value!r} is not a principal ARN pattern; expected "
            "arn:PARTITION:iam::ACCOUNT:user/PATTERN or .../role/PATTERN with a literal account"
        )
    if value.endswith((":user/*", ":role/*")):
        return (
            f"{value!r} matches every user or role of the account; narrow it "
            "(for example user/payments-*)"
        )
    return None


def is_mfa_serial(value: object) -> bool:
    if not isinstance(value, str):
        return False
    if value.startswith("arn:"):
        return bool(_MFA_DEVICE_ARN.fullmatch(value))
    return bool(_HARDWARE_SERIAL.fullmatch(value))


def is_policy(value: object) -> bool:
    return isinstance(value, str) and bool(
        _MANAGED_POLICY_ARN.fullmatch(value) or _POLICY_NAME.fullmatch(value)
    )


def text(
    raw: Mapping[str, Any],
    key: str,
    where: str,
    problems: list[str],
    pattern: re.Pattern[str],
    expected: str,
) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not pattern.fullmatch(value):
        problems.append(f"{where}{key}: {value!r} is not {expected}")
        return None
    return value


def bounded_int(
    raw: Mapping[str, Any],
    key: str,
    where: str,
    problems: list[str],
    low: int,
    high: int,
    default: int,
    why: str,
) -> int:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        problems.append(f"{where}{key}: {value!r} is out of range; {why} ({low} to {high})")
        return default
    return value


def duration(
    value: object, where: str, problems: list[str], check: Callable[[str, int], str | None]
) -> int:
    seconds = parse_duration(value)
    if seconds is None:
        problems.append(f"{where}: {value!r} is not a duration; use seconds (3600) or '90m', '4h'")
        return 3600
    if error := check(where, seconds):
        problems.append(error)
    return seconds


def policies(raw: object, where: str, problems: list[str]) -> list[ManagedPolicyRef]:
    if not isinstance(raw, list):
        problems.append(f"{where}: must be a list of managed policy names or ARNs")
        return []
    refs: list[ManagedPolicyRef] = []
    for index, item in enumerate(raw):
        reason = None
        if isinstance(item, Mapping):
            problems += unknown_keys(item, frozenset({"policy", "reason"}), f"{where}[{index}].")
            reason, item = item.get("reason"), item.get("policy")
        if not is_policy(item):
            problems.append(f"{where}[{index}]: {item!r} is not a managed policy name or ARN")
            continue
        ref = ManagedPolicyRef(str(item), reason if isinstance(reason, str) else None)
        if ref.is_aws_managed and ref.name_or_arn != POWER_USER_ACCESS and not ref.reason:
            problems.append(
                f"{where}[{index}]: AWS managed policy {item!r} needs a 'reason' "
                "({'policy': NAME, 'reason': WHY}); cdk-nag AwsSolutions-IAM4 flags AWS managed "
                "policies and the reason is recorded as its acknowledgment"
            )
            continue
        refs.append(ref)
    return refs


def role_settings(
    raw: Mapping[str, Any], where: str, problems: list[str], inherited: Mapping[str, Any]
) -> dict[str, Any]:
    """Settings that may appear in ``defaults``, per principal and per group."""
    settings = dict(inherited)
    if "maxSessionDuration" in raw:
        settings["maxSessionDuration"] = duration(
            raw["maxSessionDuration"],
            f"{where}maxSessionDuration",
            problems,
            session_duration_error,
        )
    if "maxMfaAge" in raw:
        settings["maxMfaAge"] = duration(
            raw["maxMfaAge"], f"{where}maxMfaAge", problems, mfa_age_error
        )
    if "requireSourceIdentity" in raw:
        value = raw["requireSourceIdentity"]
        if not isinstance(value, bool):
            problems.append(f"{where}requireSourceIdentity: {value!r} must be true or false")
        else:
            settings["requireSourceIdentity"] = value
    if "managedPolicies" in raw:
        settings["managedPolicies"] = policies(
            raw["managedPolicies"], f"{where}managedPolicies", problems
        )
    if "permissionsBoundary" in raw:
        boundary = raw["permissionsBoundary"]
        if boundary is not None and not is_policy(boundary):
            problems.append(
                f"{where}permissionsBoundary: {boundary!r} is not a managed policy name or ARN"
            )
        else:
            settings["permissionsBoundary"] = boundary
    if "tags" in raw:
        tags = raw["tags"]
        if not isinstance(tags, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) and 0 < len(k) <= 128 and len(v) <= 256
            for k, v in tags.items()
        ):
            problems.append(
                f"{where}tags: {tags!r} must map text keys (1-128 characters) to text values "
                "(up to 256 characters)"
            )
        else:
            settings["tags"] = {**settings["tags"], **tags}
    return settings


def unknown_keys(raw: Mapping[Any, Any], known: frozenset[str], where: str) -> list[str]:
    problems = []
    for key in raw:
        if key not in known:
            matches = difflib.get_close_matches(str(key), sorted(known), n=1, cutoff=0.6)
            suggestion = f"; did you mean {matches[0]!r}?" if matches else ""
            allowed = ", ".join(sorted(known))
            problems.append(f"{where}{key}: unknown key{suggestion} (allowed: {allowed})")
    return problems
