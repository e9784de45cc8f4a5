from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import (
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    PartialCredentialsError,
    ReadTimeoutError,
)

from mfa_assume.aws_errors import Context, translate
from mfa_assume.errors import ExitCode

from .conftest import BASE_SECRET, ROLE, SERIAL, USER_ARN

ASSUME = Context("AssumeRole", ROLE, "profile 'default'", serial=SERIAL, duration_seconds=43200)
ASSUME_NO_MFA = ASSUME._replace(serial=None)
IDENTITY = Context("GetCallerIdentity", ROLE, "profile 'default'")
NOT_AUTHORIZED = (
    f"User: {USER_ARN} is not authorized to perform: sts:AssumeRole on resource: {ROLE}"
)


def client_error(code: str, message: str, operation: str = "AssumeRole") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


CASES = [
    pytest.param(
        client_error("AccessDenied", NOT_AUTHORIZED),
        ASSUME_NO_MFA,
        ExitCode.MFA_REQUIRED,
        "no MFA code was sent: the role requires MFA. Pass --serial-number",
        id="mfa-required-not-sent",
    ),
    pytest.param(
        client_error(
            "AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code. "
        ),
        ASSUME,
        ExitCode.MFA_REJECTED,
        "already used (each code works once: wait for the next one)",
        id="mfa-code-rejected",
    ),
    pytest.param(
        client_error(
            "AccessDenied",
            "MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your "
            "MFA serial number is valid and associated with this user.",
        ),
        ASSUME,
        ExitCode.MFA_REJECTED,
        f"rejected for device {SERIAL}",
        id="mfa-serial-not-users",
    ),
    pytest.param(
        client_error("AccessDenied", NOT_AUTHORIZED),
        ASSUME,
        ExitCode.ACCESS_DENIED,
        f"AssumeRole was denied (AccessDenied: {NOT_AUTHORIZED})",
        id="other-access-denied",
    ),
    pytest.param(
        client_error(
            "ExpiredToken",
            "The security token included in the request is expired",
            "GetCallerIdentity",
        ),
        IDENTITY,
        ExitCode.BASE_CREDENTIALS,
        "the credentials of profile 'default' have expired",
        id="expired-token",
    ),
    pytest.param(
        client_error(
            "InvalidClientTokenId", "The security token included in the request is invalid."
        ),
        IDENTITY,
        ExitCode.BASE_CREDENTIALS,
        "were rejected (InvalidClientTokenId",
        id="invalid-token",
    ),
    pytest.param(
        client_error(
            "ValidationError",
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        ),
        ASSUME,
        ExitCode.DURATION_TOO_LONG,
        f"43200 seconds is longer than {ROLE} allows",
        id="duration-above-role-max",
    ),
    pytest.param(
        client_error(
            "ValidationError",
            "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by "
            "role chaining.",
        ),
        ASSUME,
        ExitCode.DURATION_TOO_LONG,
        "role chaining is limited to 1 hour",
        id="duration-role-chaining-names-chaining-and-the-way-out",
    ),
    pytest.param(
        client_error("RegionDisabledException", "STS is not activated in this region"),
        ASSUME,
        ExitCode.AWS_OTHER,
        "AssumeRole failed (RegionDisabledException: STS is not activated in this region)",
        id="other-client-error",
    ),
    pytest.param(
        NoCredentialsError(),
        IDENTITY,
        ExitCode.BASE_CREDENTIALS,
        "no usable AWS credentials in profile 'default'",
        id="no-credentials",
    ),
    pytest.param(
        PartialCredentialsError(provider="env", cred_var="AWS_SECRET_ACCESS_KEY"),
        IDENTITY,
        ExitCode.BASE_CREDENTIALS,
        "no usable AWS credentials",
        id="partial-credentials",
    ),
    pytest.param(
        EndpointConnectionError(endpoint_url="https://sts.us-east-1.amazonaws.com/"),
        IDENTITY,
        ExitCode.ENDPOINT_UNREACHABLE,
        "cannot reach https://sts.us-east-1.amazonaws.com/ (EndpointConnectionError)",
        id="endpoint-unreachable",
    ),
    pytest.param(
        ConnectTimeoutError(endpoint_url="https://sts.us-east-1.amazonaws.com/"),
        IDENTITY,
        ExitCode.ENDPOINT_UNREACHABLE,
        "(ConnectTimeoutError); check the network",
        id="connect-timeout",
    ),
    pytest.param(
        ReadTimeoutError(endpoint_url="https://sts.us-east-1.amazonaws.com/"),
        IDENTITY,
        ExitCode.ENDPOINT_UNREACHABLE,
        "cannot reach",
        id="read-timeout",
    ),
]


@pytest.mark.parametrize(("exc", "ctx", "code", "fragment"), CASES)
def test_aws_error_becomes_a_one_line_message_and_its_exit_code(exc, ctx, code, fragment):
    error = translate(exc, ctx)
    assert error.code == code
    assert fragment in error.message
    assert "\n" not in error.message
    assert BASE_SECRET not in error.message


def test_exit_codes_for_aws_errors_are_distinct():
    codes = {p.values[2] for p in CASES if p.values[2] != ExitCode.AWS_OTHER}
    assert len(codes) == 6


def test_unknown_exception_is_not_hidden():
    with pytest.raises(ZeroDivisionError):
        translate(ZeroDivisionError(), IDENTITY)


def clock_error(code: str, message: str, server_offset: float | None) -> ClientError:
    import email.utils
    import time

    headers = {}
    if server_offset is not None:
        headers["date"] = email.utils.formatdate(time.time() + server_offset, usegmt=True)
    response: Any = {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": 403, "HTTPHeaders": headers},
    }
    return ClientError(response, "GetCallerIdentity")


@pytest.mark.parametrize(
    ("code", "message", "server_offset", "fragment"),
    [
        pytest.param(
            "SignatureDoesNotMatch",
            "Signature expired: 20261207T070000Z is now earlier than 20261207T070500Z "
            "(20261207T072000Z - 15 min.)",
            20 * 60,
            "this computer's clock is 20 minutes behind AWS's (by its Date header)",
            id="behind-sts",
        ),
        pytest.param(
            "InvalidSignatureException",
            "Signature not yet current: 20261207T080000Z is still later than "
            "20261207T074500Z (20261207T073000Z + 15 min.)",
            -30 * 60,
            "this computer's clock is 30 minutes ahead of AWS's",
            id="ahead-json-api",
        ),
        pytest.param(
            "RequestTimeTooSkewed",
            "The difference ... is too large.",
            None,
            "this computer's clock is off by more than AWS allows (15 minutes)",
            id="s3-no-date-header",
        ),
        pytest.param(
            "RequestExpired",
            "Request has expired.",
            16 * 60,
            "16 minutes behind",
            id="ec2-request-expired",
        ),
    ],
)
def test_a_request_refused_for_its_time_says_the_clock_is_off(
    code, message, server_offset, fragment
):
    error = translate(clock_error(code, message, server_offset), IDENTITY)  # Date: just now
    assert fragment in error.message
    assert "access key" not in error.message
    assert "set the clock right" in error.message
    assert "\n" not in error.message


def test_no_credentials_in_a_named_profile_does_not_suggest_environment_keys():
    from botocore.exceptions import NoCredentialsError

    error = translate(NoCredentialsError(), IDENTITY)
    assert error.code == ExitCode.BASE_CREDENTIALS
    assert "AWS_ACCESS_KEY_ID" not in error.message
    assert "aws configure --profile default" in error.message


def test_the_helper_on_a_clock_twenty_minutes_slow_says_so_from_the_local_aws(local_aws, tmp_path):
    """The real cause, provoked: the helper runs under faketime 20 minutes behind, signs its
    first call with that time, and the local AWS refuses it as AWS does (fix
    ``sigv4_request_time``); the message names the clock and the skew from the Date header."""
    import os
    import shutil
    import subprocess
    import sys

    if local_aws.is_live:
        pytest.skip("the local AWS's refusal; a live account's clock is not ours to test")
    if shutil.which("faketime") is None:
        pytest.fail("faketime is missing: `make test-tools` installs it (Debian package faketime)")
    developer = local_aws.create_developer("clock-slow-gina")
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "AWS_ACCESS_KEY_ID": developer.access_key_id,
        "AWS_SECRET_ACCESS_KEY": developer.secret_access_key,
        "AWS_ENDPOINT_URL": str(local_aws.endpoint_url),
        "AWS_DEFAULT_REGION": local_aws.region,
    }
    role = f"arn:aws:iam::{local_aws.account_id}:role/developers/PowerUser-clock-slow-gina"
    done = subprocess.run(
        [
            "faketime",
            "-f",
            "-20m",
            sys.executable,
            "-m",
            "mfa_assume",
            "--role-arn",
            role,
            "--token-code",
            "123456",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == ExitCode.AWS_OTHER, done.stderr
    (line,) = done.stderr.splitlines()
    assert "this computer's clock is 20 minutes behind AWS's (by its Date header)" in line
    assert "Signature expired" in line
    assert "access key" not in line
