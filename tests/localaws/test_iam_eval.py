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
        # Several values of a key are OR'd for Null too: the key absent or present both hold.
        ("Null", "aws:MultiFactorAuthAge", ["true", "false"], {}, True),
        (
            "Null",
            "aws:MultiFactorAuthAge",
            ["true", "false"],
            {"aws:MultiFactorAuthAge": "9"},
            True,
        ),
        # JSON true/false are the strings "true"/"false" under string operators.
        (
            "StringEquals",
            "aws:MultiFactorAuthPresent",
            True,
            {"aws:MultiFactorAuthPresent": "true"},
            True,
        ),
        (
            "StringEquals",
            "aws:MultiFactorAuthPresent",
            "true",
            {"aws:MultiFactorAuthPresent": True},
            True,
        ),
        (
            "StringEquals",
            "aws:MultiFactorAuthPresent",
            False,
            {"aws:MultiFactorAuthPresent": "true"},
            False,
        ),
        ("BinaryEquals", "aws:Key", "QmluYXJ5", {"aws:Key": "QmluYXJ5"}, True),
        ("BinaryEquals", "aws:Key", "QmluYXJ5", {"aws:Key": "b3RoZXI="}, False),
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


# --------------------------------------------------------------------------- policy variables
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html

ALICE_CONTEXT = {
    "aws:username": "alice",
    "aws:userid": "AIDATESTALICE",
    "aws:PrincipalAccount": "111122223333",
    "aws:PrincipalTag/team": "payments",
}


def _allows(resource_pattern: str, resource: str, version: str = "2012-10-17") -> bool:
    policy = {
        "Version": version,
        "Statement": [{"Effect": "Allow", "Action": "iam:GetUser", "Resource": resource_pattern}],
    }
    return iam_eval.evaluate_identity_policies(
        [policy], "iam:GetUser", resource, ALICE_CONTEXT
    ).allowed


@pytest.mark.parametrize(
    ("pattern", "resource", "allowed"),
    [
        (
            "arn:aws:iam::111122223333:user/${aws:username}",
            "arn:aws:iam::111122223333:user/alice",
            True,
        ),
        (
            "arn:aws:iam::111122223333:user/${aws:username}",
            "arn:aws:iam::111122223333:user/bob",
            False,
        ),
        (
            "arn:aws:iam::111122223333:user/${aws:userid}",
            "arn:aws:iam::111122223333:user/AIDATESTALICE",
            True,
        ),
        ("arn:aws:iam::${aws:PrincipalAccount}:user/*", "arn:aws:iam::111122223333:user/bob", True),
        (
            "arn:aws:iam::${aws:PrincipalAccount}:user/*",
            "arn:aws:iam::444455556666:user/bob",
            False,
        ),
        ("arn:aws:s3:::b/${aws:PrincipalTag/team}/*", "arn:aws:s3:::b/payments/x", True),
        ("arn:aws:s3:::b/${aws:PrincipalTag/team}/*", "arn:aws:s3:::b/data/x", False),
        # no value and no default: matches nothing (not even with the wildcard around it)
        ("arn:aws:s3:::b/${aws:PrincipalTag/missing}*", "arn:aws:s3:::b/x", False),
        ("arn:aws:s3:::b/${aws:PrincipalTag/missing, 'shared'}/*", "arn:aws:s3:::b/shared/x", True),
        # ${*} is a literal asterisk, not a wildcard
        ("arn:aws:s3:::b/${*}", "arn:aws:s3:::b/*", True),
        ("arn:aws:s3:::b/${*}", "arn:aws:s3:::b/anything", False),
    ],
    ids=lambda value: str(value)[-40:],
)
def test_policy_variables_in_resources(pattern, resource, allowed):
    assert _allows(pattern, resource) is allowed


def test_policy_variables_only_in_version_2012_10_17():
    pattern = "arn:aws:iam::111122223333:user/${aws:username}"
    assert not _allows(pattern, "arn:aws:iam::111122223333:user/alice", version="2008-10-17")
    assert not _allows(pattern, "arn:aws:iam::111122223333:user/alice", version="")


def test_policy_variables_switched_off_compare_the_text():
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "arn:aws:iam::1:user/${aws:username}"}
        ],
    }
    for resource, allowed in [
        ("arn:aws:iam::1:user/alice", False),
        ("arn:aws:iam::1:user/${aws:username}", True),
    ]:
        result = iam_eval.evaluate_identity_policies(
            [policy], "iam:GetUser", resource, ALICE_CONTEXT, variables=False
        )
        assert result.allowed is allowed


@pytest.mark.parametrize(
    ("operator", "expected", "holds"),
    [
        ("StringEquals", "${aws:username}", True),
        ("StringLike", "al${?}ce", False),  # ${?} is a literal question mark
        ("StringLike", "${aws:username}*", True),
        ("StringNotEquals", "${aws:username}", False),
        ("StringEquals", "${aws:PrincipalTag/missing}", False),
        ("StringNotEquals", "${aws:PrincipalTag/missing}", True),
    ],
)
def test_policy_variables_in_string_conditions(operator, expected, holds):
    context = {**ALICE_CONTEXT, "s3:prefix": "alice"}
    assert (
        iam_eval.condition_operator_matches(operator, "s3:prefix", expected, context, context)
        is holds
    )


# --------------------------------------------------------------------------- boundaries
# https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html

EVERYTHING = {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
S3_ONLY = {"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}


@pytest.mark.parametrize(
    ("identity", "boundary", "action", "allowed"),
    [
        (EVERYTHING, None, "iam:ListUsers", True),
        (EVERYTHING, S3_ONLY, "iam:ListUsers", False),  # outside the boundary
        (EVERYTHING, S3_ONLY, "s3:ListBucket", True),  # in both
        (S3_ONLY, EVERYTHING, "iam:ListUsers", False),  # the boundary grants nothing itself
        (
            EVERYTHING,
            {
                "Statement": [
                    *S3_ONLY["Statement"],
                    {"Effect": "Deny", "Action": "s3:*", "Resource": "*"},
                ]
            },
            "s3:ListBucket",
            False,
        ),
    ],
    ids=["no-boundary", "outside", "inside", "boundary-grants-nothing", "boundary-deny"],
)
def test_permissions_boundary_intersects_identity_policies(identity, boundary, action, allowed):
    decision = iam_eval.decide_identity(
        identity_policies=[identity], boundary=boundary, action=action, resource="*", context={}
    )
    assert decision.allowed is allowed, decision.reason


CI_SESSION = iam_eval.Caller(
    "arn:aws:sts::123456789012:assumed-role/ci/job",
    "123456789012",
    role_arn="arn:aws:iam::123456789012:role/ci",
)


@pytest.mark.parametrize(
    ("named", "allowed"),
    [(CI_SESSION.role_arn, False), (CI_SESSION.arn, True)],
    ids=["trust-names-the-role", "trust-names-the-session"],
)
def test_boundary_limits_a_same_account_grant_to_the_role_not_to_the_session(named, allowed):
    trust = {
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": named}, "Action": "sts:AssumeRole"}]
    }
    decision = iam_eval.decide_with_resource_policy(
        trust_policy=trust,
        identity_policies=[EVERYTHING],
        caller=CI_SESSION,
        action="sts:AssumeRole",
        resource=ROLE,
        resource_account="123456789012",
        context={},
        boundary=S3_ONLY,
    )
    assert decision.allowed is allowed, decision.reason


def test_boundary_limits_the_identity_side_of_a_cross_account_assume():
    trust = {
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "210987654321"}, "Action": "sts:AssumeRole"}
        ]
    }
    kwargs: dict[str, Any] = dict(
        trust_policy=trust,
        identity_policies=[EVERYTHING],
        caller=MALLORY,
        action="sts:AssumeRole",
        resource=ROLE,
        resource_account="123456789012",
        context={},
    )
    assert iam_eval.decide_with_resource_policy(**kwargs).allowed
    assert not iam_eval.decide_with_resource_policy(**kwargs, boundary=S3_ONLY).allowed
