"""Fix ``iam_policy_not_attachable``: a service-linked role's policy attaches to no other role.

AWS managed policies under the path ``/aws-service-role/`` are for service-linked roles only;
AttachRolePolicy (and ``ManagedPolicyArns`` of ``AWS::IAM::Role``) answers
``PolicyNotAttachable``, "Cannot attach a Service Role Policy to a Customer Role." (HTTP 400;
the code is in the AttachRolePolicy API reference's errors, the text as AWS returns it, seen
in aws/aws-cdk#6131). moto 5.2.5 attaches it.
https://docs.aws.amazon.com/IAM/latest/APIReference/API_AttachRolePolicy.html
"""

from __future__ import annotations

from typing import Any

from moto.iam.exceptions import IAMException

from localaws.compat import attach_checks
from localaws.compat.registry import Fix, enabled, register

MESSAGE = "Cannot attach a Service Role Policy to a Customer Role."
FIX = register(
    Fix(
        "iam_policy_not_attachable",
        "a policy of a service-linked role (path /aws-service-role/) attaches to no other role",
        "https://docs.aws.amazon.com/IAM/latest/APIReference/API_AttachRolePolicy.html",
        error_code="PolicyNotAttachable",
        message=MESSAGE,
    )
)


class PolicyNotAttachable(IAMException):
    code = "PolicyNotAttachable"


def check(policy_arn: str, entity: Any, attached: int) -> None:
    del attached
    if not enabled(FIX.name):
        return
    if ":policy/aws-service-role/" in policy_arn and hasattr(entity, "assume_role_policy_document"):
        raise PolicyNotAttachable(MESSAGE)


def install() -> None:
    attach_checks.on_attach(check)
