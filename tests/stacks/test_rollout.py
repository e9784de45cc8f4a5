"""Team roles, the identity-account side, the pipeline and the StackSet, by their templates."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Stack, Stage
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Capture, Match, Template

from developer_roles.config import ConfigError, validate
from developer_roles.config.layout import ROLES_PER_STACK, plan_stacks
from stacks.app_builder import build_app
from stacks.pipeline_stack import DeveloperRolesPipelineStack, DeveloperRolesStage
from stacks.stackset_stack import (
    MAX_TEMPLATE_BODY,
    MAX_TEMPLATE_URL_BYTES,
    DeveloperRolesStackSetStack,
    check_template_size,
)

IDENTITY = "999999999999"
ALICE = f"arn:aws:iam::{IDENTITY}:user/alice"
BOB = f"arn:aws:iam::{IDENTITY}:user/bob"
TARGETS = [
    {"account": "111111111111", "region": "eu-west-1"},
    {"account": "222222222222", "region": "eu-west-1"},
]
MFA = {
    "Bool": {"aws:MultiFactorAuthPresent": "true"},
    "NumericLessThan": {"aws:MultiFactorAuthAge": "3600"},
}
PIPELINE = {
    "connectionArn": f"arn:aws:codeconnections:eu-west-1:{IDENTITY}:connection/abc",
    "repository": "acme/developer-roles",
    "branch": "main",
    "account": IDENTITY,
    "region": "eu-west-1",
}


def stacks_for(raw: dict[str, Any]) -> dict[str, Stack]:
    app = App()
    return {stack.stack_name: stack for stack in build_app(app, validate(raw))}


def test_team_roles_trust_members_patterns_and_organisations() -> None:
    (stack,) = stacks_for(
        {
            "groups": [
                {"name": "payments", "principals": [ALICE, BOB]},
                {"name": "data", "principalArnPatterns": [f"arn:aws:iam::{IDENTITY}:user/data-*"]},
                {"name": "everyone", "organizationId": "o-a1b2c3d4e5", "maxSessionDuration": "2h"},
            ]
        }
    ).values()
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::IAM::Role", 3)
    template.has_resource_properties(
        "AWS::IAM::Role",
        {
            "RoleName": "PowerUser-payments",
            "AssumeRolePolicyDocument": {
                "Statement": [{"Principal": {"AWS": [ALICE, BOB]}, "Condition": MFA}]
            },
        },
    )
    template.has_resource_properties(
        "AWS::IAM::Role",
        {
            "RoleName": "PowerUser-data",
            "AssumeRolePolicyDocument": {
                "Statement": [
                    {
                        "Principal": {"AWS": f"arn:aws:iam::{IDENTITY}:root"},
                        "Condition": {
                            **MFA,
                            "ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{IDENTITY}:user/data-*"},
                        },
                    }
                ]
            },
        },
    )
    template.has_resource_properties(
        "AWS::IAM::Role",
        {
            "RoleName": "PowerUser-everyone",
            "MaxSessionDuration": 7200,
            "AssumeRolePolicyDocument": {
                "Statement": [
                    {
                        "Principal": {"AWS": "*"},
                        "Condition": {
                            **MFA,
                            "StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"},
                        },
                    }
                ]
            },
        },
    )


def test_every_target_gets_the_roles_in_its_own_environment() -> None:
    stacks = stacks_for({"targets": TARGETS, "principals": [ALICE]})
    for target in TARGETS:
        stack = stacks[f"DeveloperRoles-{target['account']}-{target['region']}"]
        assert stack.account == target["account"]
        Template.from_stack(stack).resource_count_is("AWS::IAM::Role", 1)


def test_identity_side_lets_each_user_assume_only_their_own_role_with_mfa() -> None:
    stacks = stacks_for(
        {
            "targets": TARGETS,
            "identityAccount": IDENTITY,
            "principals": [ALICE, BOB],
            "groups": [{"name": "payments", "principals": [ALICE]}],
        }
    )
    identity = stacks["DeveloperRoleAccess"]
    assert identity.account == IDENTITY
    template = Template.from_stack(identity)
    statements = Capture()
    template.has_resource_properties(
        "AWS::IAM::ManagedPolicy", {"PolicyDocument": {"Statement": statements}}
    )
    own, team, list_devices = statements.as_array()
    assert own["Action"] == ["sts:AssumeRole", "sts:SetSourceIdentity"]
    assert own["Resource"] == [
        f"arn:aws:iam::{t['account']}:role/developers/PowerUser-${{aws:username}}" for t in TARGETS
    ]
    assert own["Condition"] == MFA
    assert team["Resource"] == [
        f"arn:aws:iam::{t['account']}:role/developers/PowerUser-payments" for t in TARGETS
    ]
    assert team["Condition"]["ArnLike"] == {"aws:PrincipalArn": [ALICE]}
    # the helper finds a team profile's MFA device: each user lists only their own
    assert list_devices["Action"] == "iam:ListMFADevices"
    assert list_devices["Resource"] == f"arn:aws:iam::{IDENTITY}:user/${{aws:username}}"
    assert "Condition" not in list_devices  # asked before the code is typed
    template.has_resource_properties(
        "AWS::IAM::UserToGroupAddition",
        {"GroupName": Match.any_value(), "Users": ["alice", "bob"]},
    )


def test_pipeline_deploys_each_target_as_a_stage() -> None:
    stacks = stacks_for(
        {
            "targets": TARGETS,
            "identityAccount": IDENTITY,
            "principals": [ALICE],
            "deployment": {"pipeline": PIPELINE},
        }
    )
    pipeline_stack = stacks["DeveloperRolesPipeline"]
    assert isinstance(pipeline_stack, DeveloperRolesPipelineStack)
    stages = Capture()
    Template.from_stack(pipeline_stack).has_resource_properties(
        "AWS::CodePipeline::Pipeline", {"Stages": stages}
    )
    names = [stage["Name"] for stage in stages.as_array()]
    assert names[:2] == ["Source", "Build"]
    assert "Identity" in names
    for target in TARGETS:
        assert f"Roles-{target['account']}-{target['region']}" in names
    for stage in pipeline_stack.stages:
        if stage.stage_name == "Identity":
            continue
        (roles_stack,) = [c for c in stage.node.children if isinstance(c, Stack)]
        assert roles_stack.account == stage.account
        Template.from_stack(roles_stack).has_resource_properties(
            "AWS::IAM::Role", {"AssumeRolePolicyDocument": {"Statement": [{"Condition": MFA}]}}
        )


def test_pipeline_artifacts_are_encrypted_with_a_rotating_key_and_logged() -> None:
    stacks = stacks_for(
        {"targets": TARGETS, "principals": [ALICE], "deployment": {"pipeline": PIPELINE}}
    )
    template = Template.from_stack(stacks["DeveloperRolesPipeline"])
    template.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})
    template.has_resource_properties(
        "AWS::S3::Bucket",
        {"LoggingConfiguration": Match.object_like({"LogFilePrefix": "artifacts/"})},
    )


@pytest.mark.parametrize("careless", [False, True], ids=["compliant", "non-compliant"])
def test_cdk_nag_checks_the_stacks_inside_a_stage(careless: bool) -> None:
    app = App()
    stage = DeveloperRolesStage(app, "Stage", plans=plan_stacks(validate({"principals": [ALICE]})))
    if careless:
        user = iam.User(Stack(stage, "Extra"), "Careless")
        user.add_to_policy(iam.PolicyStatement(actions=["s3:*"], resources=["*"]))
        with pytest.raises(RuntimeError, match="ValidationFailed"):
            app.synth()
    else:
        app.synth()


STACK_SET = {"organizationalUnitIds": ["ou-ab12-cdef3456"], "regions": ["us-east-1"]}


def stack_set_templates(stack: Stack) -> list[dict[str, Any]]:
    """Each StackSet's template as CloudFormation reads it: the file its TemplateURL names,
    staged in the cloud assembly by its content hash."""
    assert isinstance(stack, DeveloperRolesStackSetStack)
    assembly = Path(Stage.of(stack).outdir)  # type: ignore[union-attr]
    Template.from_stack(stack)  # synthesizes the app, which stages the assets
    urls = [
        resource["Properties"]["TemplateURL"]["Fn::Sub"]
        for resource in Template.from_stack(stack)
        .find_resources("AWS::CloudFormation::StackSet")
        .values()
    ]
    files = [assembly / asset.asset_path for asset in stack.templates]
    assert [url.rsplit("/", 1)[1] for url in urls] == [f.name.removeprefix("asset.") for f in files]
    return [json.loads(f.read_text(encoding="utf-8")) for f in files]


def test_stack_set_rolls_the_roles_out_to_organisational_units() -> None:
    stacks = stacks_for({"principals": [ALICE, BOB], "deployment": {"stackSet": STACK_SET}})
    template = Template.from_stack(stacks["DeveloperRolesStackSets"])
    template.has_resource_properties(
        "AWS::CloudFormation::StackSet",
        {
            "PermissionModel": "SERVICE_MANAGED",
            "AutoDeployment": {"Enabled": True, "RetainStacksOnAccountRemoval": False},
            "Capabilities": ["CAPABILITY_NAMED_IAM"],
            "StackInstancesGroup": [
                {
                    "DeploymentTargets": {"OrganizationalUnitIds": ["ou-ab12-cdef3456"]},
                    "Regions": ["us-east-1"],
                }
            ],
            "TemplateURL": {
                "Fn::Sub": Match.string_like_regexp(
                    r"^https://s3\.\$\{AWS::Region\}\.\$\{AWS::URLSuffix\}/"
                    r"cdk-hnb659fds-assets-\$\{AWS::AccountId\}-\$\{AWS::Region\}/[0-9a-f]{64}\.json$"
                )
            },
        },
    )
    (rolled_out,) = stack_set_templates(stacks["DeveloperRolesStackSets"])
    roles = [r for r in rolled_out["Resources"].values() if r["Type"] == "AWS::IAM::Role"]
    assert len(roles) == 2
    assert all(
        r["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Condition"] == MFA
        for r in roles
    )
    assert "Rules" not in rolled_out  # no CDK bootstrap check in accounts that are not bootstrapped


def test_one_stack_set_holds_as_many_principals_as_a_stack_far_over_the_inline_limit() -> None:
    principals = [f"arn:aws:iam::{IDENTITY}:user/developer-{n:04d}" for n in range(ROLES_PER_STACK)]
    stacks = stacks_for({"principals": principals, "deployment": {"stackSet": STACK_SET}})
    (rolled_out,) = stack_set_templates(stacks["DeveloperRolesStackSets"])
    roles = [r for r in rolled_out["Resources"].values() if r["Type"] == "AWS::IAM::Role"]
    assert len(roles) == ROLES_PER_STACK
    size = len(json.dumps(rolled_out, separators=(",", ":")).encode())
    assert MAX_TEMPLATE_BODY < size < MAX_TEMPLATE_URL_BYTES  # inline, CloudFormation refuses it


def test_one_more_principal_than_a_stack_holds_splits_into_several_stack_sets() -> None:
    principals = [
        f"arn:aws:iam::{IDENTITY}:user/developer-{n:04d}" for n in range(ROLES_PER_STACK + 1)
    ]
    stacks = stacks_for({"principals": principals, "deployment": {"stackSet": STACK_SET}})
    rolled_out = stack_set_templates(stacks["DeveloperRolesStackSets"])
    counts = [
        sum(r["Type"] == "AWS::IAM::Role" for r in t["Resources"].values()) for t in rolled_out
    ]
    assert len(counts) > 1
    assert sum(counts) == ROLES_PER_STACK + 1


@pytest.mark.parametrize(
    ("size", "refused"),
    [(MAX_TEMPLATE_URL_BYTES, False), (MAX_TEMPLATE_URL_BYTES + 1, True)],
    ids=["1 MB exactly", "one byte over 1 MB"],
)
def test_a_stack_set_template_over_1_mb_is_refused_before_synthesis(
    size: int, refused: bool
) -> None:
    if refused:
        with pytest.raises(ConfigError, match="over CloudFormation's 1000000 for a template in S3"):
            check_template_size("DeveloperRoles", size)
    else:
        check_template_size("DeveloperRoles", size)


def test_stack_set_refuses_several_regions_because_iam_is_global() -> None:
    with pytest.raises(Exception, match="must name exactly one region; IAM roles are global"):
        validate(
            {
                "principals": [ALICE],
                "deployment": {
                    "stackSet": {
                        "organizationalUnitIds": ["ou-ab12-cdef3456"],
                        "regions": ["us-east-1", "eu-west-1"],
                    }
                },
            }
        )


def test_identity_side_lets_users_with_a_path_list_only_their_own_mfa_devices() -> None:
    carol = f"arn:aws:iam::{IDENTITY}:user/staff/eu/carol"
    stacks = stacks_for({"targets": TARGETS, "identityAccount": IDENTITY, "principals": [carol]})
    statements = Capture()
    Template.from_stack(stacks["DeveloperRoleAccess"]).has_resource_properties(
        "AWS::IAM::ManagedPolicy", {"PolicyDocument": {"Statement": statements}}
    )
    (listing,) = [s for s in statements.as_array() if s.get("Sid") == "ListOwnMfaDevices"]
    assert listing["Resource"] == [
        f"arn:aws:iam::{IDENTITY}:user/${{aws:username}}",
        f"arn:aws:iam::{IDENTITY}:user/staff/eu/${{aws:username}}",
    ]
