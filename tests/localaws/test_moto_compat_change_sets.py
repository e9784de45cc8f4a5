"""Fix ``cfn_change_set_per_stack``: a change set name belongs to one stack.

The CDK CLI names every stack's change set ``cdk-deploy-change-set``; ``cdk deploy --all
--concurrency N`` then has several of them at once. The ``..._without_fix`` test shows moto
5.2.5 executing another stack's change set.
"""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from localaws.testing import LocalAwsEnv
from tests.localaws.trust import root_mfa_trust

ACCOUNT = "123456789012"
NAME = "cdk-deploy-change-set"


def template(role_name: str) -> str:
    trust = root_mfa_trust(ACCOUNT)
    return json.dumps(
        {
            "Resources": {
                "Role": {
                    "Type": "AWS::IAM::Role",
                    "Properties": {"RoleName": role_name, "AssumeRolePolicyDocument": trust},
                }
            }
        }
    )


def two_pending_stacks(aws: LocalAwsEnv, unique: str) -> tuple[str, str]:
    cfn = aws.client("cloudformation")
    first, second = f"{unique}-a", f"{unique}-b"
    for stack in (first, second):
        cfn.create_change_set(
            StackName=stack,
            ChangeSetName=NAME,
            ChangeSetType="CREATE",
            TemplateBody=template(stack),
        )
    return first, second


def status(aws: LocalAwsEnv, stack: str) -> str:
    described = aws.client("cloudformation").describe_stacks(StackName=stack)
    return str(described["Stacks"][0]["StackStatus"])


def test_a_change_set_name_is_resolved_within_its_stack(aws: LocalAwsEnv, unique: str):
    first, second = two_pending_stacks(aws, unique)
    cfn = aws.client("cloudformation")

    described = cfn.describe_change_set(StackName=second, ChangeSetName=NAME)
    cfn.execute_change_set(StackName=second, ChangeSetName=NAME)

    assert described["StackName"] == second
    assert status(aws, second) == "CREATE_COMPLETE"
    assert status(aws, first) == "REVIEW_IN_PROGRESS"
    cfn.delete_change_set(StackName=first, ChangeSetName=NAME)
    with pytest.raises(ClientError) as caught:
        cfn.describe_change_set(StackName=first, ChangeSetName=NAME)
    assert caught.value.response["Error"]["Code"] == "ChangeSetNotFound"
    assert cfn.describe_change_set(StackName=second, ChangeSetName=NAME)["StackName"] == second


def test_change_set_per_stack_without_fix(aws: LocalAwsEnv, unique: str):
    first, second = two_pending_stacks(aws, unique)
    cfn = aws.client("cloudformation")
    with aws.fix_disabled("cfn_change_set_per_stack"):
        cfn.execute_change_set(StackName=first, ChangeSetName=NAME)
    # moto ran the last change set of that name, the second stack's, not the first's
    assert status(aws, first) == "REVIEW_IN_PROGRESS"
    assert status(aws, second) == "CREATE_COMPLETE"
