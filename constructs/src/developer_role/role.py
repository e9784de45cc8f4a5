"""The developer role: PowerUserAccess, assumable only with a recent MFA sign-in."""

from __future__ import annotations

import functools
import weakref
from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import CfnTag, Duration, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from developer_role.trust import POWER_USER_ACCESS, pattern_accounts, trust_policy
from developer_role.validation import (
    mfa_age_error,
    path_error,
    role_name_error,
    session_duration_error,
)


class DeveloperRoleError(ValueError):
    """A prop of :class:`DeveloperRole` is outside what IAM accepts."""


class DeveloperRole(Construct):
    """An IAM role with PowerUserAccess that trusted principals can assume only with MFA.

    The trust policy allows ``sts:AssumeRole`` and ``sts:SetSourceIdentity`` when
    ``aws:MultiFactorAuthPresent`` is true and ``aws:MultiFactorAuthAge`` is below
    ``max_mfa_age``. Principals are trusted by ARN (``principals``), by ARN pattern
    (``principal_arn_patterns``, matched with ``ArnLike`` on ``aws:PrincipalArn``) or by
    organisation (``principal_org_id``); at least one of the three is needed.

    Attributes: :attr:`role` is the role as an :class:`~aws_cdk.aws_iam.IRole` for grants and
    for every CDK API that takes a role; :attr:`cfn_role` the L1
    :class:`~aws_cdk.aws_iam.CfnRole` resource; :attr:`role_arn` its ARN; :attr:`trust_policy`
    the trust policy document as plain data.

    :param scope: the parent construct.
    :param id_: the construct ID; the role's logical ID derives from the path
        ``<id_>/Role/Resource``, as an ``iam.Role`` named ``Role`` under it would have.
    :param principals: IAM user or role ARNs trusted in one statement. Default: none.
    :param principal_arn_patterns: ARN patterns (``arn:aws:iam::111111111111:user/team-*``)
        matched with ``ArnLike`` on ``aws:PrincipalArn``; each must name its partition and
        account literally, and that account's root is the statement's principal. Default: none.
    :param principal_org_id: an AWS Organizations ID (``o-...``); trusts every principal of
        the organisation (principal ``*`` with ``aws:PrincipalOrgID``). Default: none.
    :param max_session_duration: the role's maximum session duration, from 1 hour to 12 hours (whole
        seconds). Default: 1 hour.
    :param max_mfa_age: the longest time since the MFA sign-in that still lets a caller assume
        the role (``aws:MultiFactorAuthAge``), from 1 second to 12 hours. Default: 1 hour.
    :param managed_policies: managed policies to attach. Default: ``[PowerUserAccess]``; an
        empty list attaches none. Attach more later with grants on :attr:`role`.
    :param permissions_boundary: a managed policy set as the permissions boundary.
        Default: none.
    :param require_source_identity: also require the caller to set a source identity
        (``Null`` ``sts:SourceIdentity`` ``false``). Default: ``False``.
    :param role_name: the role's name, 1 to 64 characters of ``A-Za-z0-9_+=,.@-``.
        Default: a name CloudFormation generates.
    :param path: the role's IAM path, ``/`` or ``/`` + printable ASCII + ``/``, at most 512
        characters. Default: ``/``.
    :param description: the role's description, at most 1,000 characters. Default: none.
    :param tags: tags set on the role itself (keys up to 128, values up to 256 characters);
        a ``Tags.of(scope).add`` from an enclosing scope with the same key takes precedence,
        as usual in the CDK. Default: none.
    :raises DeveloperRoleError: a prop IAM would refuse, naming the prop, the value and the
        allowed range (all problems at once).
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        principals: Sequence[str] = (),
        principal_arn_patterns: Sequence[str] = (),
        principal_org_id: str | None = None,
        max_session_duration: Duration | None = None,
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
        session_seconds = _seconds(max_session_duration) if max_session_duration else 3600
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
        self._holder = Construct(self, "Role")
        self._path = path
        self.cfn_role = iam.CfnRole(
            self._holder,
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
        arn: str = self.cfn_role.attr_arn
        return arn

    @functools.cached_property
    def role(self) -> iam.IRole:
        """The role as an :class:`~aws_cdk.aws_iam.IRole`: for grants
        (``bucket.grant_read(developer.role)``), ``add_to_principal_policy``,
        ``grant_assume_role`` and any CDK API that takes a role.

        Statements granted to it land in an ``AWS::IAM::Policy`` attached to this role (its
        ``Ref``), under ``<id>/Role/Imported``. Created on first use, so a role that is never
        granted anything costs no more than the L1 resource. Managed policies are props:
        ``add_managed_policy`` on this object does nothing, as on any role the CDK has not
        created itself.
        """
        if _is_token(self._path):
            raise DeveloperRoleError(
                "role: a path given as a token cannot be used for grants; give the path literally"
            )
        stack = Stack.of(self)
        # A literal ARN with the path spelled out: the CDK takes the role's name from the part
        # after the last "/", which here is the role's Ref (a Policy attached to it then
        # depends on the role). From the Fn::GetAtt ARN it would take the path's first part.
        arn = f"arn:{stack.partition}:iam::{stack.account}:role{self._path}{self.cfn_role.ref}"
        return iam.Role.from_role_arn(self._holder, "Imported", arn, mutable=True)


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
    problems.append(session_duration_error("max_session_duration", session_seconds))
    problems.append(mfa_age_error("max_mfa_age", mfa_age_seconds))
    if role_name is not None and not _is_token(role_name):
        problems.append(role_name_error("role_name", role_name))
    if not _is_token(path):
        problems.append(path_error("path", path))
    found = [p for p in problems if p]
    if found:
        raise DeveloperRoleError("; ".join(found))
