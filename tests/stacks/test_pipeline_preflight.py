"""The pipeline runs ``make preflight`` before its first deploy stage, through the lookup roles."""

from __future__ import annotations

from typing import Any

from aws_cdk import App, Stack
from aws_cdk.assertions import Capture, Match, Template

from developer_roles.config import validate
from stacks.app_builder import build_app

IDENTITY = "999999999999"
TARGETS = [
    {"account": "111111111111", "region": "eu-west-1"},
    {"account": "222222222222", "region": "eu-west-1"},
]
PIPELINE = {
    "connectionArn": f"arn:aws:codeconnections:eu-west-1:{IDENTITY}:connection/abc",
    "repository": "acme/developer-roles",
    "branch": "main",
    "account": IDENTITY,
    "region": "eu-west-1",
}


def pipeline_template(**extra: Any) -> Template:
    raw = {
        "targets": TARGETS,
        "principals": [f"arn:aws:iam::{IDENTITY}:user/alice"],
        "deployment": {"pipeline": PIPELINE},
        **extra,
    }
    stacks: dict[str, Stack] = {s.stack_name: s for s in build_app(App(), validate(raw))}
    return Template.from_stack(stacks["DeveloperRolesPipeline"])


def stages_of(template: Template) -> list[tuple[str, list[str]]]:
    """Each pipeline stage's name and action names, in order."""
    stages = Capture()
    template.has_resource_properties("AWS::CodePipeline::Pipeline", {"Stages": stages})
    return [(s["Name"], [a["Name"] for a in s["Actions"]]) for s in stages.as_array()]


def test_preflight_runs_in_the_first_deploy_stage_before_its_deploy():
    stages = stages_of(pipeline_template())
    deploying = [i for i, (_, actions) in enumerate(stages) if any("Deploy" in a for a in actions)]
    with_preflight = [i for i, (_, actions) in enumerate(stages) if "Preflight" in actions]
    assert with_preflight == [deploying[0]]
    assert stages[deploying[0]][0] == "Roles-111111111111-eu-west-1"


def test_with_an_identity_account_the_preflight_gates_the_identity_stage():
    stages = stages_of(pipeline_template(identityAccount=IDENTITY))
    with_preflight = [name for name, actions in stages if "Preflight" in actions]
    assert with_preflight == ["Identity"]


def test_preflight_runs_make_preflight_through_each_accounts_lookup_role():
    template = pipeline_template()
    spec = Capture()
    template.has_resource_properties(
        "AWS::CodeBuild::Project",
        {"Source": {"BuildSpec": spec}, "Description": Match.string_like_regexp("Preflight")},
    )
    assert "arn:aws:iam::{account}:role/" in spec.as_string()
    assert "make preflight" in spec.as_string()
    assert "--assume-role" in spec.as_string()
    assert "cdk-hnb659fds-lookup-role-{account}-{region}" in spec.as_string()
    granted = [
        str(resource)
        for policy in template.find_resources("AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if statement["Action"] == "sts:AssumeRole"
        for resource in (
            statement["Resource"]
            if isinstance(statement["Resource"], list)
            else [statement["Resource"]]
        )
        if "lookup-role" in str(resource)
    ]
    assert sorted(granted) == sorted(
        f"arn:aws:iam::{t['account']}:role/cdk-hnb659fds-lookup-role-{t['account']}-*"
        for t in TARGETS
    )
