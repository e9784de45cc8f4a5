"""Differential test: what a configuration can break, synthesis refuses and AWS refuses.

One row per rule of docs/local-aws.md that a configuration can break ("Config: yes"). For each:

- a configuration that breaks it is refused by the loader with the key, the value and the rule
  (every row), and by the real ``cdk synth`` (a sample of rows, broken together in one
  configuration: one CDK run);
- a minimal CloudFormation template that breaks the same rule fails to deploy to the local AWS
  with AWS's error code and message (``LocalAwsEnv.deploy_failure``: a change set, as the CDK
  CLI deploys).

A rule in one place and not the other fails one of the two tests. Rows the local AWS does not
enforce (the table says why) are strict expected failures: the day the local AWS refuses them,
the mark must go.

Not rows here, because a configuration cannot break them: the role's description (the app
writes ``PowerUser developer role for <label>; requires MFA`` from an ASCII label, cut to
1,000 characters), the trust policy's shape and the inline policy size (the app writes them).
The MFA serial is not in a template: AWS refuses another account's device at AssumeRole, which
the last test shows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from developer_role.iam_rules import MAX_MANAGED_POLICIES_PER_ROLE, MAX_ROLES_PER_ACCOUNT
from developer_roles.config import ConfigError, validate
from localaws.testing import LocalAwsEnv
from trustcheck.synth import SynthError, synthesize

pytestmark = pytest.mark.e2e

ACCOUNT = "123456789012"  # the local AWS's account (LocalAwsEnv.account_id)
OTHER_ACCOUNT = "222222222222"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"
LONG_USER = "firstname.middlename.lastname@engineering.example.com"
AWS_POLICIES = [
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


def configuration(**keys: Any) -> dict[str, Any]:
    """A valid configuration for the local account, with ``keys`` replacing its parts."""
    return {"account": ACCOUNT, "region": "us-east-1", "principals": [ALICE], **keys}


def with_reasons(names: list[str]) -> list[dict[str, str]]:
    return [{"policy": name, "reason": "the team's tooling reads it"} for name in names]


def trust(*principals: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": list(principals)}, "Action": "sts:AssumeRole"}
        ],
    }


def validation(value: object, member: str, constraint: str) -> str:
    """AWS's text for a failed model constraint (Query protocol)."""
    return (
        f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy "
        f"constraint: Member must {constraint}"
    )


@dataclass(frozen=True)
class Row:
    """A rule a configuration can break: the configuration and the template that break it."""

    config: dict[str, Any]
    refusal: str  # in the loader's report
    aws_code: str
    aws_message: str  # in AWS's error message
    role: dict[str, Any] = field(default_factory=dict)  # AWS::IAM::Role properties
    other_role: dict[str, Any] | None = None  # a second role in the same template
    quota_at_current_count: str = ""  # a local quota set to what the account already has

    def template(self) -> dict[str, Any]:
        roles = [self.role] + ([self.other_role] if self.other_role is not None else [])
        return {
            "Resources": {
                f"Role{index}": {
                    "Type": "AWS::IAM::Role",
                    "Properties": {
                        "AssumeRolePolicyDocument": trust(f"arn:aws:iam::{ACCOUNT}:root"),
                        **properties,
                    },
                }
                for index, properties in enumerate(roles)
            }
        }


ROWS = {
    "role-name-over-64-after-prefix": Row(
        configuration(
            rolePrefix="DeveloperPowerUser-",
            principals=[f"arn:aws:iam::{ACCOUNT}:user/{LONG_USER}"],
        ),
        "is 72 characters long; IAM allows at most 64",
        "ValidationError",
        validation(
            f"DeveloperPowerUser-{LONG_USER}", "roleName", "have length less than or equal to 64"
        ),
        role={"RoleName": f"DeveloperPowerUser-{LONG_USER}"},
    ),
    "role-name-characters": Row(
        configuration(principals=[{"arn": ALICE, "roleName": "PowerUser-åsa"}]),
        "principals[0].roleName: 'PowerUser-åsa' has characters IAM refuses",
        "ValidationError",
        r"satisfy regular expression pattern: [\w+=,.@-]+",
        role={"RoleName": "PowerUser-åsa"},
    ),
    "role-names-differ-only-in-case": Row(
        configuration(
            principals=[
                {"arn": ALICE, "roleName": "PowerUser-Alice"},
                {"arn": f"arn:aws:iam::{ACCOUNT}:user/bob", "roleName": "poweruser-alice"},
            ]
        ),
        "IAM role names are unique per account regardless of case",
        "EntityAlreadyExists",
        "already exists",
        role={"RoleName": "PowerUser-Alice"},
        other_role={"RoleName": "poweruser-alice"},
    ),
    "role-path": Row(
        configuration(path="/developers"),
        "path: '/developers' ",
        "ValidationError",
        validation(
            "/developers",
            "path",
            r"satisfy regular expression pattern: (\u002F)|(\u002F[\u0021-\u007E]+\u002F)",
        ),
        role={"Path": "/developers"},
    ),
    "max-session-duration-13h": Row(
        configuration(defaults={"maxSessionDuration": "13h"}),
        "defaults.maxSessionDuration: 46800 seconds is out of range",
        "ValidationError",
        validation(46800, "maxSessionDuration", "have value less than or equal to 43200"),
        role={"MaxSessionDuration": 46800},
    ),
    "trust-policy-over-2048": Row(
        configuration(
            principals=[],
            groups=[
                {
                    "name": "engineering",
                    "principals": [
                        f"arn:aws:iam::{ACCOUNT}:user/engineering/developer-{n:02d}"
                        for n in range(40)
                    ],
                }
            ],
        ),
        "is 2584 characters, over IAM's quota of 2048 (maxTrustPolicyLength)",
        "LimitExceeded",
        "Cannot exceed quota for ACLSizePerRole: 2048",
        role={
            "AssumeRolePolicyDocument": trust(
                *[f"arn:aws:iam::{100000000000 + n:012d}:root" for n in range(60)]
            )
        },
    ),
    "principal-empty-path": Row(
        configuration(principals=[f"arn:aws:iam::{ACCOUNT}:user//alice"]),
        "has an empty path ('//')",
        "MalformedPolicyDocument",
        f'Invalid principal in policy: "AWS":"arn:aws:iam::{ACCOUNT}:user//alice"',
        role={"AssumeRolePolicyDocument": trust(f"arn:aws:iam::{ACCOUNT}:user//alice")},
    ),
    "principal-is-a-group": Row(
        configuration(principals=[f"arn:aws:iam::{ACCOUNT}:group/developers"]),
        "is not an IAM user or role ARN",
        "MalformedPolicyDocument",
        f'Invalid principal in policy: "AWS":"arn:aws:iam::{ACCOUNT}:group/developers"',
        role={"AssumeRolePolicyDocument": trust(f"arn:aws:iam::{ACCOUNT}:group/developers")},
    ),
    "principal-partial-wildcard": Row(
        configuration(principals=[f"arn:aws:iam::{ACCOUNT}:user/dev-*"]),
        "has a wildcard",
        "MalformedPolicyDocument",
        f'Invalid principal in policy: "AWS":"arn:aws:iam::{ACCOUNT}:user/dev-*"',
        role={"AssumeRolePolicyDocument": trust(f"arn:aws:iam::{ACCOUNT}:user/dev-*")},
    ),
    "principal-of-another-partition": Row(
        configuration(principals=[f"arn:aws-cn:iam::{ACCOUNT}:user/zhang"]),
        "is in partition aws-cn, but the roles go to us-east-1 (partition aws)",
        "MalformedPolicyDocument",
        f'Invalid principal in policy: "AWS":"arn:aws-cn:iam::{ACCOUNT}:user/zhang"',
        role={"AssumeRolePolicyDocument": trust(f"arn:aws-cn:iam::{ACCOUNT}:user/zhang")},
    ),
    "managed-policies-over-quota": Row(
        configuration(
            principals=[{"arn": ALICE, "extraManagedPolicies": with_reasons(AWS_POLICIES[1:])}]
        ),
        "11 managed policies ('managedPolicies' of defaults and its 'extraManagedPolicies') "
        "exceed IAM's quota of 10 per role (maxManagedPoliciesPerRole)",
        "LimitExceeded",
        "Cannot exceed quota for PoliciesPerRole: 10",
        role={"ManagedPolicyArns": [f"arn:aws:iam::aws:policy/{n}" for n in AWS_POLICIES]},
    ),
    "customer-policy-of-another-account": Row(
        configuration(
            principals=[
                {
                    "arn": ALICE,
                    "extraManagedPolicies": [f"arn:aws:iam::{OTHER_ACCOUNT}:policy/shared-read"],
                }
            ]
        ),
        f"belongs to account {OTHER_ACCOUNT}, but the role goes to account {ACCOUNT}",
        "NoSuchEntity",
        f"Policy arn:aws:iam::{OTHER_ACCOUNT}:policy/shared-read does not exist or is not "
        "attachable.",
        role={"ManagedPolicyArns": [f"arn:aws:iam::{OTHER_ACCOUNT}:policy/shared-read"]},
    ),
    "aws-managed-policy-that-does-not-exist": Row(
        configuration(
            principals=[{"arn": ALICE, "extraManagedPolicies": with_reasons(["ReadOnlyAcess"])}]
        ),
        "'ReadOnlyAcess' is not an AWS managed policy; did you mean 'ReadOnlyAccess'",
        "NoSuchEntity",
        "Policy arn:aws:iam::aws:policy/ReadOnlyAcess does not exist or is not attachable.",
        role={"ManagedPolicyArns": ["arn:aws:iam::aws:policy/ReadOnlyAcess"]},
    ),
    "service-linked-role-policy": Row(
        configuration(
            principals=[
                {
                    "arn": ALICE,
                    "extraManagedPolicies": with_reasons(
                        ["aws-service-role/APIGatewayServiceRolePolicy"]
                    ),
                }
            ]
        ),
        "is the policy of a service-linked role; IAM does not attach it to other roles",
        "PolicyNotAttachable",
        "Cannot attach a Service Role Policy to a Customer Role.",
        role={
            "ManagedPolicyArns": [
                "arn:aws:iam::aws:policy/aws-service-role/APIGatewayServiceRolePolicy"
            ]
        },
    ),
    "boundary-arn-of-a-role": Row(
        configuration(defaults={"permissionsBoundary": f"arn:aws:iam::{ACCOUNT}:role/boundary"}),
        f"defaults.permissionsBoundary: 'arn:aws:iam::{ACCOUNT}:role/boundary' is not a managed "
        "policy ARN",
        "NoSuchEntity",  # the local AWS's; AWS's own code and text are not documented
        f"Scope ARN: arn:aws:iam::{ACCOUNT}:role/boundary does not exist or is not attachable.",
        role={"PermissionsBoundary": f"arn:aws:iam::{ACCOUNT}:role/boundary"},
    ),
    "boundary-of-another-account": Row(
        configuration(
            defaults={"permissionsBoundary": f"arn:aws:iam::{OTHER_ACCOUNT}:policy/boundary"}
        ),
        f"defaults.permissionsBoundary: the customer managed policy "
        f"'arn:aws:iam::{OTHER_ACCOUNT}:policy/boundary' belongs to account {OTHER_ACCOUNT}",
        "NoSuchEntity",
        "does not exist or is not attachable",
        role={"PermissionsBoundary": f"arn:aws:iam::{OTHER_ACCOUNT}:policy/boundary"},
    ),
    "boundary-that-does-not-exist": Row(
        configuration(defaults={"permissionsBoundary": "PowerUserAccesss"}),
        "'PowerUserAccesss' is not an AWS managed policy; did you mean 'PowerUserAccess'?",
        "NoSuchEntity",
        "does not exist or is not attachable",
        role={"PermissionsBoundary": "arn:aws:iam::aws:policy/PowerUserAccesss"},
    ),
    "tag-key-over-128": Row(
        configuration(defaults={"tags": {"k" * 129: "v"}}),
        "is 129 characters long; IAM allows at most 128 in a tag key",
        "ValidationError",
        "128",
        role={"Tags": [{"Key": "k" * 129, "Value": "v"}]},
    ),
    "tag-key-aws-prefix": Row(
        configuration(defaults={"tags": {"aws:team": "platform"}}),
        "the tag key 'aws:team' starts with 'aws:'",
        "InvalidInput",
        "Tag keys starting with 'aws:' are reserved for internal use",
        role={"Tags": [{"Key": "aws:team", "Value": "platform"}]},
    ),
    "tag-value-characters": Row(
        configuration(defaults={"tags": {"owner": "alice, bob"}}),
        "defaults.tags.owner: 'alice, bob' has characters IAM refuses in a tag value (',')",
        "ValidationError",
        r"satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]*",
        role={"Tags": [{"Key": "owner", "Value": "alice, bob"}]},
    ),
    "more-than-50-tags": Row(
        configuration(defaults={"tags": {f"tag{n}": "x" for n in range(50)}}),
        "tag are 51; IAM allows at most 50 tags on a role",
        "",  # moto's own code for a request of more than 50 tags
        "50",
        role={"Tags": [{"Key": f"tag{n}", "Value": "x"} for n in range(51)]},
    ),
    "tag-keys-differ-only-in-case": Row(
        configuration(
            defaults={"tags": {"Team": "a"}}, principals=[{"arn": ALICE, "tags": {"team": "b"}}]
        ),
        "IAM tag keys are unique regardless of case",
        "InvalidInput",
        "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
        role={"Tags": [{"Key": "Team", "Value": "a"}, {"Key": "team", "Value": "b"}]},
    ),
    "roles-over-the-account-quota": Row(
        configuration(principals=[f"arn:aws:iam::{ACCOUNT}:user/dev{n}" for n in range(1001)]),
        "1001 developer roles exceed the IAM quota of 1000 roles per account",
        "LimitExceeded",
        "Cannot exceed quota for RolesPerAccount:",
        quota_at_current_count="RolesPerAccount",
    ),
}


# Rows of docs/local-aws.md's tables with "Config: yes" -> the rows above that break them, or
# why this test has none.
DOCUMENTED = {
    "Role name 1": ["role-name-over-64-after-prefix", "role-name-characters"],
    "Role names unique, case-insensitively": ["role-names-differ-only-in-case"],
    "Role path": ["role-path"],
    "Role description": "not configurable: the app writes it from an ASCII label, at most 1,000",
    "MaxSessionDuration": ["max-session-duration-13h"],
    "Trust policy ≤ 2,048": ["trust-policy-over-2048"],
    "Trust principal: no IAM group": [
        "principal-empty-path",
        "principal-is-a-group",
        "principal-partial-wildcard",
        "principal-of-another-partition",
    ],
    "Trust principal: a user or role that exists": "synthesis makes no AWS call: "
    "`developer-roles preflight` checks that each principal exists (tests/e2e/test_preflight.py)",
    "Managed policies per role": ["managed-policies-over-quota"],
    "A managed policy that exists": [
        "customer-policy-of-another-account",
        "aws-managed-policy-that-does-not-exist",
    ],
    "A policy that exists but is not attachable": ["service-linked-role-policy"],
    "Permissions boundary: an existing": [
        "boundary-of-another-account",
        "boundary-that-does-not-exist",
    ],
    "Permissions boundary ARN shape": ["boundary-arn-of-a-role"],
    "Tag key 1": ["tag-key-over-128", "tag-value-characters"],
    "Tag key must not start with `aws:`": ["tag-key-aws-prefix"],
    "≤ 50 tags in a request": ["more-than-50-tags"],
    "Tag keys unique": ["tag-keys-differ-only-in-case"],
    "Roles per account": ["roles-over-the-account-quota"],
    "TemplateBody ≤ 51,200": "StackSets only: stacks/stackset_stack.py refuses an inline "
    "template over 51,200 bytes at synthesis (MAX_TEMPLATE_BODY)",
}
LOCAL_AWS_DOC = Path(__file__).resolve().parents[2] / "docs" / "local-aws.md"


def configurable_rules() -> list[str]:
    """The Rule column of every table row whose Config column says yes."""
    rules = []
    for line in LOCAL_AWS_DOC.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split(" | ")]
        if len(cells) == 5 and re.search(r"\byes\b", cells[3]):
            rules.append(cells[0])
    return rules


def test_every_configurable_rule_of_the_local_aws_table_has_its_rows() -> None:
    rules = configurable_rules()
    assert rules, "docs/local-aws.md has no rule a configuration can break"
    for rule in rules:
        covered = [prefix for prefix in DOCUMENTED if rule.startswith(prefix)]
        assert covered, f"no differential row for {rule!r}"
    for prefix, rows in DOCUMENTED.items():
        assert any(rule.startswith(prefix) for rule in rules), f"{prefix!r} left the table"
        if isinstance(rows, list):
            assert set(rows) <= set(ROWS), prefix
    listed = {row for rows in DOCUMENTED.values() if isinstance(rows, list) for row in rows}
    assert listed == set(ROWS)


@pytest.mark.parametrize("row", [pytest.param(row, id=name) for name, row in ROWS.items()])
def test_a_configuration_that_breaks_the_rule_is_refused_before_synthesis(row: Row) -> None:
    with pytest.raises(ConfigError) as raised:
        validate(row.config)
    assert row.refusal in raised.value.report()


@pytest.fixture
def quota_at_current_count(
    local_aws: LocalAwsEnv, request: pytest.FixtureRequest
) -> Iterator[None]:
    """Sets the row's quota to what the account already has, so one more breaks it."""
    row: Row = request.getfixturevalue("row")
    if not row.quota_at_current_count:
        yield
        return
    assert row.quota_at_current_count == "RolesPerAccount"
    roles = sum(
        len(page["Roles"])
        for page in local_aws.client("iam").get_paginator("list_roles").paginate()
    )
    local_aws.set_quota("RolesPerAccount", roles)
    try:
        yield
    finally:
        local_aws.set_quota("RolesPerAccount", MAX_ROLES_PER_ACCOUNT)


@pytest.mark.parametrize("row", [pytest.param(row, id=name) for name, row in ROWS.items()])
@pytest.mark.usefixtures("quota_at_current_count")
def test_a_template_that_breaks_the_rule_fails_to_deploy_with_aws_error(
    row: Row, local_aws: LocalAwsEnv
) -> None:
    failure = local_aws.deploy_failure(row.template())
    assert failure is not None, "the local AWS deployed a template that breaks the rule"
    assert row.aws_message in failure.message, failure
    if row.aws_code:
        assert failure.code == row.aws_code, failure


SYNTH_SAMPLE = [
    "managed-policies-over-quota",
    "customer-policy-of-another-account",
    "principal-empty-path",
    "max-session-duration-13h",
]


def sampled_configuration() -> dict[str, Any]:
    """One configuration that breaks every sampled row's rule: the rows' principals, one after
    the other, and their defaults (the loader reports every problem, not only the first)."""
    principals: list[Any] = []
    defaults: dict[str, Any] = {}
    for name in SYNTH_SAMPLE:
        config = ROWS[name].config
        assert set(config) <= {"account", "region", "principals", "defaults"}, name
        assert (config["account"], config["region"]) == (ACCOUNT, "us-east-1"), name
        principals += config["principals"]
        defaults.update(config.get("defaults", {}))
    return configuration(principals=principals, defaults=defaults)


def test_cdk_synth_refuses_every_sampled_rule_with_the_loader_message(tmp_path: Path) -> None:
    """One cdk synth for the sample: each row's refusal is in what it printed."""
    config_file = tmp_path / "developer-roles.json"
    config_file.write_text(json.dumps(sampled_configuration()), encoding="utf-8")
    with pytest.raises(SynthError) as raised:
        synthesize(tmp_path / "cdk.out", {"developerRolesFile": str(config_file)})
    message = str(raised.value)
    assert [name for name in SYNTH_SAMPLE if ROWS[name].refusal not in message] == [], message
    assert "Traceback" not in message
    assert not (tmp_path / "cdk.out" / "manifest.json").exists()


def test_an_operator_with_a_raised_policy_quota_sets_it_and_both_sides_accept(
    local_aws: LocalAwsEnv,
) -> None:
    row = ROWS["managed-policies-over-quota"]
    raised = {**row.config, "maxManagedPoliciesPerRole": len(AWS_POLICIES)}
    assert len(validate(raised).roles[0].managed_policies) == len(AWS_POLICIES)
    local_aws.set_quota("PoliciesPerRole", len(AWS_POLICIES))
    try:
        assert local_aws.deploy_failure(row.template()) is None
    finally:
        local_aws.set_quota("PoliciesPerRole", MAX_MANAGED_POLICIES_PER_ROLE)


def test_an_mfa_device_of_another_account_is_refused_by_synthesis_and_by_sts(
    local_aws: LocalAwsEnv,
) -> None:
    developer = local_aws.create_developer("differential-mfa")
    foreign = developer.mfa_serial.replace(f":{local_aws.account_id}:", f":{OTHER_ACCOUNT}:")
    with pytest.raises(ConfigError) as raised:
        validate(configuration(principals=[{"arn": developer.arn, "mfaSerial": foreign}]))
    assert "principals[0].mfaSerial: " in raised.value.report()
    assert f"is an MFA device of account {OTHER_ACCOUNT}" in raised.value.report()

    iam = local_aws.client("iam")
    role = iam.create_role(
        RoleName="differential-mfa", AssumeRolePolicyDocument=json.dumps(trust(developer.arn))
    )["Role"]
    sts = local_aws.client("sts", developer.credentials)
    with pytest.raises(ClientError) as refused:
        sts.assume_role(
            RoleArn=role["Arn"],
            RoleSessionName="differential",
            SerialNumber=foreign,
            TokenCode=local_aws.fresh_totp(developer),
        )
    error = refused.value.response["Error"]
    assert error["Code"] == "AccessDenied"
    assert "MultiFactorAuthentication failed, unable to validate MFA code." in error["Message"]
