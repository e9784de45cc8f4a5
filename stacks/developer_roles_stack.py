"""One stack that declares a developer role for each configured principal."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from aws_cdk import Acknowledgment, Duration, Stack, Validations
from aws_cdk import aws_iam as iam
from constructs import Construct

from developer_role import aws_managed_policy
from developer_role.roles import DeveloperRoles, RoleProps
from developer_roles.config import POWER_USER_ACCESS, ManagedPolicyRef, RoleSpec
from stacks.outputs import StackOutputs, role_arn_value

PRINCIPAL_TAG = "developer-role:principal"
ROLES_ID = "DeveloperRoles"  # the roles' logical IDs do not depend on it
OUTPUT_ID = "RoleArn"  # each role's output, at <principal>/RoleArn as a CfnOutput would be
STACK_DESCRIPTION = "MFA-gated PowerUser developer roles, one per trusted principal"
POWER_USER_REASON = (
    "PowerUserAccess is the product's purpose: developers get broad non-IAM access through a "
    "role that only a named principal can assume, only with MFA, for a limited session; the "
    "AWS managed policy tracks new services without edits of ours."
)


class DeveloperRolesStack(Stack):
    """A developer role per principal (all declared by one :class:`DeveloperRoles`), with its
    ARN as a stack output.

    The roles are those a :class:`DeveloperRole` per principal, at ``<construct ID>/Role``
    below the stack, gives; the outputs are declared together (:class:`StackOutputs`), each
    with the logical ID a ``CfnOutput`` at ``<principal>/RoleArn`` has had.
    """

    def __init__(
        self, scope: Construct, id_: str, *, roles: Sequence[RoleSpec], **kwargs: Any
    ) -> None:
        kwargs.setdefault("description", STACK_DESCRIPTION)
        super().__init__(scope, id_, **kwargs)
        self._policies: dict[str, iam.IManagedPolicy] = {}
        self.developer_roles = DeveloperRoles(
            self, ROLES_ID, roles=[self._role_props(spec) for spec in roles]
        )
        outputs = StackOutputs()
        for spec in roles:
            outputs.add(
                [spec.construct_id, OUTPUT_ID],
                role_arn_value(spec.path, spec.role_name),
                f"Role for {spec.label}"[:1024],
            )
            for ref in spec.managed_policies:
                if ref.is_aws_managed and ref.name_or_arn != POWER_USER_ACCESS and ref.reason:
                    acknowledge(self.developer_roles.cfn_role(spec.construct_id), ref, ref.reason)
        outputs.declare(self, "Outputs")
        # PowerUserAccess is on (nearly) every role here for the same reason: acknowledged once
        # for the stack, which holds nothing but developer roles, instead of once per role (two
        # calls into the CDK's runtime each). Other AWS managed policies are exceptions and are
        # acknowledged on their roles, each with the reason its configuration gave.
        if any(
            ref.name_or_arn == POWER_USER_ACCESS for spec in roles for ref in spec.managed_policies
        ):
            acknowledge(self, ManagedPolicyRef(POWER_USER_ACCESS), POWER_USER_REASON)

    def _role_props(self, spec: RoleSpec) -> RoleProps:
        return RoleProps(
            id=spec.construct_id,
            principals=spec.trust.principals,
            principal_arn_patterns=spec.trust.arn_patterns,
            principal_org_id=spec.trust.org_id,
            max_session_duration=_duration(spec.max_session_seconds),
            max_mfa_age=_duration(spec.max_mfa_age_seconds),
            managed_policies=[self._managed_policy(ref) for ref in spec.managed_policies],
            permissions_boundary=(
                self._managed_policy(ManagedPolicyRef(spec.permissions_boundary))
                if spec.permissions_boundary
                else None
            ),
            require_source_identity=spec.require_source_identity,
            allow_session_tags=spec.allow_session_tags,
            role_name=spec.role_name,
            path=spec.path,
            description=f"PowerUser developer role for {spec.label}; requires MFA"[:1000],
            tags={**spec.tags, PRINCIPAL_TAG: spec.label[:256]},
        )

    # Managed policies are shared between roles: fewer calls into the CDK. Policies named by
    # ARN belong to a scope, so to the stack; AWS managed ones belong to none, so to the app.
    def _managed_policy(self, ref: ManagedPolicyRef) -> iam.IManagedPolicy:
        if not ref.name_or_arn.startswith("arn:"):
            return aws_managed_policy(ref.name_or_arn)
        if ref.name_or_arn not in self._policies:
            self._policies[ref.name_or_arn] = iam.ManagedPolicy.from_managed_policy_arn(
                self, f"Policy{len(self._policies)}", ref.name_or_arn
            )
        return self._policies[ref.name_or_arn]


@functools.cache
def _duration(seconds: int) -> Duration:
    """One shared Duration per value: fewer calls into the CDK (Durations belong to no scope)."""
    return Duration.seconds(seconds)


def nag_policy_finding(ref: ManagedPolicyRef) -> str:
    """The cdk-nag finding ID that an AWS managed policy attachment raises."""
    if ref.name_or_arn.startswith("arn:"):
        return f"AwsSolutions-IAM4[Policy::{ref.name_or_arn}]"
    return f"AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/{ref.name_or_arn}]"


def acknowledge(scope: Construct, ref: ManagedPolicyRef, reason: str) -> None:
    """Acknowledge AwsSolutions-IAM4 for this AWS managed policy on the scope and below it."""
    Validations.of(scope).acknowledge(Acknowledgment(id=nag_policy_finding(ref), reason=reason))
