"""Fix ``iam_trust_policy_size``: a trust policy has at most 2,048 characters (not counting spaces).

AWS IAM quotas: "Role trust policy length: 2,048 characters" (adjustable up to 4,096); "IAM
does not count white space when calculating the size of a policy against these quotas". Over
the quota, CreateRole/UpdateAssumeRolePolicy fail with ``LimitExceeded`` (HTTP 409) "Cannot
exceed quota for ACLSizePerRole: 2048" (kubeflow/dashboard#29). moto 5.2.5 only reports the
quota in GetAccountSummary. Adjustable here: ``quotas`` ``ACLSizePerRole``.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
"""

from __future__ import annotations

from localaws.compat import quotas, trust_checks
from localaws.compat.errors import IamLimitExceeded
from localaws.compat.registry import Fix, enabled, register

MESSAGE = "Cannot exceed quota for ACLSizePerRole: {quota}"
FIX = register(
    Fix(
        "iam_trust_policy_size",
        "CreateRole/UpdateAssumeRolePolicy refuse a trust policy over 2,048 characters "
        "(white space not counted)",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html",
        error_code="LimitExceeded",
        message=MESSAGE.format(quota=2048),
    )
)


def size(document_text: str) -> int:
    """The policy's size as IAM counts it: every character except white space."""
    return sum(1 for character in document_text if not character.isspace())


def check(document_text: str) -> None:
    quota = quotas.get("ACLSizePerRole")
    if enabled(FIX.name) and size(document_text) > quota:
        raise IamLimitExceeded(MESSAGE.format(quota=quota))


def install() -> None:
    trust_checks.on_trust_policy(check)
