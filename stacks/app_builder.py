"""Compose the app: the developer-role stacks and the cdk-nag checks over all of them."""

from __future__ import annotations

import os

from aws_cdk import App, Environment, Stack, Validations
from cdk_nag import AwsSolutionsChecks

from stacks.config import RolesConfig
from stacks.developer_roles_stack import DeveloperRolesStack

STACK_NAME = "DeveloperRoles"


def target_account(config: RolesConfig) -> str | None:
    return config.account or os.environ.get("CDK_DEFAULT_ACCOUNT")


def build_app(app: App, config: RolesConfig) -> list[Stack]:
    account = target_account(config)
    region = config.region or os.environ.get("CDK_DEFAULT_REGION")
    env = Environment(account=account, region=region) if account or region else None
    stack = DeveloperRolesStack(
        app,
        STACK_NAME,
        roles=config.roles,
        env=env,
        description="MFA-gated PowerUser developer roles, one per trusted principal",
    )
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return [stack]
