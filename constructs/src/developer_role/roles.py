"""Many developer roles declared in one call into the CDK's runtime.

Each construct made from Python is a round trip to the CDK's Node.js runtime through jsii
(0.3 to 0.6 ms); a :class:`~developer_role.role.DeveloperRole` costs three, which at a
thousand roles is most of the difference between a Python and a TypeScript app.
:class:`DeveloperRoles` checks every role with the same rules as ``DeveloperRole``
(:func:`~developer_role.role.checked_props`), renders each role's ``AWS::IAM::Role`` in Python
with the logical ID and ``aws:cdk:path`` a ``DeveloperRole`` with the same ID in the same
scope has, and declares them all in one ``cloudformation_include.CfnInclude`` of a generated
template fragment
(https://docs.aws.amazon.com/cdk/api/v2/python/aws_cdk.cloudformation_include/README.html).
The CDK's runtime builds a real ``CfnRole`` for each of them, so cdk-nag, ``Tags.of``,
aspects and the MFA rule see every role, and the template is the one ``DeveloperRole``\\ s
give (a test holds the two to identical templates).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aws_cdk import Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import cloudformation_include as cfn_include
from constructs import Construct

from developer_role.logical_ids import logical_id
from developer_role.role import DeveloperRoleError, aws_managed_policy, checked_props
from developer_role.trust import POWER_USER_ACCESS
from developer_role.validation import is_token

__all__ = ["DeveloperRoles", "RoleProps"]

# The context key with which the CDK CLI asks for each resource's construct path in its
# metadata (aws-cdk-lib cx-api PATH_METADATA_ENABLE_CONTEXT).
_PATH_METADATA = "aws:cdk:enable-path-metadata"
_PATH_KEY = "aws:cdk:path"
_ROLE_TYPE = "AWS::IAM::Role"


@dataclass(frozen=True, kw_only=True)
class RoleProps:
    """One developer role for :class:`DeveloperRoles`: ``id`` is the construct ID a
    ``DeveloperRole`` would have (its logical ID derives from ``<id>/Role/Resource``), the
    other fields are ``DeveloperRole``'s props of the same names, with the same defaults.
    Values must be literal (a CDK token needs ``DeveloperRole``)."""

    id: str
    principals: Sequence[str] = ()
    principal_arn_patterns: Sequence[str] = ()
    principal_org_id: str | None = None
    max_session_duration: Duration | None = None
    max_mfa_age: Duration | None = None
    managed_policies: Sequence[iam.IManagedPolicy] | None = None
    permissions_boundary: iam.IManagedPolicy | None = None
    require_source_identity: bool = False
    role_name: str | None = None
    path: str = "/"
    description: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    allow_session_tags: bool = False
    session_tag_keys: Sequence[str] | None = None


@dataclass(frozen=True)
class _Rendered:
    logical_id: str
    trust_policy: dict[str, Any]
    resource: dict[str, Any]


class DeveloperRoles(Construct):
    """Developer roles, each as a ``DeveloperRole`` with the same props would declare it, in
    one call into the CDK's runtime.

    The roles are placed as if each were a ``DeveloperRole(scope, props.id, ...)``: same
    logical ID, name, trust policy, properties and ``aws:cdk:path``, so switching between
    the two changes no deployed role. Use ``DeveloperRole`` for a role you want as an
    ``IRole`` object, for grants; use this for many roles at once.

    Attributes: :attr:`logical_ids` (construct ID to logical ID), :attr:`trust_policies`
    (construct ID to the trust policy as plain data); :meth:`cfn_role` returns one role's
    ``CfnRole`` (for acknowledgments and escape hatches).

    :param scope: the scope the roles belong to, as for ``DeveloperRole``.
    :param id: this construct's ID (the roles' logical IDs do not depend on it).
    :param roles: the roles' props.
    :raises DeveloperRoleError: every problem of every role at once, each prefixed with the
        role's ID; also for two roles with the same ID, and for a value given as a token.
    """

    def __init__(self, scope: Construct, id: str, *, roles: Sequence[RoleProps]) -> None:
        stack = Stack.of(scope)
        prefix = _path_below(scope.node.path, stack.node.path)
        scope_path = scope.node.path
        with_paths = bool(scope.node.try_get_context(_PATH_METADATA))
        arns = _PolicyArns(stack)
        rendered: dict[str, _Rendered] = {}
        problems: list[str] = []
        seen: set[str] = set()
        for props in roles:
            if props.id in seen:
                problems.append(f"{props.id}: two roles with this ID")
                continue
            seen.add(props.id)
            try:
                rendered[props.id] = _render(props, prefix, scope_path, with_paths, arns)
            except DeveloperRoleError as error:
                problems.append(f"{props.id}: {error}")
        if problems:
            raise DeveloperRoleError("; ".join(problems))
        super().__init__(scope, id)
        self.logical_ids: dict[str, str] = {k: r.logical_id for k, r in rendered.items()}
        self.trust_policies: dict[str, dict[str, Any]] = {
            k: r.trust_policy for k, r in rendered.items()
        }
        self._include: cfn_include.CfnInclude | None = None
        if rendered:
            resources = {r.logical_id: r.resource for r in rendered.values()}
            self._include = _include(self, "Roles", {"Resources": resources})

    def cfn_role(self, id: str) -> iam.CfnRole:
        """The ``CfnRole`` of the role with construct ID ``id``."""
        if self._include is None or id not in self.logical_ids:
            raise DeveloperRoleError(f"{id}: no such role in {self.node.path}")
        role = self._include.get_resource(self.logical_ids[id])
        assert isinstance(role, iam.CfnRole)
        return role


def _path_below(path: str, stack_path: str) -> list[str]:
    """A scope's construct IDs below its stack ([] for the stack itself)."""
    if path == stack_path:
        return []
    below = path[len(stack_path) + 1 :] if stack_path else path
    return below.split("/")


class _PolicyArns:
    """Managed policies' ARNs as the template writes them, resolved once per policy."""

    def __init__(self, stack: Stack) -> None:
        self._stack = stack
        self._arns: dict[iam.IManagedPolicy, Any] = {}

    def __call__(self, policy: iam.IManagedPolicy) -> Any:
        if policy not in self._arns:
            arn = self._stack.resolve(policy.managed_policy_arn)
            if _references(arn):
                raise DeveloperRoleError(
                    "managed_policies: a policy defined in the app (referenced with Ref or "
                    "Fn::GetAtt) needs DeveloperRole; DeveloperRoles takes policies by name or ARN"
                )
            self._arns[policy] = arn
        return self._arns[policy]


def _references(value: Any) -> bool:
    """Whether a resolved value refers to an element other than a pseudo parameter."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "Ref" and not str(item).startswith("AWS::"):
                return True
            if key == "Fn::GetAtt" or _references(item):
                return True
    if isinstance(value, list):
        return any(_references(item) for item in value)
    return False


def _render(
    props: RoleProps,
    prefix: Sequence[str],
    scope_path: str,
    with_paths: bool,
    arns: _PolicyArns,
) -> _Rendered:
    tokens = [
        name
        for name, value in (
            ("principals", list(props.principals)),
            ("principal_arn_patterns", list(props.principal_arn_patterns)),
            ("principal_org_id", [props.principal_org_id]),
            ("role_name", [props.role_name]),
            ("path", [props.path]),
            ("description", [props.description]),
            ("tags", [*props.tags, *props.tags.values()]),
            ("session_tag_keys", list(props.session_tag_keys or ())),
        )
        if any(isinstance(item, str) and is_token(item) for item in value)
    ]
    if tokens:
        raise DeveloperRoleError(
            f"{', '.join(tokens)}: a token needs DeveloperRole; DeveloperRoles takes literal values"
        )
    session_seconds, trust = checked_props(
        principals=props.principals,
        principal_arn_patterns=props.principal_arn_patterns,
        principal_org_id=props.principal_org_id,
        max_session_duration=props.max_session_duration,
        max_mfa_age=props.max_mfa_age,
        require_source_identity=props.require_source_identity,
        role_name=props.role_name,
        path=props.path,
        description=props.description,
        tags=props.tags,
        allow_session_tags=props.allow_session_tags,
        session_tag_keys=props.session_tag_keys,
    )
    policies = props.managed_policies
    if policies is None:
        policies = [aws_managed_policy(POWER_USER_ACCESS)]
    # The properties a CfnRole with DeveloperRole's arguments has (None and [] left out).
    properties: dict[str, Any] = {
        "AssumeRolePolicyDocument": trust,
        "Description": props.description,
        "ManagedPolicyArns": [arns(policy) for policy in policies] or None,
        "MaxSessionDuration": session_seconds,
        "Path": props.path,
        "PermissionsBoundary": (
            arns(props.permissions_boundary) if props.permissions_boundary else None
        ),
        "RoleName": props.role_name,
        "Tags": [{"Key": key, "Value": value} for key, value in props.tags.items()] or None,
    }
    resource: dict[str, Any] = {
        "Type": _ROLE_TYPE,
        "Properties": {key: value for key, value in properties.items() if value is not None},
    }
    components = [*prefix, props.id, "Role", "Resource"]
    if with_paths:
        resource["Metadata"] = {_PATH_KEY: f"{scope_path}/{props.id}/Role/Resource"}
    return _Rendered(logical_id(components), trust, resource)


def _include(scope: Construct, id: str, template: Mapping[str, Any]) -> cfn_include.CfnInclude:
    """``template`` declared under ``scope`` with its logical IDs kept.

    ``CfnInclude`` reads the fragment while it is constructed, so the file lives only for this
    call, in a directory private to this process (``tempfile`` makes it readable by the
    owner only).
    """
    with tempfile.TemporaryDirectory(prefix="developer-roles-") as directory:
        fragment = Path(directory) / "roles.json"
        fragment.write_text(json.dumps(template), encoding="utf-8")
        return cfn_include.CfnInclude(scope, id, template_file=str(fragment))
