"""Fix ``iam_managed_policies_per_role``: a role has at most 10 managed policies attached.

AWS IAM quotas: "Managed policies attached to an IAM role: 10" (adjustable up to 20; the
permissions boundary does not count). An eleventh AttachRolePolicy, or an ``AWS::IAM::Role``
with eleven ``ManagedPolicyArns``, fails with ``LimitExceeded`` (HTTP 409) "Cannot exceed quota
for PoliciesPerRole: 10" (aws/eks-hybrid#741, aws-amplify/amplify-cli#9561). moto 5.2.5
attaches any number. Adjustable here: ``quotas`` ``PoliciesPerRole``.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
"""

from __future__ import annotations

from moto.iam import models as iam_models

from localaws.compat import attach_checks, quotas
from localaws.compat.errors import IamLimitExceeded
from localaws.compat.registry import Fix, enabled, register

MESSAGE = "Cannot exceed quota for PoliciesPerRole: {quota}"
FIX = register(
    Fix(
        "iam_managed_policies_per_role",
        "AttachRolePolicy (and ManagedPolicyArns) refuses an eleventh managed policy on a role",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html",
        error_code="LimitExceeded",
        message=MESSAGE.format(quota=10),
    )
)


def check(policy_arn: str, entity: object, attached: int) -> None:
    if not enabled(FIX.name) or not isinstance(entity, iam_models.Role):
        return
    quota = quotas.get("PoliciesPerRole")
    if attached >= quota:
        raise IamLimitExceeded(MESSAGE.format(quota=quota))


def install() -> None:
    attach_checks.on_attach(check)
