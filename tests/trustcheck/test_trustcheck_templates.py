"""Reading roles from templates: owners, limits, ARNs and the intrinsics CDK emits."""

from __future__ import annotations

import json
from typing import Any

import pytest

from trustcheck.templates import (
    OWNER_TAG,
    Pseudo,
    TemplateError,
    max_mfa_age,
    requires_source_identity,
    resolve,
    role_from_resource,
    roles_in_assembly,
)

ALICE = "arn:aws:iam::123456789012:user/alice"


def policy(condition: dict[str, Any] | None = None, principal: Any = ALICE) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"AWS": principal},
        "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"],
    }
    if condition is not None:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


def test_join_with_partition_resolves():
    value = {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::123456789012:root"]]}
    assert resolve(value, Pseudo("123456789012"), "here") == "arn:aws:iam::123456789012:root"


def test_sub_with_account_resolves():
    value = {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:user/alice"}
    assert resolve(value, Pseudo("123456789012"), "here") == ALICE


def test_a_reference_to_a_resource_is_refused_not_guessed():
    with pytest.raises(TemplateError, match=r"T\.json: R: cannot resolve \{'Ref': 'SomeUser'\}"):
        resolve({"Ref": "SomeUser"}, Pseudo("123456789012"), "T.json: R")


@pytest.mark.parametrize(
    ("condition", "age"),
    [
        ({"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}, 3600),
        ({"NumericLessThanEquals": {"aws:MultiFactorAuthAge": "900"}}, 901),
        ({"NumericLessThanIfExists": {"aws:MultiFactorAuthAge": "7200"}}, 7200),
        ({"Bool": {"aws:MultiFactorAuthPresent": "true"}}, 3600),
    ],
    ids=["less-than", "less-than-equals", "if-exists", "none-means-default"],
)
def test_max_mfa_age(condition, age):
    assert max_mfa_age(policy(condition)) == age


def test_source_identity_is_required_by_a_null_false_condition():
    assert requires_source_identity(policy({"Null": {"sts:SourceIdentity": "false"}}))
    assert not requires_source_identity(policy({"Null": {"sts:SourceIdentity": "true"}}))
    assert not requires_source_identity(policy())


def test_owner_comes_from_the_tag_and_role_arn_from_name_and_path():
    role = role_from_resource(
        "Stack/Role",
        {
            "AssumeRolePolicyDocument": policy(),
            "RoleName": "PowerUser-alice",
            "Path": "/developers/",
            "Tags": [{"Key": OWNER_TAG, "Value": ALICE}],
        },
        None,
        "T.json: Role",
    )
    assert role.owners == (ALICE,)
    assert role.account == "123456789012"
    assert role.role_arn == "arn:aws:iam::123456789012:role/developers/PowerUser-alice"


def test_without_a_tag_every_named_user_or_role_is_an_owner():
    bob = "arn:aws:iam::123456789012:user/bob"
    role = role_from_resource(
        "Stack/Role", {"AssumeRolePolicyDocument": policy(principal=[ALICE, bob])}, None, "x"
    )
    assert role.owners == (ALICE, bob)
    assert role.role_arn == "arn:aws:iam::123456789012:role/Role"


def test_a_role_that_says_nobody_it_is_for_is_an_error():
    account_root = "arn:aws:iam::123456789012:root"
    with pytest.raises(TemplateError, match="no owner"):
        role_from_resource(
            "S/R", {"AssumeRolePolicyDocument": policy(principal=account_root)}, None, "x"
        )


def test_an_empty_assembly_is_an_error(tmp_path):
    with pytest.raises(TemplateError, match=r"no \*\.template\.json; synthesize first"):
        roles_in_assembly(tmp_path)


def test_the_stack_environment_account_is_the_role_account(tmp_path):
    carol = "arn:aws:iam::444455556666:user/carol"
    template = {
        "Resources": {
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {"AssumeRolePolicyDocument": policy(principal=carol)},
            },
            "Other": {"Type": "AWS::S3::Bucket"},
        }
    }
    (tmp_path / "S.template.json").write_text(json.dumps(template), encoding="utf-8")
    manifest = {
        "artifacts": {
            "S": {
                "type": "aws:cloudformation:stack",
                "environment": "aws://123456789012/eu-west-1",
                "properties": {"templateFile": "S.template.json"},
            }
        }
    }
    (tmp_path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (role,) = roles_in_assembly(tmp_path)
    assert role.name == "S/Role"
    assert role.account == "123456789012"
    assert role.owners == (carol,)


def test_a_team_role_is_for_a_member_of_its_arn_pattern():
    team = policy(
        {
            "Bool": {"aws:MultiFactorAuthPresent": "true"},
            "ArnLike": {"aws:PrincipalArn": "arn:aws:iam::123456789012:user/team-a/*"},
        },
        principal="arn:aws:iam::123456789012:root",
    )
    role = role_from_resource(
        "S/Team",
        {"AssumeRolePolicyDocument": team, "Tags": [{"Key": OWNER_TAG, "Value": "group/team-a"}]},
        None,
        "x",
    )
    assert role.owners == ("arn:aws:iam::123456789012:user/team-a/trustcheck-member",)
    assert role.named_principals == ()


def test_organisation_wide_trust_is_refused_not_guessed():
    org = policy({"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}, principal="*")
    with pytest.raises(TemplateError, match="trusts an organisation"):
        role_from_resource("S/Org", {"AssumeRolePolicyDocument": org}, None, "T: Org")
