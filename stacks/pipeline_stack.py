"""Pipeline-driven rollout: a CDK Pipelines pipeline with one stage per target account.

The pipeline deploys exactly the configuration it was synthesized from: the configuration
file's path (relative to the app, checked in with it) is written into the build step
(``make pipeline-synth CONFIG=FILE``) and the preflight step (``developer-roles preflight
--config FILE``); the deploy stages deploy what that build synthesized. Without a file, the
configuration is cdk.json's ``developerRoles`` context, which the repository carries as well.

Nothing is deployed without a person: before the first deploy stage, the ChangeSummary step
prints what every stage would change (:data:`CHANGE_SUMMARY_COMMAND`) and a manual approval
waits for a reviewer, who reads that summary in the step's build log (with the cdk.json
context ``developerRolesPipelineApproval: broadening``, only when the summary broadens
privilege: :data:`APPROVAL_CONTEXT_KEY`). Every step installs
pinned tools only (the CDK CLI of ``package.json``, the Python pins of
``requirements-app.txt``), and only what it runs.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from aws_cdk import Acknowledgment, Duration, Environment, Stack, Stage, Validations, pipelines
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from developer_role.iam_rules import region_partition
from developer_roles.config import CONTEXT_FILE_KEY, CONTEXT_KEY
from developer_roles.config.layout import IDENTITY_STACK_NAME, StackPlan
from developer_roles.config.model import ConfigError, PipelineSpec, RolesConfig, Target
from stacks.developer_roles_stack import DeveloperRolesStack
from stacks.identity_stack import IdentityAccessStack
from stacks.nag import acknowledge_wildcards, add_checks

# The preflight (developer-roles preflight) reads each account through the CDK bootstrap's
# lookup role, which has ReadOnlyAccess and trusts the pipeline account (cdk bootstrap --trust).
LOOKUP_ROLE = "cdk-hnb659fds-lookup-role-{account}-{region}"
# A path that make and the shell pass on unchanged (make expands CONFIG unquoted).
SAFE_PATH = re.compile(r"[A-Za-z0-9._/-]+")
REPO = Path(__file__).resolve().parents[1]
# Steps that run with an account's roles install only what they run: the operators' command
# and the construct library it imports, at the versions requirements-app.txt pins (a
# constraints file: it pins, it adds nothing). Never requirements.txt's test and dev tools.
RUNTIME_PINS = "requirements-app.txt"
INSTALL_COMMANDS = (
    "python3 -m venv .venv",
    ".venv/bin/pip install --quiet --disable-pip-version-check "
    f"-c {RUNTIME_PINS} ./constructs ./scripts/developer_roles",
)
# The build: installs what synthesis needs (Makefile target pipeline-synth), then cdk synth.
SYNTH_TARGET = "pipeline-synth"
# What the ChangeSummary step runs for each stage's nested assembly ({assembly}): the change
# summary the approver reads in the step's build log. The one line to change when
# `developer-roles deploy --summary-only --json` (branch `summary`) can read a nested assembly
# through the lookup roles.
CHANGE_SUMMARY_COMMAND = "cdk diff --app {assembly} --security-only --method template"
# The ChangeSummary step sets this variable to "true" when any stage's summary command fails
# (broadening changes, or a summary that could not be made), else "false".
BROADENING_VARIABLE = "BROADENING"
SUMMARY_STEP = "ChangeSummary"  # also its variables' namespace
REVIEW_STAGE = "Review"
APPROVAL_STAGE = "Approval"
# cdk.json context: "always" (the default) asks a person on every run; "broadening" skips the
# Approval stage when the summary found nothing that broadens privilege.
APPROVAL_CONTEXT_KEY = "developerRolesPipelineApproval"
APPROVAL_MODES = ("always", "broadening")
APPROVAL_COMMENT = (
    "Approve only after reading the change summary: the build log of the ChangeSummary action "
    "in the Review stage (cdk diff --security-only of every stage: IAM statements, policies and "
    "trust, + added, - removed). No stage of this run has deployed yet."
)
# An exact npm version ("2.1148.1"): the pipeline installs this CLI, never "latest".
EXACT_VERSION = re.compile(r"\d+\.\d+\.\d+")
GIT_TIMEOUT_SECONDS = 10
# S3 server access logs are delivered under a bucket policy, not the legacy LogDeliveryWrite
# ACL (cfn-lint W3045). https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html
ACCESS_LOGS_BY_POLICY = "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy"
# Old versions of the artifacts are kept this long (versioning lets a deploy be re-run from the
# artifacts it used; nothing reads them later).
NONCURRENT_VERSION_DAYS = 30
PREFLIGHT_REASON = (
    "The preflight assumes the CDK lookup role (ReadOnlyAccess) of each target account; the "
    "role name ends with the region, so one statement per account names cdk-hnb659fds-lookup-"
    "role-<account>-*, nothing else."
)
PIPELINE_GRANTS_REASON = (
    "Written by CDK Pipelines for its own roles: object-level access to the pipeline's own "
    "artifact buckets and keys (s3:GetObject*, kms:GenerateDataKey* on <bucket>/*; for a target "
    "in another region, kms on '*' because CDK references that region's replication key by "
    "alias), and assuming the CDK bootstrap roles of the target accounts."
)
LOG_BUCKET_REASON = (
    "This bucket receives the artifact bucket's server access logs; logging its own access "
    "would recurse."
)


def config_file_in_app(config_file: str | None, app_dir: Path) -> str | None:
    """The configuration file's path relative to the app (POSIX), as the pipeline's steps name
    it after checking out the repository; a file outside the app cannot be checked in with it."""
    if not config_file:
        return None
    path = (app_dir / config_file).resolve()
    try:
        relative = path.relative_to(app_dir.resolve())
    except ValueError:
        raise ConfigError(
            [
                f"deployment.pipeline: the configuration file {config_file} is outside the app "
                f"({app_dir}); the pipeline's steps check out the repository and read the file "
                "from there, so keep it in the repository, next to cdk.json"
            ]
        ) from None
    name = str(PurePosixPath(*relative.parts))
    if not SAFE_PATH.fullmatch(name):
        raise ConfigError(
            [
                f"deployment.pipeline: the configuration file {name!r} has characters that "
                "`make synth CONFIG=...` in the pipeline would split or expand; name it with "
                "letters, digits, '.', '_', '-' and '/' only"
            ]
        )
    warning = untracked_warning(name, app_dir)
    if warning:
        print(warning, file=sys.stderr)
    return name


def check_context_is_cdk_json(context_value: object, app_dir: Path) -> None:
    """Without a file, the pipeline's build reads cdk.json: a configuration given on the
    command line (``-c developerRoles=...``) instead would not be what the pipeline deploys."""
    if context_value is None:
        return  # the app was composed in code from a configuration object (tests, tools)
    given = json.loads(context_value) if isinstance(context_value, str) else context_value
    try:
        cdk_json = json.loads((app_dir / "cdk.json").read_text(encoding="utf-8"))
        checked_in = cdk_json.get("context", {}).get(CONTEXT_KEY)
    except (OSError, ValueError, AttributeError):
        checked_in = None
    if given != checked_in:
        raise ConfigError(
            [
                f"deployment.pipeline: the configuration was given on the command line "
                f"(-c {CONTEXT_KEY}=...), not from cdk.json, so the pipeline's build would "
                "synthesize something else; put it in a file in the repository and pass "
                f"-c {CONTEXT_FILE_KEY}=FILE (make ... CONFIG=FILE)"
            ]
        )


def cdk_cli_version(package_json: Path = REPO / "package.json") -> str:
    """The CDK CLI version ``package.json`` pins (read at synthesis), for the pipeline's own
    CLI installs (self-update, asset publishing, the change summary)."""
    try:
        version = json.loads(package_json.read_text(encoding="utf-8"))["dependencies"]["aws-cdk"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ConfigError(
            [f"deployment.pipeline: cannot read the CDK CLI version from {package_json}: {error}"]
        ) from None
    if not isinstance(version, str) or not EXACT_VERSION.fullmatch(version):
        raise ConfigError(
            [
                f"deployment.pipeline: {package_json} pins aws-cdk as {version!r}, not an exact "
                "version (such as 2.1148.1); the pipeline installs exactly that CLI"
            ]
        )
    return version


def untracked_warning(config_file: str, app_dir: Path) -> str | None:
    """One line when git does not track the configuration file (the pipeline's steps read it
    from the repository, so an untracked file fails in CodeBuild), else None."""
    try:
        found = subprocess.run(
            ["git", "-C", str(app_dir), "ls-files", "--error-unmatch", "--", config_file],
            capture_output=True,
            check=False,
            timeout=GIT_TIMEOUT_SECONDS,
        )
    except (OSError, subprocess.TimeoutExpired):
        reason = "git could not tell whether it is tracked"
    else:
        if found.returncode == 0:
            return None
        reason = "git does not track it"
    return (
        f"warning: deployment.pipeline: the configuration file {config_file} is not in the "
        f"repository ({reason}); the pipeline reads it from there: git add and commit it "
        "before you push"
    )


def synth_commands(config_file: str | None) -> list[str]:
    """The build step: only what synthesis needs, then ``cdk synth`` with the configuration."""
    if config_file is None:
        return [f"make {SYNTH_TARGET}"]
    return [f"make {SYNTH_TARGET} CONFIG={shlex.quote(config_file)}"]


def change_summary_commands(cli_version: str, assemblies: Sequence[str]) -> list[str]:
    """The ChangeSummary step: the pinned CDK CLI, then the summary of each stage's assembly;
    a summary that fails on broadening changes (or fails at all: fail-safe) sets
    ``BROADENING=true``."""
    return [
        f"npm install --global --no-audit --no-fund aws-cdk@{cli_version}",
        f"export {BROADENING_VARIABLE}=false",
        *(
            CHANGE_SUMMARY_COMMAND.format(assembly=shlex.quote(a))
            + f" --fail-on broadening || export {BROADENING_VARIABLE}=true"
            for a in assemblies
        ),
    ]


def approval_mode(value: object) -> str:
    """The context's approval mode (None: ``always``), or a :class:`ConfigError`."""
    if value is None:
        return "always"
    if value not in APPROVAL_MODES:
        raise ConfigError(
            [
                f"context {APPROVAL_CONTEXT_KEY}: {value!r} is not an approval mode; use "
                "'always' (a person approves every run) or 'broadening' (only runs whose "
                "change summary broadens privilege)"
            ]
        )
    return str(value)


def preflight_commands(config_file: str | None, assume_role: str) -> list[str]:
    """The preflight step: ``developer-roles preflight`` through each account's lookup role."""
    command = [".venv/bin/developer-roles", "preflight"]
    if config_file is not None:
        command += ["--config", config_file]
    command += ["--assume-role", assume_role]
    return [*INSTALL_COMMANDS, shlex.join(command)]


class DeveloperRolesStage(Stage):
    """The developer-role stacks of one target, checked inside the stage by the app's checks
    (cdk-nag's AwsSolutions and the MFA trust rule).

    ``cdk synth`` validates the top-level app; a stage is a nested cloud assembly, so its
    stacks get their own plugins here.
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
        add_checks(self)


def stage_id(target: Target) -> str:
    return f"Roles-{target.account}-{target.region}"


class DeveloperRolesPipelineStack(Stack):
    """A self-mutating pipeline that synthesizes this app and deploys every target as a stage.

    ``config_file`` is the configuration file the app was synthesized from, relative to the app
    (None: cdk.json's context); every step of the pipeline uses it.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        config: RolesConfig,
        spec: PipelineSpec,
        plans: Sequence[StackPlan],
        config_file: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, id_, **kwargs)
        self.node.set_context(ACCESS_LOGS_BY_POLICY, True)  # before any bucket exists
        self.config_file = config_file
        self.approval_mode = approval_mode(self.node.try_get_context(APPROVAL_CONTEXT_KEY))
        source = pipelines.CodePipelineSource.connection(
            spec.repository, spec.branch, connection_arn=spec.connection_arn
        )
        cli_version = cdk_cli_version()
        synth = pipelines.ShellStep("Synth", input=source, commands=synth_commands(config_file))
        self.pipeline = pipelines.CodePipeline(
            self,
            "Pipeline",
            artifact_bucket=_artifact_bucket(self),
            # Targets in other accounts read the artifacts with the pipeline's KMS keys, and
            # targets in other regions from a replication bucket (with its own key) per region.
            cross_account_keys=True,
            # V2: billed per action-minute (a pipeline that runs on a push costs little), and
            # no implicit-V1 warning at every synth.
            # https://docs.aws.amazon.com/codepipeline/latest/userguide/pipeline-types.html
            pipeline_type=codepipeline.PipelineType.V2,
            synth=synth,
            # The self-update installs this CLI, not aws-cdk@2.
            cli_version=cli_version,
        )
        partition = region_partition(spec.region)
        self.stages: list[DeveloperRolesStage] = []
        if config.identity_account:
            self.stages.append(
                DeveloperRolesStage(
                    self,
                    "Identity",
                    identity_config=config,
                    env=Environment(account=config.identity_account, region=spec.region),
                )
            )
        for target in config.targets:
            self.stages.append(
                DeveloperRolesStage(
                    self,
                    stage_id(target),
                    plans=[plan for plan in plans if plan.target == target],
                    env=Environment(account=target.account, region=target.region),
                )
            )
        lookup = _lookup_role_statement(config, partition)
        self.preflight = _preflight_step(source, config_file, partition, lookup)
        self.change_summary = pipelines.CodeBuildStep(
            SUMMARY_STEP,
            input=synth,  # the assembly the deploy stages deploy
            commands=change_summary_commands(
                cli_version, [stage.artifact_id for stage in self.stages]
            ),
            role_policy_statements=[lookup],
            partial_build_spec=codebuild.BuildSpec.from_object(
                {"env": {"exported-variables": [BROADENING_VARIABLE]}}
            ),
        )
        self.approval = pipelines.ManualApprovalStep("Approve", comment=APPROVAL_COMMENT)
        # Before every deploy: preflight and summary (stage Review), then a person (stage
        # Approval, its own stage so that an entry condition can skip it), then the targets.
        self.pipeline.add_wave(REVIEW_STAGE, pre=[self.preflight, self.change_summary])
        self.pipeline.add_wave(APPROVAL_STAGE, pre=[self.approval])
        for stage in self.stages:
            self.pipeline.add_stage(stage)
        self.pipeline.build_pipeline()
        if self.approval_mode == "broadening":
            _skip_approval_unless(self.pipeline.pipeline, REVIEW_STAGE, APPROVAL_STAGE)
        acknowledge_wildcards(self.preflight.project, PREFLIGHT_REASON)
        acknowledge_wildcards(self.change_summary.project, PREFLIGHT_REASON)
        acknowledge_wildcards(self, PIPELINE_GRANTS_REASON)
        _acknowledge_action_roles(self)
        self.replication_stacks: list[Stack] = []
        for support in self.pipeline.pipeline.cross_region_support.values():
            _harden_replication_bucket(support.stack, support.replication_bucket)
            self.replication_stacks.append(support.stack)


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


def _skip_approval_unless(
    pipeline: codepipeline.Pipeline, review_stage: str, approval_stage: str
) -> None:
    """An entry condition on the approval stage: a VariableCheck rule that passes when the
    ChangeSummary action (namespace ``ChangeSummary``) exported ``BROADENING=true``; when it
    did not, the stage is skipped (result SKIP; only LambdaInvoke and VariableCheck rules may
    skip).
    https://docs.aws.amazon.com/codepipeline/latest/userguide/stage-conditions.html
    https://docs.aws.amazon.com/codepipeline/latest/userguide/rule-reference-VariableCheck.html
    """
    stages = [stage.stage_name for stage in pipeline.stages]
    review = pipeline.stages[stages.index(review_stage)]
    actions = [action.action_properties.action_name for action in review.actions]
    cfn = pipeline.node.default_child
    assert isinstance(cfn, codepipeline.CfnPipeline)
    cfn.add_property_override(
        f"Stages.{stages.index(review_stage)}.Actions.{actions.index(SUMMARY_STEP)}.Namespace",
        SUMMARY_STEP,
    )
    broadening = f"#{{{SUMMARY_STEP}.{BROADENING_VARIABLE}}}"
    cfn.add_property_override(
        f"Stages.{stages.index(approval_stage)}.BeforeEntry",
        {
            "Conditions": [
                {
                    "Result": "SKIP",
                    "Rules": [
                        {
                            "Name": "BroadeningChanges",
                            "RuleTypeId": {
                                "Category": "Rule",
                                "Owner": "AWS",
                                "Provider": "VariableCheck",
                                "Version": "1",
                            },
                            "Configuration": {
                                "Variable": broadening,
                                "Value": "true",
                                "Operator": "EQ",
                            },
                        }
                    ],
                }
            ]
        },
    )


def _lookup_role_statement(config: RolesConfig, partition: str) -> iam.PolicyStatement:
    """Assuming the CDK lookup role (ReadOnlyAccess) of every account of the configuration,
    in any region of its bootstrap, in the configuration's partition."""
    accounts = [t.account for t in config.targets if t.account]
    if config.identity_account:
        accounts.append(config.identity_account)
    return iam.PolicyStatement(
        actions=["sts:AssumeRole"],
        resources=[
            f"arn:{partition}:iam::{account}:role/"
            + LOOKUP_ROLE.format(account=account, region="*")
            for account in dict.fromkeys(accounts)
        ],
    )


def _preflight_step(
    source: pipelines.IFileSetProducer,
    config_file: str | None,
    partition: str,
    lookup: iam.PolicyStatement,
) -> pipelines.CodeBuildStep:
    """``developer-roles preflight`` against every account of the configuration, before any
    deploy, in each account through its lookup role (the region of each target's bootstrap)."""
    role = LOOKUP_ROLE.format(account="{account}", region="{region}")
    template = f"arn:{partition}:iam::{{account}}:role/{role}"
    return pipelines.CodeBuildStep(
        "Preflight",
        input=source,
        commands=preflight_commands(config_file, template),
        role_policy_statements=[lookup],
    )


def _access_logs_bucket(scope: Construct, id_: str) -> s3.Bucket:
    """A bucket for S3 server access logs: encrypted, TLS only, versioned, no ACLs."""
    logs = s3.Bucket(
        scope,
        id_,
        encryption=s3.BucketEncryption.S3_MANAGED,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        enforce_ssl=True,
        versioned=True,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        lifecycle_rules=[
            s3.LifecycleRule(noncurrent_version_expiration=Duration.days(NONCURRENT_VERSION_DAYS))
        ],
    )
    Validations.of(logs).acknowledge(Acknowledgment(id="AwsSolutions-S1", reason=LOG_BUCKET_REASON))
    return logs


def _artifact_bucket(scope: Construct) -> s3.Bucket:
    """The pipeline's artifact bucket: encrypted with a rotating key that the target accounts
    can use (cross-account deployment), TLS only, versioned, with server access logs."""
    logs = _access_logs_bucket(scope, "ArtifactAccessLogs")
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
        versioned=True,
        lifecycle_rules=[
            s3.LifecycleRule(noncurrent_version_expiration=Duration.days(NONCURRENT_VERSION_DAYS))
        ],
        server_access_logs_bucket=logs,
        server_access_logs_prefix="artifacts/",
    )


def _harden_replication_bucket(stack: Stack, bucket: s3.IBucket) -> None:
    """Give the replication bucket CDK Pipelines creates for another region what the artifact
    bucket has: a rotating key, versioning and server access logs."""
    cfn_bucket = bucket.node.default_child
    assert isinstance(cfn_bucket, s3.CfnBucket)
    for key in stack.node.find_all():
        if isinstance(key, kms.CfnKey):  # the bucket's key (CDK names it by an alias)
            key.enable_key_rotation = True
    cfn_bucket.versioning_configuration = s3.CfnBucket.VersioningConfigurationProperty(
        status="Enabled"
    )
    cfn_bucket.lifecycle_configuration = s3.CfnBucket.LifecycleConfigurationProperty(
        rules=[
            s3.CfnBucket.RuleProperty(
                status="Enabled",
                noncurrent_version_expiration=s3.CfnBucket.NoncurrentVersionExpirationProperty(
                    noncurrent_days=NONCURRENT_VERSION_DAYS
                ),
            )
        ]
    )
    logs = _access_logs_bucket(stack, "ReplicationAccessLogs")
    cfn_bucket.logging_configuration = s3.CfnBucket.LoggingConfigurationProperty(
        destination_bucket_name=logs.bucket_name, log_file_prefix="artifacts/"
    )
    # What CDK writes for a bucket's own server_access_logs_bucket: S3's logging service may
    # put objects, only for this bucket and account.
    logs.add_to_resource_policy(
        iam.PolicyStatement(
            principals=[iam.ServicePrincipal("logging.s3.amazonaws.com")],
            actions=["s3:PutObject"],
            resources=[logs.arn_for_objects("artifacts/*")],
            conditions={
                "ArnLike": {"aws:SourceArn": bucket.bucket_arn},
                "StringEquals": {"aws:SourceAccount": stack.account},
            },
        )
    )
