"""DeveloperRoles: many roles in one call into the CDK, each seen by cdk-nag, tags and checks
as a DeveloperRole's is; bad props are refused before anything is built."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aws_cdk import Acknowledgment, App, CfnParameter, Duration, Stack, Tags, Validations
from aws_cdk.assertions import Template
from cdk_nag import AwsSolutionsChecks

from developer_role import DeveloperRoleError, DeveloperRoles, RoleProps, aws_managed_policy

DEVS = [f"arn:aws:iam::210987654321:user/dev{i}" for i in range(3)]


def props(index: int, **overrides: object) -> RoleProps:
    settings: dict[str, object] = {
        "id": f"Dev{index}",
        "principals": [DEVS[index]],
        "role_name": f"dev{index}",
        "managed_policies": [aws_managed_policy("ReadOnlyAccess")],
        **overrides,
    }
    return RoleProps(**settings)  # type: ignore[arg-type]


def test_cdk_nag_checks_every_role(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path))
    stack = Stack(app, "Roles", env={"account": "345678901234", "region": "eu-west-2"})
    roles = DeveloperRoles(stack, "Developers", roles=[props(i) for i in range(3)])
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    report = json.loads((tmp_path / "validation-report.json").read_text(encoding="utf-8"))
    flagged = {
        construct["constructPath"]
        for plugin in report["pluginReports"]
        for violation in plugin["violations"]
        if violation["ruleName"].startswith("AwsSolutions-IAM4")
        for construct in violation["violatingConstructs"]
    }
    assert len(flagged) == 3
    assert all(path.startswith("Roles/Developers/") for path in flagged)
    assert {path.rsplit("/", 1)[1] for path in flagged} == set(roles.logical_ids.values())


def test_an_acknowledgment_on_one_role_covers_that_role_only(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path))
    stack = Stack(app, "Roles")
    roles = DeveloperRoles(stack, "Developers", roles=[props(0), props(1)])
    finding = "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/ReadOnlyAccess]"
    Validations.of(roles.cfn_role("Dev0")).acknowledge(Acknowledgment(id=finding, reason="r"))
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    report = json.loads((tmp_path / "validation-report.json").read_text(encoding="utf-8"))
    flagged = {
        construct["constructPath"].rsplit("/", 1)[1]
        for plugin in report["pluginReports"]
        for violation in plugin["violations"]
        for construct in violation["violatingConstructs"]
    }
    assert flagged == {roles.logical_ids["Dev1"]}


def test_tags_of_an_enclosing_scope_reach_every_role() -> None:
    stack = Stack(App(), "Roles")
    DeveloperRoles(stack, "Developers", roles=[props(0, tags={"team": "a"}), props(1)])
    Tags.of(stack).add("cost-centre", "4711")
    template = Template.from_stack(stack)
    roles = template.find_resources("AWS::IAM::Role")
    assert len(roles) == 2
    for role in roles.values():
        assert {"Key": "cost-centre", "Value": "4711"} in role["Properties"]["Tags"]


def test_every_problem_of_every_role_is_refused_at_once_naming_the_role() -> None:
    stack = Stack(App(), "Roles")
    bad = [
        props(0, max_session_duration=Duration.minutes(30)),
        props(1, role_name="x" * 65),
        props(2, id="Dev0"),
    ]
    with pytest.raises(DeveloperRoleError) as raised:
        DeveloperRoles(stack, "Developers", roles=bad)
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith("Dev0: max_session_duration: ")
    assert "Dev1: role_name: " in message
    assert "Dev0: two roles with this ID" in message
    assert stack.node.try_find_child("Developers") is None


def test_a_token_is_refused_with_the_way_out() -> None:
    stack = Stack(App(), "Roles")
    name = CfnParameter(stack, "Name").value_as_string
    with pytest.raises(DeveloperRoleError, match=r"^Dev0: role_name: a token needs DeveloperRole"):
        DeveloperRoles(stack, "Developers", roles=[props(0, role_name=name)])
