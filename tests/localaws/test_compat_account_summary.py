"""GetAccountSummary reports the quotas in force, so a raised role quota lets preflight pass."""

from __future__ import annotations

import pytest

from localaws.compat.quotas import DEFAULTS
from localaws.testing import LocalAwsEnv

RAISED = {
    "RolesPerAccount": ("RolesQuota", 2500),
    "PoliciesPerRole": ("AttachedPoliciesPerRoleQuota", 20),
    "PoliciesPerUser": ("AttachedPoliciesPerUserQuota", 20),
    "ACLSizePerRole": ("AssumeRolePolicySizeQuota", 4096),
}


@pytest.fixture
def raised(aws: LocalAwsEnv):
    """Each quota raised as an operator would request it; AWS's defaults again afterwards."""
    for name, (_, value) in RAISED.items():
        aws.set_quota(name, value)
    yield
    for name, value in DEFAULTS.items():
        aws.set_quota(name, value)


def summary(aws: LocalAwsEnv) -> dict[str, int]:
    return dict(aws.client("iam").get_account_summary()["SummaryMap"])


def test_account_summary_reports_the_defaults(aws):
    got = summary(aws)
    assert {key: got[key] for key, _ in RAISED.values()} == {
        "RolesQuota": 1000,
        "AttachedPoliciesPerRoleQuota": 10,
        "AttachedPoliciesPerUserQuota": 10,
        "AssumeRolePolicySizeQuota": 2048,
    }


def test_account_summary_reports_a_raised_quota(aws, raised):
    got = summary(aws)
    assert {key: got[key] for key, _ in RAISED.values()} == {
        key: value for key, value in RAISED.values()
    }
    # what preflight's role-quota check computes: 1,200 roles fit under a raised quota
    assert got["Roles"] + 1200 <= got["RolesQuota"]


def test_account_summary_without_the_fix_keeps_motos_defaults(aws, raised):
    with aws.fix_disabled("iam_account_summary_quotas"):
        got = summary(aws)
    assert got["RolesQuota"] == 1000
    assert got["AssumeRolePolicySizeQuota"] == 2048
