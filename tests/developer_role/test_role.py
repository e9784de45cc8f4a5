"""The DeveloperRole construct: trust policy, permissions and prop validation."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from aws_cdk import App, CfnOutput, CfnParameter, Duration, Fn, Stack, Tags
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
            "principal_arn_patterns: 'arn:aws:iam::*:user/x-*' is not a principal ARN pattern; "
            "expected arn:PARTITION:iam::ACCOUNT:user/PATTERN",
            id="pattern-without-account",
        ),
        pytest.param(
            {"principal_org_id": "my-org"},
            "principal_org_id: 'my-org' is not an organisation ID (o-... with 10 to 32 "
            "lowercase letters or digits)",
            id="org-id",
        ),
        pytest.param(
            {"principals": ["*"]},
            "principals: '*' has a wildcard, which IAM refuses in a trust policy's Principal",
            id="wildcard-principal",
        ),
        pytest.param(
            {"principals": ["arn:aws:iam::111111111111:user/*"]},
            "principals: 'arn:aws:iam::111111111111:user/*' has a wildcard",
            id="partial-wildcard-user",
        ),
        pytest.param(
            {"principals": ["arn:aws:iam::*:root"]},
            "principals: 'arn:aws:iam::*:root' has a wildcard",
            id="partial-wildcard-account",
        ),
        pytest.param(
            {"principals": ["arn:aws:iam::111111111111:role/dev-?"]},
            "principals: 'arn:aws:iam::111111111111:role/dev-?' has a wildcard",
            id="question-mark-wildcard",
        ),
        pytest.param(
            {"principals": ["arn:aws:iam::111111111111:group/devs"]},
            "principals: 'arn:aws:iam::111111111111:group/devs' is not an IAM user or role ARN",
            id="group",
        ),
        pytest.param(
            {"principals": [], "principal_arn_patterns": ["arn:aws:iam::111111111111:user/*"]},
            "principal_arn_patterns: 'arn:aws:iam::111111111111:user/*' starts the user's path "
            "and name with a wildcard, so it can match every user of the account",
            id="pattern-matching-everyone",
        ),
        pytest.param(
            {"max_session_duration": Duration.millis(3_600_500)},
            "max_session_duration: 1 hour 500 millis is not a whole number of seconds",
            id="session-with-millis",
        ),
        pytest.param(
            {"max_mfa_age": Duration.millis(500)},
            "max_mfa_age: 500 millis is not a whole number of seconds",
            id="mfa-age-half-second",
        ),
        pytest.param(
            {"description": "d" * 1001},
            "description: is 1001 characters long; IAM allows at most 1000",
            id="description-too-long",
        ),
        pytest.param(
            {"tags": {"team": "v" * 257}},
            "tags: the value of 'team' ('vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv...') is 257 "
            "characters long; IAM allows at most 256 in a tag value",
            id="tag-value-too-long",
        ),
        pytest.param(
            {"tags": {"k" * 129: "v"}},
            "is 129 characters long; IAM allows at most 128 in a tag key",
            id="tag-key-too-long",
        ),
        pytest.param(
            {"tags": {"aws:team": "v"}},
            "tags: key 'aws:team' starts with 'aws:'",
            id="tag-key-reserved",
        ),
        pytest.param(
            {"tags": {f"k{n}": "v" for n in range(51)}},
            "tags: 51 tags; IAM allows at most 50 on a role",
            id="too-many-tags",
        ),
        pytest.param(
            {"session_tag_keys": ["team"]},
            "session_tag_keys: needs allow_session_tags=True",
            id="tag-keys-without-session-tags",
        ),
        pytest.param(
            {"allow_session_tags": True, "session_tag_keys": ["aws:x"]},
            "session_tag_keys: 'aws:x' starts with 'aws:'",
            id="reserved-session-tag-key",
        ),
    ],
)
def test_out_of_range_prop_is_refused_with_its_name_value_and_range(
    make_role: MakeRole, props: dict[str, Any], message: str
) -> None:
    with pytest.raises(DeveloperRoleError) as raised:
        make_role(**props)
    assert message in str(raised.value)


def test_a_string_for_principals_is_one_error(make_role: MakeRole) -> None:
    with pytest.raises(DeveloperRoleError) as raised:
        make_role(principals=ALICE)
    assert str(raised.value) == (
        f"principals: give a list of ARNs, not one string ({ALICE!r}); "
        f"for example principals=[{ALICE!r}]"
    )


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


def role_properties(stack: Stack) -> dict[str, Any]:
    (role,) = Template.from_stack(stack).find_resources("AWS::IAM::Role").values()
    return dict(role["Properties"])


def test_list_tokens_and_an_organisation_token_are_passed_through() -> None:
    stack = Stack(App(), "Test")
    users = CfnParameter(stack, "Users", type="CommaDelimitedList")
    org = CfnParameter(stack, "Org")
    DeveloperRole(
        stack, "Dev", principals=users.value_as_list, principal_org_id=org.value_as_string
    )
    split = CfnParameter(stack, "Joined")
    DeveloperRole(stack, "Split", principals=Fn.split(",", split.value_as_string))
    roles = Template.from_stack(stack).find_resources("AWS::IAM::Role")
    statements = {
        key: role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        for key, role in roles.items()
    }
    (dev,) = [s for key, s in statements.items() if key.startswith("Dev")]
    assert dev[0]["Principal"] == {"AWS": {"Ref": "Users"}}
    assert dev[1]["Condition"]["StringEquals"] == {"aws:PrincipalOrgID": {"Ref": "Org"}}
    (by_split,) = [s for key, s in statements.items() if key.startswith("Split")]
    assert by_split[0]["Principal"] == {"AWS": {"Fn::Split": [",", {"Ref": "Joined"}]}}


def test_a_list_token_among_other_principals_is_refused(make_role: MakeRole) -> None:
    stack = Stack(App(), "Test")
    users = CfnParameter(stack, "Users", type="CommaDelimitedList")
    with pytest.raises(DeveloperRoleError, match=r"a list token .* must be the whole list"):
        DeveloperRole(stack, "Dev", principals=[ALICE, *users.value_as_list])


def test_a_string_token_principal_is_passed_through() -> None:
    stack = Stack(App(), "Test")
    user = CfnParameter(stack, "User")
    DeveloperRole(stack, "Dev", principals=[user.value_as_string])
    statement = role_properties(stack)["AssumeRolePolicyDocument"]["Statement"][0]
    assert statement["Principal"] == {"AWS": {"Ref": "User"}}


def test_construct_id_is_the_keyword_id_as_in_every_cdk_construct() -> None:
    stack = Stack(App(), "Test")
    developer = DeveloperRole(stack, id="Dev", principals=[ALICE])
    assert developer.node.id == "Dev"


def test_the_old_id_underscore_keyword_still_works_with_a_deprecation_warning() -> None:
    stack = Stack(App(), "Test")
    with pytest.warns(DeprecationWarning, match=r"id_=\.\.\.\) is deprecated; use"):
        developer = DeveloperRole(stack, id_="Dev", principals=[ALICE])
    assert developer.node.id == "Dev"
    current = Stack(App(), "Test")
    DeveloperRole(current, "Dev", principals=[ALICE])
    assert role_properties(stack) == role_properties(current)


def test_both_ids_are_refused() -> None:
    with pytest.raises(DeveloperRoleError, match="give the construct ID once"):
        DeveloperRole(Stack(App(), "Test"), "Dev", id_="Dev", principals=[ALICE])  # type: ignore[call-overload]


@pytest.mark.parametrize(
    ("props", "actions", "keys"),
    [
        pytest.param({}, ["sts:AssumeRole", "sts:SetSourceIdentity"], None, id="default"),
        pytest.param(
            {"allow_session_tags": True},
            ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"],
            None,
            id="any-key",
        ),
        pytest.param(
            {"allow_session_tags": True, "session_tag_keys": ["team", "cost-centre"]},
            ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"],
            {"aws:TagKeys": ["team", "cost-centre"]},
            id="listed-keys",
        ),
    ],
)
def test_session_tags_are_allowed_under_the_same_mfa_conditions(
    props: dict[str, Any], actions: list[str], keys: dict[str, Any] | None
) -> None:
    stack = Stack(App(), "Test")
    DeveloperRole(
        stack,
        "Dev",
        principals=[ALICE],
        principal_arn_patterns=["arn:aws:iam::123456789012:user/team-*"],
        **props,
    )
    statements = role_properties(stack)["AssumeRolePolicyDocument"]["Statement"]
    assert len(statements) == 2
    for statement in statements:
        assert statement["Action"] == actions
        assert statement["Condition"]["Bool"] == {"aws:MultiFactorAuthPresent": "true"}
        assert "aws:MultiFactorAuthAge" in statement["Condition"]["NumericLessThan"]
        assert statement["Condition"].get("ForAllValues:StringEquals") == keys


@pytest.mark.parametrize(
    "principal",
    ["arn:aws:iam::111111111111:root", "111111111111", "arn:aws-cn:iam::111111111111:root"],
)
def test_a_whole_account_iam_accepts_is_accepted(principal):
    stack = Stack(App(), "S")
    DeveloperRole(stack, "Dev", principals=[principal])
    trust = Template.from_stack(stack).find_resources("AWS::IAM::Role")
    assert principal in json.dumps(trust)


def test_the_deprecated_id_keyword_warns_at_the_callers_line():
    stack = Stack(App(), "S")
    with pytest.warns(DeprecationWarning, match=r"id_=\.\.\.\) is deprecated") as caught:
        DeveloperRole(stack, id_="Old", principals=["arn:aws:iam::111111111111:user/alice"])
    assert caught[0].filename == __file__  # Python shows it by default only when it is here


# Every pattern whose user or role part starts with a wildcard can match the whole account
# (ArnLike: "*" spans "/"); the construct refuses each, and accepts a literal prefix.
EVERYONE = "with a wildcard, so it can match every"


@pytest.mark.parametrize(
    ("pattern", "refusal"),
    [
        ("arn:aws:iam::345678901234:user/*", EVERYONE),
        ("arn:aws:iam::345678901234:user/**", EVERYONE),
        ("arn:aws:iam::345678901234:role/*?", EVERYONE),
        ("arn:aws:iam::345678901234:user/?*", EVERYONE),
        ("arn:aws:iam::345678901234:user/?", EVERYONE),
        ("arn:aws:iam::345678901234:user/*/x", EVERYONE),
        ("arn:aws:iam::345678901234:role/dev-${aws:username}", "policy variable"),
        ("arn:aws:iam::345678901234:user/p*", None),
        ("arn:aws:iam::345678901234:user/teams/payments/*", None),
        ("arn:aws-cn:iam::345678901234:role/payments-?", None),
    ],
)
def test_a_pattern_is_judged_by_what_it_matches(pattern: str, refusal: str | None) -> None:
    from developer_role.iam_rules import principal_pattern_problem

    problem = principal_pattern_problem(pattern)
    if refusal is None:
        assert problem is None
    else:
        assert problem is not None
        assert refusal in problem
