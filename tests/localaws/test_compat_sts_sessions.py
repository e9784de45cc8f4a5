"""STS session rules: role chaining's one-hour limit, GetSessionToken only with long-term keys.

Each rule is shown with its fix and, switched off (``aws.fix_disabled``), with moto's leniency.
"""

from __future__ import annotations

import json

import pytest

from localaws.testing import Credentials, Developer, LocalAwsEnv
from tests.localaws.test_moto_compat import ACCOUNT, creds_of, error_of, mfa_trust

CHAINING = (
    "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role "
    "chaining."
)
SESSION_CREDENTIALS = "Cannot call GetSessionToken with session credentials"
FOUR_HOURS = 4 * 3600


def four_hour_role(aws: LocalAwsEnv, name: str, *principals: str) -> str:
    aws.client("iam").create_role(
        RoleName=name,
        AssumeRolePolicyDocument=json.dumps(mfa_trust(*principals)),
        MaxSessionDuration=FOUR_HOURS,
    )
    return f"arn:aws:iam::{ACCOUNT}:role/{name}"


def mfa_session(aws: LocalAwsEnv, dev: Developer) -> Credentials:
    """GetSessionToken credentials with MFA, as the helper makes them."""
    return creds_of(
        aws.client("sts", dev.credentials).get_session_token(
            SerialNumber=dev.mfa_serial, TokenCode=aws.fresh_totp(dev)
        )
    )


def role_session(aws: LocalAwsEnv, name: str) -> Credentials:
    """An assumed-role session of a plain role the admin may assume (no MFA needed)."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole"}
        ],
    }
    iam = aws.client("iam")
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
    iam.attach_role_policy(RoleName=name, PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    return creds_of(
        aws.client("sts").assume_role(
            RoleArn=f"arn:aws:iam::{ACCOUNT}:role/{name}", RoleSessionName="first"
        )
    )


@pytest.fixture
def developer_and_role(aws, unique) -> tuple[Developer, str]:
    dev = aws.create_developer(unique)
    return dev, four_hour_role(aws, unique, dev.arn)


# --------------------------------------------------------------------------- role chaining


def test_mfa_session_cannot_assume_a_role_for_more_than_an_hour(aws, developer_and_role):
    dev, role = developer_and_role
    session = mfa_session(aws, dev)
    code, message = error_of(
        aws.client("sts", session).assume_role,
        RoleArn=role,
        RoleSessionName="long",
        DurationSeconds=2 * 3600,
    )
    assert (code, message) == ("ValidationError", CHAINING)


def test_mfa_session_may_assume_a_role_for_exactly_an_hour(aws, developer_and_role):
    dev, role = developer_and_role
    session = mfa_session(aws, dev)
    aws.client("sts", session).assume_role(
        RoleArn=role, RoleSessionName="hour", DurationSeconds=3600
    )


def test_long_term_keys_with_a_code_get_the_roles_full_duration(aws, developer_and_role):
    dev, role = developer_and_role
    response = aws.client("sts", dev.credentials).assume_role(
        RoleArn=role,
        RoleSessionName="direct",
        DurationSeconds=FOUR_HOURS,
        SerialNumber=dev.mfa_serial,
        TokenCode=aws.fresh_totp(dev),
    )
    left = response["Credentials"]["Expiration"].timestamp() - aws.server_time()
    assert left > FOUR_HOURS - 120


def test_mfa_session_long_assume_without_fix(aws, developer_and_role):
    dev, role = developer_and_role
    session = mfa_session(aws, dev)
    with aws.fix_disabled("sts_role_chaining_limit"):
        aws.client("sts", session).assume_role(
            RoleArn=role, RoleSessionName="long", DurationSeconds=2 * 3600
        )


def test_role_session_cannot_chain_for_more_than_an_hour(aws, unique):
    first = role_session(aws, unique)
    target = unique + "b"
    aws.client("iam").create_role(
        RoleName=target,
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole"}
                ],
            }
        ),
        MaxSessionDuration=FOUR_HOURS,
    )
    assume = aws.client("sts", first).assume_role
    arn = f"arn:aws:iam::{ACCOUNT}:role/{target}"
    code, message = error_of(assume, RoleArn=arn, RoleSessionName="second", DurationSeconds=7200)
    assert (code, message) == ("ValidationError", CHAINING)
    with aws.fix_disabled("sts_role_chaining_limit"):
        assume(RoleArn=arn, RoleSessionName="second", DurationSeconds=7200)


# --------------------------------------------------------------------------- GetSessionToken


def test_get_session_token_with_session_token_credentials_is_refused(aws, developer_and_role):
    dev, _ = developer_and_role
    session = mfa_session(aws, dev)
    code, message = error_of(aws.client("sts", session).get_session_token)
    assert (code, message) == ("AccessDenied", SESSION_CREDENTIALS)


def test_get_session_token_with_a_role_session_is_refused(aws, unique):
    code, message = error_of(aws.client("sts", role_session(aws, unique)).get_session_token)
    assert (code, message) == ("AccessDenied", SESSION_CREDENTIALS)


def test_get_session_token_with_session_credentials_without_fix(aws, developer_and_role):
    dev, _ = developer_and_role
    session = mfa_session(aws, dev)
    with aws.fix_disabled("sts_session_token_long_term_only"):
        again = aws.client("sts", session).get_session_token()
    assert again["Credentials"]["AccessKeyId"]
