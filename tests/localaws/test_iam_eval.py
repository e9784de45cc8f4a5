"""IAM condition and decision semantics of localaws.iam_eval, against the documented rules."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from localaws import iam_eval

MFA_TRUST: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::123456789012:user/alice"},
            "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"],
            "Condition": {
                "Bool": {"aws:MultiFactorAuthPresent": "true"},
                "NumericLessThan": {"aws:MultiFactorAuthAge": "3600"},
            },
        }
    ],
}
ALICE = iam_eval.Caller("arn:aws:iam::123456789012:user/alice", "123456789012")
BOB = iam_eval.Caller("arn:aws:iam::123456789012:user/bob", "123456789012")
MALLORY = iam_eval.Caller("arn:aws:iam::210987654321:user/alice", "210987654321")
ROLE = "arn:aws:iam::123456789012:role/developers/PowerUser-alice"
ALLOW_ASSUME = {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}


@pytest.mark.parametrize(
    ("operator", "key", "expected", "context", "holds"),
    [
        (
            "Bool",
            "aws:MultiFactorAuthPresent",
            "true",
            {"aws:MultiFactorAuthPresent": "true"},
            True,
        ),
        (
            "Bool",
            "aws:MultiFactorAuthPresent",
            "true",
            {"aws:MultiFactorAuthPresent": "false"},
            False,
        ),
        ("Bool", "aws:MultiFactorAuthPresent", "true", {}, False),
        ("BoolIfExists", "aws:MultiFactorAuthPresent", "true", {}, True),
        (
            "NumericLessThan",
            "aws:MultiFactorAuthAge",
            "3600",
            {"aws:MultiFactorAuthAge": "3599"},
            True,
        ),
        (
            "NumericLessThan",
            "aws:MultiFactorAuthAge",
            "3600",
            {"aws:MultiFactorAuthAge": "3600"},
            False,
        ),
        ("NumericLessThan", "aws:MultiFactorAuthAge", "3600", {}, False),
        ("NumericLessThanIfExists", "aws:MultiFactorAuthAge", "3600", {}, True),
        ("Null", "sts:SourceIdentity", "false", {"sts:SourceIdentity": "alice"}, True),
        ("Null", "sts:SourceIdentity", "false", {}, False),
        ("Null", "sts:SourceIdentity", "true", {}, True),
        ("StringEquals", "sts:ExternalId", ["a", "b"], {"sts:ExternalId": "b"}, True),
        ("StringNotEquals", "sts:ExternalId", "a", {}, True),
        (
            "StringLike",
            "aws:PrincipalArn",
            "arn:aws:iam::*:user/a?ice",
            {"aws:PrincipalArn": ALICE.arn},
            True,
        ),
        ("StringEqualsIgnoreCase", "aws:username", "ALICE", {"AWS:UserName": "alice"}, True),
        (
            "ArnLike",
            "aws:PrincipalArn",
            "arn:aws:iam::123456789012:user/*",
            {"aws:PrincipalArn": ALICE.arn},
            True,
        ),
        (
            "ArnNotLike",
            "aws:PrincipalArn",
            "arn:aws:iam::123456789012:user/*",
            {"aws:PrincipalArn": MALLORY.arn},
            True,
        ),
        (
            "DateLessThan",
            "aws:CurrentTime",
            "2030-01-01T00:00:00Z",
            {"aws:CurrentTime": "2029-12-31T23:59:59Z"},
            True,
        ),
        ("IpAddress", "aws:SourceIp", "10.0.0.0/8", {"aws:SourceIp": "10.1.2.3"}, True),
        (
            "ForAllValues:StringEquals",
            "aws:TagKeys",
            ["team"],
            {"aws:TagKeys": ["team", "x"]},
            False,
        ),
        ("ForAllValues:StringEquals", "aws:TagKeys", ["team"], {}, True),
        ("ForAnyValue:StringEquals", "aws:TagKeys", ["team"], {"aws:TagKeys": ["team", "x"]}, True),
        ("ForAnyValue:StringEquals", "aws:TagKeys", ["team"], {}, False),
    ],
    ids=lambda value: str(value)[:40],
)
def test_condition_operator_semantics(operator, key, expected, context, holds):
    assert iam_eval.condition_operator_matches(operator, key, expected, context) is holds


def _decide(
    caller: iam_eval.Caller,
    context: dict[str, Any],
    identity: Sequence[dict[str, Any]] = (),
    action: str = "sts:AssumeRole",
    trust: dict[str, Any] = MFA_TRUST,
) -> iam_eval.Decision:
    return iam_eval.decide_with_resource_policy(
        trust_policy=trust,
        identity_policies=list(identity),
        caller=caller,
        action=action,
        resource=ROLE,
        resource_account="123456789012",
        context=context,
    )


MFA_FRESH = {"aws:MultiFactorAuthPresent": "true", "aws:MultiFactorAuthAge": "0"}


def test_named_principal_with_fresh_mfa_needs_no_identity_policy_in_same_account():
    assert _decide(ALICE, MFA_FRESH).allowed


@pytest.mark.parametrize(
    "context",
    [
        {},
        {"aws:MultiFactorAuthPresent": "false"},
        {"aws:MultiFactorAuthPresent": "true", "aws:MultiFactorAuthAge": "3600"},
        {"aws:MultiFactorAuthPresent": "true"},
    ],
    ids=["long-term-keys", "session-without-mfa", "mfa-too-old", "age-missing"],
)
def test_trust_conditions_refuse_without_fresh_mfa(context):
    assert not _decide(ALICE, context, identity=[ALLOW_ASSUME]).allowed


def test_same_account_user_not_named_is_refused_even_with_identity_policy():
    assert not _decide(BOB, MFA_FRESH, identity=[ALLOW_ASSUME]).allowed


def test_account_principal_delegates_to_identity_policy():
    trust = {
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "123456789012"}, "Action": "sts:AssumeRole"}
        ]
    }
    assert not _decide(BOB, {}, trust=trust).allowed
    assert _decide(BOB, {}, identity=[ALLOW_ASSUME], trust=trust).allowed


def test_cross_account_needs_trust_and_identity_policy():
    trust = {
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": MALLORY.arn}, "Action": "sts:AssumeRole"}
        ]
    }
    assert not _decide(MALLORY, {}, trust=trust).allowed
    assert _decide(MALLORY, {}, identity=[ALLOW_ASSUME], trust=trust).allowed


def test_explicit_deny_in_identity_policy_wins():
    deny = {"Statement": [{"Effect": "Deny", "Action": "sts:*", "Resource": "*"}]}
    assert not _decide(ALICE, MFA_FRESH, identity=[deny]).allowed


def test_tag_session_is_not_granted_by_the_trust_policy():
    assert _decide(ALICE, MFA_FRESH, action="sts:SetSourceIdentity").allowed
    assert not _decide(ALICE, MFA_FRESH, action="sts:TagSession").allowed


def test_role_session_matches_the_role_principal():
    session = iam_eval.Caller(
        "arn:aws:sts::123456789012:assumed-role/ci/job",
        "123456789012",
        role_arn="arn:aws:iam::123456789012:role/tools/ci",
    )
    trust = {
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Principal": {"AWS": "arn:aws:iam::123456789012:role/tools/ci"},
            }
        ]
    }
    assert _decide(session, {}, trust=trust).allowed
