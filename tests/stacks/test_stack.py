"""The developer-roles stack: one role per principal, stable IDs, outputs and cdk-nag."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Stack, Validations
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Match, Template
from cdk_nag import AwsSolutionsChecks

from developer_role import DeveloperRole
from developer_roles.config import validate
from stacks.app_builder import build_app

ALICE = "arn:aws:iam::123456789012:user/alice"
BOB = "arn:aws:iam::123456789012:user/bob"
CAROL = "arn:aws:iam::210987654321:role/platform/carol"

Synth = Callable[..., Template]


@pytest.fixture
def synth() -> Synth:
    def make(principals: list[Any], **settings: Any) -> Template:
        app = App()
        (stack,) = build_app(app, validate({"principals": principals, **settings}))
        return Template.from_stack(stack)

    return make


def role_named(template: Template, name: str) -> tuple[str, Any]:
    found = template.find_resources("AWS::IAM::Role", {"Properties": {"RoleName": name}})
    assert len(found) == 1, f"expected one role named {name}, found {list(found)}"
    return next(iter(found.items()))


def test_one_role_per_principal_each_requiring_mfa(synth: Synth) -> None:
    template = synth([ALICE, BOB, CAROL])
    template.resource_count_is("AWS::IAM::Role", 3)
    for arn in (ALICE, BOB, CAROL):
        template.has_resource_properties(
            "AWS::IAM::Role",
            {
                "AssumeRolePolicyDocument": {
                    "Statement": [
                        {
                            "Principal": {"AWS": arn},
                            "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
                        }
                    ]
                },
                "ManagedPolicyArns": [Match.object_like({"Fn::Join": Match.any_value()})],
                "Path": "/developers/",
            },
        )


def test_cross_account_principal_is_trusted_like_a_local_one(synth: Synth) -> None:
    _, carol = role_named(synth([CAROL]), "PowerUser-carol")
    statement = carol["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]
    assert statement["Principal"] == {"AWS": CAROL}


def test_each_role_has_an_output_with_its_arn(synth: Synth) -> None:
    template = synth([ALICE, BOB])
    for name, arn in (("PowerUser-alice", ALICE), ("PowerUser-bob", BOB)):
        _, role = role_named(template, name)
        path = role["Properties"]["Path"]
        arn_parts = ["arn:", {"Ref": "AWS::Partition"}, ":iam::", {"Ref": "AWS::AccountId"}]
        template.has_output(
            "*",
            {
                "Value": {"Fn::Join": ["", [*arn_parts, f":role{path}{name}"]]},
                "Description": f"Role for {arn}",
            },
        )


def test_logical_ids_do_not_depend_on_list_position(synth: Synth) -> None:
    before = synth([ALICE, BOB, CAROL])
    after = synth([CAROL, ALICE])  # reordered, and bob removed
    for name in ("PowerUser-alice", "PowerUser-carol"):
        assert role_named(before, name) == role_named(after, name)
    outputs_before = before.to_json()["Outputs"]
    outputs_after = after.to_json()["Outputs"]
    assert set(outputs_after) < set(outputs_before)


def test_per_principal_overrides_reach_only_that_role(synth: Synth) -> None:
    template = synth(
        [ALICE, {"arn": BOB, "maxSessionDuration": "4h", "maxMfaAge": "15m"}],
        defaults={"maxSessionDuration": "2h"},
    )
    _, alice = role_named(template, "PowerUser-alice")
    _, bob = role_named(template, "PowerUser-bob")
    assert alice["Properties"]["MaxSessionDuration"] == 7200
    assert bob["Properties"]["MaxSessionDuration"] == 14400
    condition = bob["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Condition"]
    assert condition["NumericLessThan"] == {"aws:MultiFactorAuthAge": "900"}


def test_roles_are_tagged_with_their_principal(synth: Synth) -> None:
    _, alice = role_named(synth([ALICE]), "PowerUser-alice")
    assert {"Key": "developer-role:principal", "Value": ALICE} in alice["Properties"]["Tags"]


def acknowledgments(outdir: Path, stack: str = "DeveloperRoles") -> dict[str, dict[str, str]]:
    metadata = json.loads((outdir / f"{stack}.metadata.json").read_text())
    return {
        path: entry["data"]
        for path, entries in metadata.items()
        for entry in entries
        if entry["type"] == "aws:cdk:acknowledged-rules"
    }


def test_power_user_access_is_acknowledged_once_for_the_stack_with_a_reason(
    tmp_path: Path,
) -> None:
    app = App(outdir=str(tmp_path))
    build_app(app, validate({"principals": [ALICE, BOB]}))
    app.synth()
    ((path, rules),) = acknowledgments(tmp_path).items()
    assert path == "/DeveloperRoles"
    ((finding, reason),) = rules.items()
    assert finding.endswith(
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/PowerUserAccess]"
    )
    assert "MFA" in reason


def test_extra_aws_managed_policy_is_acknowledged_on_its_role_with_the_configured_reason(
    tmp_path: Path,
) -> None:
    app = App(outdir=str(tmp_path))
    extra = {"policy": "ReadOnlyAccess", "reason": "needs to read billing reports"}
    build_app(app, validate({"principals": [{"arn": ALICE, "extraManagedPolicies": [extra]}, BOB]}))
    app.synth()
    on_roles = {
        path: rules
        for path, rules in acknowledgments(tmp_path).items()
        if path != "/DeveloperRoles"
    }
    ((path, rules),) = on_roles.items()
    assert "alice" in path
    finding = "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/ReadOnlyAccess]"
    assert rules == {f"Annotation::{finding}": "needs to read billing reports"}


def test_unacknowledged_finding_fails_synthesis() -> None:
    app = App()
    (stack,) = build_app(app, validate({"principals": [ALICE]}))
    # A deliberately non-compliant resource: an inline policy with wildcard actions.
    user = iam.User(stack, "Careless")
    user.add_to_policy(iam.PolicyStatement(actions=["s3:*"], resources=["*"]))
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()


def test_the_construct_alone_is_flagged_without_the_stack_acknowledgment() -> None:
    app = App()
    DeveloperRole(Stack(app, "Bare"), "Dev", principals=[ALICE])
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()


def test_allow_session_tags_lets_callers_tag_the_session_under_the_mfa_conditions(
    synth: Synth,
) -> None:
    template = synth([ALICE, {"arn": BOB, "allowSessionTags": True}])
    _, alice = role_named(template, "PowerUser-alice")
    _, bob = role_named(template, "PowerUser-bob")
    (alice_statement,) = alice["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    (bob_statement,) = bob["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert "sts:TagSession" not in alice_statement["Action"]
    assert "sts:TagSession" in bob_statement["Action"]
    assert bob_statement["Condition"]["Bool"] == {"aws:MultiFactorAuthPresent": "true"}
