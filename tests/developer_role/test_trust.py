"""The trust policy as data: shapes for named, pattern and organisation trust, and its length."""

from __future__ import annotations

import pytest

from developer_role import mfa_conditions, policy_length, trust_policy

ALICE = "arn:aws:iam::123456789012:user/alice"
MFA = {
    "Bool": {"aws:MultiFactorAuthPresent": "true"},
    "NumericLessThan": {"aws:MultiFactorAuthAge": "3600"},
}


def test_named_principals_get_one_statement() -> None:
    bob = "arn:aws:iam::123456789012:user/bob"
    (statement,) = trust_policy(principals=[ALICE, bob])["Statement"]
    assert statement["Principal"] == {"AWS": [ALICE, bob]}
    assert statement["Action"] == ["sts:AssumeRole", "sts:SetSourceIdentity"]
    assert statement["Condition"] == MFA


def test_patterns_trust_their_accounts_and_narrow_by_principal_arn() -> None:
    patterns = [
        "arn:aws:iam::123456789012:user/payments-*",
        "arn:aws:iam::210987654321:role/payments/*",
    ]
    (statement,) = trust_policy(principal_arn_patterns=patterns)["Statement"]
    assert statement["Principal"] == {
        "AWS": ["arn:aws:iam::123456789012:root", "arn:aws:iam::210987654321:root"]
    }
    assert statement["Condition"]["ArnLike"] == {"aws:PrincipalArn": patterns}
    assert statement["Condition"]["Bool"] == MFA["Bool"]


def test_named_and_matched_principals_get_a_statement_each() -> None:
    document = trust_policy(principals=[ALICE], principal_org_id="o-a1b2c3d4e5")
    named, matched = document["Statement"]
    assert named["Principal"] == {"AWS": ALICE}
    assert matched["Principal"] == {"AWS": "*"}
    assert matched["Condition"]["StringEquals"] == {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}
    assert all(s["Condition"]["Bool"] == MFA["Bool"] for s in document["Statement"])


@pytest.mark.parametrize(("required", "has_null"), [(True, True), (False, False)])
def test_source_identity_requirement(required: bool, has_null: bool) -> None:
    conditions = mfa_conditions(900, require_source_identity=required)
    assert ("Null" in conditions) is has_null
    assert conditions["NumericLessThan"] == {"aws:MultiFactorAuthAge": "900"}


def test_length_counts_characters_without_white_space() -> None:
    document = trust_policy(principals=[ALICE])
    assert policy_length(document) == len(
        '{"Version":"2012-10-17","Statement":[{"Sid":"AssumeWithMfa","Effect":"Allow",'
        f'"Principal":{{"AWS":"{ALICE}"}},"Action":["sts:AssumeRole","sts:SetSourceIdentity"],'
        '"Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"},'
        '"NumericLessThan":{"aws:MultiFactorAuthAge":"3600"}}}]}'
    )
