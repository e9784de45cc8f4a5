"""The request matrix: coverage of the promised dimensions and the requests it builds."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from trustcheck.matrix import (
    ASSUME_ROLE,
    MATRIX,
    SET_SOURCE_IDENTITY,
    TAG_SESSION,
    Age,
    Call,
    Decision,
    IdentitySide,
    Mfa,
    RoleUnderTest,
    Who,
    other_account,
    request_context,
    requests_for,
    signing_arn,
    with_account,
)

ALICE = "arn:aws:iam::123456789012:user/alice"
ENGINEER = "arn:aws:iam::123456789012:role/ci/platform-engineer"
POLICY = {"Version": "2012-10-17", "Statement": []}


BASE_ROLE = RoleUnderTest(
    name="Stack/Role",
    role_arn="arn:aws:iam::123456789012:role/developers/PowerUser-alice",
    account="123456789012",
    trust_policy=POLICY,
    owners=(ALICE,),
    named_principals=(ALICE,),
)


def make_role(**overrides: Any) -> RoleUnderTest:
    return dataclasses.replace(BASE_ROLE, **overrides)


def case(case_id: str):
    return next(c for c in MATRIX if c.id == case_id)


def test_case_ids_are_unique():
    ids = [c.id for c in MATRIX]
    assert len(ids) == len(set(ids))


def test_trusted_principal_is_tried_with_every_mfa_state_and_age():
    trusted = {(c.mfa, c.age) for c in MATRIX if c.who is Who.TRUSTED}
    assert {(Mfa.TRUE, age) for age in (Age.FRESH, Age.JUST_UNDER, Age.AT_MAX, Age.OLD)} <= trusted
    assert {(Mfa.FALSE, Age.NONE), (Mfa.ABSENT, Age.NONE)} <= trusted


@pytest.mark.parametrize("who", [Who.TRUSTED, Who.SAME_ACCOUNT, Who.OTHER_ACCOUNT])
def test_every_call_is_tried_by(who):
    assert {c.call for c in MATRIX if c.who is who} == set(Call)


def test_only_fresh_mfa_of_the_trusted_principal_is_ever_allowed():
    allowed = [
        c for c in MATRIX if Decision.ALLOW in (c.expect, c.expect_with_source_identity_required)
    ]
    assert allowed
    assert all(c.who is Who.TRUSTED and c.mfa is Mfa.TRUE for c in allowed)
    assert all(c.age in (Age.FRESH, Age.JUST_UNDER) for c in allowed)
    assert all(c.call is not Call.TAG_SESSION for c in allowed)


def test_untrusted_principals_are_allowed_all_of_sts_by_their_own_account():
    untrusted = [c for c in MATRIX if c.who is not Who.TRUSTED]
    assert all(c.identity is IdentitySide.ALLOW_STS for c in untrusted)


@pytest.mark.parametrize(
    ("call", "actions"),
    [
        (Call.ASSUME_ROLE, (ASSUME_ROLE,)),
        (Call.SET_SOURCE_IDENTITY, (ASSUME_ROLE, SET_SOURCE_IDENTITY)),
        (Call.TAG_SESSION, (ASSUME_ROLE, TAG_SESSION)),
    ],
)
def test_a_call_needs_assume_role_and_its_own_action(call, actions):
    assert call.actions == actions


def test_long_term_keys_carry_no_mfa_keys():
    assert request_context(case("trusted-mfa-absent-assume"), 3600) == {}


def test_temporary_credentials_without_mfa_say_false_and_have_no_age():
    assert request_context(case("trusted-mfa-false-assume"), 3600) == {
        "aws:MultiFactorAuthPresent": "false"
    }


@pytest.mark.parametrize(
    ("case_id", "age"),
    [
        ("trusted-mfa-fresh-assume", "0"),
        ("trusted-mfa-just-under-assume", "7140"),
        ("trusted-mfa-at-max-assume", "7200"),
        ("trusted-mfa-old-assume", "7800"),
    ],
)
def test_mfa_ages_are_relative_to_the_role_maximum(case_id, age):
    context = request_context(case(case_id), 7200)
    assert context["aws:MultiFactorAuthPresent"] == "true"
    assert context["aws:MultiFactorAuthAge"] == age


def test_source_identity_and_tag_calls_carry_their_keys():
    source = request_context(case("trusted-mfa-fresh-source"), 3600)
    tags = request_context(case("trusted-mfa-fresh-tags"), 3600)
    assert "sts:SourceIdentity" in source
    assert tags["aws:TagKeys"] == ["team"]
    assert tags["aws:RequestTag/team"] == "developers"


def test_a_role_signs_as_its_session_without_path():
    assert signing_arn(ENGINEER) == (
        "arn:aws:sts::123456789012:assumed-role/platform-engineer/trustcheck"
    )
    assert signing_arn(ALICE) == ALICE


def test_other_account_keeps_the_name():
    assert with_account(ENGINEER, other_account("123456789012")) == (
        "arn:aws:iam::210987654321:role/ci/platform-engineer"
    )
    assert other_account("210987654321") != "210987654321"


def test_with_account_rejects_what_is_not_a_user_or_role():
    with pytest.raises(ValueError, match="is not an IAM user or role ARN"):
        with_account("arn:aws:iam::123456789012:root", "210987654321")


def test_requiring_a_source_identity_refuses_a_plain_assume_role():
    requests = requests_for(make_role(requires_source_identity=True))
    by_case = {r.case.id: r.expected for r in requests}
    assert by_case["trusted-mfa-fresh-assume"] is Decision.DENY
    assert by_case["trusted-mfa-fresh-source"] is Decision.ALLOW


def test_a_cross_account_owner_needs_its_own_identity_policy():
    carol = "arn:aws:iam::444455556666:user/carol"
    requests = requests_for(make_role(owners=(carol,), named_principals=(carol,)))
    by_case = {r.case.id: r.expected for r in requests}
    assert by_case["trusted-mfa-fresh-assume"] is Decision.DENY
    assert by_case["trusted-sts-mfa-fresh-assume"] is Decision.ALLOW


def test_every_other_named_principal_is_tried_and_must_be_refused():
    eve = "arn:aws:iam::123456789012:user/eve"
    requests = requests_for(make_role(named_principals=(ALICE, eve)))
    unclaimed = [r for r in requests if r.case.who is Who.UNCLAIMED]
    assert [r.principal for r in unclaimed] == [eve]
    assert unclaimed[0].expected is Decision.DENY


def test_without_other_named_principals_there_are_no_unclaimed_requests():
    assert not [r for r in requests_for(make_role()) if r.case.who is Who.UNCLAIMED]
