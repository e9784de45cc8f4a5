"""The app's configuration: which principals get a developer role, where, and with what settings.

Loading and validation are plain functions that return data. Every problem in a configuration
is collected and reported at once, before any construct is built, so a bad configuration
never writes a template. The data model is in :mod:`stacks.config_model`.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from developer_role import POWER_USER_ACCESS, policy_length, trust_policy
from developer_role.validation import path_error, role_name_error
from stacks.config_fields import (
    ACCOUNT,
    BUILTIN_DEFAULTS,
    ORG_ID,
    REGION,
    ROLE_SETTING_KEYS,
    bounded_int,
    is_mfa_serial,
    parse_duration,
    parse_principal_arn,
    pattern_error,
    policies,
    role_settings,
    text,
    unknown_keys,
)
from stacks.config_model import (
    ConfigError,
    ManagedPolicyRef,
    PipelineSpec,
    PrincipalArn,
    RolesConfig,
    RoleSpec,
    StackSetSpec,
    Target,
    TrustSpec,
)

__all__ = [
    "CONTEXT_FILE_KEY",
    "CONTEXT_KEY",
    "POWER_USER_ACCESS",
    "ConfigError",
    "ManagedPolicyRef",
    "PrincipalArn",
    "RoleSpec",
    "RolesConfig",
    "load_config",
    "parse_duration",
    "parse_principal_arn",
    "validate",
]

CONTEXT_KEY = "developerRoles"
CONTEXT_FILE_KEY = "developerRolesFile"
DEFAULT_ROLE_QUOTA = 1000
MAX_ROLE_QUOTA = 5000
DEFAULT_TRUST_POLICY_LENGTH = 2048
MAX_TRUST_POLICY_LENGTH = 4096

TOP_KEYS = frozenset(
    {
        "account",
        "region",
        "targets",
        "identityAccount",
        "rolePrefix",
        "path",
        "defaults",
        "principals",
        "groups",
        "maxRolesPerAccount",
        "maxTrustPolicyLength",
        "stackCount",
        "deployment",
    }
)
PRINCIPAL_KEYS = (ROLE_SETTING_KEYS - {"managedPolicies"}) | {
    "arn",
    "roleName",
    "extraManagedPolicies",
    "mfaSerial",
}
GROUP_KEYS = (ROLE_SETTING_KEYS - {"managedPolicies"}) | {
    "name",
    "principals",
    "principalArnPatterns",
    "organizationId",
    "roleName",
    "extraManagedPolicies",
}
_GROUP_NAME = re.compile(r"[\w+=,.@-]{1,64}")
_CONNECTION_ARN = re.compile(r"arn:[a-z-]+:(codestar-connections|codeconnections):[\x21-\x7e]+")
_REPOSITORY = re.compile(r"[\w.-]+/[\w.-]+")
_OU_ID = re.compile(r"ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32}")


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
        text_value = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError([f"cannot read the file: {error.strerror}"], str(path)) from error
    try:
        if path.suffix.lower() in (".yaml", ".yml"):
            return yaml.safe_load(text_value)
        return json.loads(text_value)
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        raise ConfigError([f"cannot parse the file: {error}"], str(path)) from error


def validate(raw: object, source: str = "configuration") -> RolesConfig:
    """Check the whole configuration; raise one :class:`ConfigError` listing every problem."""
    if not isinstance(raw, Mapping):
        raise ConfigError(["the configuration must be an object with a 'principals' list"], source)
    problems: list[str] = unknown_keys(raw, TOP_KEYS, "")

    targets = _targets(raw, problems)
    identity_account = text(raw, "identityAccount", "", problems, ACCOUNT, "a 12-digit account ID")
    prefix = raw.get("rolePrefix", "PowerUser-")
    if not isinstance(prefix, str) or (prefix and role_name_error("rolePrefix", prefix)):
        problems.append(
            f"rolePrefix: {prefix!r} must be text IAM accepts in a role name "
            "(letters, digits and + = , . @ _ -)"
        )
        prefix = "PowerUser-"
    role_path = raw.get("path", "/developers/")
    if not isinstance(role_path, str):
        problems.append(f"path: {role_path!r} must be text")
        role_path = "/"
    elif error := path_error("path", role_path):
        problems.append(error)
        role_path = "/"

    defaults_raw = raw.get("defaults", {})
    if not isinstance(defaults_raw, Mapping):
        problems.append("defaults: must be an object")
        defaults_raw = {}
    problems += unknown_keys(defaults_raw, ROLE_SETTING_KEYS, "defaults.")
    defaults = role_settings(defaults_raw, "defaults.", problems, BUILTIN_DEFAULTS)

    principals = raw.get("principals", [])
    groups = raw.get("groups", [])
    if not isinstance(principals, list):
        problems.append("principals: must be a list of IAM user or role ARNs")
        principals = []
    if not isinstance(groups, list):
        problems.append("groups: must be a list of team roles")
        groups = []
    if not principals and not groups:
        problems.append(
            "principals: the list is empty; name at least one IAM user or role ARN "
            "(or define 'groups')"
        )

    placed: list[tuple[str, RoleSpec]] = []
    for index, entry in enumerate(principals):
        where = f"principals[{index}]"
        spec = _principal_role(entry, where, problems, defaults, prefix, role_path)
        if spec is not None:
            placed.append((where, spec))
    for index, entry in enumerate(groups):
        where = f"groups[{index}]"
        spec = _group_role(entry, where, problems, defaults, prefix, role_path)
        if spec is not None:
            placed.append((where, spec))
    problems += _duplicates(placed)
    roles = [spec for _, spec in placed]

    quota = bounded_int(
        raw,
        "maxRolesPerAccount",
        "",
        problems,
        1,
        MAX_ROLE_QUOTA,
        DEFAULT_ROLE_QUOTA,
        "IAM's role quota per account can be raised to at most 5,000",
    )
    if len(roles) > quota:
        problems.append(
            f"{len(roles)} developer roles exceed the IAM quota of {quota} roles per account "
            "(maxRolesPerAccount); raise the account's quota in Service Quotas (at most 5,000) "
            "and set maxRolesPerAccount, or trust teams through 'groups' (one role per team). "
            "Roles already in the account count against the same quota"
        )
    max_length = bounded_int(
        raw,
        "maxTrustPolicyLength",
        "",
        problems,
        1,
        MAX_TRUST_POLICY_LENGTH,
        DEFAULT_TRUST_POLICY_LENGTH,
        "IAM's role trust policy length quota can be raised to at most 4,096 characters",
    )
    problems += _trust_lengths(roles, max_length)
    stack_count = None
    if "stackCount" in raw:
        stack_count = bounded_int(
            raw,
            "stackCount",
            "",
            problems,
            1,
            200,
            1,
            "the roles of one target go in 1 to 200 stacks",
        )
    pipeline, stack_set = _deployment(raw.get("deployment"), targets, problems)
    if identity_account and any(t.account is None for t in targets) and stack_set is None:
        problems.append(
            "identityAccount: the identity side names the roles' accounts; give every target an "
            "'account'"
        )

    if problems:
        raise ConfigError(problems, source)
    return RolesConfig(
        roles=tuple(roles),
        targets=targets,
        identity_account=identity_account,
        role_prefix=prefix,
        path=role_path,
        max_roles_per_account=quota,
        max_trust_policy_length=max_length,
        stack_count=stack_count,
        pipeline=pipeline,
        stack_set=stack_set,
    )


def _targets(raw: Mapping[str, Any], problems: list[str]) -> tuple[Target, ...]:
    account = text(raw, "account", "", problems, ACCOUNT, "a 12-digit AWS account ID")
    region = text(raw, "region", "", problems, REGION, "an AWS region name such as 'eu-west-1'")
    if "targets" not in raw:
        return (Target(account, region),)
    if "account" in raw or "region" in raw:
        problems.append("targets: give either 'account'/'region' or 'targets', not both")
    entries = raw["targets"]
    if not isinstance(entries, list) or not entries:
        problems.append("targets: must be a non-empty list of {'account': ..., 'region': ...}")
        return (Target(),)
    targets: list[Target] = []
    for index, entry in enumerate(entries):
        where = f"targets[{index}]."
        if not isinstance(entry, Mapping):
            problems.append(f"targets[{index}]: {entry!r} must be an object")
            continue
        problems += unknown_keys(entry, frozenset({"account", "region"}), where)
        if "account" not in entry or "region" not in entry:
            problems.append(f"targets[{index}]: needs both 'account' and 'region'")
        target = Target(
            text(entry, "account", where, problems, ACCOUNT, "a 12-digit AWS account ID"),
            text(entry, "region", where, problems, REGION, "an AWS region name"),
        )
        if target in targets:
            problems.append(f"targets[{index}]: {target.account}/{target.region} is listed twice")
        targets.append(target)
    return tuple(targets)


def _principal_role(
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
    problems += unknown_keys(entry, PRINCIPAL_KEYS, f"{where}.")
    arn = entry.get("arn")
    if not isinstance(arn, str):
        problems.append(f"{where}: missing 'arn' (an IAM user or role ARN)")
        return None
    principal, error = parse_principal_arn(arn)
    if principal is None:
        problems.append(f"{where}: {error}")
        return None
    mfa_serial = entry.get("mfaSerial")
    if mfa_serial is not None and not is_mfa_serial(mfa_serial):
        problems.append(
            f"{where}.mfaSerial: {mfa_serial!r} is not an MFA device ARN "
            "(arn:aws:iam::ACCOUNT:mfa/NAME) or hardware serial number"
        )
    spec = _role(
        entry,
        where,
        problems,
        defaults,
        prefix,
        role_path,
        key=principal.arn,
        construct_id=principal.construct_id,
        label=principal.arn,
        name=principal.name,
        trust=TrustSpec(principals=(principal.arn,)),
        partition=principal.partition,
    )
    if spec is None or len(problems) > before:
        return None
    return dataclasses.replace(spec, principal=principal, mfa_serial=mfa_serial)


def _group_role(
    entry: object,
    where: str,
    problems: list[str],
    defaults: Mapping[str, Any],
    prefix: str,
    role_path: str,
) -> RoleSpec | None:
    if not isinstance(entry, Mapping):
        problems.append(f"{where}: {entry!r} must be an object with a 'name'")
        return None
    before = len(problems)
    problems += unknown_keys(entry, GROUP_KEYS, f"{where}.")
    name = entry.get("name")
    if not isinstance(name, str) or not _GROUP_NAME.fullmatch(name):
        problems.append(f"{where}.name: {name!r} must be 1 to 64 letters, digits or + = , . @ _ -")
        return None
    members = entry.get("principals", [])
    patterns = entry.get("principalArnPatterns", [])
    org_id = text(
        entry, "organizationId", f"{where}.", problems, ORG_ID, "an organisation ID (o-...)"
    )
    if not isinstance(members, list) or not isinstance(patterns, list):
        problems.append(f"{where}: 'principals' and 'principalArnPatterns' must be lists")
        return None
    if not members and not patterns and "organizationId" not in entry:
        problems.append(
            f"{where}: trusts nobody; give 'principals', 'principalArnPatterns' or 'organizationId'"
        )
    arns: list[PrincipalArn] = []
    for index, member in enumerate(members):
        principal, error = (
            parse_principal_arn(member) if isinstance(member, str) else (None, f"{member!r}")
        )
        if principal is None:
            problems.append(f"{where}.principals[{index}]: {error}")
        else:
            arns.append(principal)
    for index, pattern in enumerate(patterns):
        if error := pattern_error(pattern):
            problems.append(f"{where}.principalArnPatterns[{index}]: {error}")
    partitions = {p.partition for p in arns} | {
        str(p).split(":")[1] for p in patterns if isinstance(p, str) and p.count(":") > 1
    }
    spec = _role(
        entry,
        where,
        problems,
        defaults,
        prefix,
        role_path,
        key=f"group/{name}",
        construct_id=f"Group {name}",
        label=f"team {name}",
        name=name,
        trust=TrustSpec(tuple(p.arn for p in arns), tuple(patterns), org_id),
        partition=sorted(partitions)[0] if partitions else "aws",
    )
    return spec if len(problems) == before else None


def _role(
    entry: Mapping[str, Any],
    where: str,
    problems: list[str],
    defaults: Mapping[str, Any],
    prefix: str,
    role_path: str,
    *,
    key: str,
    construct_id: str,
    label: str,
    name: str,
    trust: TrustSpec,
    partition: str,
) -> RoleSpec | None:
    settings = role_settings(
        {k: v for k, v in entry.items() if k in ROLE_SETTING_KEYS}, f"{where}.", problems, defaults
    )
    extra = policies(
        entry.get("extraManagedPolicies", []), f"{where}.extraManagedPolicies", problems
    )
    role_name = entry.get("roleName")
    if role_name is None:
        role_name = f"{prefix}{name}"
        if error := role_name_error(where, role_name):
            problems.append(
                f"{error} (derived from rolePrefix {prefix!r} and the name); "
                f"set 'roleName' for {where} or a shorter 'rolePrefix'"
            )
    elif not isinstance(role_name, str):
        problems.append(f"{where}.roleName: {role_name!r} must be text")
        return None
    elif error := role_name_error(f"{where}.roleName", role_name):
        problems.append(error)
    return RoleSpec(
        key=key,
        construct_id=construct_id,
        label=label,
        trust=trust,
        partition=partition,
        role_name=role_name,
        path=role_path,
        max_session_seconds=settings["maxSessionDuration"],
        max_mfa_age_seconds=settings["maxMfaAge"],
        require_source_identity=settings["requireSourceIdentity"],
        managed_policies=tuple(settings["managedPolicies"]) + tuple(extra),
        permissions_boundary=settings["permissionsBoundary"],
        tags=settings["tags"],
    )


def _duplicates(placed: list[tuple[str, RoleSpec]]) -> list[str]:
    """Principals listed twice, and role names that collide (IAM ignores case in names)."""
    problems = []
    seen_keys: dict[str, str] = {}
    seen_names: dict[str, tuple[str, RoleSpec]] = {}
    for where, spec in placed:
        key = spec.key.lower()
        if key in seen_keys:
            problems.append(f"{where}: {spec.label!r} is listed twice (also {seen_keys[key]})")
            continue
        seen_keys[key] = where
        name = spec.role_name.lower()
        if name in seen_names:
            other, first = seen_names[name]
            problems.append(
                f"{where}: role name {spec.role_name!r} is also the role name of {other} "
                f"({first.label!r}); IAM role names are unique per account regardless of case, "
                "so set 'roleName' for one of them"
            )
            continue
        seen_names[name] = (where, spec)
    return problems


def _trust_lengths(roles: list[RoleSpec], limit: int) -> list[str]:
    problems = []
    for spec in roles:
        document = trust_policy(
            principals=spec.trust.principals,
            principal_arn_patterns=spec.trust.arn_patterns,
            principal_org_id=spec.trust.org_id,
            max_mfa_age_seconds=spec.max_mfa_age_seconds,
            require_source_identity=spec.require_source_identity,
        )
        length = policy_length(document)
        if length > limit:
            problems.append(
                f"the trust policy of {spec.label!r} is {length} characters, over IAM's quota of "
                f"{limit} (maxTrustPolicyLength); split the group, match its members with "
                "'principalArnPatterns', or raise the quota (at most 4,096) and set "
                "maxTrustPolicyLength"
            )
    return problems


def _deployment(
    raw: object, targets: tuple[Target, ...], problems: list[str]
) -> tuple[PipelineSpec | None, StackSetSpec | None]:
    if raw is None:
        return None, None
    if not isinstance(raw, Mapping):
        problems.append("deployment: must be an object with 'pipeline' and/or 'stackSet'")
        return None, None
    problems += unknown_keys(raw, frozenset({"pipeline", "stackSet"}), "deployment.")
    pipeline = stack_set = None
    if isinstance(spec := raw.get("pipeline"), Mapping):
        where = "deployment.pipeline."
        keys = frozenset({"connectionArn", "repository", "branch", "account", "region"})
        problems += unknown_keys(spec, keys, where)
        values = (
            text(spec, "connectionArn", where, problems, _CONNECTION_ARN, "a CodeConnections ARN"),
            text(spec, "repository", where, problems, _REPOSITORY, "'owner/repository'"),
            text(spec, "branch", where, problems, re.compile(r"[\x21-\x7e]{1,255}"), "a branch"),
            text(spec, "account", where, problems, ACCOUNT, "a 12-digit account ID"),
            text(spec, "region", where, problems, REGION, "an AWS region name"),
        )
        if any(value is None for value in values):
            problems.append(f"{where[:-1]}: needs {', '.join(sorted(keys))}")
        else:
            pipeline = PipelineSpec(*[str(value) for value in values])
        if any(t.account is None or t.region is None for t in targets):
            problems.append(
                "deployment.pipeline: every target needs an explicit account and region "
                "(use 'targets')"
            )
    elif spec is not None:
        problems.append("deployment.pipeline: must be an object")
    if isinstance(spec := raw.get("stackSet"), Mapping):
        where = "deployment.stackSet."
        keys = frozenset({"organizationalUnitIds", "regions", "account", "region"})
        problems += unknown_keys(spec, keys, where)
        units, regions = spec.get("organizationalUnitIds"), spec.get("regions")
        if (
            not isinstance(units, list)
            or not units
            or not all(isinstance(u, str) and _OU_ID.fullmatch(u) for u in units)
        ):
            problems.append(
                f"{where}organizationalUnitIds: {units!r} must list OU IDs (ou-xxxx-xxxxxxxx) "
                "or a root ID (r-xxxx)"
            )
        if not isinstance(regions, list) or not all(
            isinstance(r, str) and REGION.fullmatch(r) for r in regions
        ):
            problems.append(f"{where}regions: {regions!r} must list AWS region names")
        elif len(regions) != 1:
            problems.append(
                f"{where}regions: {regions!r} must name exactly one region; IAM roles are "
                "global, so the same role in two regions of an account would collide"
            )
        account = text(spec, "account", where, problems, ACCOUNT, "a 12-digit account ID")
        region = text(spec, "region", where, problems, REGION, "an AWS region name")
        if isinstance(units, list) and isinstance(regions, list):
            stack_set = StackSetSpec(
                tuple(str(u) for u in units), tuple(str(r) for r in regions), account, region
            )
    elif spec is not None:
        problems.append("deployment.stackSet: must be an object")
    return pipeline, stack_set
