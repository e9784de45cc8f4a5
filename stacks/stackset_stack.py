"""Organisation-wide rollout: a service-managed StackSet per shard of developer roles.

New accounts that join the organisational units get the roles automatically
(``AutoDeployment``). IAM is global, so each StackSet deploys to one region only: the same
role in two regions of one account would collide.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from aws_cdk import App, DefaultStackSynthesizer, Stack, Validations
from aws_cdk import aws_cloudformation as cfn
from cdk_nag import AwsSolutionsChecks
from constructs import Construct

from developer_roles.config.layout import StackPlan
from developer_roles.config.model import ConfigError, RoleSpec, StackSetSpec
from stacks.app_context import APP_CONTEXT
from stacks.developer_roles_stack import DeveloperRolesStack

MAX_TEMPLATE_BODY = 51_200


def roles_template(roles: Sequence[RoleSpec]) -> dict[str, Any]:
    """An environment-agnostic template of the roles, checked by cdk-nag like the main app.

    It has no bootstrap-version rule: accounts reached by a StackSet are not CDK-bootstrapped.
    """
    app = App(context=dict(APP_CONTEXT))
    DeveloperRolesStack(
        app,
        "Roles",
        roles=roles,
        synthesizer=DefaultStackSynthesizer(generate_bootstrap_version_rule=False),
    )
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    template: dict[str, Any] = app.synth().get_stack_by_name("Roles").template
    template.pop("Parameters", None)
    return template


class DeveloperRolesStackSetStack(Stack):
    """Service-managed StackSets that put the developer roles in every account of the OUs."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        spec: StackSetSpec,
        plans: Sequence[StackPlan],
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, id_, **kwargs)
        self.stack_sets: list[cfn.CfnStackSet] = []
        for plan in plans:
            body = json.dumps(roles_template(plan.roles), separators=(",", ":"))
            if len(body) > MAX_TEMPLATE_BODY:
                raise ConfigError(
                    [
                        f"the StackSet template for {plan.name} is {len(body)} bytes, over "
                        f"CloudFormation's {MAX_TEMPLATE_BODY} for an inline template; set "
                        "stackCount higher so each StackSet holds fewer roles"
                    ]
                )
            self.stack_sets.append(
                cfn.CfnStackSet(
                    self,
                    plan.name,
                    stack_set_name=plan.name,
                    description="MFA-gated PowerUser developer roles",
                    permission_model="SERVICE_MANAGED",
                    auto_deployment=cfn.CfnStackSet.AutoDeploymentProperty(
                        enabled=True, retain_stacks_on_account_removal=False
                    ),
                    capabilities=["CAPABILITY_NAMED_IAM"],
                    managed_execution={"Active": True},
                    operation_preferences=cfn.CfnStackSet.OperationPreferencesProperty(
                        failure_tolerance_percentage=0,
                        max_concurrent_percentage=25,
                        region_concurrency_type="SEQUENTIAL",
                    ),
                    stack_instances_group=[
                        cfn.CfnStackSet.StackInstancesProperty(
                            deployment_targets=cfn.CfnStackSet.DeploymentTargetsProperty(
                                organizational_unit_ids=list(spec.organizational_unit_ids)
                            ),
                            regions=list(spec.regions),
                        )
                    ],
                    template_body=body,
                )
            )
