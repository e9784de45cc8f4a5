"""The developer role: PowerUserAccess, assumable only with a recent MFA sign-in."""

from __future__ import annotations

import functools
import weakref
from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import CfnTag, Duration
from aws_cdk import aws_iam as iam
from constructs import Construct

from developer_role.trust import pattern_accounts, trust_policy
from developer_role.validation import (
    mfa_age_error,
    path_error,
    role_name_error,
    session_duration_error,
)

POWER_USER_ACCESS = "PowerUserAccess"


class DeveloperRoleError(ValueError):
    """A prop of :class:`DeveloperRole` is outside what IAM accepts."""


class DeveloperRole(Construct):
    """An IAM role with PowerUserAccess that trusted principals can assume only with MFA.

    The trust policy allows ``sts:AssumeRole`` and ``sts:SetSourceIdentity`` when
    ``aws:MultiFactorAuthPresent`` is true and ``aws:MultiFactorAuthAge`` is below
    ``max_mfa_age``. Principals are trusted by ARN (``principals``), by ARN pattern
    (``principal_arn_patterns``, matched with ``ArnLike`` on ``aws:PrincipalArn``) or by
    organisation (``principal_org_id``). The role itself is :attr:`role`, an L1
    :class:`~aws_cdk.aws_iam.CfnRole`, and :attr:`role_arn` its ARN; its trust policy document
    is :attr:`trust_policy`. ``tags`` are set on the role itself; a ``Tags.of(scope).add`` from
    an enclosing scope with the same key takes precedence, as usual in the CDK.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        principals: Sequence[str] = (),
        principal_arn_patterns: Sequence[str] = (),
        principal_org_id: str | None = None,
        max_session: Duration | None = None,
        max_mfa_age: Duration | None = None,
        managed_policies: Sequence[iam.IManagedPolicy] | None = None,
        permissions_boundary: iam.IManagedPolicy | None = None,
        require_source_identity: bool = False,
        role_name: str | None = None,
        path: str = "/",
        description: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(scope, id_)
        session_seconds = _seconds(max_session) if max_session else 3600
        mfa_age_seconds = _seconds(max_mfa_age) if max_mfa_age else 3600
        _check_props(
            principals=principals,
            principal_arn_patterns=principal_arn_patterns,
            principal_org_id=principal_org_id,
            session_seconds=session_seconds,
            mfa_age_seconds=mfa_age_seconds,
            role_name=role_name,
            path=path,
        )
        if managed_policies is None:
            managed_policies = [aws_managed_policy(POWER_USER_ACCESS)]

        self.trust_policy: dict[str, Any] = trust_policy(
            principals=principals,
            principal_arn_patterns=principal_arn_patterns,
            principal_org_id=principal_org_id,
            max_mfa_age_seconds=mfa_age_seconds,
            require_source_identity=require_source_identity,
        )
        # An L1 CfnRole with every property given at once: one call into the CDK's runtime
        # where the L2 Role took seven, which matters when an app declares thousands of roles.
        # The plain "Role" holder keeps the path .../Role/Resource, so the logical ID is the
        # one an L2 Role here would have had (and that roles deployed earlier have).
        holder = Construct(self, "Role")
        self.role = iam.CfnRole(
            holder,
            "Resource",
            assume_role_policy_document=self.trust_policy,
            role_name=role_name,
            path=path,
            description=description,
            max_session_duration=session_seconds,
            managed_policy_arns=[_policy_arn(policy) for policy in managed_policies],
            permissions_boundary=(
                _policy_arn(permissions_boundary) if permissions_boundary else None
            ),
            tags=[CfnTag(key=key, value=value) for key, value in (tags or {}).items()] or None,
        )

    @functools.cached_property
    def role_arn(self) -> str:
        """The role's ARN (``Fn::GetAtt``); referenced from another stack it becomes an export."""
        arn: str = self.role.attr_arn
        return arn


# Each call into the CDK's runtime costs a round trip to Node.js (about 0.2 ms), which adds up
# when an app declares thousands of roles. Durations and managed policies are immutable and
# usually shared between roles, so their values are read once per object.
_SECONDS: weakref.WeakKeyDictionary[Duration, int] = weakref.WeakKeyDictionary()
_POLICY_ARNS: weakref.WeakKeyDictionary[iam.IManagedPolicy, str] = weakref.WeakKeyDictionary()


def _seconds(duration: Duration) -> int:
    if duration not in _SECONDS:
        _SECONDS[duration] = int(duration.to_seconds())
    return _SECONDS[duration]


def _policy_arn(policy: iam.IManagedPolicy) -> str:
    if policy not in _POLICY_ARNS:
        _POLICY_ARNS[policy] = policy.managed_policy_arn
    return _POLICY_ARNS[policy]


@functools.cache
def aws_managed_policy(name: str) -> iam.IManagedPolicy:
    """The AWS managed policy ``name``, one object per name for the whole app.

    These belong to no scope and resolve their ARN in whatever stack uses them, so sharing
    them saves a call into the CDK's runtime per use (and reading the ARN more than once).
    """
    return iam.ManagedPolicy.from_aws_managed_policy_name(name)


def _is_token(value: str) -> bool:
    """Whether a string holds an unresolved CDK token (checked without the CDK's runtime)."""
    return "${Token[" in value


def _check_props(
    *,
    principals: Sequence[str],
    principal_arn_patterns: Sequence[str],
    principal_org_id: str | None,
    session_seconds: int,
    mfa_age_seconds: int,
    role_name: str | None,
    path: str,
) -> None:
    problems: list[str | None] = []
    if not principals and not principal_arn_patterns and not principal_org_id:
        problems.append(
            "principals: at least one principal ARN (or an ARN pattern or organisation) "
            "must be trusted"
        )
    for arn in principals:
        if not _is_token(arn) and (arn == "*" or not arn.startswith("arn:")):
            problems.append(f"principals: {arn!r} is not a principal ARN")
    try:
        pattern_accounts(principal_arn_patterns)
    except ValueError as error:
        problems.append(f"principal_arn_patterns: {error}")
    if principal_org_id is not None and not principal_org_id.startswith("o-"):
        problems.append(f"principal_org_id: {principal_org_id!r} is not an organisation ID (o-...)")
    problems.append(session_duration_error("max_session", session_seconds))
    problems.append(mfa_age_error("max_mfa_age", mfa_age_seconds))
    if role_name is not None and not _is_token(role_name):
        problems.append(role_name_error("role_name", role_name))
    if not _is_token(path):
        problems.append(path_error("path", path))
    found = [p for p in problems if p]
    if found:
        raise DeveloperRoleError("; ".join(found))
