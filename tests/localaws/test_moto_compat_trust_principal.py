"""Fix ``iam_trust_principal_exists``: IAM refuses a trust policy naming a missing principal.

AWS: "Invalid principal in policy" (MalformedPolicyDocument) from CreateRole and
UpdateAssumeRolePolicy, and so from a CloudFormation deploy of such a role. The
``..._without_fix`` test shows moto 5.2.5 storing the policy.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from localaws.testing import LocalAwsEnv

ACCOUNT = "123456789012"


def trust(*principals: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": list(principals)},
                    "Action": "sts:AssumeRole",
                    "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
                }
            ],
        }
    )


def refusal(call: Any, **kwargs: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    error = caught.value.response["Error"]
    return str(error["Code"]), str(error["Message"])


def test_create_role_naming_a_missing_user_is_refused(aws: LocalAwsEnv, unique: str):
    ghost = f"arn:aws:iam::{ACCOUNT}:user/{unique}-ghost"
    code, message = refusal(
        aws.client("iam").create_role, RoleName=unique, AssumeRolePolicyDocument=trust(ghost)
    )
    assert code == "MalformedPolicyDocument"
    assert message == f'Invalid principal in policy: "AWS":"{ghost}"'


def test_a_user_under_another_path_is_a_missing_principal(aws: LocalAwsEnv, unique: str):
    iam = aws.client("iam")
    iam.create_user(UserName=unique, Path="/team/")
    without_path = f"arn:aws:iam::{ACCOUNT}:user/{unique}"
    code, message = refusal(
        iam.create_role, RoleName=unique, AssumeRolePolicyDocument=trust(without_path)
    )
    assert code == "MalformedPolicyDocument"
    assert without_path in message


def test_existing_users_roles_and_accounts_are_accepted(aws: LocalAwsEnv, unique: str):
    iam = aws.client("iam")
    user = iam.create_user(UserName=unique, Path="/team/")["User"]["Arn"]
    role = iam.create_role(RoleName=f"{unique}-a", AssumeRolePolicyDocument=trust(user))
    role_arn = role["Role"]["Arn"]
    iam.create_role(
        RoleName=f"{unique}-b",
        AssumeRolePolicyDocument=trust(role_arn, f"arn:aws:iam::{ACCOUNT}:root", "210987654321"),
    )
    assert iam.get_role(RoleName=f"{unique}-b")["Role"]["Arn"].endswith(f"/{unique}-b")


def test_updating_a_trust_policy_to_a_deleted_user_is_refused(aws: LocalAwsEnv, unique: str):
    iam = aws.client("iam")
    user = iam.create_user(UserName=unique)["User"]["Arn"]
    iam.create_role(RoleName=unique, AssumeRolePolicyDocument=trust(user))
    iam.delete_user(UserName=unique)
    code, _ = refusal(iam.update_assume_role_policy, RoleName=unique, PolicyDocument=trust(user))
    assert code == "MalformedPolicyDocument"


def test_a_stack_with_a_role_trusting_a_missing_user_fails(aws: LocalAwsEnv, unique: str):
    ghost = f"arn:aws:iam::{ACCOUNT}:user/{unique}-ghost"
    template = {
        "Resources": {
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "RoleName": unique,
                    "AssumeRolePolicyDocument": json.loads(trust(ghost)),
                },
            }
        }
    }
    code, message = refusal(
        aws.client("cloudformation").create_stack,
        StackName=unique,
        TemplateBody=json.dumps(template),
    )
    assert code == "MalformedPolicyDocument"
    assert ghost in message
    with pytest.raises(ClientError):
        aws.client("iam").get_role(RoleName=unique)


def test_trust_principal_exists_without_fix(aws: LocalAwsEnv, unique: str):
    ghost = f"arn:aws:iam::{ACCOUNT}:user/{unique}-ghost"
    with aws.fix_disabled("iam_trust_principal_exists"):
        aws.client("iam").create_role(RoleName=unique, AssumeRolePolicyDocument=trust(ghost))
    stored = aws.client("iam").get_role(RoleName=unique)["Role"]["AssumeRolePolicyDocument"]
    assert stored["Statement"][0]["Principal"]["AWS"] == [ghost]
