"""The developer role: PowerUserAccess, assumable only with a recent MFA sign-in."""

from __future__ import annotations

import functools
import warnings
import weakref
from collections.abc import Mapping, Sequence
from typing import Any, overload

import jsii
from aws_cdk import CfnTag, Duration, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from developer_role.trust import POWER_USER_ACCESS, trust_policy
from developer_role.validation import is_token, path_error, prop_problems


class DeveloperRoleError(ValueError):
    """A prop of :class:`DeveloperRole` is outside what IAM accepts."""


@jsii.implements(iam.IGrantable)
class DeveloperRole(Construct):
    """An IAM role with PowerUserAccess that trusted principals can assume only with MFA.

    The trust policy allows ``sts:AssumeRole`` and ``sts:SetSourceIdentity`` when
    ``aws:MultiFactorAuthPresent`` is true and ``aws:MultiFactorAuthAge`` is below
    ``max_mfa_age``. Principals are trusted by ARN (``principals``), by ARN pattern
    (``principal_arn_patterns``, matched with ``ArnLike`` on ``aws:PrincipalArn``) or by
    organisation (``principal_org_id``); at least one of the three is needed.

    Attributes: :attr:`role` is the role as an :class:`~aws_cdk.aws_iam.IRole` for grants and
    for every CDK API that takes a role; :attr:`cfn_role` the L1
    :class:`~aws_cdk.aws_iam.CfnRole` resource (``node.default_child`` is ``None``: the README
    says why); :attr:`role_arn` its ARN; :attr:`role_name` its name and :attr:`role_path` its
    path (for :meth:`from_role_name` in another stack); :attr:`trust_policy` the trust policy
    document as plain data. The construct is an :class:`~aws_cdk.aws_iam.IGrantable`:
    ``bucket.grant_read(developer)`` grants to the role.

    :param scope: the parent construct.
    :param id: the construct ID; the role's logical ID derives from the path
        ``<id>/Role/Resource``, as an ``iam.Role`` named ``Role`` under it would have.
        (``id_=`` still works in 0.3 with a ``DeprecationWarning``; it goes in 0.4.)
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
    :param tags: tags set on the role itself (at most 50; keys 1 to 128, values up to 256
        characters of letters, numbers, spaces and ``_ . : / = + - @``; keys not starting with
        ``aws:``); a ``Tags.of(scope).add`` from an enclosing scope with the same key takes
        precedence, as usual in the CDK. Default: none.
    :param allow_session_tags: also allow ``sts:TagSession`` (callers pass session tags for
        attribute-based access control), in the same statements and so under the same MFA
        conditions. Default: ``False``.
    :param session_tag_keys: the only session tag keys callers may pass
        (``ForAllValues:StringEquals`` on ``aws:TagKeys``); needs ``allow_session_tags``.
        Default: any key.
    :raises DeveloperRoleError: a prop IAM would refuse, naming the prop, the value and the
        allowed range (all problems at once). Values that are CDK tokens (parameters,
        ``Fn.split``, references) are passed through unchecked.
    """

    @overload
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        principals: Sequence[str] = ...,
        principal_arn_patterns: Sequence[str] = ...,
        principal_org_id: str | None = ...,
        max_session_duration: Duration | None = ...,
        max_mfa_age: Duration | None = ...,
        managed_policies: Sequence[iam.IManagedPolicy] | None = ...,
        permissions_boundary: iam.IManagedPolicy | None = ...,
        require_source_identity: bool = ...,
        role_name: str | None = ...,
        path: str = ...,
        description: str | None = ...,
        tags: Mapping[str, str] | None = ...,
        allow_session_tags: bool = ...,
        session_tag_keys: Sequence[str] | None = ...,
    ) -> None: ...

    @overload
    def __init__(
        self,
        scope: Construct,
        *,
        id_: str,
        principals: Sequence[str] = ...,
        principal_arn_patterns: Sequence[str] = ...,
        principal_org_id: str | None = ...,
        max_session_duration: Duration | None = ...,
        max_mfa_age: Duration | None = ...,
        managed_policies: Sequence[iam.IManagedPolicy] | None = ...,
        permissions_boundary: iam.IManagedPolicy | None = ...,
        require_source_identity: bool = ...,
        role_name: str | None = ...,
        path: str = ...,
        description: str | None = ...,
        tags: Mapping[str, str] | None = ...,
        allow_session_tags: bool = ...,
        session_tag_keys: Sequence[str] | None = ...,
    ) -> None: ...

    def __init__(
        self,
        scope: Construct,
        id: str | None = None,
        *,
        id_: str | None = None,
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
        allow_session_tags: bool = False,
        session_tag_keys: Sequence[str] | None = None,
    ) -> None:
        construct_id = _construct_id(id, id_)
        session_seconds, trust = checked_props(
            principals=principals,
            principal_arn_patterns=principal_arn_patterns,
            principal_org_id=principal_org_id,
            max_session_duration=max_session_duration,
            max_mfa_age=max_mfa_age,
            require_source_identity=require_source_identity,
            role_name=role_name,
            path=path,
            description=description,
            tags=tags,
            allow_session_tags=allow_session_tags,
            session_tag_keys=session_tag_keys,
        )
        super().__init__(scope, construct_id)
        if managed_policies is None:
            managed_policies = [aws_managed_policy(POWER_USER_ACCESS)]

        self.trust_policy: dict[str, Any] = trust
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
        if is_token(self._path):
            raise DeveloperRoleError(
                "role: a path given as a token cannot be used for grants; give the path literally"
            )
        # The role's Ref (its name) after the path spelled out: a Policy attached to it then
        # depends on the role.
        return _import(self._holder, "Imported", self.cfn_role.ref, self._path, None, True)

    @property
    def grant_principal(self) -> iam.IPrincipal:
        """The role as a principal (:class:`~aws_cdk.aws_iam.IGrantable`), so that
        ``bucket.grant_read(developer)`` works like ``bucket.grant_read(developer.role)``."""
        return self.role.grant_principal

    @functools.cached_property
    def role_name(self) -> str:
        """The role's name (its ``Ref``); referenced from another stack it becomes an export."""
        name: str = self.cfn_role.ref
        return name

    @property
    def role_path(self) -> str:
        """The role's IAM path as given (``/`` by default)."""
        return self._path

    @staticmethod
    def from_role_name(
        scope: Construct,
        id: str,
        role_name: str,
        *,
        path: str = "/",
        account: str | None = None,
        mutable: bool = True,
    ) -> iam.IRole:
        """A developer role (or any role) by name and path, for use in another stack.

        ``iam.Role.from_role_arn(scope, id, developer.role_arn)`` takes the wrong name for a
        role with a path (the CDK reads the name from the first part after ``role/`` of a
        token ARN, which is the path's first part). Use instead
        ``DeveloperRole.from_role_name(scope, "Dev", developer.role_name,
        path=developer.role_path)``: the ARN is built with the path spelled out and the name
        last, so grants land on the right role. ``account`` defaults to the scope's stack's.
        """
        problem = None if is_token(path) else path_error("path", path)
        if problem or is_token(path):
            raise DeveloperRoleError(problem or "path: give the role's path literally, not a token")
        return _import(scope, id, role_name, path, account, mutable)


def checked_props(
    *,
    principals: Sequence[str],
    principal_arn_patterns: Sequence[str],
    principal_org_id: str | None,
    max_session_duration: Duration | None,
    max_mfa_age: Duration | None,
    require_source_identity: bool,
    role_name: str | None,
    path: str,
    description: str | None,
    tags: Mapping[str, str] | None,
    allow_session_tags: bool,
    session_tag_keys: Sequence[str] | None,
) -> tuple[int, dict[str, Any]]:
    """A developer role's props checked, as the session duration in seconds and the trust
    policy; the one definition that :class:`DeveloperRole` and
    :class:`~developer_role.roles.DeveloperRoles` share.

    :raises DeveloperRoleError: every problem at once, each naming the prop.
    """
    problems: list[str] = []
    session_seconds = _seconds("max_session_duration", max_session_duration, problems)
    mfa_age_seconds = _seconds("max_mfa_age", max_mfa_age, problems)
    problems += prop_problems(
        principals=principals,
        principal_arn_patterns=principal_arn_patterns,
        principal_org_id=principal_org_id,
        session_seconds=session_seconds,
        mfa_age_seconds=mfa_age_seconds,
        role_name=role_name,
        path=path,
        description=description,
        tags=tags,
        allow_session_tags=allow_session_tags,
        session_tag_keys=session_tag_keys,
    )
    if problems:
        raise DeveloperRoleError("; ".join(problems))
    return session_seconds, trust_policy(
        principals=principals,
        principal_arn_patterns=principal_arn_patterns,
        principal_org_id=principal_org_id,
        max_mfa_age_seconds=mfa_age_seconds,
        require_source_identity=require_source_identity,
        session_tags=allow_session_tags,
        session_tag_keys=session_tag_keys,
    )


def _import(
    scope: Construct, id_: str, name: str, path: str, account: str | None, mutable: bool
) -> iam.IRole:
    stack = Stack.of(scope)
    # A literal ARN with the path spelled out: the CDK takes the role's name from the part after
    # the last "/". From a Fn::GetAtt ARN it would take the path's first part.
    arn = f"arn:{stack.partition}:iam::{account or stack.account}:role{path}{name}"
    return iam.Role.from_role_arn(scope, id_, arn, mutable=mutable)


def _construct_id(id_: str | None, old: str | None) -> str:
    if old is not None:
        if id_ is not None:
            raise DeveloperRoleError("id: give the construct ID once, as id (id_ is deprecated)")
        warnings.warn(
            "DeveloperRole(scope, id_=...) is deprecated; use DeveloperRole(scope, id=...) or "
            "the ID as the second argument, like every CDK construct (id_ goes in 0.4)",
            DeprecationWarning,
            # the caller's line: _construct_id <- DeveloperRole.__init__ <- jsii's constructor
            # wrapper <- the app (so Python shows it by default, as for any deprecation)
            stacklevel=4,
        )
        return old
    if id_ is None:
        raise DeveloperRoleError("id: DeveloperRole needs a construct ID (scope, id, ...)")
    return id_


# Each call into the CDK's runtime costs a round trip to Node.js (about 0.2 ms), which adds up
# when an app declares thousands of roles. Durations and managed policies are immutable and
# usually shared between roles, so their values are read once per object.
_SECONDS: weakref.WeakKeyDictionary[Duration, int] = weakref.WeakKeyDictionary()
_POLICY_ARNS: weakref.WeakKeyDictionary[iam.IManagedPolicy, str] = weakref.WeakKeyDictionary()


def _seconds(prop: str, duration: Duration | None, problems: list[str]) -> int:
    """A duration in whole seconds (default 1 hour); a fraction of a second is a problem."""
    if duration is None:
        return 3600
    if duration not in _SECONDS:
        try:
            _SECONDS[duration] = int(duration.to_seconds())
        except RuntimeError:  # jsii: "... cannot be converted into a whole number of seconds"
            problems.append(
                f"{prop}: {duration.to_human_string()} is not a whole number of seconds"
            )
            return 3600
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
