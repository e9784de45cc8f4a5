"""CloudFormation deletes: a role with managed policies, a change set that does not exist.

Fixes ``cfn_role_delete_detaches_policies`` and ``cfn_delete_missing_change_set``; removing a
principal from the configuration and ``cdk diff`` depend on them.
"""

from __future__ import annotations

import json

import pytest
from botocore.parsers import ResponseParserError

from localaws.testing import LocalAwsEnv
from tests.localaws.test_moto_compat import ACCOUNT, POWER_USER, error_of
from tests.localaws.trust import root_mfa_trust


def roles_template(*names: str) -> str:
    return json.dumps(
        {
            "Resources": {
                f"Role{index}": {
                    "Type": "AWS::IAM::Role",
                    "Properties": {
                        "RoleName": name,
                        "AssumeRolePolicyDocument": root_mfa_trust(ACCOUNT),
                        "ManagedPolicyArns": [POWER_USER],
                        "Policies": [
                            {
                                "PolicyName": "deny-iam",
                                "PolicyDocument": {
                                    "Version": "2012-10-17",
                                    "Statement": [
                                        {"Effect": "Deny", "Action": "iam:*", "Resource": "*"}
                                    ],
                                },
                            }
                        ],
                    },
                }
                for index, name in enumerate(names)
            }
        }
    )


def remove_a_role(aws: LocalAwsEnv, stack: str) -> None:
    cfn = aws.client("cloudformation")
    cfn.create_stack(StackName=stack, TemplateBody=roles_template(f"{stack}a", f"{stack}b"))
    cfn.update_stack(StackName=stack, TemplateBody=roles_template(f"{stack}a"))


def role_names(aws: LocalAwsEnv, stack: str) -> list[str]:
    roles = aws.client("iam").list_roles()["Roles"]
    return sorted(r["RoleName"] for r in roles if r["RoleName"].startswith(stack))


def test_removing_a_role_with_managed_policies_from_the_template_deletes_it(aws, unique):
    remove_a_role(aws, unique)
    assert role_names(aws, unique) == [f"{unique}a"]


def test_deleting_the_stack_deletes_its_roles(aws, unique):
    cfn = aws.client("cloudformation")
    cfn.create_stack(StackName=unique, TemplateBody=roles_template(f"{unique}a"))
    cfn.delete_stack(StackName=unique)
    assert role_names(aws, unique) == []


def test_removing_a_role_with_managed_policies_without_fix(aws, unique):
    with aws.fix_disabled("cfn_role_delete_detaches_policies"):
        code, message = error_of(remove_a_role, aws=aws, stack=unique)
    assert (code, message) == (
        "DeleteConflict",
        "Cannot delete entity, must detach all policies first.",
    )


def test_deleting_a_change_set_that_does_not_exist_succeeds(aws, unique):
    cfn = aws.client("cloudformation")
    cfn.create_stack(StackName=unique, TemplateBody=roles_template(f"{unique}a"))
    cfn.delete_change_set(StackName=unique, ChangeSetName="cdk-diff-change-set")
    stack_id = cfn.describe_stacks(StackName=unique)["Stacks"][0]["StackId"]
    cfn.delete_change_set(StackName=stack_id, ChangeSetName="cdk-deploy-change-set")


def test_deleting_a_change_set_of_a_stack_that_does_not_exist_is_a_validation_error(aws, unique):
    cfn = aws.client("cloudformation")
    code, message = error_of(cfn.delete_change_set, StackName=unique, ChangeSetName="x")
    assert (code, message) == ("ValidationError", f"Stack with id {unique} does not exist")


def test_deleting_a_change_set_that_does_not_exist_without_fix(aws, unique):
    cfn = aws.client("cloudformation")
    cfn.create_stack(StackName=unique, TemplateBody=roles_template(f"{unique}a"))
    with aws.fix_disabled("cfn_delete_missing_change_set"):
        code, _ = error_of(cfn.delete_change_set, StackName=unique, ChangeSetName="missing")
    assert code == "ChangeSetNotFound"  # through moto's lookup scoped by cfn_change_set_per_stack
    with (
        aws.fix_disabled("cfn_delete_missing_change_set"),
        aws.fix_disabled("cfn_change_set_per_stack"),
        pytest.raises(ResponseParserError, match="500 Internal Server Error"),
    ):
        cfn.delete_change_set(StackName=unique, ChangeSetName="missing")
