"""Organisation-wide rollout: a service-managed StackSet per shard of developer roles.

New accounts that join the organisational units get the roles automatically
(``AutoDeployment``). IAM is global, so each StackSet deploys to one region only: the same
role in two regions of one account would collide.

Each StackSet's template is a file asset (uploaded to the CDK bootstrap bucket by ``cdk
deploy``) given as ``TemplateURL``: an S3 template may have 1 MB, an inline ``TemplateBody``
only 51,200 bytes (about 45 principals), so a StackSet holds as many roles as a stack does.
https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStackSet.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aws_cdk import DefaultStackSynthesizer, Stack
from aws_cdk import aws_cloudformation as cfn
from aws_cdk import aws_s3_assets as s3_assets
from constructs import Construct

from developer_roles.config.layout import StackPlan
from developer_roles.config.model import ConfigError, RoleSpec, StackSetSpec
from stacks.app_context import new_app
from stacks.developer_roles_stack import DeveloperRolesStack
from stacks.nag import add_checks

# CloudFormation's limits: a template in S3 (TemplateURL) and one sent inline (TemplateBody).
MAX_TEMPLATE_URL_BYTES = 1_000_000
MAX_TEMPLATE_BODY = 51_200


def check_template_size(name: str, size: int) -> None:
    """Refuse, before anything is deployed, a StackSet template over CloudFormation's 1 MB."""
    if size > MAX_TEMPLATE_URL_BYTES:
        raise ConfigError(
            [
                f"the StackSet template for {name} is {size} bytes, over CloudFormation's "
                f"{MAX_TEMPLATE_URL_BYTES} for a template in S3; set stackCount higher so each "
                "StackSet holds fewer roles"
            ]
        )


def roles_template(roles: Sequence[RoleSpec]) -> dict[str, Any]:
    """An environment-agnostic template of the roles, checked like the main app (cdk-nag, MFA).

    It has no bootstrap-version rule: accounts reached by a StackSet are not CDK-bootstrapped.
    """
    # Its own scratch assembly: under `cdk synth` an App without outdir writes into the CLI's
    # (CDK_OUTDIR), where this template would sit as a stray *.template.json.
    with tempfile.TemporaryDirectory(prefix="stackset-roles-") as outdir:
        app = new_app(outdir)
        DeveloperRolesStack(
            app,
            "Roles",
            roles=roles,
            synthesizer=DefaultStackSynthesizer(generate_bootstrap_version_rule=False),
        )
        add_checks(app)
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
        self.templates: list[s3_assets.Asset] = []
        for plan in plans:
            body = json.dumps(roles_template(plan.roles), separators=(",", ":"))
            check_template_size(plan.name, len(body.encode()))
            with tempfile.TemporaryDirectory(prefix="stackset-template-") as scratch:
                path = Path(scratch) / f"{plan.name}.template.json"
                path.write_text(body, encoding="utf-8")
                # Staged (copied into the cloud assembly) here, by its content's hash.
                template = s3_assets.Asset(self, f"{plan.name}Template", path=str(path))
            self.templates.append(template)
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
                    template_url=template.http_url,
                )
            )
