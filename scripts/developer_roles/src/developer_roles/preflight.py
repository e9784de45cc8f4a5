"""``make preflight``: what only the account knows about whether ``make deploy`` would succeed.

For every target account of the configuration (and the identity account, with
``identityAccount``), read-only:

* ``principal``: every trusted IAM user and role exists with exactly the configured ARN (path
  included); IAM refuses a trust policy naming anything else ("Invalid principal in policy")
  and CloudFormation rolls the whole stack back. A deleted principal whose role is deployed
  with the trust policy this deploy would write again is a warning instead: CloudFormation
  does not write an unchanged property, so this deploy succeeds, but the next change to the
  role fails. A principal in an account these credentials do not reach is "not checked",
  with how to reach it.
* ``mfa-device``: every trusted IAM user has an MFA device (a warning otherwise: the role is
  deployed but can never be assumed).

The reads are batched (paged ``iam:ListUsers``, ``iam:ListRoles``, ``iam:ListVirtualMFADevices``
per account, the credential report for many users without a virtual device), so 2,000
principals take a few seconds (``make bench-preflight``), not one call or two per principal.
* ``role-quota``: the roles the deploy would add fit under the account's ``RolesQuota``, and
  the configured ``maxRolesPerAccount`` does not exceed it.
* ``role-names``: no role the deploy would create already exists outside its stack.
* ``stack-state``: no stack of the deploy is stuck in a state CloudFormation refuses to update.
* ``bootstrap``: the ``CDKToolkit`` stack exists with a ``BootstrapVersion`` the app needs.
* ``identity-group`` (with ``identityAccount``): the group the identity stack creates does not
  already exist outside that stack.
"""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from developer_roles.audit import expected_trust, policy_document
from developer_roles.aws import Accounts, not_checked
from developer_roles.config.layout import GROUP_NAME, IDENTITY_STACK_NAME, StackPlan, plan_stacks
from developer_roles.config.model import RolesConfig, RoleSpec, Target
from developer_roles.report import Result
from developer_roles.summary import canonical

# The CDK's DefaultStackSynthesizer adds a rule that fails any deploy to an environment whose
# bootstrap stack is older than this (tests/developer_roles asserts it against a synthesized
# template, so a CDK upgrade that raises it is noticed).
MIN_BOOTSTRAP_VERSION = 6
TOOLKIT_STACK = "CDKToolkit"
# Stack states in which CloudFormation refuses a new update (ROLLBACK_COMPLETE is not one: the
# CDK CLI deletes such a stack and creates it again).
_BLOCKING_SUFFIXES = ("_IN_PROGRESS", "UPDATE_ROLLBACK_FAILED", "ROLLBACK_FAILED", "DELETE_FAILED")


@dataclass(frozen=True)
class ParsedArn:
    arn: str
    account: str
    kind: str  # "user" or "role"
    name: str
    path: str


def parse_principal(arn: str) -> ParsedArn | None:
    """An IAM user or role ARN, split; None for anything else (accounts, roots, patterns)."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[2] != "iam" or not parts[4].isdigit():
        return None
    kind, _, rest = parts[5].partition("/")
    if kind not in ("user", "role") or not rest:
        return None
    *path, name = rest.split("/")
    return ParsedArn(arn, parts[4], kind, name, "/" + "".join(f"{p}/" for p in path))


def run_preflight(
    config: RolesConfig, accounts: Accounts, *, bootstrap_version: int = MIN_BOOTSTRAP_VERSION
) -> list[Result]:
    plans = plan_stacks(config)
    results: list[Result] = []
    targets = [_resolved(target, accounts) for target in config.targets]
    results += _principals(config, accounts)
    for target in dict.fromkeys(targets):
        account, region = str(target.account), target.region
        if accounts.session(account) is None:
            results.append(
                Result(
                    "credentials",
                    account,
                    region or "",
                    "not checked",
                    accounts.how_to_reach(account),
                )
            )
            continue
        target_plans = [p for p in plans if _resolved(p.target, accounts) == target]
        roles = [spec for plan in target_plans for spec in plan.roles]
        existing = _existing_role_names(accounts.reach(account, "iam"))
        results += _quota(config, accounts, account, roles, existing)
        results += _stacks(accounts, account, region, target_plans, existing)
        results += _bootstrap(accounts, account, region, bootstrap_version)
    if config.identity_account:
        results += _identity_side(config, accounts, targets[0].region, bootstrap_version)
    return results


def _resolved(target: Target, accounts: Accounts) -> Target:
    return Target(target.account or accounts.caller_account, target.region or accounts.region)


# --------------------------------------------------------------------------- principals
#
# Batched reads: one paged iam:ListUsers and iam:ListRoles per principal account (1,000 per
# page), one paged iam:ListVirtualMFADevices for the assigned virtual devices; iam:ListMFADevices
# only for a user without a virtual device (a hardware or FIDO key is not in that list).
# https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListUsers.html
# https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListVirtualMFADevices.html

_GONE = (
    "no such IAM {kind} in the account: IAM would refuse the trust policy (Invalid principal in "
    "policy) and roll the stack back"
)
_GONE_UNTOUCHED = (
    "no such IAM {kind} in the account; its role is deployed and this deploy does not change "
    "its trust policy, so the deploy succeeds, but the next change to this role will fail"
)
_OTHER_PATH = "exists under another path: IAM would refuse the trust policy"
_NO_MFA = (
    "the user has no MFA device: the role is deployed but cannot be assumed until one is enabled"
)
# What IAM writes into a trust policy in place of a principal that was deleted: its unique ID.
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
# ("if you delete the role or user ... the principal ID shows up", and
# https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_policy-examples.html)
_UNIQUE_ID = re.compile(r"A(IDA|ROA)[A-Z0-9]{12,}")


@dataclass
class _Directory:
    """One account's users and roles (by lower-cased name), and users with a virtual MFA."""

    users: dict[str, dict[str, Any]]
    roles: dict[str, dict[str, Any]]
    virtual_mfa: set[str]  # users known to have an MFA device
    no_mfa: set[str] = field(default_factory=set)  # ... known to have none (credential report)


@dataclass
class _Unread:
    """A list call that failed, and which."""

    action: str
    error: ClientError


def _directory(iam: Any) -> _Directory | _Unread:
    found = _Directory({}, {}, set())
    action = "iam:ListUsers"
    try:
        for page in iam.get_paginator("list_users").paginate():
            found.users.update({str(u["UserName"]).lower(): u for u in page["Users"]})
        action = "iam:ListRoles"
        for page in iam.get_paginator("list_roles").paginate():
            found.roles.update({str(r["RoleName"]).lower(): r for r in page["Roles"]})
    except ClientError as error:
        return _Unread(action, error)
    try:
        paginator = iam.get_paginator("list_virtual_mfa_devices")
        for page in paginator.paginate(AssignmentStatus="Assigned"):
            for device in page["VirtualMFADevices"]:
                user = device.get("User") or {}
                if user.get("UserName"):
                    found.virtual_mfa.add(str(user["UserName"]).lower())
    except ClientError:
        pass  # each user is then asked with iam:ListMFADevices
    return found


def _principals(
    config: RolesConfig, accounts: Accounts, untouched: set[str] | None = None
) -> list[Result]:
    """``untouched``: principals (lower-case ARNs) whose deployed role this deploy leaves as
    is; computed from the accounts when None."""
    results: list[Result] = []
    by_account: dict[str, list[ParsedArn]] = {}
    for spec in config.roles:
        for arn in spec.trust.principals:
            parsed = parse_principal(arn)
            if parsed is not None and parsed not in by_account.get(parsed.account, []):
                by_account.setdefault(parsed.account, []).append(parsed)
    directories: dict[str, tuple[Any, _Directory]] = {}
    for account, principals in by_account.items():
        iam = accounts.client(account, "iam")
        if iam is None:
            results += [
                Result("principal", account, p.arn, "not checked", accounts.how_to_reach(account))
                for p in principals
            ]
            continue
        directory = _directory(iam)
        if isinstance(directory, _Unread):
            message = not_checked(directory.error, directory.action)
            results += [
                Result("principal", account, p.arn, "not checked", message) for p in principals
            ]
            continue
        _mfa_from_credential_report(iam, directory, principals)
        directories[account] = (iam, directory)
    if untouched is None:
        gone = [
            p
            for account, (_, directory) in directories.items()
            for p in by_account[account]
            if _found(directory, p) is None
        ]
        untouched = _untouched_roles(config, accounts, gone)
    for account, (iam, directory) in directories.items():
        for parsed in by_account[account]:
            results += _principal(iam, directory, parsed, untouched)
    return results


# Users without a virtual device above this many are looked up in the credential report (one
# generated report, a CSV with ``mfa_active`` per user, at most four hours old) instead of one
# iam:ListMFADevices each.
# https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html
REPORT_OVER = 10
_REPORT_WAIT_SECONDS = 20.0


def _mfa_from_credential_report(
    iam: Any, directory: _Directory, principals: Sequence[ParsedArn]
) -> None:
    """Users whose report says ``mfa_active`` go into ``directory.virtual_mfa`` (any device);
    the others into ``directory.no_mfa``. Left as is when the report cannot be had."""
    unknown = [
        p.name.lower()
        for p in principals
        if p.kind == "user"
        and p.name.lower() in directory.users
        and p.name.lower() not in directory.virtual_mfa
    ]
    if len(unknown) <= REPORT_OVER:
        return
    deadline = time.monotonic() + _REPORT_WAIT_SECONDS
    try:
        while iam.generate_credential_report().get("State") != "COMPLETE":
            if time.monotonic() > deadline:
                return
            time.sleep(0.5)  # AWS generates the report asynchronously
        content = iam.get_credential_report()["Content"]
    except ClientError:
        return  # each user is then asked with iam:ListMFADevices
    text = content.decode("utf-8") if isinstance(content, bytes) else str(content)
    for row in csv.DictReader(io.StringIO(text)):
        name = str(row.get("user", "")).lower()
        if row.get("mfa_active") == "true":
            directory.virtual_mfa.add(name)
        elif row.get("mfa_active") == "false":
            directory.no_mfa.add(name)


def _found(directory: _Directory, parsed: ParsedArn) -> dict[str, Any] | None:
    names = directory.users if parsed.kind == "user" else directory.roles
    return names.get(parsed.name.lower())


def _principal(
    iam: Any, directory: _Directory, parsed: ParsedArn, untouched: set[str]
) -> list[Result]:
    found = _found(directory, parsed)
    if found is None:
        if parsed.arn.lower() in untouched:
            message = _GONE_UNTOUCHED.format(kind=parsed.kind)
            return [Result("principal", parsed.account, parsed.arn, "warning", message)]
        message = _GONE.format(kind=parsed.kind)
        return [Result("principal", parsed.account, parsed.arn, "fail", message)]
    if str(found["Arn"]) != parsed.arn:
        return [
            Result(
                "principal",
                parsed.account,
                parsed.arn,
                "fail",
                f"{_OTHER_PATH} ({found['Arn']})",
            )
        ]
    results = [Result("principal", parsed.account, parsed.arn, "ok", f"the {parsed.kind} exists")]
    if parsed.kind == "user":
        results.append(_mfa_device(iam, directory, parsed))
    return results


def _mfa_device(iam: Any, directory: _Directory, parsed: ParsedArn) -> Result:
    if parsed.name.lower() in directory.virtual_mfa:
        return Result("mfa-device", parsed.account, parsed.arn, "ok", "an MFA device")
    if parsed.name.lower() in directory.no_mfa:
        return Result("mfa-device", parsed.account, parsed.arn, "warning", _NO_MFA)
    try:
        devices = iam.list_mfa_devices(UserName=parsed.name)["MFADevices"]
    except ClientError as error:
        return Result(
            "mfa-device",
            parsed.account,
            parsed.arn,
            "not checked",
            not_checked(error, "iam:ListMFADevices"),
        )
    if not devices:
        return Result("mfa-device", parsed.account, parsed.arn, "warning", _NO_MFA)
    return Result("mfa-device", parsed.account, parsed.arn, "ok", "an MFA device")


def _untouched_roles(
    config: RolesConfig, accounts: Accounts, gone: Sequence[ParsedArn]
) -> set[str]:
    """Deleted principals (lower-case ARNs) whose roles are deployed in every target with the
    trust policy this app synthesizes: CloudFormation does not write those trust policies
    again (it updates only the properties that change), so IAM is not asked to accept them."""
    if not gone:
        return set()
    wanted = {p.arn.lower() for p in gone}
    specs = [s for s in config.roles if wanted & {a.lower() for a in s.trust.principals}]
    deployed: dict[str, dict[str, dict[str, Any]]] = {}
    for target in config.targets:
        account = target.account or accounts.caller_account
        iam = accounts.client(account, "iam")
        if iam is None:
            return set()
        if account not in deployed:
            directory = _directory(iam)
            if isinstance(directory, _Unread):
                return set()
            deployed[account] = directory.roles
    untouched: set[str] = set()
    for spec in specs:
        roles = [deployed[a].get(spec.role_name.lower()) for a in deployed]
        if all(role is not None and _same_trust(role, spec, wanted) for role in roles):
            untouched |= wanted & {a.lower() for a in spec.trust.principals}
    return untouched


def _same_trust(role: Mapping[str, Any], spec: RoleSpec, gone: set[str]) -> bool:
    actual = policy_document(role.get("AssumeRolePolicyDocument")).get("Statement", [])
    expected = expected_trust(spec)["Statement"]
    return bool(_without_principals(actual, gone) == _without_principals(expected, gone))


def _without_principals(statements: Any, gone: set[str]) -> Any:
    """Statements with deleted principals (and the unique IDs IAM puts in their place) left
    out, in canonical form."""
    kept = []
    for statement in statements if isinstance(statements, list) else [statements]:
        statement = dict(statement)
        principal = statement.get("Principal")
        if isinstance(principal, Mapping) and "AWS" in principal:
            names = principal["AWS"] if isinstance(principal["AWS"], list) else [principal["AWS"]]
            left = [
                n for n in names if str(n).lower() not in gone and not _UNIQUE_ID.fullmatch(str(n))
            ]
            statement["Principal"] = {**principal, "AWS": sorted(left)}
        kept.append(statement)
    return canonical(kept)


# --------------------------------------------------------------------------- quota, stacks


def _existing_role_names(iam: Any) -> set[str] | ClientError:
    """Every role name of the account, lower-cased (IAM names are case-insensitive), listed
    once for the quota and role-name checks; the error when ``iam:ListRoles`` is refused."""
    names: set[str] = set()
    try:
        for page in iam.get_paginator("list_roles").paginate():
            names.update(str(role["RoleName"]).lower() for role in page["Roles"])
    except ClientError as error:
        return error
    return names


def _quota(
    config: RolesConfig,
    accounts: Accounts,
    account: str,
    roles: Sequence[RoleSpec],
    existing: set[str] | ClientError,
) -> list[Result]:
    iam = accounts.reach(account, "iam")
    subject = f"{len(roles)} role(s)"
    try:
        summary = iam.get_account_summary()["SummaryMap"]
    except ClientError as error:
        return [
            Result(
                "role-quota",
                account,
                subject,
                "not checked",
                not_checked(error, "iam:GetAccountSummary"),
            )
        ]
    if isinstance(existing, ClientError):
        denied = not_checked(existing, "iam:ListRoles")
        return [Result("role-quota", account, subject, "not checked", denied)]
    used, quota = int(summary.get("Roles", 0)), int(summary.get("RolesQuota", 0))
    adding = sum(spec.role_name.lower() not in existing for spec in roles)
    results = []
    if used + adding > quota:
        results.append(
            Result(
                "role-quota",
                account,
                subject,
                "fail",
                f"the deploy adds {adding} role(s) to {used} of a quota of {quota}: "
                f"{used + adding - quota} over; raise the IAM role quota in Service Quotas first",
            )
        )
    else:
        results.append(
            Result(
                "role-quota",
                account,
                subject,
                "ok",
                f"adds {adding}; {used} + {adding} of {quota} roles",
            )
        )
    if config.max_roles_per_account > quota:
        results.append(
            Result(
                "role-quota",
                account,
                "maxRolesPerAccount",
                "warning",
                f"the configuration plans for {config.max_roles_per_account} roles per account but "
                f"this account's quota is {quota}",
            )
        )
    return results


def _stacks(
    accounts: Accounts,
    account: str,
    region: str | None,
    plans: Sequence[StackPlan],
    existing: set[str] | ClientError,
) -> list[Result]:
    """Stack states and role names: a role of the deploy that exists outside its stack fails."""
    cfn = accounts.reach(account, "cloudformation", region)
    results: list[Result] = []
    if isinstance(existing, ClientError):
        return [
            Result("role-names", account, "", "not checked", not_checked(existing, "iam:ListRoles"))
        ]
    for plan in plans:
        owned: set[str] = set()
        try:
            stack = cfn.describe_stacks(StackName=plan.name)["Stacks"][0]
        except ClientError as error:
            if "does not exist" not in str(error):
                results.append(
                    Result(
                        "stack-state",
                        account,
                        plan.name,
                        "not checked",
                        not_checked(error, "cloudformation:DescribeStacks"),
                    )
                )
                continue
            stack = None
        if stack is not None:
            status = str(stack["StackStatus"])
            if status.endswith(_BLOCKING_SUFFIXES):
                results.append(
                    Result(
                        "stack-state",
                        account,
                        plan.name,
                        "fail",
                        f"the stack is {status}: CloudFormation refuses an update now",
                    )
                )
            try:
                owned = _stack_role_names(cfn, plan.name)
            except ClientError as error:
                results.append(
                    Result(
                        "role-names",
                        account,
                        plan.name,
                        "not checked",
                        not_checked(error, "cloudformation:ListStackResources"),
                    )
                )
                continue
        taken = [s.role_name for s in plan.roles if s.role_name.lower() in existing - owned]
        if taken:
            shown = ", ".join(taken[:5]) + (f" and {len(taken) - 5} more" if len(taken) > 5 else "")
            results.append(
                Result(
                    "role-names",
                    account,
                    plan.name,
                    "fail",
                    f"role(s) already exist outside the stack: {shown}",
                )
            )
        else:
            results.append(
                Result(
                    "role-names",
                    account,
                    plan.name,
                    "ok",
                    "its role names are free or owned by the stack",
                )
            )
    return results


def _stack_role_names(cfn: Any, stack_name: str) -> set[str]:
    names: set[str] = set()
    for page in cfn.get_paginator("list_stack_resources").paginate(StackName=stack_name):
        for resource in page["StackResourceSummaries"]:
            if resource["ResourceType"] == "AWS::IAM::Role" and resource.get("PhysicalResourceId"):
                names.add(str(resource["PhysicalResourceId"]).lower())
    return names


# --------------------------------------------------------------------------- bootstrap


def _bootstrap(accounts: Accounts, account: str, region: str | None, needed: int) -> list[Result]:
    cfn = accounts.reach(account, "cloudformation", region)
    where = region or cfn.meta.region_name
    try:
        stacks = cfn.describe_stacks(StackName=TOOLKIT_STACK)["Stacks"]
    except ClientError as error:
        if "does not exist" in str(error):
            return [
                Result(
                    "bootstrap",
                    account,
                    where,
                    "fail",
                    f"not bootstrapped: run cdk bootstrap aws://{account}/{where}",
                )
            ]
        return [
            Result(
                "bootstrap",
                account,
                where,
                "not checked",
                not_checked(error, "cloudformation:DescribeStacks"),
            )
        ]
    outputs = {o["OutputKey"]: o.get("OutputValue") for o in stacks[0].get("Outputs", [])}
    version = outputs.get("BootstrapVersion")
    if version is None or not str(version).isdigit():
        return [
            Result(
                "bootstrap",
                account,
                where,
                "fail",
                f"{TOOLKIT_STACK} has no BootstrapVersion output; bootstrap again",
            )
        ]
    if int(version) < needed:
        return [
            Result(
                "bootstrap",
                account,
                where,
                "fail",
                f"bootstrap version {version}, the app needs {needed} or later: "
                "run cdk bootstrap again",
            )
        ]
    return [
        Result("bootstrap", account, where, "ok", f"bootstrap version {version} (needs {needed})")
    ]


# --------------------------------------------------------------------------- identity side


def _identity_side(
    config: RolesConfig, accounts: Accounts, region: str | None, needed: int
) -> list[Result]:
    account = str(config.identity_account)
    if accounts.session(account) is None:
        return [
            Result(
                "identity",
                account,
                IDENTITY_STACK_NAME,
                "not checked",
                accounts.how_to_reach(account),
            )
        ]
    results = _bootstrap(accounts, account, region, needed)
    iam = accounts.reach(account, "iam")
    cfn = accounts.reach(account, "cloudformation", region)
    try:
        iam.get_group(GroupName=GROUP_NAME)
        exists = True
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "NoSuchEntity":
            return [
                *results,
                Result(
                    "identity-group",
                    account,
                    GROUP_NAME,
                    "not checked",
                    not_checked(error, "iam:GetGroup"),
                ),
            ]
        exists = False
    owned = False
    if exists:
        try:
            owned = any(
                r["ResourceType"] == "AWS::IAM::Group" and r.get("PhysicalResourceId") == GROUP_NAME
                for page in cfn.get_paginator("list_stack_resources").paginate(
                    StackName=IDENTITY_STACK_NAME
                )
                for r in page["StackResourceSummaries"]
            )
        except ClientError as error:
            if "does not exist" not in str(error):
                return [
                    *results,
                    Result(
                        "identity-group",
                        account,
                        GROUP_NAME,
                        "not checked",
                        not_checked(error, "cloudformation:ListStackResources"),
                    ),
                ]
    if exists and not owned:
        results.append(
            Result(
                "identity-group",
                account,
                GROUP_NAME,
                "fail",
                f"the group {GROUP_NAME} already exists outside the {IDENTITY_STACK_NAME} stack: "
                "creating it would fail",
            )
        )
    else:
        results.append(
            Result("identity-group", account, GROUP_NAME, "ok", "free, or owned by the stack")
        )
    return results


def only(results: Iterable[Result], check: str) -> list[Result]:
    return [r for r in results if r.check == check]
