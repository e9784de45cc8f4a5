"""Fix ``iam_roles_per_account``: an account has at most 1,000 roles.

AWS IAM quotas: "Roles in an AWS account: 1,000" (adjustable up to 5,000). Over it, CreateRole
fails with ``LimitExceeded`` (HTTP 409); the text, by analogy with the captured "Cannot exceed
quota for InstanceProfilesPerAccount: 1000" (ansible/workshops#1801), is "Cannot exceed quota
for RolesPerAccount: 1000" (not captured from AWS). moto 5.2.5 only reports the quota.
Adjustable here: ``quotas`` ``RolesPerAccount`` (a benchmark with more developers than the
default raises it, as its operator would request). The count is moto's role map's size.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
"""

from __future__ import annotations

from typing import Any

from localaws.compat import quotas, role_checks
from localaws.compat.errors import IamLimitExceeded
from localaws.compat.registry import Fix, enabled, register

MESSAGE = "Cannot exceed quota for RolesPerAccount: {quota}"
FIX = register(
    Fix(
        "iam_roles_per_account",
        "CreateRole refuses a role beyond the account's 1,000",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html",
        error_code="LimitExceeded",
        message=MESSAGE.format(quota=1000),
    )
)


def check(backend: Any, arguments: dict[str, Any]) -> None:
    del arguments
    quota = quotas.get("RolesPerAccount")
    if enabled(FIX.name) and len(backend.roles) >= quota:
        raise IamLimitExceeded(MESSAGE.format(quota=quota))


def install() -> None:
    role_checks.on_create_role(check)
