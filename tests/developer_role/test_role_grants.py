"""`DeveloperRole.role` is an `iam.IRole`: grants and policies from other constructs land on it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Match, Template

from developer_role import DeveloperRole

ALICE = "arn:aws:iam::123456789012:user/alice"
ENV = Environment(account="123456789012", region="eu-west-1")


@pytest.fixture
def stack() -> Stack:
    return Stack(App(), "Test", env=ENV)


@pytest.fixture
def developer(stack: Stack) -> DeveloperRole:
    return DeveloperRole(
        stack, "Dev", principals=[ALICE], role_name="PowerUser-alice", path="/developers/"
    )


def role_ref(developer: DeveloperRole) -> dict[str, str]:
    return {"Ref": Stack.of(developer).resolve(developer.cfn_role.logical_id)}


def policy_on_the_role(stack: Stack, developer: DeveloperRole) -> list[Any]:
    """The statements of every AWS::IAM::Policy attached to the developer role."""
    statements: list[Any] = []
    template = Template.from_stack(stack)
    for policy in template.find_resources("AWS::IAM::Policy").values():
        if policy["Properties"].get("Roles") == [role_ref(developer)]:
            statements.extend(policy["Properties"]["PolicyDocument"]["Statement"])
    return statements


def test_role_is_an_irole_named_by_the_roles_ref(developer: DeveloperRole) -> None:
    stack = Stack.of(developer)
    assert stack.resolve(developer.role.role_name) == role_ref(developer)
    assert stack.resolve(developer.role.role_arn) == {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":iam::123456789012:role/developers/",
                role_ref(developer),
            ],
        ]
    }


def test_bucket_grant_read_lands_on_the_role(stack: Stack, developer: DeveloperRole) -> None:
    bucket = s3.Bucket(stack, "Reports")
    bucket.grant_read(developer.role)
    (statement,) = policy_on_the_role(stack, developer)
    assert statement["Effect"] == "Allow"
    assert "s3:GetObject*" in statement["Action"]
    assert {"Fn::GetAtt": [stack.resolve(bucket.node.default_child.logical_id), "Arn"]} in (  # type: ignore[union-attr]
        statement["Resource"]
    )


def test_key_grant_decrypt_lands_on_the_role(stack: Stack, developer: DeveloperRole) -> None:
    key = kms.Key(stack, "Key")
    key.grant_decrypt(developer.role)
    (statement,) = policy_on_the_role(stack, developer)
    assert statement["Action"] == "kms:Decrypt"
    assert statement["Resource"] == {
        "Fn::GetAtt": [stack.resolve(key.node.default_child.logical_id), "Arn"]  # type: ignore[union-attr]
    }


def test_add_to_principal_policy_lands_on_the_role(stack: Stack, developer: DeveloperRole) -> None:
    result = developer.role.add_to_principal_policy(
        iam.PolicyStatement(actions=["sqs:SendMessage"], resources=["*"])
    )
    assert result.statement_added
    assert policy_on_the_role(stack, developer) == [
        {"Action": "sqs:SendMessage", "Effect": "Allow", "Resource": "*"}
    ]


def test_grants_share_one_policy_and_depend_on_the_role(
    stack: Stack, developer: DeveloperRole
) -> None:
    s3.Bucket(stack, "A").grant_read(developer.role)
    s3.Bucket(stack, "B").grant_write(developer.role)
    policies = Template.from_stack(stack).find_resources("AWS::IAM::Policy")
    assert [p["Properties"]["Roles"] for p in policies.values()] == [[role_ref(developer)]]


def test_grant_assume_role_gives_the_identity_side_the_roles_arn() -> None:
    app = App()
    roles = Stack(app, "Roles", env=ENV)
    identity = Stack(app, "Identity", env=ENV)
    developer = DeveloperRole(roles, "Dev", principals=[ALICE], path="/developers/")
    user = iam.User(identity, "Alice")
    developer.role.grant_assume_role(user)
    Template.from_stack(identity).has_resource_properties(
        "AWS::IAM::Policy",
        {
            "Users": [{"Ref": Match.any_value()}],
            "PolicyDocument": {
                "Statement": [
                    {
                        "Action": "sts:AssumeRole",
                        "Effect": "Allow",
                        "Resource": {
                            "Fn::Join": [
                                "",
                                [
                                    "arn:",
                                    {"Ref": "AWS::Partition"},
                                    ":iam::123456789012:role/developers/",
                                    {"Fn::ImportValue": Match.string_like_regexp("^Roles:")},
                                ],
                            ]
                        },
                    }
                ]
            },
        },
    )


def test_the_role_goes_wherever_the_cdk_takes_an_irole(
    stack: Stack, developer: DeveloperRole
) -> None:
    iam.ManagedPolicy(
        stack,
        "Extra",
        roles=[developer.role],
        statements=[iam.PolicyStatement(actions=["logs:GetLogEvents"], resources=["*"])],
    )
    Template.from_stack(stack).has_resource_properties(
        "AWS::IAM::ManagedPolicy", {"Roles": [role_ref(developer)]}
    )


def test_granting_keeps_the_roles_logical_id(stack: Stack, developer: DeveloperRole) -> None:
    before = Stack(App(), "Test", env=ENV)
    DeveloperRole(
        before, "Dev", principals=[ALICE], role_name="PowerUser-alice", path="/developers/"
    )
    s3.Bucket(stack, "Reports").grant_read(developer.role)
    roles = Template.from_stack(stack).find_resources("AWS::IAM::Role")
    assert list(roles) == list(Template.from_stack(before).find_resources("AWS::IAM::Role"))


def test_an_unused_role_adds_no_construct(developer: DeveloperRole) -> None:
    assert [c.node.path for c in developer.node.find_all()] == [
        "Test/Dev",
        "Test/Dev/Role",
        "Test/Dev/Role/Resource",
    ]


@pytest.fixture
def jsii_requests() -> Iterator[list[str]]:
    """The requests sent to the jsii kernel while the test runs, by kind."""
    from jsii._kernel.providers import process as jsii_process

    sent: list[str] = []
    send = jsii_process._NodeProcess.send

    def counted(self: Any, request: Any, response_type: Any) -> Any:
        sent.append(type(request).__name__)
        return send(self, request, response_type)

    jsii_process._NodeProcess.send = counted  # type: ignore[method-assign]
    try:
        yield sent
    finally:
        jsii_process._NodeProcess.send = send  # type: ignore[method-assign]


def test_building_a_role_costs_three_calls_into_the_cdk(
    stack: Stack, developer: DeveloperRole, jsii_requests: list[str]
) -> None:
    """A construct and its holder, and the CfnRole: what it cost before `role` became an IRole."""
    jsii_requests.clear()
    DeveloperRole(stack, "Bob", principals=["arn:aws:iam::123456789012:user/bob"])
    assert jsii_requests == ["CreateRequest"] * 3


def test_the_construct_itself_is_grantable(stack: Stack, developer: DeveloperRole) -> None:
    s3.Bucket(stack, "Reports").grant_read(developer)
    (statement,) = policy_on_the_role(stack, developer)
    assert "s3:GetObject*" in statement["Action"]


def test_a_role_with_a_path_is_imported_by_name_in_another_stack(
    developer: DeveloperRole,
) -> None:
    app = Stack.of(developer).node.root
    assert isinstance(app, App)
    other = Stack(app, "Other", env=ENV)
    imported = DeveloperRole.from_role_name(
        other, "Dev", developer.role_name, path=developer.role_path
    )
    s3.Bucket(other, "Logs").grant_read(imported)
    (policy,) = Template.from_stack(other).find_resources("AWS::IAM::Policy").values()
    # The role's own name (exported by its stack), not the path's first part ("developers").
    (role,) = policy["Properties"]["Roles"]
    assert list(role) == ["Fn::ImportValue"]
    assert Stack.of(developer).resolve(developer.role_name) == role_ref(developer)
    assert other.resolve(imported.role_arn)["Fn::Join"][1][2] == (
        ":iam::123456789012:role/developers/"
    )


def test_importing_by_name_refuses_a_path_iam_refuses(stack: Stack) -> None:
    with pytest.raises(ValueError, match="path: 'developers' is not an IAM path"):
        DeveloperRole.from_role_name(stack, "Dev", "PowerUser-alice", path="developers")


def test_session_tags_cost_no_call_into_the_cdk(
    stack: Stack, developer: DeveloperRole, jsii_requests: list[str]
) -> None:
    jsii_requests.clear()
    DeveloperRole(
        stack,
        "Bob",
        principals=["arn:aws:iam::123456789012:user/bob"],
        allow_session_tags=True,
        session_tag_keys=["team"],
        description="Bob's role",
        tags={"team": "payments"},
    )
    assert jsii_requests == ["CreateRequest"] * 3
