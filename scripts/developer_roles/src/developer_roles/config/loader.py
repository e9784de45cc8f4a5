"""The app's configuration: which principals get a developer role, where, and with what settings.

Loading is "read, check against the format, apply the rules that span fields": the format
(keys, types, defaults, descriptions) is declared once in :mod:`developer_roles.config.format`; the
rules that span fields (names that collide, partitions, tag counts, quotas) are the functions
below. Every problem is collected and reported at once, before any construct is built, so a
bad configuration never writes a template. The data model is in :mod:`developer_roles.config.model`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from developer_role import POWER_USER_ACCESS, policy_length, trust_policy
from developer_role.iam_rules import (
    MAX_TAGS,
    customer_policy_account_problem,
    mfa_serial_account_problem,
    tag_value_problem,
)
from developer_role.validation import role_name_error
from developer_roles.config.fields import parse_duration, parse_principal_arn
from developer_roles.config.files import parse_text, read_config_file
from developer_roles.config.format import (
    CONFIG_FIELDS,
    DEFAULTS,
    FORMAT,
    OVERRIDES,
    PIPELINE_FIELDS,
    ROLE_SETTINGS,
    STACK_SET_FIELDS,
    TARGET_FIELDS,
)
from developer_roles.config.model import (
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
from developer_roles.config.regions import region_partition
from developer_roles.config.schema import INVALID, build

__all__ = [
    "APP_TAG_KEY",
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
    "read_config_file",
    "validate",
]

CONTEXT_KEY = "developerRoles"
CONTEXT_FILE_KEY = "developerRolesFile"
# The tag the app adds to every role (stacks.developer_roles_stack.PRINCIPAL_TAG; a test keeps
# the two equal), with the role's label as its value.
APP_TAG_KEY = "developer-role:principal"
# The settings a principal or group may set for itself instead of 'defaults' (tags add up).
OVERRIDE_KEYS = tuple(spec.key for spec in OVERRIDES if spec.key != "tags")


def load_config(context_value: object, file_value: object, base_dir: Path) -> RolesConfig:
    """The validated configuration from the CDK context, or a :class:`ConfigError`."""
    source = f"context {CONTEXT_KEY!r}"
    if file_value:
        path = base_dir / str(file_value)
        source = str(file_value)
        raw: object = read_config_file(path, source)
    elif isinstance(context_value, str):
        raw = parse_text(context_value, source, yaml_syntax=False, what="the JSON text")
    else:
        raw = context_value
    if raw is None:
        raise ConfigError(
            [f"no configuration: set {CONTEXT_KEY!r} in cdk.json or pass -c {CONTEXT_FILE_KEY}="],
            source,
        )
    return validate(raw, source)


def validate(raw: object, source: str = "configuration") -> RolesConfig:
    """Check the whole configuration; raise one :class:`ConfigError` listing every problem."""
    if not isinstance(raw, Mapping):
        raise ConfigError(["the configuration must be an object with a 'principals' list"], source)
    problems: list[str] = []
    clean: dict[str, Any] = FORMAT.check(raw, "", problems)
    targets = _targets(raw, clean, problems)
    prefix: str = clean["rolePrefix"]
    role_path: str = clean["path"]
    defaults: dict[str, Any] = {**DEFAULTS.check({}, "defaults", []), **clean["defaults"]}
    defaults["managedPolicies"] = _policy_refs(
        defaults["managedPolicies"], "defaults.managedPolicies", problems
    )
    if not raw.get("principals") and not raw.get("groups"):
        problems.append(
            "principals: the list is empty; name at least one IAM user or role ARN "
            "(or define 'groups')"
        )

    common = _Common(problems, defaults, prefix, role_path)
    placed: list[tuple[str, RoleSpec]] = []
    for index, entry in enumerate(clean["principals"]):
        where = f"principals[{index}]"
        if entry is not INVALID:
            placed.append((where, _principal_role(entry, where, common)))
    for index, entry in enumerate(clean["groups"]):
        where = f"groups[{index}]"
        if entry is not INVALID:
            placed.append((where, _group_role(entry, where, common)))
    problems += _duplicates(placed)
    problems += _partitions(placed, targets, clean)
    roles = [spec for _, spec in placed]

    quota: int = clean["maxRolesPerAccount"]
    if len(roles) > quota:
        problems.append(
            f"{len(roles)} developer roles exceed the IAM quota of {quota} roles per account "
            "(maxRolesPerAccount); raise the account's quota in Service Quotas (at most 5,000) "
            "and set maxRolesPerAccount, or trust teams through 'groups' (one role per team). "
            "Roles already in the account count against the same quota"
        )
    max_length: int = clean["maxTrustPolicyLength"]
    problems += _trust_lengths(roles, max_length)
    problems += _policy_counts(placed, clean["maxManagedPoliciesPerRole"])
    problems += _policy_accounts(clean, defaults, targets)
    pipeline, stack_set = _deployment(clean.get("deployment"), targets, problems)
    if clean.get("identityAccount") and any(t.account is None for t in targets) and not stack_set:
        problems.append(
            "identityAccount: the identity side names the roles' accounts; give every target an "
            "'account'"
        )

    if problems:
        raise ConfigError(problems, source)
    return build(
        RolesConfig,
        CONFIG_FIELDS,
        clean,
        roles=tuple(roles),
        targets=targets,
        pipeline=pipeline,
        stack_set=stack_set,
    )


def _targets(
    raw: Mapping[str, Any], clean: Mapping[str, Any], problems: list[str]
) -> tuple[Target, ...]:
    if "targets" not in raw:
        return (build(Target, TARGET_FIELDS, clean),)
    if "account" in raw or "region" in raw:
        problems.append("targets: give either 'account'/'region' or 'targets', not both")
    targets: list[Target] = []
    for index, entry in enumerate(clean.get("targets") or []):
        if entry is INVALID:
            continue
        target = build(Target, TARGET_FIELDS, entry)
        if target in targets:
            problems.append(f"targets[{index}]: {target.account}/{target.region} is listed twice")
        elif (other := _same_account(target, targets)) is not None:
            # IAM roles belong to the account, not to a region ("the Region portion of the ARN
            # is blank because IAM resources are global":
            # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html), so a
            # second region's stack would create the same role names again and fail with
            # EntityAlreadyExists after the first region's stack was deployed.
            problems.append(
                f"targets[{index}]: account {target.account} is already a target (in "
                f"{other.region}); IAM roles are global to an account, so a second region would "
                "create the same roles again: list each account once"
            )
        targets.append(target)
    return tuple(targets) or (Target(),)


def _same_account(target: Target, targets: Sequence[Target]) -> Target | None:
    """An earlier target in the same (known) account, in another region."""
    if target.account is None:
        return None
    return next((other for other in targets if other.account == target.account), None)


def _policy_refs(items: Sequence[Any], where: str, problems: list[str]) -> list[ManagedPolicyRef]:
    """Policies as references; an AWS managed policy other than PowerUserAccess needs a reason."""
    refs: list[ManagedPolicyRef] = []
    for index, item in enumerate(items):
        if item is INVALID:
            continue
        if isinstance(item, Mapping):
            item = ManagedPolicyRef(item["policy"].name_or_arn, item.get("reason"))
        ref: ManagedPolicyRef = item
        if ref.is_aws_managed and ref.name_or_arn != POWER_USER_ACCESS and not ref.reason:
            problems.append(
                f"{where}[{index}]: AWS managed policy {ref.name_or_arn!r} needs a 'reason' "
                "({'policy': NAME, 'reason': WHY}); cdk-nag AwsSolutions-IAM4 flags AWS managed "
                "policies and the reason is recorded as its acknowledgment"
            )
            continue
        refs.append(ref)
    return refs


@dataclasses.dataclass(frozen=True)
class _Common:
    """What every role of the configuration shares while it is built."""

    problems: list[str]
    defaults: Mapping[str, Any]
    prefix: str
    path: str


def _principal_role(entry: Any, where: str, common: _Common) -> RoleSpec:
    if isinstance(entry, PrincipalArn):
        entry = {"arn": entry}
    principal: PrincipalArn = entry["arn"]
    serial = entry.get("mfaSerial")
    if serial and (problem := mfa_serial_account_problem(serial, principal.arn)):
        common.problems.append(f"{where}.mfaSerial: {problem}")
    return _role(
        entry,
        where,
        common,
        key=principal.arn,
        construct_id=principal.construct_id,
        label=principal.arn,
        name=principal.name,
        trust=TrustSpec(principals=(principal.arn,)),
        partition=principal.partition,
        principal=principal,
        mfa_serial=entry.get("mfaSerial"),
    )


def _group_role(entry: Mapping[str, Any], where: str, common: _Common) -> RoleSpec:
    name: str = entry["name"]
    members = [p for p in entry.get("principals") or [] if p is not INVALID]
    patterns = [p for p in entry.get("principalArnPatterns") or [] if p is not INVALID]
    trusted = ("principals", "principalArnPatterns", "organizationId")
    if not any(entry.get(key) for key in trusted):
        common.problems.append(
            f"{where}: trusts nobody; give 'principals', 'principalArnPatterns' or 'organizationId'"
        )
    partitions = [p.partition for p in members] + [p.split(":")[1] for p in patterns]
    return _role(
        entry,
        where,
        common,
        key=f"group/{name}",
        construct_id=f"Group {name}",
        label=f"team {name}",
        name=name,
        trust=TrustSpec(
            tuple(p.arn for p in members), tuple(patterns), entry.get("organizationId")
        ),
        partition=partitions[0] if partitions else "aws",
    )


def _role(
    entry: Mapping[str, Any],
    where: str,
    common: _Common,
    *,
    key: str,
    construct_id: str,
    label: str,
    name: str,
    trust: TrustSpec,
    partition: str,
    principal: PrincipalArn | None = None,
    mfa_serial: str | None = None,
) -> RoleSpec:
    problems, defaults, prefix = common.problems, common.defaults, common.prefix
    settings = {**defaults, **{k: entry[k] for k in OVERRIDE_KEYS if k in entry}}
    extra = _policy_refs(
        entry.get("extraManagedPolicies") or [], f"{where}.extraManagedPolicies", problems
    )
    role_name = entry.get("roleName")
    if role_name is None:
        role_name = f"{prefix}{name}"
        if error := role_name_error(where, role_name):
            problems.append(
                f"{error} (derived from rolePrefix {prefix!r} and the name); "
                f"set 'roleName' for {where} or a shorter 'rolePrefix'"
            )
    tags = {**defaults["tags"], **(entry.get("tags") or {})}
    problems += _tag_problems(tags, where, label)
    return build(
        RoleSpec,
        ROLE_SETTINGS,
        {**settings, "tags": tags},
        key=key,
        construct_id=construct_id,
        label=label,
        trust=trust,
        partition=partition,
        role_name=role_name,
        path=common.path,
        managed_policies=tuple(defaults["managedPolicies"]) + tuple(extra),
        principal=principal,
        mfa_serial=mfa_serial,
    )


def _tag_problems(tags: Mapping[str, str], where: str, label: str) -> list[str]:
    """IAM's rules for the tags of one role, the app's own tag included."""
    problems = []
    if len(tags) + 1 > MAX_TAGS:
        problems.append(
            f"{where}.tags: {len(tags)} tags (from 'defaults' and its own) and the app's "
            f"{APP_TAG_KEY!r} tag are {len(tags) + 1}; IAM allows at most {MAX_TAGS} tags on a "
            "role, so drop some"
        )
    seen: dict[str, str] = {APP_TAG_KEY: APP_TAG_KEY}
    for tag in tags:
        if (other := seen.get(tag.lower())) is not None:
            problems.append(
                f"{where}.tags.{tag}: the key {tag!r} is also the key {other!r} "
                f"({'the tag the app adds' if other == APP_TAG_KEY else 'from defaults.tags'}); "
                "IAM tag keys are unique regardless of case, so rename one"
            )
        seen.setdefault(tag.lower(), tag)
    if problem := tag_value_problem(label[:256]):
        problems.append(
            f"{where}: the app tags the role with {APP_TAG_KEY!r} = {label[:256]!r}, which "
            f"{problem}; rename the principal, or trust it through a group's "
            "'principalArnPatterns'"
        )
    return problems


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


def _arn_partitions(where: str, spec: RoleSpec) -> list[tuple[str, str]]:
    """(location, ARN) of everything partition-bound in a role: principals, patterns, policies."""
    found = [(where, arn) for arn in spec.trust.principals]
    found += [(where, pattern) for pattern in spec.trust.arn_patterns]
    found += [
        (where, ref.name_or_arn) for ref in spec.managed_policies if ref.name_or_arn[:4] == "arn:"
    ]
    if spec.permissions_boundary and spec.permissions_boundary.startswith("arn:"):
        found.append((where, spec.permissions_boundary))
    return found


def _partitions(
    placed: list[tuple[str, RoleSpec]], targets: tuple[Target, ...], clean: Mapping[str, Any]
) -> list[str]:
    """A role can only trust principals (and use policies) of the partition it is created in."""
    regions = [(f"target {t.region}", t.region) for t in targets if t.region]
    stack_set = (clean.get("deployment") or {}).get("stackSet") or {}
    regions += [(f"the StackSet region {r}", r) for r in stack_set.get("regions") or []]
    # an unknown region is refused where it is given, and has no partition here
    regions = [(name, region) for name, region in regions if region_partition(region)]
    known = {region_partition(region) for _, region in regions}
    problems = []
    if len(known) > 1:
        listed = ", ".join(f"{name} ({region_partition(region)})" for name, region in regions)
        return [
            f"targets: the regions are in different partitions ({listed}); the same roles cannot "
            "be deployed to several partitions: use one configuration per partition"
        ]
    expected = next(iter(known)) if known else None
    first: tuple[str, str] | None = None
    for where, spec in placed:
        for location, arn in _arn_partitions(where, spec):
            partition = arn.split(":")[1]
            if expected is not None:
                if partition != expected:
                    problems.append(
                        f"{location}: {arn!r} is in partition {partition}, but the roles go to "
                        f"{regions[0][1]} (partition {expected}); a role can only trust "
                        "principals and use policies of its own partition: use one "
                        f"configuration per partition (one with {partition} regions)"
                    )
            elif first is None:
                first = (location, partition)
            elif partition != first[1]:
                problems.append(
                    f"{location}: {arn!r} is in partition {partition}, but {first[0]} is in "
                    f"{first[1]}; a role can only trust principals of its own partition, and "
                    "with no region the targets' partition is unknown: give the targets a "
                    "region, or use one configuration per partition"
                )
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
            session_tags=spec.allow_session_tags,
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


def _policy_counts(placed: list[tuple[str, RoleSpec]], quota: int) -> list[str]:
    """IAM attaches at most the account's quota of managed policies to a role (the permissions
    boundary does not count)."""
    problems = []
    for where, spec in placed:
        count = len(spec.managed_policies)
        if count > quota:
            problems.append(
                f"{where}: {count} managed policies ('managedPolicies' of defaults and its "
                f"'extraManagedPolicies') exceed IAM's quota of {quota} per role "
                "(maxManagedPoliciesPerRole); drop some, or have the account's quota raised in "
                "Service Quotas (at most 20) and set maxManagedPoliciesPerRole to it"
            )
    return problems


def _policy_arns(entry: Mapping[str, Any], where: str) -> list[tuple[str, str]]:
    """(location, ARN) of the policies a principal, group or 'defaults' names by ARN."""
    found = []
    for key in ("managedPolicies", "extraManagedPolicies"):
        for index, item in enumerate(entry.get(key) or []):
            ref = item["policy"] if isinstance(item, Mapping) else item
            if isinstance(ref, ManagedPolicyRef):
                found.append((f"{where}.{key}[{index}]", ref.name_or_arn))
    boundary = entry.get("permissionsBoundary")
    if isinstance(boundary, str):
        found.append((f"{where}.permissionsBoundary", boundary))
    return found


def _policy_accounts(
    clean: Mapping[str, Any], defaults: Mapping[str, Any], targets: tuple[Target, ...]
) -> list[str]:
    """A role can attach only AWS managed policies and customer managed policies of its own
    account (checked for every target whose account is known)."""
    accounts = sorted({target.account for target in targets if target.account})
    found = _policy_arns(
        {**clean["defaults"], "managedPolicies": defaults["managedPolicies"]}, "defaults"
    )
    for list_key in ("principals", "groups"):
        for index, entry in enumerate(clean[list_key]):
            if isinstance(entry, Mapping):
                found += _policy_arns(entry, f"{list_key}[{index}]")
    problems = []
    for location, arn in found:
        for account in accounts:
            if problem := customer_policy_account_problem(arn, account):
                problems.append(f"{location}: {problem}")
                break
    return problems


def _deployment(
    deployment: Mapping[str, Any] | None, targets: tuple[Target, ...], problems: list[str]
) -> tuple[PipelineSpec | None, StackSetSpec | None]:
    if not deployment:
        return None, None
    pipeline = stack_set = None
    if (spec := deployment.get("pipeline")) and spec is not INVALID:
        pipeline = build(PipelineSpec, PIPELINE_FIELDS, spec)
    if "pipeline" in deployment and any(t.account is None or t.region is None for t in targets):
        problems.append(
            "deployment.pipeline: every target needs an explicit account and region (use 'targets')"
        )
    if (spec := deployment.get("stackSet")) and spec is not INVALID:
        stack_set = build(StackSetSpec, STACK_SET_FIELDS, spec)
    return pipeline, stack_set
