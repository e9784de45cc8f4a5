"""Fix ``iam_account_summary_quotas``: ``GetAccountSummary`` reports the account's quotas.

AWS (GetAccountSummary): the ``SummaryMap`` holds "the current usage and quotas" of the
account's IAM entities: ``RolesQuota``, ``AttachedPoliciesPerRoleQuota``,
``AttachedPoliciesPerUserQuota`` and ``AssumeRolePolicySizeQuota`` are the quotas an account
raises through Service Quotas (IAM quotas page). moto 5.2.5 always reports its defaults, so after
a raise made through ``/_localaws/quotas`` (as an operator would request it) a preflight that
reads ``RolesQuota`` still sees 1,000 and cannot pass past 1,000 roles.
https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountSummary.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
"""

from __future__ import annotations

from typing import Any

from moto.iam import models as iam_models

from localaws.compat import quotas
from localaws.compat.registry import Fix, enabled, register

FIX = register(
    Fix(
        "iam_account_summary_quotas",
        "GetAccountSummary reports the quotas in force (a raised RolesQuota, for example)",
        "https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountSummary.html",
    )
)

# GetAccountSummary's key for each quota of ``localaws.compat.quotas``.
SUMMARY_KEYS: dict[str, str] = {
    "RolesPerAccount": "RolesQuota",
    "PoliciesPerRole": "AttachedPoliciesPerRoleQuota",
    "PoliciesPerUser": "AttachedPoliciesPerUserQuota",
    "ACLSizePerRole": "AssumeRolePolicySizeQuota",
}


def with_quotas(summary: dict[str, Any]) -> dict[str, Any]:
    """``summary`` with each quota key set to the quota in force."""
    return summary | {key: quotas.get(name) for name, key in SUMMARY_KEYS.items()}


def install() -> None:
    cls = iam_models.AccountSummary
    original = cls.summary_map.fget  # type: ignore[attr-defined]

    def summary_map(self: Any) -> dict[str, Any]:
        summary: dict[str, Any] = original(self)
        return with_quotas(summary) if enabled(FIX.name) else summary

    cls.summary_map = property(summary_map)  # type: ignore[assignment,method-assign]
