"""Team roles, the identity-account side, the pipeline and the StackSet, by their templates."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Capture, Match, Template

from developer_roles.config import validate
from developer_roles.config.layout import plan_stacks
from stacks.app_builder import build_app
from stacks.pipeline_stack import DeveloperRolesPipelineStack, DeveloperRolesStage

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


def test_stack_set_rolls_the_roles_out_to_organisational_units() -> None:
    stacks = stacks_for(
        {
            "principals": [ALICE, BOB],
            "deployment": {
                "stackSet": {
                    "organizationalUnitIds": ["ou-ab12-cdef3456"],
                    "regions": ["us-east-1"],
                }
            },
        }
    )
    template = Template.from_stack(stacks["DeveloperRolesStackSets"])
    body = Capture()
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
            "TemplateBody": body,
        },
    )
    rolled_out = json.loads(body.as_string())
    roles = [r for r in rolled_out["Resources"].values() if r["Type"] == "AWS::IAM::Role"]
    assert len(roles) == 2
    assert all(
        r["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Condition"] == MFA
        for r in roles
    )
    assert "Rules" not in rolled_out  # no CDK bootstrap check in accounts that are not bootstrapped


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
