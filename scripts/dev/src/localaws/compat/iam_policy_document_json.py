"""Fix ``iam_policy_document_json``: a role's policy documents must be JSON objects.

AWS: a policy document is JSON ("IAM JSON policy reference"); CreateRole with an
``AssumeRolePolicyDocument`` that is not JSON fails with ``MalformedPolicyDocument`` "This
policy contains invalid Json" (as AWS answers it: brendanhay/amazonka#434,
AWSCookbook/Security#2, localstack/localstack#8453). A document that is JSON but not an object
(``null``, a string) is refused as AWS refuses it on CreatePolicy, "Syntax errors in policy."
(99designs/iamy#74). moto 5.2.5 stores any text on CreateRole, and on a CloudFormation
``AWS::IAM::Role`` whose ``AssumeRolePolicyDocument`` is a string; every later request that
reads the trust policy then fails. The inline ``Policies`` of an ``AWS::IAM::Role`` are put
without PutRolePolicy's check on create; a document there that is not a JSON object is refused
as PutRolePolicy refuses it ("Syntax errors in policy."). moto already refuses a document that
is not JSON on UpdateAssumeRolePolicy, PutRolePolicy, PutUserPolicy, PutGroupPolicy,
CreatePolicy and CreatePolicyVersion (``MalformedPolicyDocument`` "Syntax errors in
policy."), and so on the CloudFormation resources that go through them (docs/local-aws.md
lists each call).
https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies.html
"""

from __future__ import annotations

import json
from typing import Any

from moto.iam import models as iam_models

from localaws.compat import patching, role_checks
from localaws.compat.errors import MalformedPolicyDocument
from localaws.compat.registry import Fix, enabled, register

INVALID_JSON = "This policy contains invalid Json"
NOT_AN_OBJECT = "Syntax errors in policy."
FIX = register(
    Fix(
        "iam_policy_document_json",
        "CreateRole (and AWS::IAM::Role, with its inline Policies) refuses a policy document "
        "that is not a JSON object",
        "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html",
        error_code="MalformedPolicyDocument",
        message=INVALID_JSON,
    )
)


def refusal(document: str) -> str | None:
    """AWS's message for a policy document that is not a JSON object, or None for one."""
    try:
        parsed = json.loads(document)
    except ValueError:
        return INVALID_JSON
    return None if isinstance(parsed, dict) else NOT_AN_OBJECT


def check(backend: Any, arguments: dict[str, Any]) -> None:
    del backend
    document = arguments.get("assume_role_policy_document")
    if not enabled(FIX.name) or not isinstance(document, str):
        return
    message = refusal(document)
    if message is not None:
        raise MalformedPolicyDocument(message)


def check_template_policies(properties: dict[str, Any]) -> None:
    """Refuse an inline policy of an AWS::IAM::Role template that is not a JSON object."""
    for policy in properties.get("Policies", []):
        document = policy.get("PolicyDocument") if isinstance(policy, dict) else None
        if isinstance(document, str) and refusal(document) is not None:
            raise MalformedPolicyDocument(NOT_AN_OBJECT)


def install() -> None:
    role_checks.on_create_role(check)

    patching.before_cfn_create(iam_models.Role, _checked)


def _checked(cloudformation_json: dict[str, Any]) -> dict[str, Any]:
    if enabled(FIX.name):
        check_template_policies(cloudformation_json.get("Properties", {}))
    return cloudformation_json
