"""One stack that declares a developer role for each configured principal."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import Acknowledgment, CfnOutput, Duration, Stack, Validations
from aws_cdk import aws_iam as iam
from constructs import Construct

from developer_role import DeveloperRole
from stacks.config import POWER_USER_ACCESS, ManagedPolicyRef, RoleSpec

PRINCIPAL_TAG = "developer-role:principal"
POWER_USER_REASON = (
    "PowerUserAccess is the product's purpose: developers get broad non-IAM access through a "
    "role that only a named principal can assume, only with MFA, for a limited session; the "
    "AWS managed policy tracks new services without edits of ours."
)


class DeveloperRolesStack(Stack):
    """A :class:`DeveloperRole` per principal, with its ARN as a stack output."""

    def __init__(
        self, scope: Construct, id_: str, *, roles: Sequence[RoleSpec], **kwargs: Any
    ) -> None:
        super().__init__(scope, id_, **kwargs)
        self._durations: dict[int, Duration] = {}
        self._policies: dict[str, iam.IManagedPolicy] = {}
        self.developer_roles: dict[str, DeveloperRole] = {}
        for spec in roles:
            self.developer_roles[spec.key] = self._add_role(spec)

    def _add_role(self, spec: RoleSpec) -> DeveloperRole:
        developer = DeveloperRole(
            self,
            spec.construct_id,
            principals=spec.trust.principals,
            principal_arn_patterns=spec.trust.arn_patterns,
            principal_org_id=spec.trust.org_id,
            max_session=self._duration(spec.max_session_seconds),
            max_mfa_age=self._duration(spec.max_mfa_age_seconds),
            managed_policies=[self._managed_policy(ref) for ref in spec.managed_policies],
            permissions_boundary=(
                self._managed_policy(ManagedPolicyRef(spec.permissions_boundary))
                if spec.permissions_boundary
                else None
            ),
            require_source_identity=spec.require_source_identity,
            role_name=spec.role_name,
            path=spec.path,
            description=f"PowerUser developer role for {spec.label}; requires MFA"[:1000],
            tags={**spec.tags, PRINCIPAL_TAG: spec.label[:256]},
        )
        acknowledge_aws_managed_policies(developer.role, spec.managed_policies)
        CfnOutput(
            developer,
            "RoleArn",
            value=developer.role.role_arn,
            description=f"Role for {spec.label}"[:1024],
        )
        return developer

    # Durations and managed policies are shared between roles: fewer calls into the CDK.
    def _duration(self, seconds: int) -> Duration:
        if seconds not in self._durations:
            self._durations[seconds] = Duration.seconds(seconds)
        return self._durations[seconds]

    def _managed_policy(self, ref: ManagedPolicyRef) -> iam.IManagedPolicy:
        if ref.name_or_arn not in self._policies:
            if ref.name_or_arn.startswith("arn:"):
                policy = iam.ManagedPolicy.from_managed_policy_arn(
                    self, f"Policy{len(self._policies)}", ref.name_or_arn
                )
            else:
                policy = iam.ManagedPolicy.from_aws_managed_policy_name(ref.name_or_arn)
            self._policies[ref.name_or_arn] = policy
        return self._policies[ref.name_or_arn]


def nag_policy_finding(ref: ManagedPolicyRef) -> str:
    """The cdk-nag finding ID that an AWS managed policy attachment raises."""
    if ref.name_or_arn.startswith("arn:"):
        return f"AwsSolutions-IAM4[Policy::{ref.name_or_arn}]"
    return f"AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/{ref.name_or_arn}]"


def acknowledge_aws_managed_policies(role: iam.Role, refs: Sequence[ManagedPolicyRef]) -> None:
    """Acknowledge AwsSolutions-IAM4 on this role, one finding per AWS managed policy.

    PowerUserAccess carries the product's own reason; any other AWS managed policy carries the
    reason its configuration entry had to give.
    """
    for ref in refs:
        if not ref.is_aws_managed:
            continue
        reason = POWER_USER_REASON if ref.name_or_arn == POWER_USER_ACCESS else ref.reason
        if reason:
            Validations.of(role).acknowledge(
                Acknowledgment(id=nag_policy_finding(ref), reason=reason)
            )
