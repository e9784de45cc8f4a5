"""The DeveloperRole construct: trust policy, permissions and prop validation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from aws_cdk import App, CfnOutput, Duration, Stack, Tags
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Capture, Match, Template
from constructs import Construct

from developer_role import DeveloperRole, DeveloperRoleError

ALICE = "arn:aws:iam::123456789012:user/alice"
POWER_USER_ARN = {
    "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::aws:policy/PowerUserAccess"]]
}

MakeRole = Callable[..., Template]


@pytest.fixture
def make_role() -> MakeRole:
    def make(**props: Any) -> Template:
        stack = Stack(App(), "Test")
        props.setdefault("principals", [ALICE])
        DeveloperRole(stack, "Dev", **props)
        return Template.from_stack(stack)

    return make


def test_trust_policy_requires_mfa_for_the_named_principal(make_role: MakeRole) -> None:
    template = make_role()
    template.has_resource_properties(
        "AWS::IAM::Role",
        {
            "AssumeRolePolicyDocument": Match.object_equals(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "AssumeWithMfa",
                            "Effect": "Allow",
                            "Principal": {"AWS": ALICE},
                            "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"],
                            "Condition": {
                                "Bool": {"aws:MultiFactorAuthPresent": "true"},
                                "NumericLessThan": {"aws:MultiFactorAuthAge": "3600"},
                            },
                        }
                    ],
                }
            )
        },
    )


def test_trust_policy_never_uses_bool_if_exists(make_role: MakeRole) -> None:
    conditions = Capture()
    make_role().has_resource_properties(
        "AWS::IAM::Role",
        {"AssumeRolePolicyDocument": {"Statement": [{"Condition": conditions}]}},
    )
    assert "BoolIfExists" not in conditions.as_object()
    assert conditions.as_object()["Bool"] == {"aws:MultiFactorAuthPresent": "true"}


def test_several_principals_share_one_statement(make_role: MakeRole) -> None:
    bob = "arn:aws:iam::210987654321:role/bob"
    principal = Capture()
    make_role(principals=[ALICE, bob]).has_resource_properties(
        "AWS::IAM::Role",
        {"AssumeRolePolicyDocument": {"Statement": [{"Principal": {"AWS": principal}}]}},
    )
    assert sorted(principal.as_array()) == sorted([ALICE, bob])


def test_power_user_access_is_attached_by_default(make_role: MakeRole) -> None:
    make_role().has_resource_properties(
        "AWS::IAM::Role", {"ManagedPolicyArns": Match.exact([POWER_USER_ARN])}
    )


def test_managed_policies_prop_replaces_the_default(make_role: MakeRole) -> None:
    read_only = iam.ManagedPolicy.from_aws_managed_policy_name("ReadOnlyAccess")
    policies = Capture()
    make_role(managed_policies=[read_only]).has_resource_properties(
        "AWS::IAM::Role", {"ManagedPolicyArns": policies}
    )
    assert "ReadOnlyAccess" in str(policies.as_array())
    assert "PowerUserAccess" not in str(policies.as_array())


def test_permissions_boundary_is_set_when_given() -> None:
    stack = Stack(App(), "Test")
    boundary = iam.ManagedPolicy.from_managed_policy_arn(
        stack, "Boundary", "arn:aws:iam::123456789012:policy/DeveloperBoundary"
    )
    DeveloperRole(stack, "Dev", principals=[ALICE], permissions_boundary=boundary)
    Template.from_stack(stack).has_resource_properties(
        "AWS::IAM::Role",
        {"PermissionsBoundary": "arn:aws:iam::123456789012:policy/DeveloperBoundary"},
    )


def test_required_source_identity_adds_a_null_condition(make_role: MakeRole) -> None:
    make_role(require_source_identity=True).has_resource_properties(
        "AWS::IAM::Role",
        {
            "AssumeRolePolicyDocument": {
                "Statement": [{"Condition": {"Null": {"sts:SourceIdentity": "false"}}}]
            }
        },
    )


def test_source_identity_is_optional_by_default(make_role: MakeRole) -> None:
    conditions = Capture()
    make_role().has_resource_properties(
        "AWS::IAM::Role",
        {"AssumeRolePolicyDocument": {"Statement": [{"Condition": conditions}]}},
    )
    assert "Null" not in conditions.as_object()


def test_props_reach_the_role(make_role: MakeRole) -> None:
    template = make_role(
        role_name="PowerUser-alice",
        path="/developers/",
        description="Alice's developer role",
        max_session_duration=Duration.hours(4),
        max_mfa_age=Duration.minutes(30),
        tags={"team": "payments"},
    )
    template.has_resource_properties(
        "AWS::IAM::Role",
        {
            "RoleName": "PowerUser-alice",
            "Path": "/developers/",
            "Description": "Alice's developer role",
            "MaxSessionDuration": 14400,
            "Tags": [{"Key": "team", "Value": "payments"}],
            "AssumeRolePolicyDocument": {
                "Statement": [
                    {"Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": "1800"}}}
                ]
            },
        },
    )


def test_principals_matched_by_pattern_and_organisation(make_role: MakeRole) -> None:
    statements = Capture()
    make_role(
        principals=[],
        principal_arn_patterns=["arn:aws:iam::123456789012:user/payments-*"],
        principal_org_id="o-a1b2c3d4e5",
    ).has_resource_properties(
        "AWS::IAM::Role", {"AssumeRolePolicyDocument": {"Statement": statements}}
    )
    (statement,) = statements.as_array()
    assert statement["Principal"] == {"AWS": "*"}
    assert statement["Condition"] == {
        "Bool": {"aws:MultiFactorAuthPresent": "true"},
        "NumericLessThan": {"aws:MultiFactorAuthAge": "3600"},
        "ArnLike": {"aws:PrincipalArn": "arn:aws:iam::123456789012:user/payments-*"},
        "StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"},
    }


def test_role_resource_and_arn_are_public_attributes() -> None:
    stack = Stack(App(), "Test")
    developer = DeveloperRole(stack, "Dev", principals=[ALICE])
    CfnOutput(stack, "Arn", value=developer.role_arn)
    outputs = Template.from_stack(stack).to_json()["Outputs"]
    assert isinstance(developer.cfn_role, iam.CfnRole)
    assert outputs["Arn"]["Value"] == {
        "Fn::GetAtt": [stack.resolve(developer.cfn_role.logical_id), "Arn"]
    }


def test_role_keeps_the_logical_id_an_l2_role_at_its_path_has() -> None:
    """Roles deployed before the construct moved to CfnRole are updated, not replaced."""
    app = App()
    current = Stack(app, "Current")
    DeveloperRole(current, "Dev", principals=[ALICE])
    earlier = Stack(app, "Earlier")
    iam.Role(Construct(earlier, "Dev"), "Role", assumed_by=iam.AccountRootPrincipal())
    assert list(Template.from_stack(current).find_resources("AWS::IAM::Role")) == list(
        Template.from_stack(earlier).find_resources("AWS::IAM::Role")
    )


@pytest.mark.parametrize(
    ("props", "message"),
    [
        pytest.param(
            {"max_session_duration": Duration.minutes(30)},
            "max_session_duration: 1800 seconds is out of range; IAM allows a maximum session "
            "duration from 3600 (1 hour) to 43200 (12 hours) seconds",
            id="session-too-short",
        ),
        pytest.param(
            {"max_session_duration": Duration.hours(13)},
            "max_session_duration: 46800 seconds is out of range",
            id="session-too-long",
        ),
        pytest.param(
            {"max_mfa_age": Duration.hours(24)},
            "max_mfa_age: 86400 seconds is out of range; the maximum MFA age must be from 1 "
            "second to 43200 seconds (12 hours)",
            id="mfa-age-too-long",
        ),
        pytest.param(
            {"role_name": "r" * 65},
            f"role_name: {'r' * 65!r} is 65 characters long; IAM allows at most 64",
            id="name-too-long",
        ),
        pytest.param(
            {"role_name": "power user"},
            "role_name: 'power user' has characters IAM refuses; a role name may contain only "
            "letters, digits and + = , . @ _ -",
            id="name-with-space",
        ),
        pytest.param(
            {"path": "developers/"},
            "path: 'developers/' is not an IAM path; it must start and end with '/'",
            id="path-without-leading-slash",
        ),
        pytest.param(
            {"path": "/developers"},
            "path: '/developers' is not an IAM path",
            id="path-without-trailing-slash",
        ),
        pytest.param(
            {"principals": []},
            "principals: at least one principal ARN (or an ARN pattern or organisation) must be "
            "trusted",
            id="no-principals",
        ),
        pytest.param(
            {"principals": [], "principal_arn_patterns": ["arn:aws:iam::*:user/x-*"]},
            "principal_arn_patterns: principal ARN pattern 'arn:aws:iam::*:user/x-*' must name "
            "its partition and account literally",
            id="pattern-without-account",
        ),
        pytest.param(
            {"principal_org_id": "my-org"},
            "principal_org_id: 'my-org' is not an organisation ID (o-...)",
            id="org-id",
        ),
        pytest.param(
            {"principals": ["*"]},
            "principals: '*' is not a principal ARN",
            id="wildcard-principal",
        ),
    ],
)
def test_out_of_range_prop_is_refused_with_its_name_value_and_range(
    make_role: MakeRole, props: dict[str, Any], message: str
) -> None:
    with pytest.raises(DeveloperRoleError) as raised:
        make_role(**props)
    assert message in str(raised.value)


def test_every_bad_prop_is_reported_together(make_role: MakeRole) -> None:
    with pytest.raises(DeveloperRoleError) as raised:
        make_role(max_session_duration=Duration.hours(20), role_name="a b", path="x")
    text = str(raised.value)
    assert "max_session_duration" in text
    assert "role_name" in text
    assert "path" in text


def test_tags_of_an_enclosing_scope_reach_the_role_and_win_on_the_same_key() -> None:
    stack = Stack(App(), "Test")
    DeveloperRole(stack, "Dev", principals=[ALICE], tags={"team": "payments", "owner": "alice"})
    Tags.of(stack).add("team", "platform")
    Tags.of(stack).add("cost-centre", "42")
    (role,) = Template.from_stack(stack).find_resources("AWS::IAM::Role").values()
    assert role["Properties"]["Tags"] == [
        {"Key": "cost-centre", "Value": "42"},
        {"Key": "owner", "Value": "alice"},
        {"Key": "team", "Value": "platform"},
    ]
