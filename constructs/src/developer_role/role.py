"""The developer role: PowerUserAccess, assumable only with a recent MFA sign-in."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import Duration, Tags, Token
from aws_cdk import aws_iam as iam
from constructs import Construct

from developer_role.validation import (
    mfa_age_error,
    path_error,
    role_name_error,
    session_duration_error,
)

POWER_USER_ACCESS = "PowerUserAccess"
TRUST_ACTIONS = ("sts:AssumeRole", "sts:SetSourceIdentity")


class DeveloperRoleError(ValueError):
    """A prop of :class:`DeveloperRole` is outside what IAM accepts."""


def mfa_conditions(
    max_mfa_age: Duration, *, require_source_identity: bool = False
) -> dict[str, dict[str, str]]:
    """The trust-policy conditions every developer role carries.

    ``Bool`` rather than ``BoolIfExists``: with ``IfExists`` a request signed with long-term
    access keys, where the key is absent, would pass without MFA.
    """
    conditions = {
        "Bool": {"aws:MultiFactorAuthPresent": "true"},
        "NumericLessThan": {"aws:MultiFactorAuthAge": str(int(max_mfa_age.to_seconds()))},
    }
    if require_source_identity:
        conditions["Null"] = {"sts:SourceIdentity": "false"}
    return conditions


def trust_statement(
    principals: Sequence[str],
    conditions: Mapping[str, Mapping[str, Any]],
    *,
    sid: str = "AssumeWithMfa",
) -> iam.PolicyStatement:
    """One ``Allow`` for the named principals on the trust actions under ``conditions``."""
    return iam.PolicyStatement(
        sid=sid,
        effect=iam.Effect.ALLOW,
        principals=[iam.ArnPrincipal(arn) for arn in principals],
        actions=list(TRUST_ACTIONS),
        conditions=dict(conditions),
    )


class DeveloperRole(Construct):
    """An IAM role with PowerUserAccess that the named principals can assume only with MFA.

    The trust policy allows ``sts:AssumeRole`` and ``sts:SetSourceIdentity`` when
    ``aws:MultiFactorAuthPresent`` is true and ``aws:MultiFactorAuthAge`` is below
    ``max_mfa_age``. The role itself is :attr:`role`.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        principals: Sequence[str],
        max_session: Duration | None = None,
        max_mfa_age: Duration | None = None,
        managed_policies: Sequence[iam.IManagedPolicy] | None = None,
        permissions_boundary: iam.IManagedPolicy | None = None,
        require_source_identity: bool = False,
        role_name: str | None = None,
        path: str = "/",
        description: str | None = None,
        tags: Mapping[str, str] | None = None,
        extra_trust_statements: Sequence[iam.PolicyStatement] = (),
    ) -> None:
        super().__init__(scope, id_)
        max_session = max_session or Duration.hours(1)
        max_mfa_age = max_mfa_age or Duration.hours(1)
        _check_props(
            principals=principals,
            has_extra_statements=bool(extra_trust_statements),
            max_session=max_session,
            max_mfa_age=max_mfa_age,
            role_name=role_name,
            path=path,
        )
        if managed_policies is None:
            managed_policies = [iam.ManagedPolicy.from_aws_managed_policy_name(POWER_USER_ACCESS)]

        conditions = mfa_conditions(max_mfa_age, require_source_identity=require_source_identity)
        statements = [trust_statement(principals, conditions)] if principals else []
        statements.extend(extra_trust_statements)
        self.trust_policy = iam.PolicyDocument(statements=statements)

        self.role = iam.Role(
            self,
            "Role",
            # Replaced below by the full trust policy; the L2 Role needs a principal.
            assumed_by=iam.AccountRootPrincipal(),
            role_name=role_name,
            path=path,
            description=description,
            max_session_duration=max_session,
            managed_policies=list(managed_policies),
            permissions_boundary=permissions_boundary,
        )
        cfn_role = self.role.node.default_child
        assert isinstance(cfn_role, iam.CfnRole)
        cfn_role.assume_role_policy_document = self.trust_policy
        for key, value in (tags or {}).items():
            Tags.of(self.role).add(key, value)


def _check_props(
    *,
    principals: Sequence[str],
    has_extra_statements: bool,
    max_session: Duration,
    max_mfa_age: Duration,
    role_name: str | None,
    path: str,
) -> None:
    problems: list[str | None] = []
    if not principals and not has_extra_statements:
        problems.append("principals: at least one principal ARN must be trusted")
    for arn in principals:
        if not Token.is_unresolved(arn) and (arn == "*" or not arn.startswith("arn:")):
            problems.append(f"principals: {arn!r} is not a principal ARN")
    problems.append(session_duration_error("max_session", int(max_session.to_seconds())))
    problems.append(mfa_age_error("max_mfa_age", int(max_mfa_age.to_seconds())))
    if role_name is not None and not Token.is_unresolved(role_name):
        problems.append(role_name_error("role_name", role_name))
    if not Token.is_unresolved(path):
        problems.append(path_error("path", path))
    found = [p for p in problems if p]
    if found:
        raise DeveloperRoleError("; ".join(found))
