"""A stack update changes an AWS::IAM::Role as AWS does: each property, read back with IAM.

Each case deploys a one-role stack through a change set (as the CDK CLI does), updates it
through a second change set with one property changed, and reads the role back with IAM. The
``*_without_the_fix`` companion runs the same update with the fix that applies the property
switched off and shows moto's own answer (the old value stays), or, where moto applies the
property itself, that it still does. docs/local-aws.md has the table of properties.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from botocore.exceptions import ClientError

from localaws.testing import LocalAwsEnv

ACCOUNT = "123456789012"
OTHER_ACCOUNT = "345678901234"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
SECURITY_AUDIT = "arn:aws:iam::aws:policy/SecurityAudit"
POWER_USER = "arn:aws:iam::aws:policy/PowerUserAccess"
GONE = "<no such role>"


def trust(account: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                "Action": "sts:AssumeRole",
                "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
            }
        ],
    }


def allow(action: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}],
    }


def base_properties(name: str) -> dict[str, Any]:
    return {
        "RoleName": name,
        "Path": "/developers/",
        "AssumeRolePolicyDocument": trust(ACCOUNT),
        "Description": "before the update",
        "MaxSessionDuration": 3600,
        "ManagedPolicyArns": [READ_ONLY],
        "Policies": [{"PolicyName": "inline-before", "PolicyDocument": allow("s3:ListBucket")}],
        "PermissionsBoundary": POWER_USER,
        "Tags": [{"Key": "team", "Value": "red"}, {"Key": "cost-centre", "Value": "4711"}],
    }


def template(properties: dict[str, Any]) -> dict[str, Any]:
    return {"Resources": {"Role": {"Type": "AWS::IAM::Role", "Properties": properties}}}


def role_or_none(iam: Any, name: str) -> dict[str, Any] | None:
    try:
        return dict(iam.get_role(RoleName=name)["Role"])
    except ClientError as error:
        if error.response["Error"]["Code"] == "NoSuchEntity":
            return None
        raise


def read_tags(iam: Any, name: str) -> Any:
    tags = iam.list_role_tags(RoleName=name)["Tags"]
    return {tag["Key"]: tag["Value"] for tag in tags}


def read_field(field: str) -> Callable[[Any, str], Any]:
    def read(iam: Any, name: str) -> Any:
        role = role_or_none(iam, name)
        return GONE if role is None else role.get(field)

    return read


def read_boundary(iam: Any, name: str) -> Any:
    role = role_or_none(iam, name)
    return (
        None if role is None else role.get("PermissionsBoundary", {}).get("PermissionsBoundaryArn")
    )


def read_trusted(iam: Any, name: str) -> Any:
    role = role_or_none(iam, name)
    assert role is not None
    return role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["AWS"]


def read_managed(iam: Any, name: str) -> Any:
    attached = iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
    return sorted(p["PolicyArn"] for p in attached)


def read_inline(iam: Any, name: str) -> Any:
    found = {}
    for policy in iam.list_role_policies(RoleName=name)["PolicyNames"]:
        document = iam.get_role_policy(RoleName=name, PolicyName=policy)["PolicyDocument"]
        found[policy] = document["Statement"][0]["Action"]
    return found


@dataclass(frozen=True)
class Case:
    """One property's update: how the template changes, how IAM reads it, what AWS shows."""

    change: Callable[[dict[str, Any], str], None]
    read: Callable[[Any, str], Any]  # (an IAM client, the role's name)
    expected: Any
    fix: str
    moto_applies: bool = False  # moto 5.2.5 applies it even with the fix switched off
    renames: bool = False  # the read-back is of the new role name


def _set(key: str, value: Any) -> Callable[[dict[str, Any], str], None]:
    def change(properties: dict[str, Any], name: str) -> None:
        del name
        properties[key] = value

    return change


def _drop(key: str) -> Callable[[dict[str, Any], str], None]:
    def change(properties: dict[str, Any], name: str) -> None:
        del name
        properties.pop(key)

    return change


def _rename(properties: dict[str, Any], name: str) -> None:
    properties["RoleName"] = name + "-renamed"


CASES = {
    "tag-value-changed": Case(
        _set("Tags", [{"Key": "team", "Value": "blue"}, {"Key": "cost-centre", "Value": "4711"}]),
        read_tags,
        {"team": "blue", "cost-centre": "4711"},
        "cfn_role_update_tags",
    ),
    "tag-removed": Case(
        _set("Tags", [{"Key": "team", "Value": "red"}]),
        read_tags,
        {"team": "red"},
        "cfn_role_update_tags",
    ),
    "tag-added": Case(
        _set(
            "Tags",
            [
                {"Key": "team", "Value": "red"},
                {"Key": "cost-centre", "Value": "4711"},
                {"Key": "owner", "Value": "ops@example.org"},
            ],
        ),
        read_tags,
        {"team": "red", "cost-centre": "4711", "owner": "ops@example.org"},
        "cfn_role_update_tags",
    ),
    "all-tags-removed": Case(_drop("Tags"), read_tags, {}, "cfn_role_update_tags"),
    "description": Case(
        _set("Description", "after the update"),
        read_field("Description"),
        "after the update",
        "cfn_role_update",
        moto_applies=True,
    ),
    "max-session-duration": Case(
        _set("MaxSessionDuration", 14400),
        read_field("MaxSessionDuration"),
        14400,
        "cfn_role_update",
    ),
    "permissions-boundary-changed": Case(
        _set("PermissionsBoundary", READ_ONLY), read_boundary, READ_ONLY, "cfn_role_update"
    ),
    "permissions-boundary-removed": Case(
        _drop("PermissionsBoundary"), read_boundary, None, "cfn_role_update"
    ),
    "managed-policies": Case(
        _set("ManagedPolicyArns", [SECURITY_AUDIT]),
        read_managed,
        [SECURITY_AUDIT],
        "cfn_role_managed_policies",
    ),
    "inline-policies": Case(
        _set("Policies", [{"PolicyName": "inline-after", "PolicyDocument": allow("s3:GetObject")}]),
        read_inline,
        {"inline-after": "s3:GetObject"},
        "cfn_role_update",
    ),
    "trust-policy": Case(
        _set("AssumeRolePolicyDocument", trust(OTHER_ACCOUNT)),
        read_trusted,
        f"arn:aws:iam::{OTHER_ACCOUNT}:root",
        "cfn_role_update",
    ),
    "name-replaces-the-role": Case(
        _rename, read_field("RoleName"), "RENAMED", "cfn_role_update", renames=True
    ),
}


def deploy_then_update(aws: LocalAwsEnv, iam: Any, name: str, case: Case) -> tuple[Any, Any, Any]:
    """Deploy the base role, update one property; (read before, error of the update, after)."""
    assert aws.deploy_failure(template(base_properties(name)), stack_name=name) is None
    before = case.read(iam, name)
    properties = base_properties(name)
    case.change(properties, name)
    failure = aws.deploy_failure(template(properties), stack_name=name)
    read_name = name + "-renamed" if case.renames else name
    return before, failure, case.read(iam, read_name)


@pytest.fixture(scope="module")
def iam(aws: LocalAwsEnv) -> Any:
    """One IAM client for the module's read-backs: each new client loads botocore's service
    models afresh (LocalAwsEnv.client makes an isolated session), which cost more than the
    reads themselves."""
    return aws.client("iam")


def expected_of(case: Case, name: str) -> Any:
    return name + "-renamed" if case.expected == "RENAMED" else case.expected


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_a_stack_update_applies_the_property_to_the_role(aws, iam, unique, case):
    before, failure, after = deploy_then_update(aws, iam, unique, case)
    assert failure is None
    assert before != expected_of(case, unique)  # the update changes something
    assert after == expected_of(case, unique)


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_a_stack_update_without_the_fix(aws, iam, unique, case):
    with aws.fix_disabled(case.fix):
        before, failure, after = deploy_then_update(aws, iam, unique, case)
    if case.moto_applies:
        assert (failure, after) == (None, expected_of(case, unique))
    else:  # moto reports the update done (or fails it) and the role keeps the old value
        assert after != expected_of(case, unique)
        assert failure is not None or after == before


def test_a_replaced_role_is_a_new_role_and_the_old_one_is_gone(aws, iam, unique):
    assert aws.deploy_failure(template(base_properties(unique)), stack_name=unique) is None
    old_id = iam.get_role(RoleName=unique)["Role"]["RoleId"]
    properties = base_properties(unique)
    _rename(properties, unique)
    assert aws.deploy_failure(template(properties), stack_name=unique) is None
    new = iam.get_role(RoleName=unique + "-renamed")["Role"]
    assert new["RoleId"] != old_id
    assert read_tags(iam, unique + "-renamed") == {"team": "red", "cost-centre": "4711"}
    assert role_or_none(iam, unique) is None


def test_a_new_path_under_the_same_role_name_is_refused_as_aws_refuses_it(aws, iam, unique):
    """A path change replaces the role; CloudFormation does not replace a custom-named one."""
    assert aws.deploy_failure(template(base_properties(unique)), stack_name=unique) is None
    properties = base_properties(unique)
    properties["Path"] = "/team-roles/"
    failure = aws.deploy_failure(template(properties), stack_name=unique)
    assert failure is not None
    assert (failure.code, failure.message) == (
        "ValidationError",
        "CloudFormation cannot update a stack when a custom-named resource requires replacing. "
        f"Rename {unique} and update the stack again.",
    )
    assert iam.get_role(RoleName=unique)["Role"]["Path"] == "/developers/"


def test_an_update_keeps_the_role_id_when_nothing_replaces_it(aws, iam, unique):
    assert aws.deploy_failure(template(base_properties(unique)), stack_name=unique) is None
    before = iam.get_role(RoleName=unique)["Role"]["RoleId"]
    properties = base_properties(unique)
    properties["Tags"] = [{"Key": "team", "Value": "green"}]
    properties["Description"] = json.dumps({"changed": True})
    assert aws.deploy_failure(template(properties), stack_name=unique) is None
    assert iam.get_role(RoleName=unique)["Role"]["RoleId"] == before
