"""IAM, STS and CloudFormation validation rules and quotas moto 5.2.5 does not enforce.

One row per rule (docs/local-aws.md has the table): the request AWS refuses, refused with AWS's
error code and message with the fix, and accepted by moto with the fix switched off.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from localaws.testing import LocalAwsEnv
from tests.localaws.test_moto_compat import ACCOUNT, error_of

ROOT = f"arn:aws:iam::{ACCOUNT}:root"
GROUP = f"arn:aws:iam::{ACCOUNT}:group/developers"
POLICIES = [
    f"arn:aws:iam::aws:policy/{name}"
    for name in [
        "PowerUserAccess",
        "ReadOnlyAccess",
        "IAMReadOnlyAccess",
        "AmazonS3ReadOnlyAccess",
        "AmazonEC2ReadOnlyAccess",
        "AmazonSQSReadOnlyAccess",
        "AmazonSNSReadOnlyAccess",
        "AWSLambda_ReadOnlyAccess",
        "CloudWatchReadOnlyAccess",
        "AmazonDynamoDBReadOnlyAccess",
        "AmazonRDSReadOnlyAccess",
    ]
]


def trust(*principals: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": list(principals)}, "Action": "sts:AssumeRole"}
        ],
    }


def validation(value: object, member: str, constraint: str) -> str:
    return (
        f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy "
        f"constraint: Member must {constraint}"
    )


def large_trust() -> dict[str, Any]:
    return trust(*[f"arn:aws:iam::{100000000000 + n:012d}:root" for n in range(60)])


def large_inline_policy() -> dict[str, Any]:
    actions = [f"s3:GetObject{'x' * 40}{n}" for n in range(250)]
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}],
    }


@dataclass(frozen=True)
class Rule:
    """A role property (or request) that breaks one rule, and AWS's answer."""

    fix: str
    properties: dict[str, Any]  # AWS::IAM::Role properties beyond a valid minimum
    code: str
    message: Callable[[str], str]  # of the role name
    also: tuple[str, ...] = ()  # other fixes that refuse the same input


ROLE_RULES = {
    "tag-value-with-a-comma": Rule(
        "iam_tag_value_characters",
        {"Tags": [{"Key": "owner", "Value": "alice, bob"}]},
        "ValidationError",
        lambda name: validation(
            "alice, bob",
            "tags.X.member.value",
            r"satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]*",
        ),
    ),
    "service-linked-role-policy": Rule(
        "iam_policy_not_attachable",
        {
            "ManagedPolicyArns": [
                "arn:aws:iam::aws:policy/aws-service-role/APIGatewayServiceRolePolicy"
            ]
        },
        "PolicyNotAttachable",
        lambda name: "Cannot attach a Service Role Policy to a Customer Role.",
    ),
    "name-65-characters": Rule(
        "iam_role_name",
        {"RoleName": "r" * 65},
        "ValidationError",
        lambda name: validation("r" * 65, "roleName", "have length less than or equal to 64"),
    ),
    "name-with-a-space": Rule(
        "iam_role_name",
        {"RoleName": "two words"},
        "ValidationError",
        lambda name: validation(
            "two words", "roleName", r"satisfy regular expression pattern: [\w+=,.@-]+"
        ),
    ),
    "path-without-trailing-slash": Rule(
        "iam_role_path",
        {"Path": "/developers"},
        "ValidationError",
        lambda name: validation(
            "/developers",
            "path",
            r"satisfy regular expression pattern: (\u002F)|(\u002F[\u0021-\u007E]+\u002F)",
        ),
    ),
    "description-1001-characters": Rule(
        "iam_role_description",
        {"Description": "d" * 1001},
        "ValidationError",
        lambda name: validation(
            "d" * 1001, "description", "have length less than or equal to 1000"
        ),
    ),
    "max-session-duration-above-12-hours": Rule(
        "iam_role_max_session_duration",
        {"MaxSessionDuration": 43201},
        "ValidationError",
        lambda name: validation(
            43201, "maxSessionDuration", "have value less than or equal to 43200"
        ),
    ),
    "trust-policy-over-2048-characters": Rule(
        "iam_trust_policy_size",
        {"AssumeRolePolicyDocument": large_trust()},
        "LimitExceeded",
        lambda name: "Cannot exceed quota for ACLSizePerRole: 2048",
    ),
    "trust-principal-group": Rule(
        "iam_trust_principal_valid",
        {"AssumeRolePolicyDocument": trust(GROUP)},
        "MalformedPolicyDocument",
        lambda name: f'Invalid principal in policy: "AWS":"{GROUP}"',
    ),
    "trust-principal-partial-wildcard": Rule(
        "iam_trust_principal_valid",
        {"AssumeRolePolicyDocument": trust(f"arn:aws:iam::{ACCOUNT}:user/dev-*")},
        "MalformedPolicyDocument",
        lambda name: f'Invalid principal in policy: "AWS":"arn:aws:iam::{ACCOUNT}:user/dev-*"',
    ),
    "trust-principal-malformed-arn": Rule(
        "iam_trust_principal_valid",
        {"AssumeRolePolicyDocument": trust(f"arn:aws::iam::{ACCOUNT}:root")},
        "MalformedPolicyDocument",
        lambda name: f'Invalid principal in policy: "AWS":"arn:aws::iam::{ACCOUNT}:root"',
    ),
    "trust-principal-empty-path-segment": Rule(
        "iam_trust_principal_valid",
        {"AssumeRolePolicyDocument": trust(f"arn:aws:iam::{ACCOUNT}:user//alice")},
        "MalformedPolicyDocument",
        lambda name: f'Invalid principal in policy: "AWS":"arn:aws:iam::{ACCOUNT}:user//alice"',
        also=("iam_trust_principal_exists",),  # such a user cannot exist either
    ),
    "trust-principal-other-partition": Rule(
        "iam_trust_principal_valid",
        {"AssumeRolePolicyDocument": trust(f"arn:aws-cn:iam::{ACCOUNT}:root")},
        "MalformedPolicyDocument",
        lambda name: f'Invalid principal in policy: "AWS":"arn:aws-cn:iam::{ACCOUNT}:root"',
    ),
    "trust-principal-short-account-id": Rule(
        "iam_trust_principal_valid",
        {"AssumeRolePolicyDocument": trust("12345678901")},
        "MalformedPolicyDocument",
        lambda name: 'Invalid principal in policy: "AWS":"12345678901"',
    ),
    "eleven-managed-policies": Rule(
        "iam_managed_policies_per_role",
        {"ManagedPolicyArns": POLICIES},
        "LimitExceeded",
        lambda name: "Cannot exceed quota for PoliciesPerRole: 10",
    ),
    "inline-policies-over-10240-characters": Rule(
        "iam_role_inline_policy_size",
        {"Policies": [{"PolicyName": "big", "PolicyDocument": large_inline_policy()}]},
        "LimitExceeded",
        lambda name: f"Maximum policy size of 10240 bytes exceeded for role {name}",
    ),
    "permissions-boundary-that-does-not-exist": Rule(
        "iam_permissions_boundary_exists",
        {"PermissionsBoundary": f"arn:aws:iam::{ACCOUNT}:policy/no-such-boundary"},
        "NoSuchEntity",
        lambda name: (
            f"Scope ARN: arn:aws:iam::{ACCOUNT}:policy/no-such-boundary does not exist or is "
            "not attachable."
        ),
    ),
    "tag-key-with-aws-prefix": Rule(
        "iam_tag_reserved_prefix",
        {"Tags": [{"Key": "aws:team", "Value": "platform"}]},
        "InvalidInput",
        lambda name: "Tag keys starting with 'aws:' are reserved for internal use",
    ),
}


OTHER_ACCOUNT_POLICY = "arn:aws:iam::222222222222:policy/team-boundary"
MOTO_RULES = {
    "customer-managed-policy-of-another-account": (
        {"ManagedPolicyArns": [OTHER_ACCOUNT_POLICY]},
        "NoSuchEntity",
        f"Policy {OTHER_ACCOUNT_POLICY} does not exist or is not attachable.",
    ),
    "aws-managed-policy-that-does-not-exist": (
        {"ManagedPolicyArns": ["arn:aws:iam::aws:policy/PowerUsersAccess"]},
        "NoSuchEntity",
        "Policy arn:aws:iam::aws:policy/PowerUsersAccess does not exist or is not attachable.",
    ),
    "tag-keys-differing-only-in-case": (
        {"Tags": [{"Key": "Team", "Value": "a"}, {"Key": "team", "Value": "b"}]},
        "InvalidInput",
        "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
    ),
}
"""Rules moto 5.2.5 enforces itself, with AWS's code and message: no fix, no without-fix test."""


def role_template(unique: str, properties: dict[str, Any]) -> dict[str, Any]:
    merged = {"RoleName": unique, "AssumeRolePolicyDocument": trust(ROOT)} | properties
    return {"Resources": {"Role": {"Type": "AWS::IAM::Role", "Properties": merged}}}


@pytest.mark.parametrize("rule", ROLE_RULES.values(), ids=ROLE_RULES.keys())
def test_a_template_breaking_the_rule_fails_to_deploy_with_aws_error(aws, unique, rule):
    template = role_template(unique, rule.properties)
    name = template["Resources"]["Role"]["Properties"]["RoleName"]
    failure = aws.deploy_failure(template, stack_name=unique)
    assert failure is not None
    assert (failure.code, failure.message) == (rule.code, rule.message(name))


@pytest.mark.parametrize("rule", ROLE_RULES.values(), ids=ROLE_RULES.keys())
def test_a_template_breaking_the_rule_deploys_without_fix(aws, unique, rule):
    with contextlib.ExitStack() as stack:
        for fix in (rule.fix, *rule.also):
            stack.enter_context(aws.fix_disabled(fix))
        assert aws.deploy_failure(role_template(unique, rule.properties), stack_name=unique) is None


@pytest.mark.parametrize(
    ("properties", "code", "message"), MOTO_RULES.values(), ids=MOTO_RULES.keys()
)
def test_a_template_breaking_a_rule_moto_enforces_fails_to_deploy(
    aws, unique, properties, code, message
):
    failure = aws.deploy_failure(role_template(unique, properties), stack_name=unique)
    assert failure is not None
    assert (failure.code, failure.message) == (code, message)


def test_a_valid_role_at_every_limit_deploys(aws, unique):
    properties = {
        "RoleName": unique + "x" * (64 - len(unique)),
        "Path": "/a/b.c@d/",
        "Description": "Latin-1 é and tabs\tare fine",
        "MaxSessionDuration": 43200,
        "ManagedPolicyArns": POLICIES[:10],
        "Tags": [{"Key": "team", "Value": "platform"}],
    }
    assert aws.deploy_failure(role_template(unique, properties), stack_name=unique) is None


# --------------------------------------------------------------------------- IAM API calls


def test_create_role_api_refuses_a_65_character_name(aws):
    code, message = error_of(
        aws.client("iam").create_role,
        RoleName="r" * 65,
        AssumeRolePolicyDocument=json.dumps(trust(ROOT)),
    )
    assert (code, message) == ("ValidationError", ROLE_RULES["name-65-characters"].message(""))


def test_update_assume_role_policy_refuses_a_group_principal(aws, unique):
    iam = aws.client("iam")
    iam.create_role(RoleName=unique, AssumeRolePolicyDocument=json.dumps(trust(ROOT)))
    code, message = error_of(
        iam.update_assume_role_policy, RoleName=unique, PolicyDocument=json.dumps(trust(GROUP))
    )
    assert (code, message) == (
        "MalformedPolicyDocument",
        f'Invalid principal in policy: "AWS":"{GROUP}"',
    )
    with aws.fix_disabled("iam_trust_principal_valid"):
        iam.update_assume_role_policy(RoleName=unique, PolicyDocument=json.dumps(trust(GROUP)))


def test_update_role_refuses_a_duration_above_12_hours(aws, unique):
    iam = aws.client("iam")
    iam.create_role(RoleName=unique, AssumeRolePolicyDocument=json.dumps(trust(ROOT)))
    code, message = error_of(iam.update_role, RoleName=unique, MaxSessionDuration=50000)
    assert (code, message) == (
        "ValidationError",
        validation(50000, "maxSessionDuration", "have value less than or equal to 43200"),
    )
    with aws.fix_disabled("iam_role_max_session_duration"):
        iam.update_role(RoleName=unique, MaxSessionDuration=50000)


def test_attach_role_policy_refuses_an_eleventh_policy(aws, unique):
    iam = aws.client("iam")
    iam.create_role(RoleName=unique, AssumeRolePolicyDocument=json.dumps(trust(ROOT)))
    for arn in POLICIES[:10]:
        iam.attach_role_policy(RoleName=unique, PolicyArn=arn)
    code, message = error_of(iam.attach_role_policy, RoleName=unique, PolicyArn=POLICIES[10])
    assert (code, message) == ("LimitExceeded", "Cannot exceed quota for PoliciesPerRole: 10")
    iam.attach_role_policy(RoleName=unique, PolicyArn=POLICIES[0])  # attached already: no-op


def test_attach_user_policy_refuses_an_eleventh_policy(aws, unique):
    iam = aws.client("iam")
    iam.create_user(UserName=unique)
    for arn in POLICIES[:10]:
        iam.attach_user_policy(UserName=unique, PolicyArn=arn)
    code, message = error_of(iam.attach_user_policy, UserName=unique, PolicyArn=POLICIES[10])
    assert (code, message) == ("LimitExceeded", "Cannot exceed quota for PoliciesPerUser: 10")
    with aws.fix_disabled("iam_managed_policies_per_user"):
        iam.attach_user_policy(UserName=unique, PolicyArn=POLICIES[10])


def test_tag_role_refuses_the_aws_prefix_in_any_case(aws, unique):
    iam = aws.client("iam")
    iam.create_role(RoleName=unique, AssumeRolePolicyDocument=json.dumps(trust(ROOT)))
    code, _ = error_of(iam.tag_role, RoleName=unique, Tags=[{"Key": "AWS:team", "Value": "x"}])
    assert code == "InvalidInput"


def test_roles_per_account_quota(aws: LocalAwsEnv, unique: str) -> None:
    iam = aws.client("iam")
    count = sum(len(page["Roles"]) for page in iam.get_paginator("list_roles").paginate())
    aws.set_quota("RolesPerAccount", count)
    try:
        code, message = error_of(
            iam.create_role, RoleName=unique, AssumeRolePolicyDocument=json.dumps(trust(ROOT))
        )
        assert (code, message) == (
            "LimitExceeded",
            f"Cannot exceed quota for RolesPerAccount: {count}",
        )
        with aws.fix_disabled("iam_roles_per_account"):
            iam.create_role(RoleName=unique, AssumeRolePolicyDocument=json.dumps(trust(ROOT)))
    finally:
        aws.set_quota("RolesPerAccount", 1000)


# --------------------------------------------------------------------------- STS


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param(
            {"DurationSeconds": 43201},
            validation(43201, "durationSeconds", "have value less than or equal to 43200"),
            id="duration-above-12-hours",
        ),
        pytest.param(
            {"RoleSessionName": "two words"},
            validation(
                "two words", "roleSessionName", r"satisfy regular expression pattern: [\w+=,.@-]*"
            ),
            id="session-name-with-a-space",
        ),
    ],
)
def test_assume_role_parameters(aws, unique, kwargs, message):
    iam = aws.client("iam")
    iam.create_role(
        RoleName=unique, AssumeRolePolicyDocument=json.dumps(trust(ROOT)), MaxSessionDuration=43200
    )
    request = {"RoleArn": f"arn:aws:iam::{ACCOUNT}:role/{unique}", "RoleSessionName": "s1"}
    code, text = error_of(aws.client("sts").assume_role, **(request | kwargs))
    assert (code, text) == ("ValidationError", message)
    with (
        aws.fix_disabled("sts_assume_role_parameters"),
        aws.fix_disabled("sts_trust_policy_evaluation"),
    ):
        aws.client("sts").assume_role(**(request | kwargs))


# --------------------------------------------------------------------------- CloudFormation


def test_stack_name_with_an_underscore_is_refused(aws):
    template = role_template("unused", {})
    failure = aws.deploy_failure(template, stack_name="with_underscore")
    assert failure is not None
    assert (failure.code, failure.message) == (
        "ValidationError",
        validation(
            "with_underscore",
            "stackName",
            "satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*",
        ),
    )
    with aws.fix_disabled("cfn_stack_name"):
        assert (
            aws.deploy_failure(role_template("underscorestack", {}), stack_name="with_underscore")
            is None
        )


def test_template_body_over_51200_bytes_is_refused(aws, unique):
    template = role_template(unique, {}) | {"Metadata": {"Padding": "p" * 51200}}
    failure = aws.deploy_failure(template, stack_name=unique)
    assert failure is not None
    assert failure.code == "ValidationError"
    assert failure.message.endswith(
        "at 'templateBody' failed to satisfy constraint: Member must have length less than "
        "or equal to 51200"
    )
    with aws.fix_disabled("cfn_template_body_size"):
        assert aws.deploy_failure(template, stack_name=unique) is None


def test_template_with_501_resources_is_refused(aws, unique):
    resources = {f"Handle{n}": {"Type": "AWS::SNS::Topic"} for n in range(501)}
    failure = aws.deploy_failure({"Resources": resources}, stack_name=unique)
    assert failure is not None
    assert (failure.code, failure.message) == (
        "ValidationError",
        "Template format error: Number of resources, 501, is greater than maximum allowed, 500",
    )


def test_create_role_refuses_a_name_differing_only_in_case(aws, unique):
    iam = aws.client("iam")
    policy = json.dumps(trust(ROOT))
    iam.create_role(RoleName=f"{unique}-Dev", AssumeRolePolicyDocument=policy)
    refusal = error_of(iam.create_role, RoleName=f"{unique}-dev", AssumeRolePolicyDocument=policy)
    assert refusal == (
        "EntityAlreadyExists",
        f"Role with name {unique}-dev already exists.",
    )


def test_without_the_fix_moto_creates_a_name_differing_only_in_case(aws, unique):
    iam = aws.client("iam")
    policy = json.dumps(trust(ROOT))
    iam.create_role(RoleName=f"{unique}-Dev", AssumeRolePolicyDocument=policy)
    with aws.fix_disabled("iam_role_name_case"):
        iam.create_role(RoleName=f"{unique}-dev", AssumeRolePolicyDocument=policy)
    names = {r["RoleName"] for r in iam.list_roles()["Roles"]}
    assert {f"{unique}-Dev", f"{unique}-dev"} <= names
