"""Every IAM call that takes a policy document refuses one that is not JSON.

The calls are found in IAM's API model (the one botocore ships, from which the API reference is
made): every operation with a member of the policy-document type. Each is called with a
document that is not JSON, directly and, where a CloudFormation resource reaches it, through a
template deployed as the CDK does. ``iam_policy_document_json`` restores AWS's refusal where
moto 5.2.5 accepts the text (CreateRole, AWS::IAM::Role); the rest moto refuses itself.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import botocore.session
import pytest
from botocore.exceptions import ClientError

from localaws.testing import LocalAwsEnv

NOT_JSON = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",}]}'  # trailing comma
NOT_AN_OBJECT = '"a policy"'
ROOT = "arn:aws:iam::345678901234:root"
POLICY_DOCUMENT_SHAPE = "policyDocumentType"
# Operations of the model that moto 5.2.5 does not serve at all (the product never calls them):
# the policy simulator and IAM's workload-identity API, newer than moto.
NOT_SERVED = {
    "CreateWorkloadIdentityTemplate",
    "PutWorkloadIdentityProviderResourcePolicy",
    "PutWorkloadIdentityTemplateAttestationPolicy",
    "GetContextKeysForCustomPolicy",
    "GetContextKeysForPrincipalPolicy",
    "SimulateCustomPolicy",
    "SimulatePrincipalPolicy",
}


def trust() -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "sts:AssumeRole"}
            ],
        }
    )


def identity_policy() -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}],
        }
    )


def operations_taking_a_policy_document() -> set[str]:
    model = botocore.session.get_session().get_service_model("iam")
    found = set()
    for name in model.operation_names:
        shape = model.operation_model(name).input_shape
        if shape is None:
            continue
        for member in shape.members.values():
            inner = getattr(member, "member", member)  # a list of documents counts too
            if POLICY_DOCUMENT_SHAPE in (member.name, inner.name):
                found.add(name)
    return found


Call = Callable[[LocalAwsEnv, str, str], Any]


def _create_role(aws: LocalAwsEnv, name: str, document: str) -> Any:
    return aws.client("iam").create_role(RoleName=name, AssumeRolePolicyDocument=document)


def _update_assume_role_policy(aws: LocalAwsEnv, name: str, document: str) -> Any:
    iam = aws.client("iam")
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust())
    return iam.update_assume_role_policy(RoleName=name, PolicyDocument=document)


def _put_role_policy(aws: LocalAwsEnv, name: str, document: str) -> Any:
    iam = aws.client("iam")
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust())
    return iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=document)


def _put_user_policy(aws: LocalAwsEnv, name: str, document: str) -> Any:
    iam = aws.client("iam")
    iam.create_user(UserName=name)
    return iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=document)


def _put_group_policy(aws: LocalAwsEnv, name: str, document: str) -> Any:
    iam = aws.client("iam")
    iam.create_group(GroupName=name)
    return iam.put_group_policy(GroupName=name, PolicyName="p", PolicyDocument=document)


def _create_policy(aws: LocalAwsEnv, name: str, document: str) -> Any:
    return aws.client("iam").create_policy(PolicyName=name, PolicyDocument=document)


def _create_policy_version(aws: LocalAwsEnv, name: str, document: str) -> Any:
    iam = aws.client("iam")
    arn = iam.create_policy(PolicyName=name, PolicyDocument=identity_policy())["Policy"]["Arn"]
    return iam.create_policy_version(PolicyArn=arn, PolicyDocument=document)


CALLS: dict[str, tuple[Call, str | None]] = {
    # operation: (call, the fix restoring the refusal, or None where moto refuses itself)
    "CreateRole": (_create_role, "iam_policy_document_json"),
    "UpdateAssumeRolePolicy": (_update_assume_role_policy, None),
    "PutRolePolicy": (_put_role_policy, None),
    "PutUserPolicy": (_put_user_policy, None),
    "PutGroupPolicy": (_put_group_policy, None),
    "CreatePolicy": (_create_policy, None),
    "CreatePolicyVersion": (_create_policy_version, None),
}


def error_of(call: Call, aws: LocalAwsEnv, name: str, document: str) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call(aws, name, document)
    error = caught.value.response["Error"]
    return str(error.get("Code")), str(error.get("Message"))


def test_every_operation_of_the_model_that_takes_a_policy_document_is_checked():
    assert operations_taking_a_policy_document() == set(CALLS) | NOT_SERVED


@pytest.mark.parametrize("operation", CALLS)
@pytest.mark.parametrize("document", [NOT_JSON, NOT_AN_OBJECT], ids=["not-json", "json-string"])
def test_a_policy_document_that_is_not_a_json_object_is_refused(aws, unique, operation, document):
    call, _ = CALLS[operation]
    code, message = error_of(call, aws, unique, document)
    assert code == "MalformedPolicyDocument"
    assert message in ("This policy contains invalid Json", "Syntax errors in policy.")


def test_create_role_answers_as_aws_for_text_that_is_not_json(aws, unique):
    assert error_of(_create_role, aws, unique, NOT_JSON) == (
        "MalformedPolicyDocument",
        "This policy contains invalid Json",
    )


@pytest.mark.parametrize("operation", [op for op, (_, fix) in CALLS.items() if fix])
def test_without_the_fix_moto_accepts_a_document_that_is_not_json(aws, unique, operation):
    call, fix = CALLS[operation]
    assert fix is not None
    with aws.fix_disabled(fix):
        created = call(aws, unique, NOT_JSON)
    # moto stored the text; the role goes at once (SDKs cannot read such a role back: botocore
    # decodes every policy document of a ListRoles answer as JSON)
    aws.client("iam").delete_role(RoleName=unique)
    assert created["Role"]["RoleName"] == unique


def role_template(name: str, trust_document: Any, policy_document: Any) -> dict[str, Any]:
    return {
        "Resources": {
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "RoleName": name,
                    "AssumeRolePolicyDocument": trust_document,
                    "Policies": [{"PolicyName": "inline", "PolicyDocument": policy_document}],
                },
            }
        }
    }


def policy_template(resource_type: str, document: str) -> dict[str, Any]:
    return {
        "Resources": {
            "Policy": {
                "Type": resource_type,
                "Properties": {
                    "PolicyName" if resource_type == "AWS::IAM::Policy" else "Description": "p",
                    "PolicyDocument": document,
                    "Roles": [],
                    "Users": ["localaws-admin"],
                },
            }
        }
    }


TEMPLATES: dict[str, Callable[[str], dict[str, Any]]] = {
    "role-trust-policy": lambda name: role_template(name, NOT_JSON, json.loads(identity_policy())),
    "role-inline-policy": lambda name: role_template(name, json.loads(trust()), NOT_JSON),
    "inline-policy-resource": lambda name: policy_template("AWS::IAM::Policy", NOT_JSON),
    "managed-policy-resource": lambda name: policy_template("AWS::IAM::ManagedPolicy", NOT_JSON),
}


@pytest.mark.parametrize("make", TEMPLATES.values(), ids=TEMPLATES.keys())
def test_a_template_with_a_policy_document_that_is_not_json_fails_to_deploy(aws, unique, make):
    failure = aws.deploy_failure(make(unique))
    assert failure is not None
    assert failure.code == "MalformedPolicyDocument"


@pytest.mark.parametrize("kind", ["role-trust-policy", "role-inline-policy"])
def test_without_the_fix_a_role_template_with_a_document_that_is_not_json_deploys(
    aws, unique, kind
):
    with aws.fix_disabled("iam_policy_document_json"):
        failure = aws.deploy_failure(TEMPLATES[kind](unique), stack_name=unique)
    aws.client("cloudformation").delete_stack(StackName=unique)  # see above: not readable
    assert failure is None
