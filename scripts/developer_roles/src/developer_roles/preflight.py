"""``make preflight``: what only the account knows about whether ``make deploy`` would succeed.

For every target account of the configuration (and the identity account, with
``identityAccount``), read-only:

* ``principal``: every trusted IAM user and role exists with exactly the configured ARN (path
  included); IAM refuses a trust policy naming anything else ("Invalid principal in policy")
  and CloudFormation rolls the whole stack back. A principal in an account these credentials
  do not reach is "not checked", with how to reach it.
* ``mfa-device``: every trusted IAM user has an MFA device (a warning otherwise: the role is
  deployed but can never be assumed).
* ``role-quota``: the roles the deploy would add fit under the account's ``RolesQuota``, and
  the configured ``maxRolesPerAccount`` does not exceed it.
* ``role-names``: no role the deploy would create already exists outside its stack.
* ``stack-state``: no stack of the deploy is stuck in a state CloudFormation refuses to update.
* ``bootstrap``: the ``CDKToolkit`` stack exists with a ``BootstrapVersion`` the app needs.
* ``identity-group`` (with ``identityAccount``): the group the identity stack creates does not
  already exist outside that stack.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from developer_roles.aws import Accounts, not_checked
from developer_roles.config.layout import GROUP_NAME, IDENTITY_STACK_NAME, StackPlan, plan_stacks
from developer_roles.config.model import RolesConfig, RoleSpec, Target
from developer_roles.report import Result

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


def _principals(config: RolesConfig, accounts: Accounts) -> list[Result]:
    results: list[Result] = []
    seen: dict[str, None] = {}
    for spec in config.roles:
        for arn in spec.trust.principals:
            seen.setdefault(arn, None)
    for arn in seen:
        parsed = parse_principal(arn)
        if parsed is None:
            continue
        iam = accounts.client(parsed.account, "iam")
        if iam is None:
            results.append(
                Result(
                    "principal",
                    parsed.account,
                    arn,
                    "not checked",
                    accounts.how_to_reach(parsed.account),
                )
            )
            continue
        results += _principal(iam, parsed)
    return results


def _principal(iam: Any, parsed: ParsedArn) -> list[Result]:
    action = "iam:GetUser" if parsed.kind == "user" else "iam:GetRole"
    try:
        if parsed.kind == "user":
            found = iam.get_user(UserName=parsed.name)["User"]
        else:
            found = iam.get_role(RoleName=parsed.name)["Role"]
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "NoSuchEntity":
            return [
                Result(
                    "principal",
                    parsed.account,
                    parsed.arn,
                    "fail",
                    f"no IAM {parsed.kind} {parsed.name!r} in account {parsed.account}: IAM would "
                    "refuse the trust policy (Invalid principal in policy) and roll the stack back",
                )
            ]
        return [
            Result(
                "principal", parsed.account, parsed.arn, "not checked", not_checked(error, action)
            )
        ]
    if str(found["Arn"]) != parsed.arn:
        return [
            Result(
                "principal",
                parsed.account,
                parsed.arn,
                "fail",
                f"the {parsed.kind} {parsed.name!r} exists as {found['Arn']} (path "
                f"{found.get('Path')!r}, not {parsed.path!r}): IAM would refuse the trust policy",
            )
        ]
    results = [Result("principal", parsed.account, parsed.arn, "ok", f"the {parsed.kind} exists")]
    if parsed.kind == "user":
        results.append(_mfa_device(iam, parsed))
    return results


def _mfa_device(iam: Any, parsed: ParsedArn) -> Result:
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
        return Result(
            "mfa-device",
            parsed.account,
            parsed.arn,
            "warning",
            "the user has no MFA device: the role is deployed but cannot be assumed until one is "
            "enabled",
        )
    return Result("mfa-device", parsed.account, parsed.arn, "ok", f"{len(devices)} MFA device(s)")


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
                    f"{len(plan.roles)} role name(s) free or owned by the stack",
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
