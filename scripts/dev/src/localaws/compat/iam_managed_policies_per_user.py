"""Fix ``iam_managed_policies_per_user``: a user has at most 10 managed policies attached.

AWS IAM quotas: "Managed policies attached to an IAM user: 10" (adjustable up to 20). Over the
quota, AttachUserPolicy fails with ``LimitExceeded`` (HTTP 409); the text, by analogy with the
role's "Cannot exceed quota for PoliciesPerRole: 10", is "Cannot exceed quota for
PoliciesPerUser: 10" (not captured from AWS). moto 5.2.5 attaches any number. Adjustable here:
``quotas`` ``PoliciesPerUser``.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
"""

from __future__ import annotations

from moto.iam import models as iam_models

from localaws.compat import attach_checks, quotas
from localaws.compat.errors import IamLimitExceeded
from localaws.compat.registry import Fix, enabled, register

MESSAGE = "Cannot exceed quota for PoliciesPerUser: {quota}"
FIX = register(
    Fix(
        "iam_managed_policies_per_user",
        "AttachUserPolicy refuses an eleventh managed policy on a user",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html",
        error_code="LimitExceeded",
        message=MESSAGE.format(quota=10),
    )
)


def check(policy_arn: str, entity: object, attached: int) -> None:
    if not enabled(FIX.name) or not isinstance(entity, iam_models.User):
        return
    quota = quotas.get("PoliciesPerUser")
    if attached >= quota:
        raise IamLimitExceeded(MESSAGE.format(quota=quota))


def install() -> None:
    attach_checks.on_attach(check)
