"""Pipeline-driven rollout: a CDK Pipelines pipeline with one stage per target account."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import Acknowledgment, Environment, Stack, Stage, Validations, pipelines
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from cdk_nag import AwsSolutionsChecks
from constructs import Construct

from developer_roles.config.layout import IDENTITY_STACK_NAME, StackPlan
from developer_roles.config.model import PipelineSpec, RolesConfig, Target
from stacks.developer_roles_stack import DeveloperRolesStack
from stacks.identity_stack import IdentityAccessStack
from stacks.nag import acknowledge_wildcards

SYNTH_COMMANDS = ["make synth"]
# The preflight (scripts/account_checks) reads each account through the CDK bootstrap's lookup
# role, which has ReadOnlyAccess and trusts the pipeline account (cdk bootstrap --trust).
LOOKUP_ROLE = "cdk-hnb659fds-lookup-role-{account}-{region}"
PREFLIGHT_REASON = (
    "The preflight assumes the CDK lookup role (ReadOnlyAccess) of each target account; the "
    "role name ends with the region, so one statement per account names cdk-hnb659fds-lookup-"
    "role-<account>-*, nothing else."
)
PIPELINE_GRANTS_REASON = (
    "Written by CDK Pipelines for its own roles: object-level access to the pipeline's own "
    "artifact bucket and key (s3:GetObject*, kms:GenerateDataKey* on <bucket>/*), and "
    "assuming the CDK bootstrap roles of the target accounts. No wildcard reaches other data."
)


class DeveloperRolesStage(Stage):
    """The developer-role stacks of one target, checked by cdk-nag inside the stage.

    ``cdk synth`` validates the top-level app; a stage is a nested cloud assembly, so its
    stacks get their own cdk-nag plugin here.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        plans: Sequence[StackPlan] = (),
        identity_config: RolesConfig | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, id_, **kwargs)
        for plan in plans:
            DeveloperRolesStack(self, plan.name, roles=plan.roles)
        if identity_config is not None:
            IdentityAccessStack(self, IDENTITY_STACK_NAME, config=identity_config)
        Validations.of(self).add_plugins(AwsSolutionsChecks(self))


def stage_id(target: Target) -> str:
    return f"Roles-{target.account}-{target.region}"


class DeveloperRolesPipelineStack(Stack):
    """A self-mutating pipeline that synthesizes this app and deploys every target as a stage."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        config: RolesConfig,
        spec: PipelineSpec,
        plans: Sequence[StackPlan],
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, id_, **kwargs)
        source = pipelines.CodePipelineSource.connection(
            spec.repository, spec.branch, connection_arn=spec.connection_arn
        )
        self.pipeline = pipelines.CodePipeline(
            self,
            "Pipeline",
            artifact_bucket=_artifact_bucket(self),
            synth=pipelines.ShellStep("Synth", input=source, commands=SYNTH_COMMANDS),
        )
        self.stages: list[DeveloperRolesStage] = []
        self.preflight = _preflight_step(source, config, spec)
        pre: list[pipelines.Step] = [self.preflight]  # before the first stage, so before all
        if config.identity_account:
            identity = DeveloperRolesStage(
                self,
                "Identity",
                identity_config=config,
                env=Environment(account=config.identity_account, region=spec.region),
            )
            self.pipeline.add_stage(identity, pre=pre)
            pre = []
            self.stages.append(identity)
        for target in config.targets:
            stage = DeveloperRolesStage(
                self,
                stage_id(target),
                plans=[plan for plan in plans if plan.target == target],
                env=Environment(account=target.account, region=target.region),
            )
            self.pipeline.add_stage(stage, pre=pre)
            pre = []
            self.stages.append(stage)
        self.pipeline.build_pipeline()
        acknowledge_wildcards(self.preflight.project, PREFLIGHT_REASON)
        acknowledge_wildcards(self, PIPELINE_GRANTS_REASON)
        _acknowledge_action_roles(self)


# CDK Pipelines' action roles are assumed by the pipeline's own role (a machine, in this
# account), so the MFA trust rule's finding does not apply to them.
ACTION_ROLE_IDS = ("CodePipelineActionRole", "CodeBuildActionRole")
ACTION_ROLE_REASON = (
    "CDK Pipelines action role: assumed only by this pipeline's own role in this account, "
    "never by a person, so MFA cannot apply"
)


def _acknowledge_action_roles(scope: Construct) -> None:
    from developer_role.mfa_checks import acknowledgment_id

    for role in scope.node.find_all():
        if role.node.id in ACTION_ROLE_IDS:
            Validations.of(role).acknowledge(
                Acknowledgment(id=acknowledgment_id("MFA1", 0), reason=ACTION_ROLE_REASON)
            )


def _preflight_step(
    source: pipelines.IFileSetProducer, config: RolesConfig, spec: PipelineSpec
) -> pipelines.CodeBuildStep:
    """``make preflight`` against every account of the configuration, before any deploy."""
    accounts = [t.account for t in config.targets if t.account]
    if config.identity_account:
        accounts.append(config.identity_account)
    partition = config.roles[0].partition if config.roles else "aws"
    role = LOOKUP_ROLE.format(account="{account}", region="{region}")
    template = f"arn:{partition}:iam::{{account}}:role/{role}"
    return pipelines.CodeBuildStep(
        "Preflight",
        input=source,
        commands=[
            f'make preflight ACCOUNT_CHECKS_ARGS="--region {spec.region} '
            f"--assume-role '{template}'\""
        ],
        role_policy_statements=[
            iam.PolicyStatement(
                actions=["sts:AssumeRole"],
                resources=[
                    f"arn:{partition}:iam::{account}:role/"
                    + LOOKUP_ROLE.format(account=account, region="*")
                    for account in dict.fromkeys(accounts)
                ],
            )
        ],
    )


def _artifact_bucket(scope: Construct) -> s3.Bucket:
    """The pipeline's artifact bucket: encrypted with a rotating key that the target accounts
    can use (cross-account deployment), TLS only, with server access logs."""
    logs = s3.Bucket(
        scope,
        "ArtifactAccessLogs",
        encryption=s3.BucketEncryption.S3_MANAGED,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        enforce_ssl=True,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
    )
    Validations.of(logs).acknowledge(
        Acknowledgment(
            id="AwsSolutions-S1",
            reason="This bucket receives the artifact bucket's server access logs; logging "
            "its own access would recurse.",
        )
    )
    key = kms.Key(
        scope,
        "ArtifactKey",
        description="Encrypts the developer-roles pipeline's artifacts across accounts",
        enable_key_rotation=True,
    )
    return s3.Bucket(
        scope,
        "Artifacts",
        encryption=s3.BucketEncryption.KMS,
        encryption_key=key,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        enforce_ssl=True,
        server_access_logs_bucket=logs,
        server_access_logs_prefix="artifacts/",
    )
