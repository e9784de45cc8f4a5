"""The app's configuration: which principals get a developer role, and with what settings.

Loading and validation are plain functions that return data. Every problem in a configuration
is collected and reported at once, before any construct is built, so a bad configuration
never writes a template.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from developer_role.validation import (
    mfa_age_error,
    path_error,
    role_name_error,
    session_duration_error,
)

CONTEXT_KEY = "developerRoles"
CONTEXT_FILE_KEY = "developerRolesFile"
POWER_USER_ACCESS = "PowerUserAccess"

PARTITIONS = ("aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f")
_PRINCIPAL_ARN = re.compile(
    r"arn:(?P<partition>[a-z-]+):iam::(?P<account>\d{12}):(?P<kind>user|role)"
    r"(?P<path>/(?:[\x21-\x7e]*/)?)(?P<name>[\w+=,.@-]{1,128})"
)
_MANAGED_POLICY_ARN = re.compile(r"arn:[a-z-]+:iam::(aws|\d{12}):policy/[\x21-\x7e]+")
_POLICY_NAME = re.compile(r"[\w+=,.@-]{1,128}")
_MFA_DEVICE_ARN = re.compile(r"arn:[a-z-]+:iam::\d{12}:mfa/[\w+=,.@/-]+")
_HARDWARE_SERIAL = re.compile(r"[\w+=/:,.@-]{9,256}")
_ACCOUNT = re.compile(r"\d{12}")
_DURATION = re.compile(r"(?P<amount>\d+)\s*(?P<unit>[smh]?)")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600}

TOP_KEYS = frozenset({"account", "region", "rolePrefix", "path", "defaults", "principals"})
DEFAULT_KEYS = frozenset(
    {
        "maxSessionDuration",
        "maxMfaAge",
        "requireSourceIdentity",
        "managedPolicies",
        "permissionsBoundary",
        "tags",
    }
)
PRINCIPAL_KEYS = frozenset(
    {
        "arn",
        "roleName",
        "maxSessionDuration",
        "maxMfaAge",
        "requireSourceIdentity",
        "extraManagedPolicies",
        "mfaSerial",
        "tags",
    }
)


class ConfigError(ValueError):
    """A configuration with one or more problems; ``problems`` lists them all."""

    def __init__(self, problems: Sequence[str], source: str = "configuration") -> None:
        self.problems = list(problems)
        self.source = source
        super().__init__(self.report())

    def report(self, consequence: str = "nothing was synthesized") -> str:
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        lines = [f"{self.source}: {count} {noun}; {consequence}:"]
        lines += [f"  - {problem}" for problem in self.problems]
        return "\n".join(lines)


@dataclass(frozen=True)
class ManagedPolicyRef:
    """An AWS managed policy by name, or any managed policy by ARN."""

    name_or_arn: str
    reason: str | None = None

    @property
    def is_aws_managed(self) -> bool:
        return ":iam::aws:policy/" in self.name_or_arn or not self.name_or_arn.startswith("arn:")


@dataclass(frozen=True)
class PrincipalArn:
    arn: str
    partition: str
    account: str
    kind: str
    path: str
    name: str

    @property
    def construct_id(self) -> str:
        """An ID that derives from the principal alone: never from its position in a list.

        A space cannot occur in an IAM name or path, so the ID is unique per ARN.
        """
        parts = [self.kind.capitalize(), self.name, self.account, *self.path.strip("/").split("/")]
        if self.partition != "aws":
            parts.append(self.partition)
        return " ".join(part for part in parts if part)


@dataclass(frozen=True)
class RoleSpec:
    """Everything needed to declare one developer role."""

    principal: PrincipalArn
    role_name: str
    path: str
    max_session_seconds: int
    max_mfa_age_seconds: int
    require_source_identity: bool
    managed_policies: tuple[ManagedPolicyRef, ...]
    permissions_boundary: str | None
    tags: Mapping[str, str]
    mfa_serial: str | None = None

    @property
    def shard_key(self) -> str:
        return hashlib.sha256(self.principal.arn.lower().encode()).hexdigest()


@dataclass(frozen=True)
class RolesConfig:
    roles: tuple[RoleSpec, ...]
    account: str | None = None
    region: str | None = None
    role_prefix: str = "PowerUser-"
    path: str = "/developers/"
    extra: Mapping[str, Any] = field(default_factory=dict)


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
        return None, f"{shown} has a wildcard; name one IAM user or role"
    if _ACCOUNT.fullmatch(value) or re.fullmatch(r"arn:[a-z-]+:iam::\d{12}:root", value):
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


def load_config(context_value: object, file_value: object, base_dir: Path) -> RolesConfig:
    """The validated configuration from the CDK context, or a :class:`ConfigError`."""
    source = f"context {CONTEXT_KEY!r}"
    if file_value:
        path = base_dir / str(file_value)
        source = str(file_value)
        raw: object = read_config_file(path)
    elif isinstance(context_value, str):
        try:
            raw = json.loads(context_value)
        except json.JSONDecodeError as error:
            raise ConfigError([f"not valid JSON: {error}"], source) from error
    else:
        raw = context_value
    if raw is None:
        raise ConfigError(
            [f"no configuration: set {CONTEXT_KEY!r} in cdk.json or pass -c {CONTEXT_FILE_KEY}="],
            source,
        )
    return validate(raw, source)


def read_config_file(path: Path) -> object:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError([f"cannot read the file: {error.strerror}"], str(path)) from error
    try:
        if path.suffix.lower() in (".yaml", ".yml"):
            return yaml.safe_load(text)
        return json.loads(text)
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        raise ConfigError([f"cannot parse the file: {error}"], str(path)) from error


def validate(raw: object, source: str = "configuration") -> RolesConfig:
    problems: list[str] = []
    if not isinstance(raw, Mapping):
        raise ConfigError(["the configuration must be an object with a 'principals' list"], source)
    problems += _unknown_keys(raw, TOP_KEYS, "")

    account = raw.get("account")
    if account is not None and not (isinstance(account, str) and _ACCOUNT.fullmatch(account)):
        problems.append(f"account: {account!r} is not a 12-digit AWS account ID")
    region = raw.get("region")
    if region is not None and not (
        isinstance(region, str) and re.fullmatch(r"[a-z]{2}(-[a-z]+)+-\d", region)
    ):
        problems.append(f"region: {region!r} is not an AWS region name such as 'eu-west-1'")
    prefix = raw.get("rolePrefix", "PowerUser-")
    if not isinstance(prefix, str) or (prefix and role_name_error("rolePrefix", prefix)):
        problems.append(
            f"rolePrefix: {prefix!r} must be text IAM accepts in a role name "
            "(letters, digits and + = , . @ _ -)"
        )
        prefix = "PowerUser-"
    role_path = raw.get("path", "/developers/")
    if not isinstance(role_path, str) or (error := path_error("path", role_path)):
        problems.append(
            error if isinstance(role_path, str) and error else f"path: {role_path!r} must be text"
        )
        role_path = "/"

    defaults_raw = raw.get("defaults", {})
    if not isinstance(defaults_raw, Mapping):
        problems.append("defaults: must be an object")
        defaults_raw = {}
    problems += _unknown_keys(defaults_raw, DEFAULT_KEYS, "defaults.")
    defaults = _role_settings(defaults_raw, "defaults.", problems, _BUILTIN_DEFAULTS)

    principals = raw.get("principals")
    if not isinstance(principals, list) or not principals:
        problems.append("principals: the list is empty; name at least one IAM user or role ARN")
        principals = []

    roles: list[RoleSpec] = []
    seen_arns: dict[str, int] = {}
    seen_names: dict[str, str] = {}
    for index, entry in enumerate(principals):
        where = f"principals[{index}]"
        spec = _principal(entry, where, problems, defaults, str(prefix), role_path)
        if spec is None:
            continue
        arn_key = spec.principal.arn.lower()
        if arn_key in seen_arns:
            problems.append(
                f"{where}: {spec.principal.arn!r} is listed twice "
                f"(also principals[{seen_arns[arn_key]}])"
            )
            continue
        seen_arns[arn_key] = index
        name_key = spec.role_name.lower()
        if name_key in seen_names:
            problems.append(
                f"{where}: role name {spec.role_name!r} is also derived for "
                f"{seen_names[name_key]!r}; IAM role names are unique per account regardless of "
                "case, so set 'roleName' for one of them"
            )
            continue
        seen_names[name_key] = spec.principal.arn
        roles.append(spec)

    if problems:
        raise ConfigError(problems, source)
    return RolesConfig(
        roles=tuple(roles),
        account=account,
        region=region,
        role_prefix=str(prefix),
        path=role_path,
    )


_BUILTIN_DEFAULTS: Mapping[str, Any] = {
    "maxSessionDuration": 3600,
    "maxMfaAge": 3600,
    "requireSourceIdentity": False,
    "managedPolicies": (ManagedPolicyRef(POWER_USER_ACCESS),),
    "permissionsBoundary": None,
    "tags": {},
}


def _role_settings(
    raw: Mapping[str, Any], where: str, problems: list[str], inherited: Mapping[str, Any]
) -> dict[str, Any]:
    """Settings that may appear in ``defaults`` and (most of them) per principal."""
    settings = dict(inherited)
    if "maxSessionDuration" in raw:
        settings["maxSessionDuration"] = _duration(
            raw["maxSessionDuration"],
            f"{where}maxSessionDuration",
            problems,
            session_duration_error,
        )
    if "maxMfaAge" in raw:
        settings["maxMfaAge"] = _duration(
            raw["maxMfaAge"], f"{where}maxMfaAge", problems, mfa_age_error
        )
    if "requireSourceIdentity" in raw:
        value = raw["requireSourceIdentity"]
        if not isinstance(value, bool):
            problems.append(f"{where}requireSourceIdentity: {value!r} must be true or false")
        else:
            settings["requireSourceIdentity"] = value
    if "managedPolicies" in raw:
        settings["managedPolicies"] = _policies(
            raw["managedPolicies"], f"{where}managedPolicies", problems
        )
    if "permissionsBoundary" in raw:
        boundary = raw["permissionsBoundary"]
        if boundary is not None and not _is_policy(boundary):
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


def _principal(
    entry: object,
    where: str,
    problems: list[str],
    defaults: Mapping[str, Any],
    prefix: str,
    role_path: str,
) -> RoleSpec | None:
    if isinstance(entry, str):
        entry = {"arn": entry}
    if not isinstance(entry, Mapping):
        problems.append(f"{where}: {entry!r} must be an ARN or an object with an 'arn'")
        return None
    before = len(problems)
    problems += _unknown_keys(entry, PRINCIPAL_KEYS, f"{where}.")
    arn = entry.get("arn")
    if not isinstance(arn, str):
        problems.append(f"{where}: missing 'arn' (an IAM user or role ARN)")
        return None
    principal, error = parse_principal_arn(arn)
    if principal is None:
        problems.append(f"{where}: {error}")
        return None
    settings = _role_settings(
        {k: v for k, v in entry.items() if k != "managedPolicies"}, f"{where}.", problems, defaults
    )
    extra = _policies(
        entry.get("extraManagedPolicies", []), f"{where}.extraManagedPolicies", problems
    )

    role_name = entry.get("roleName")
    if role_name is None:
        role_name = f"{prefix}{principal.name}"
        if error := role_name_error(f"{where}", role_name):
            problems.append(
                f"{error} (derived from rolePrefix {prefix!r} and the principal's name); "
                "set 'roleName' for this principal or a shorter 'rolePrefix'"
            )
    elif not isinstance(role_name, str) or (
        error := role_name_error(f"{where}.roleName", role_name)
    ):
        problems.append(
            error if isinstance(role_name, str) and error else f"{where}.roleName: must be text"
        )
    mfa_serial = entry.get("mfaSerial")
    if mfa_serial is not None and not _is_mfa_serial(mfa_serial):
        problems.append(
            f"{where}.mfaSerial: {mfa_serial!r} is not an MFA device ARN "
            "(arn:aws:iam::ACCOUNT:mfa/NAME) or hardware serial number"
        )
    if len(problems) > before:
        return None
    return RoleSpec(
        principal=principal,
        role_name=str(role_name),
        path=role_path,
        max_session_seconds=settings["maxSessionDuration"],
        max_mfa_age_seconds=settings["maxMfaAge"],
        require_source_identity=settings["requireSourceIdentity"],
        managed_policies=tuple(settings["managedPolicies"]) + tuple(extra),
        permissions_boundary=settings["permissionsBoundary"],
        tags=settings["tags"],
        mfa_serial=mfa_serial,
    )


def _is_mfa_serial(value: object) -> bool:
    if not isinstance(value, str):
        return False
    if value.startswith("arn:"):
        return bool(_MFA_DEVICE_ARN.fullmatch(value))
    return bool(_HARDWARE_SERIAL.fullmatch(value))


def _duration(value: object, where: str, problems: list[str], check: Any) -> int:
    seconds = parse_duration(value)
    if seconds is None:
        problems.append(f"{where}: {value!r} is not a duration; use seconds (3600) or '90m', '4h'")
        return 3600
    if error := check(where, seconds):
        problems.append(error)
    return seconds


def _is_policy(value: object) -> bool:
    return isinstance(value, str) and bool(
        _MANAGED_POLICY_ARN.fullmatch(value) or _POLICY_NAME.fullmatch(value)
    )


def _policies(raw: object, where: str, problems: list[str]) -> list[ManagedPolicyRef]:
    if not isinstance(raw, list):
        problems.append(f"{where}: must be a list of managed policy names or ARNs")
        return []
    refs: list[ManagedPolicyRef] = []
    for index, item in enumerate(raw):
        reason = None
        if isinstance(item, Mapping):
            problems += _unknown_keys(item, frozenset({"policy", "reason"}), f"{where}[{index}].")
            reason, item = item.get("reason"), item.get("policy")
        if not _is_policy(item):
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


def _unknown_keys(raw: Mapping[Any, Any], known: frozenset[str], where: str) -> list[str]:
    problems = []
    for key in raw:
        if key not in known:
            hint = _closest(str(key), known)
            suggestion = f"; did you mean {hint!r}?" if hint else ""
            allowed = ", ".join(sorted(known))
            problems.append(f"{where}{key}: unknown key{suggestion} (allowed: {allowed})")
    return problems


def _closest(key: str, known: frozenset[str]) -> str | None:
    import difflib

    matches = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.6)
    return matches[0] if matches else None
