"""When a deleted principal does not fail the deploy: its role's trust policy is not rewritten."""

from __future__ import annotations

import copy
from typing import Any

from developer_roles.audit import expected_trust
from developer_roles.config import RoleSpec, validate
from developer_roles.preflight import _same_trust

GONE = "arn:aws:iam::222222222222:user/gone"


def spec_and_role() -> tuple[RoleSpec, dict[str, Any]]:
    [spec] = validate({"account": "222222222222", "principals": [GONE]}).roles
    return spec, {"AssumeRolePolicyDocument": expected_trust(spec)}


def test_a_deployed_trust_policy_as_synthesized_is_left_alone():
    spec, role = spec_and_role()
    assert _same_trust(role, spec, {GONE.lower()})


def test_iam_s_unique_id_in_place_of_the_deleted_principal_is_still_the_same_policy():
    spec, role = spec_and_role()
    rewritten = copy.deepcopy(role)
    rewritten["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] = {
        "AWS": "AIDAJQABLZS4A3QDU576Q"
    }
    assert _same_trust(rewritten, spec, {GONE.lower()})


def test_a_trust_policy_the_deploy_changes_is_written_again():
    spec, role = spec_and_role()
    changed = copy.deepcopy(role)
    changed["AssumeRolePolicyDocument"]["Statement"][0]["Condition"]["NumericLessThan"] = {
        "aws:MultiFactorAuthAge": "7200"
    }
    assert not _same_trust(changed, spec, {GONE.lower()})
