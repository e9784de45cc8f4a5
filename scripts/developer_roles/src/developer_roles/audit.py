"""``make audit``: who in one account holds high privilege, and how.

Read-only, from ``iam:GetAccountAuthorizationDetails`` (plus ``iam:GetRole`` for the session
duration of the configured developer roles):

* ``standing-privilege``: IAM users and groups with ``AdministratorAccess``,
  ``PowerUserAccess`` or an ``"Action": "*"`` Allow (inline or customer managed), attached to
  the user or through a group: the standing privilege this product replaces.
* ``mfa-trust``: roles that IAM users, roles or whole accounts can assume without MFA, by the
  construct library's own rule (``developer_role.mfa_rule.trust_findings``, the rule the
  synthesis check applies): MFA1/MFA2 are findings, MFA3 (no MFA age limit) a warning.
* ``drift``: configured developer roles whose trust policy, managed or inline policies,
  session duration, path, permissions boundary or tags differ from what this app synthesizes.

A finding can be accepted with a reason (``--acknowledgements FILE``): a YAML or JSON list of
``{check, subject, reason}``, where ``subject`` is the ARN the row names (``*`` and ``?``
match any characters), e.g. a break-glass administrator or the CDK's bootstrap roles.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import yaml
from botocore.exceptions import ClientError

from developer_role import trust_policy
from developer_role.mfa_rule import trust_findings
from developer_roles.aws import Accounts, not_checked
from developer_roles.config.loader import APP_TAG_KEY
from developer_roles.config.model import RolesConfig, RoleSpec
from developer_roles.report import BadInput, Result
from developer_roles.summary import canonical

HIGH_PRIVILEGE_POLICIES = ("AdministratorAccess", "PowerUserAccess")
CHECKS = ("standing-privilege", "mfa-trust", "drift")


@dataclass(frozen=True)
class Acknowledgement:
    check: str
    subject: str
    reason: str

    def covers(self, result: Result) -> bool:
        return result.check == self.check and fnmatch.fnmatchcase(result.subject, self.subject)


def load_acknowledgements(path: Path | None) -> list[Acknowledgement]:
    if path is None:
        return []
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise BadInput(f"cannot read {path}: {error.strerror}") from error
    except yaml.YAMLError as error:
        raise BadInput(f"{path}: not valid YAML or JSON: {error}") from error
    if not isinstance(raw, list):
        raise BadInput(f"{path}: expected a list of {{check, subject, reason}}")
    found = []
    for index, entry in enumerate(raw):
        if not isinstance(entry, Mapping) or set(entry) != {"check", "subject", "reason"}:
            raise BadInput(f"{path}[{index}]: expected exactly the keys check, subject, reason")
        if entry["check"] not in CHECKS:
            raise BadInput(f"{path}[{index}].check: {entry['check']!r} is not one of {CHECKS}")
        if not str(entry["reason"]).strip():
            raise BadInput(f"{path}[{index}].reason: say why the finding is accepted")
        found.append(
            Acknowledgement(str(entry["check"]), str(entry["subject"]), str(entry["reason"]))
        )
    return found


def run_audit(
    accounts: Accounts,
    account: str,
    *,
    config: RolesConfig | None,
    acknowledged: Sequence[Acknowledgement] = (),
    no_config: str = "no configuration was given (--config FILE, CONFIG=FILE for make)",
) -> list[Result]:
    """``no_config``: why drift is not checked when ``config`` is None."""
    iam = accounts.client(account, "iam")
    if iam is None:
        raise BadInput(accounts.how_to_reach(account))
    try:
        details = _authorization_details(iam)
    except ClientError as error:
        message = not_checked(error, "iam:GetAccountAuthorizationDetails")
        return [Result(check, account, "", "not checked", message) for check in CHECKS]
    results = _standing_privilege(account, details)
    results += _mfa_trust(account, details)
    if config is not None:
        results += _drift(iam, account, details, config, accounts.caller_account)
    else:
        results.append(
            Result("drift", account, "developer roles", "not checked", f"not checked: {no_config}")
        )
    return [_acknowledge(result, acknowledged) for result in results]


def _acknowledge(result: Result, acknowledged: Sequence[Acknowledgement]) -> Result:
    if result.status not in ("fail", "warning"):
        return result
    for ack in acknowledged:
        if ack.covers(result):
            return replace(result, status="acknowledged", reason=ack.reason)
    return result


@dataclass
class Details:
    users: list[dict[str, Any]]
    groups: dict[str, dict[str, Any]]
    roles: list[dict[str, Any]]
    policies: dict[str, dict[str, Any]]  # customer managed, by ARN: the default version


def _authorization_details(iam: Any) -> Details:
    details = Details([], {}, [], {})
    paginator = iam.get_paginator("get_account_authorization_details")
    for page in paginator.paginate(Filter=["User", "Group", "Role", "LocalManagedPolicy"]):
        details.users += page.get("UserDetailList", [])
        details.groups.update({g["GroupName"]: g for g in page.get("GroupDetailList", [])})
        details.roles += page.get("RoleDetailList", [])
        for policy in page.get("Policies", []):
            default = next(
                (v for v in policy.get("PolicyVersionList", []) if v.get("IsDefaultVersion")), None
            )
            if default is not None:
                details.policies[policy["Arn"]] = policy_document(default.get("Document"))
    return details


def policy_document(value: Any) -> dict[str, Any]:
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, str):
        try:
            parsed = json.loads(unquote(value) if value.startswith("%7B") else value)
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}
    return {}


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def allows_everything(document: Mapping[str, Any]) -> bool:
    """An Allow of ``"Action": "*"`` (or ``*:*``) on every resource."""
    for statement in _listed(document.get("Statement", [])):
        if not isinstance(statement, Mapping) or statement.get("Effect") != "Allow":
            continue
        actions = _listed(statement.get("Action", []))
        resources = _listed(statement.get("Resource", []))
        if any(a in ("*", "*:*") for a in actions) and "*" in resources:
            return True
    return False


def _grants(
    attached: Iterable[Mapping[str, Any]],
    inline: Iterable[Mapping[str, Any]],
    policies: Mapping[str, dict[str, Any]],
) -> list[str]:
    """What in a set of attached and inline policies is high privilege, in words."""
    found = []
    for policy in attached:
        arn = str(policy.get("PolicyArn", ""))
        name = arn.rsplit("/", 1)[-1]
        if ":iam::aws:policy/" in arn and name in HIGH_PRIVILEGE_POLICIES:
            found.append(name)
        elif arn in policies and allows_everything(policies[arn]):
            found.append(f'managed policy {name} ("Action": "*")')
    for policy in inline:
        if allows_everything(policy_document(policy.get("PolicyDocument"))):
            found.append(f'inline policy {policy.get("PolicyName")} ("Action": "*")')
    return found


def _standing_privilege(account: str, details: Details) -> list[Result]:
    results: list[Result] = []
    group_grants = {
        name: _grants(
            g.get("AttachedManagedPolicies", []), g.get("GroupPolicyList", []), details.policies
        )
        for name, g in details.groups.items()
    }
    members: dict[str, int] = {}
    for user in details.users:
        sources = _grants(
            user.get("AttachedManagedPolicies", []),
            user.get("UserPolicyList", []),
            details.policies,
        )
        for group in user.get("GroupList", []):
            members[group] = members.get(group, 0) + 1
            sources += [f"{grant} through group {group}" for grant in group_grants.get(group, [])]
        if sources:
            results.append(
                Result(
                    "standing-privilege",
                    account,
                    str(user["Arn"]),
                    "fail",
                    "standing high privilege: " + "; ".join(sources),
                )
            )
    for name, grants in group_grants.items():
        if grants:
            group = details.groups[name]
            results.append(
                Result(
                    "standing-privilege",
                    account,
                    str(group["Arn"]),
                    "fail",
                    f"group grants {'; '.join(grants)} to {members.get(name, 0)} member(s)",
                )
            )
    if not results:
        results.append(
            Result(
                "standing-privilege",
                account,
                "users and groups",
                "ok",
                "no standing high privilege",
            )
        )
    return results


def _mfa_trust(account: str, details: Details) -> list[Result]:
    results: list[Result] = []
    for role in details.roles:
        for finding in trust_findings(policy_document(role.get("AssumeRolePolicyDocument"))):
            results.append(
                Result(
                    "mfa-trust",
                    account,
                    str(role["Arn"]),
                    "fail" if finding.level == "error" else "warning",
                    f"{finding.rule}: {finding.message}",
                )
            )
    if not results:
        results.append(
            Result(
                "mfa-trust",
                account,
                f"{len(details.roles)} role(s)",
                "ok",
                "every role people can assume requires MFA",
            )
        )
    return results


# --------------------------------------------------------------------------- drift


def _policy_arn(name_or_arn: str, partition: str) -> str:
    if name_or_arn.startswith("arn:"):
        return name_or_arn
    return f"arn:{partition}:iam::aws:policy/{name_or_arn}"


def expected_trust(spec: RoleSpec) -> dict[str, Any]:
    """The trust policy this app synthesizes for a role (the construct's own function)."""
    return trust_policy(
        principals=spec.trust.principals,
        principal_arn_patterns=spec.trust.arn_patterns,
        principal_org_id=spec.trust.org_id,
        max_mfa_age_seconds=spec.max_mfa_age_seconds,
        require_source_identity=spec.require_source_identity,
        session_tags=spec.allow_session_tags,  # as the stack passes it (allow_session_tags)
    )


def expected_tags(spec: RoleSpec) -> dict[str, str]:
    """The tags this app puts on a role: the configured ones and the principal's label."""
    return {**spec.tags, APP_TAG_KEY: spec.label[:256]}


def _tag_differences(actual: Sequence[Mapping[str, Any]], expected: Mapping[str, str]) -> str:
    """``+key=value`` (added by hand), ``-key`` (removed), ``key=old -> new``; ``aws:`` tags,
    which only AWS sets, are left out."""
    found = {
        str(t.get("Key")): str(t.get("Value"))
        for t in actual
        if not str(t.get("Key", "")).startswith("aws:")
    }
    words = []
    for key in sorted(set(found) | set(expected)):
        if key not in expected:
            words.append(f"+{key}={found[key]}")
        elif key not in found:
            words.append(f"-{key}")
        elif found[key] != expected[key]:
            words.append(f"{key}={found[key]} -> {expected[key]}")
    return ", ".join(words)


def _drift(
    iam: Any, account: str, details: Details, config: RolesConfig, caller: str
) -> list[Result]:
    if not any((t.account or caller) == account for t in config.targets):
        return [
            Result(
                "drift",
                account,
                "developer roles",
                "ok",
                "this account is not a target of the configuration",
            )
        ]
    deployed = {str(r["RoleName"]).lower(): r for r in details.roles}
    results: list[Result] = []
    checked = 0
    for spec in config.roles:
        role = deployed.get(spec.role_name.lower())
        if role is None:
            results.append(
                Result(
                    "drift",
                    account,
                    f"arn:{spec.partition}:iam::{account}:role{spec.path}{spec.role_name}",
                    "warning",
                    "configured but not deployed (make deploy creates it)",
                )
            )
            continue
        checked += 1
        differences = []
        actual_trust = policy_document(role.get("AssumeRolePolicyDocument"))
        if canonical(actual_trust.get("Statement")) != canonical(expected_trust(spec)["Statement"]):
            differences.append("trust policy")
        wanted = {_policy_arn(ref.name_or_arn, spec.partition) for ref in spec.managed_policies}
        attached = {str(p["PolicyArn"]) for p in role.get("AttachedManagedPolicies", [])}
        if attached != wanted:
            added, removed = sorted(attached - wanted), sorted(wanted - attached)
            differences.append(
                "managed policies"
                + (f" (added {', '.join(added)})" if added else "")
                + (f" (removed {', '.join(removed)})" if removed else "")
            )
        if role.get("RolePolicyList"):
            names = ", ".join(str(p.get("PolicyName")) for p in role["RolePolicyList"])
            differences.append(f"inline policies added ({names})")
        boundary = (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
        wanted_boundary = (
            _policy_arn(spec.permissions_boundary, spec.partition)
            if spec.permissions_boundary
            else None
        )
        if boundary != wanted_boundary:
            differences.append(
                f"permissions boundary ({boundary or 'none'}, expected {wanted_boundary or 'none'})"
            )
        tags = _tag_differences(role.get("Tags") or [], expected_tags(spec))
        if tags:
            differences.append(f"tags ({tags})")
        if role.get("Path") != spec.path:
            differences.append(f"path ({role.get('Path')}, expected {spec.path})")
        try:
            seconds = int(iam.get_role(RoleName=role["RoleName"])["Role"]["MaxSessionDuration"])
        except ClientError as error:
            note = not_checked(error, "iam:GetRole")
            results.append(
                Result(
                    "drift", account, str(role["Arn"]), "not checked", f"session duration {note}"
                )
            )
        else:
            if seconds != spec.max_session_seconds:
                expected = spec.max_session_seconds
                differences.append(f"session duration ({seconds} s, expected {expected} s)")
        if differences:
            results.append(
                Result(
                    "drift",
                    account,
                    str(role["Arn"]),
                    "fail",
                    "changed outside CloudFormation: " + "; ".join(differences),
                )
            )
    if not any(r.status == "fail" for r in results):
        results.append(
            Result(
                "drift",
                account,
                f"{checked} of {len(config.roles)} developer role(s) deployed",
                "ok",
                "the deployed ones are as synthesized",
            )
        )
    return results
