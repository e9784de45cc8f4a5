"""Compose the app from the configuration, and check every stack with cdk-nag and the MFA rule."""

from __future__ import annotations

import os
from pathlib import Path

from aws_cdk import App, Environment, Stack

from developer_roles.config import CONTEXT_FILE_KEY, CONTEXT_KEY
from developer_roles.config.layout import IDENTITY_STACK_NAME, plan_stacks
from developer_roles.config.model import ConfigError, RolesConfig, Target
from stacks.developer_roles_stack import DeveloperRolesStack
from stacks.identity_stack import IdentityAccessStack
from stacks.nag import acknowledge_wildcards, add_checks, is_any_account_role

PIPELINE_STACK_NAME = "DeveloperRolesPipeline"
STACK_SET_STACK_NAME = "DeveloperRolesStackSets"
ANY_ACCOUNT_REASON = (
    "StackSets put the developer roles in every account of the organisational units, also in "
    "accounts that join later, so the identity policy names the role (path and name, no other "
    "wildcard) in any account, still only with MFA; each role's trust policy admits only its "
    "configured principals."
)


def resolved(target: Target) -> Target:
    """A target with unknown account or region filled from the CLI's environment, if any."""
    return Target(
        target.account or os.environ.get("CDK_DEFAULT_ACCOUNT"),
        target.region or os.environ.get("CDK_DEFAULT_REGION"),
    )


def environment(target: Target) -> Environment | None:
    target = resolved(target)
    if target.account is None and target.region is None:
        return None
    return Environment(account=target.account, region=target.region)


def build_app(app: App, config: RolesConfig, app_dir: Path | None = None) -> list[Stack]:
    """The stacks for the configuration: direct stacks per target by default; a pipeline or
    StackSets when the configuration's ``deployment`` asks for them.

    A pipeline carries the configuration file the app was given (context ``developerRolesFile``,
    relative to ``app_dir``, the current directory by default) into its build and preflight.
    """
    if config.publish_profiles and not config.identity_account:
        raise ConfigError(
            [
                "publishProfiles: the profiles are published in the identity account; set "
                "identityAccount too (or leave publishProfiles out)"
            ]
        )
    plans = plan_stacks(config)
    stacks: list[Stack] = []
    # The pipeline and StackSet modules are imported only for configurations that use them:
    # CDK Pipelines' Python bindings take 30 ms to load, on every synth.
    if config.pipeline is not None:
        from stacks.pipeline_stack import (
            DeveloperRolesPipelineStack,
            check_context_is_cdk_json,
            config_file_in_app,
        )

        spec = config.pipeline
        app_dir = app_dir or Path.cwd()
        config_file = config_file_in_app(app.node.try_get_context(CONTEXT_FILE_KEY), app_dir)
        if config_file is None:
            check_context_is_cdk_json(app.node.try_get_context(CONTEXT_KEY), app_dir)
        stacks.append(
            DeveloperRolesPipelineStack(
                app,
                PIPELINE_STACK_NAME,
                config=config,
                spec=spec,
                plans=plans,
                config_file=config_file,
                env=Environment(account=spec.account, region=spec.region),
            )
        )
    elif config.stack_set is not None:
        from stacks.stackset_stack import DeveloperRolesStackSetStack

        spec_set = config.stack_set
        first_target = [plan for plan in plans if plan.target == config.targets[0]]
        stacks.append(
            DeveloperRolesStackSetStack(
                app,
                STACK_SET_STACK_NAME,
                spec=spec_set,
                plans=first_target,
                env=environment(Target(spec_set.account, spec_set.region)),
            )
        )
    else:
        for plan in plans:
            stacks.append(
                DeveloperRolesStack(
                    app,
                    plan.name,
                    roles=plan.roles,
                    env=environment(plan.target),
                )
            )
    if config.identity_account and config.pipeline is None:
        from stacks.profiles import render_profiles

        identity = IdentityAccessStack(
            app,
            IDENTITY_STACK_NAME,
            config=config,
            profiles=render_profiles(config.roles, [resolved(t) for t in config.targets])
            if config.publish_profiles
            else None,
            env=environment(Target(config.identity_account, config.targets[0].region)),
        )
        if config.stack_set is not None:
            acknowledge_wildcards(identity.policy, ANY_ACCOUNT_REASON, only=is_any_account_role)
        stacks.append(identity)
    add_checks(app)
    return stacks
