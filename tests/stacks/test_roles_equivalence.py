"""The app's stacks declare their roles with one ``DeveloperRoles``; the templates are those a
``DeveloperRole`` per principal gives, for every configuration of the corpus that loads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_iam as iam

from developer_role import DeveloperRole, aws_managed_policy
from developer_roles.config import POWER_USER_ACCESS, ConfigError, load_config
from developer_roles.config.layout import StackPlan, plan_stacks
from developer_roles.config.model import ManagedPolicyRef, RolesConfig
from stacks.app_builder import environment
from stacks.developer_roles_stack import (
    OUTPUT_ID,
    PRINCIPAL_TAG,
    STACK_DESCRIPTION,
    DeveloperRolesStack,
    _duration,
    acknowledge,
)
from stacks.outputs import StackOutputs, role_arn_value

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
CORPUS = sorted((REPO / "tests" / "developer_roles" / "config" / "config_mistakes").iterdir())
# What `cdk synth` passes: each resource's construct path in its metadata.
CLI_CONTEXT = {"aws:cdk:enable-path-metadata": True}


def configurations() -> list[tuple[str, RolesConfig]]:
    """Every configuration of the corpus that loads: cdk.json's, the upgrade guard's several
    targets and shards, a file with every role setting (``configs/``), and any file among the
    mistakes that is accepted."""
    found = []
    context = json.loads((REPO / "cdk.json").read_text(encoding="utf-8"))["context"]
    found.append(("cdk.json", load_config(context["developerRoles"], None, REPO)))
    files = [REPO / "tests" / "upgrade" / "multi.json", *sorted(HERE.glob("configs/*")), *CORPUS]
    for path in files:
        try:
            found.append((path.name, load_config(None, path.name, path.parent)))
        except ConfigError:
            continue
    return found


def per_role_stack(app: App, plan: StackPlan) -> Stack:
    """The stack as it was built before ``DeveloperRoles``: a ``DeveloperRole`` per principal."""
    stack = Stack(app, plan.name, env=environment(plan.target), description=STACK_DESCRIPTION)
    outputs = StackOutputs()
    policies: dict[str, iam.IManagedPolicy] = {}

    def policy(ref: ManagedPolicyRef) -> iam.IManagedPolicy:
        if not ref.name_or_arn.startswith("arn:"):
            return aws_managed_policy(ref.name_or_arn)
        if ref.name_or_arn not in policies:
            policies[ref.name_or_arn] = iam.ManagedPolicy.from_managed_policy_arn(
                stack, f"Policy{len(policies)}", ref.name_or_arn
            )
        return policies[ref.name_or_arn]

    for spec in plan.roles:
        developer = DeveloperRole(
            stack,
            spec.construct_id,
            principals=spec.trust.principals,
            principal_arn_patterns=spec.trust.arn_patterns,
            principal_org_id=spec.trust.org_id,
            max_session_duration=_duration(spec.max_session_seconds),
            max_mfa_age=_duration(spec.max_mfa_age_seconds),
            managed_policies=[policy(ref) for ref in spec.managed_policies],
            permissions_boundary=(
                policy(ManagedPolicyRef(spec.permissions_boundary))
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
        for ref in spec.managed_policies:
            if ref.is_aws_managed and ref.name_or_arn != POWER_USER_ACCESS and ref.reason:
                acknowledge(developer, ref, ref.reason)
        outputs.add(
            [spec.construct_id, OUTPUT_ID],
            role_arn_value(spec.path, spec.role_name),
            f"Role for {spec.label}"[:1024],
        )
    outputs.declare(stack, "Outputs")
    return stack


CONFIGURATIONS = configurations()


def test_the_corpus_has_configurations_of_several_kinds() -> None:
    """The comparison below covers more than the example: several files, shards, targets."""
    plans = [plan for _, config in CONFIGURATIONS for plan in plan_stacks(config)]
    assert len(CONFIGURATIONS) >= 3
    assert len({plan.target for plan in plans}) >= 2
    assert any(spec.trust.arn_patterns or spec.trust.org_id for p in plans for spec in p.roles)


def templates(app: App) -> dict[str, Any]:
    assembly = app.synth()
    return {stack.stack_name: stack.template for stack in assembly.stacks}


@pytest.mark.parametrize(("name", "config"), CONFIGURATIONS, ids=[n for n, _ in CONFIGURATIONS])
def test_developer_roles_give_the_templates_of_a_developer_role_each(
    name: str, config: RolesConfig
) -> None:
    together, one_by_one = App(context=CLI_CONTEXT), App(context=CLI_CONTEXT)
    for plan in plan_stacks(config):
        DeveloperRolesStack(together, plan.name, roles=plan.roles, env=environment(plan.target))
        per_role_stack(one_by_one, plan)
    expected = templates(one_by_one)
    assert len(expected) == len(plan_stacks(config))
    assert templates(together) == expected
