"""Credentials for console sign-in when no role is named: those the AWS SDK finds.

``mfa-assume console`` without a role (no ``--role-arn``, no profile with ``role_arn``) signs
in with the credentials boto3 finds for the selected profile or the environment, e.g. inside
``mfa-assume --profile P -- mfa-assume console`` or after ``eval "$(mfa-assume ...)"``, or a
profile whose ``credential_process`` runs this helper.

Only temporary credentials from AssumeRole (role sessions) or GetFederationToken can sign in
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_request.html, the table's
"SSO to console" row: "not allowed" for GetSessionToken). Long-term keys are refused without
any AWS call; a session token's kind is read from GetCallerIdentity's ARN.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from mfa_assume.console import Partition, SessionKeys, partition_of_arn
from mfa_assume.errors import ExitCode, HelperError, InputError

_CALLER = re.compile(r"arn:[a-z0-9-]+:(sts|iam)::[0-9]{12}:([a-z-]+)")
USE_A_ROLE = "use a role profile: mfa-assume console --profile ROLE_PROFILE"


class Signer(NamedTuple):
    keys: SessionKeys
    partition: Partition
    federated_user: bool  # GetFederationToken credentials: AWS refuses SessionDuration


def kind_of_caller(arn: str) -> str:
    """``assumed-role``, ``federated-user``, ``user``, ``root`` (or what the ARN says)."""
    match = _CALLER.match(arn)
    return match.group(2) if match else "unknown"


def refusal_for_caller(arn: str, where: str) -> str | None:
    """Why a session with this caller ARN cannot sign in, or None when it can."""
    kind = kind_of_caller(arn)
    if kind in ("assumed-role", "federated-user"):
        return None
    if kind in ("user", "root"):
        return (
            f"the temporary credentials of {where} are an MFA session (GetSessionToken, "
            f"caller {arn}), which AWS does not let sign in to the console; {USE_A_ROLE}"
        )
    return f"the credentials of {where} (caller {arn}) cannot sign in to the console; {USE_A_ROLE}"


def long_term_refusal(where: str) -> str:
    return (
        f"{where} holds long-term access keys, which AWS does not let sign in to the console "
        f"(only role sessions and federation tokens can); {USE_A_ROLE}"
    )


def ambient_signer(profile: str | None, region: str | None) -> Signer:
    """The SDK's credentials for ``profile`` (None: the default chain), checked to federate."""
    import boto3
    import botocore.config
    import botocore.exceptions

    from mfa_assume.aws import settings_error

    where = f"profile {profile!r}" if profile else "the environment / default profile"
    try:
        session = boto3.Session(profile_name=profile, region_name=region)
        found = session.get_credentials()
        frozen = found.get_frozen_credentials() if found is not None else None
    except botocore.exceptions.ProfileNotFound:
        raise InputError(f"profile {profile!r} not found") from None
    except botocore.exceptions.BotoCoreError as exc:
        raise settings_error(exc, profile) from None
    if frozen is None or not frozen.access_key or not frozen.secret_key:
        raise HelperError(
            ExitCode.BASE_CREDENTIALS,
            f"no AWS credentials found in {where}; name a role with --profile or --role-arn",
        )
    if not frozen.token:
        raise HelperError(ExitCode.CANNOT_SIGN_IN, long_term_refusal(where))
    config = botocore.config.Config(
        region_name=session.region_name or "us-east-1",
        connect_timeout=5,
        read_timeout=15,
        retries={"mode": "standard", "max_attempts": 2},
    )
    try:
        sts = session.client("sts", config=config)
    except botocore.exceptions.BotoCoreError as exc:
        raise settings_error(exc, profile) from None
    arn = _caller_arn(sts, where)
    refusal = refusal_for_caller(arn, where)
    if refusal is not None:
        raise HelperError(ExitCode.CANNOT_SIGN_IN, refusal)
    keys = SessionKeys(frozen.access_key, frozen.secret_key, frozen.token)
    return Signer(keys, partition_of_arn(arn), kind_of_caller(arn) == "federated-user")


def _caller_arn(sts: Any, where: str) -> str:
    from mfa_assume.aws_errors import Context, translate

    try:
        return str(sts.get_caller_identity()["Arn"])
    except Exception as exc:
        raise translate(exc, Context("GetCallerIdentity", role_arn="", base=where)) from None
