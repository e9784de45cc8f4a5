"""The identity-account side of cross-account trust.

A role in a workload account that trusts a user in another account is only half of the
permission: the user's own account must also allow ``sts:AssumeRole`` on it. This stack, in
the identity account, holds a managed policy that allows each developer to assume *their own*
developer role (by ``${aws:username}``) and their teams' roles in every target account, only
with MFA, and a group that carries it with the configured users as members.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from developer_role import TRUST_ACTIONS, mfa_conditions, policy_length
from developer_roles.config.layout import GROUP_NAME
from developer_roles.config.model import ConfigError, RolesConfig, RoleSpec

MAX_MANAGED_POLICY_LENGTH = 6144


def _arns(config: RolesConfig, role_name: str, partition: str) -> list[str]:
    return [
        f"arn:{partition}:iam::{target.account or '*'}:role{config.path}{role_name}"
        for target in config.targets
    ]


def access_policy(config: RolesConfig) -> dict[str, Any]:
    """The identity-side policy document, as data."""
    partition = config.roles[0].partition if config.roles else "aws"
    max_age = max((spec.max_mfa_age_seconds for spec in config.roles), default=3600)
    mfa = mfa_conditions(max_age)
    statements: list[dict[str, Any]] = [
        {
            "Sid": "AssumeOwnDeveloperRole",
            "Effect": "Allow",
            "Action": list(TRUST_ACTIONS),
            "Resource": _arns(config, f"{config.role_prefix}${{aws:username}}", partition),
            "Condition": mfa,
        }
    ]
    for spec in _identity_roles(config):
        members: list[str] = [*spec.trust.principals, *spec.trust.arn_patterns]
        if (
            spec.principal is not None
            and spec.role_name == f"{config.role_prefix}{spec.principal.name}"
        ):
            continue  # covered by ${aws:username}
        statements.append(
            {
                "Sid": "Assume" + "".join(ch for ch in spec.role_name if ch.isalnum())[:100],
                "Effect": "Allow",
                "Action": list(TRUST_ACTIONS),
                "Resource": _arns(config, spec.role_name, spec.partition),
                "Condition": {**mfa, "ArnLike": {"aws:PrincipalArn": members}},
            }
        )
    statements.append(list_own_mfa_devices(config, partition))
    return {"Version": "2012-10-17", "Statement": statements}


def list_own_mfa_devices(config: RolesConfig, partition: str) -> dict[str, Any]:
    """Let each user list their own MFA devices, so the helper finds the device of a profile
    without ``mfa_serial`` (a team profile) with the user's long-term keys, before any MFA.

    ``iam:ListMFADevices`` without a user name lists the caller's devices and is authorized
    on the caller's user ARN (https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListMFADevices.html;
    its resource type is ``user``,
    https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html).
    One resource per path of the configured users, each ending in ``${aws:username}``: exactly
    the caller, never a wildcard (``user/*NAME`` would also match other users).
    """
    account = config.identity_account or "*"
    paths = {"/"}
    for spec in config.roles:
        for arn in spec.trust.principals:
            parts = arn.split(":", 5)
            if parts[4] == config.identity_account and parts[5].startswith("user/"):
                paths.add(parts[5][len("user") : parts[5].rindex("/") + 1])
    return {
        "Sid": "ListOwnMfaDevices",
        "Effect": "Allow",
        "Action": "iam:ListMFADevices",
        "Resource": [
            f"arn:{partition}:iam::{account}:user{path}${{aws:username}}" for path in sorted(paths)
        ],
    }


def _identity_roles(config: RolesConfig) -> list[RoleSpec]:
    """Roles that members of the identity account may assume (principals there, or teams)."""
    return [
        spec
        for spec in config.roles
        if spec.trust.arn_patterns
        or any(f":iam::{config.identity_account}:" in arn for arn in spec.trust.principals)
    ]


def identity_users(config: RolesConfig) -> list[str]:
    """Names of the configured IAM users that live in the identity account, in order."""
    users: dict[str, None] = {}
    for spec in config.roles:
        for arn in spec.trust.principals:
            parts = arn.split(":")
            if parts[4] == config.identity_account and parts[5].startswith("user/"):
                users.setdefault(parts[5].rsplit("/", 1)[1], None)
    return list(users)


class IdentityAccessStack(Stack):
    """The managed policy and group that let developers reach their roles across accounts."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        config: RolesConfig,
        profiles: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, id_, **kwargs)
        document = access_policy(config)
        length = policy_length(document)
        if length > MAX_MANAGED_POLICY_LENGTH:
            raise ConfigError(
                [
                    f"the identity-account policy is {length} characters, over IAM's "
                    f"{MAX_MANAGED_POLICY_LENGTH} for a managed policy; give fewer roles custom "
                    "'roleName's, or use fewer team groups per identity account"
                ]
            )
        self.policy = iam.ManagedPolicy(
            self,
            "AssumeDeveloperRoles",
            description="Assume your own developer role (and your teams') with MFA",
            document=iam.PolicyDocument.from_json(document),
        )
        self.group = iam.Group(
            self, "Developers", group_name=GROUP_NAME, managed_policies=[self.policy]
        )
        users: Sequence[str] = identity_users(config)
        if users:
            iam.CfnUserToGroupAddition(
                self, "Members", group_name=self.group.group_name, users=list(users)
            )
        if profiles is not None:
            publish_profiles(self, self.group, profiles)
        CfnOutput(self, "AccessPolicyArn", value=self.policy.managed_policy_arn)
        CfnOutput(self, "GroupName", value=self.group.group_name)


def publish_profiles(stack: Stack, group: iam.IGroup, text: str) -> None:
    """The profiles file as SSM parameters (``mfa-assume setup`` reads them), readable by the
    developers' group with ``ssm:GetParametersByPath`` on the path, which is authorized
    against the path alone, not the parameters it returns
    (https://docs.aws.amazon.com/systems-manager/latest/userguide/ps-retrieval-authorization.html).
    """
    from stacks.profiles import (
        MAX_PUBLISHED_PARAMETERS,
        PUBLISHED_PATH,
        published_name,
        published_values,
    )

    values = published_values(text)
    if len(values) > MAX_PUBLISHED_PARAMETERS:
        raise ConfigError(
            [
                f"the profiles need {len(values)} SSM parameters to publish, over "
                f"{MAX_PUBLISHED_PARAMETERS}; use fewer principals per configuration"
            ]
        )
    for index, value in enumerate(values):
        ssm.CfnParameter(
            stack,
            f"PublishedProfiles{index:03d}",
            name=published_name(index),
            type="String",
            tier="Standard",
            value=value,
            description="mfa-assume setup: the developer profiles (gzip, base64; in name order)",
        )
    group.add_to_principal_policy(
        iam.PolicyStatement(
            sid="ReadPublishedProfiles",
            actions=["ssm:GetParametersByPath"],
            resources=[
                stack.format_arn(
                    service="ssm", resource="parameter", resource_name=PUBLISHED_PATH.lstrip("/")
                )
            ],
        )
    )
