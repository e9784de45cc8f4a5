"""The one seam that creates boto3 clients. Imported only when AWS must be called.

Tests replace :func:`make_clients` (through ``flow.Deps.make_clients``) with stubbed
clients or point it at a local endpoint via ``AWS_ENDPOINT_URL``.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from typing import Any

from mfa_assume.credentials import Credentials
from mfa_assume.errors import ExitCode, HelperError, InputError

FALLBACK_REGION = "us-east-1"
# Set while we hold a boto3 session: a profile whose credential_process runs this helper
# again would otherwise recurse forever.
ACTIVE_MARKER = "MFA_ASSUME_ACTIVE"


@dataclasses.dataclass(frozen=True)
class AwsClients:
    sts: Any
    iam: Any
    # An STS client signed by other credentials (an MFA session), same region and settings.
    for_credentials: Callable[[Credentials], Any] | None = None
    # The base credentials are themselves temporary (a session token): STS refuses
    # GetSessionToken for them, so no MFA session can be made.
    temporary: bool = False
    # Another service's client from the same session and settings (mfa-assume setup: SSM).
    session_client: Callable[[str], Any] | None = None

    def sts_for(self, creds: Credentials) -> Any:
        if self.for_credentials is None:
            raise RuntimeError("these clients cannot sign with other credentials")
        return self.for_credentials(creds)


def make_clients(base_profile: str | None, region: str | None) -> AwsClients:
    """STS and IAM clients using ``base_profile``'s credentials (None: default chain)."""
    import boto3
    import botocore.config
    import botocore.exceptions

    os.environ[ACTIVE_MARKER] = "1"
    try:
        session = boto3.Session(profile_name=base_profile, region_name=region)
    except botocore.exceptions.ProfileNotFound:
        raise InputError(f"source profile {base_profile!r} not found") from None
    except botocore.exceptions.BotoCoreError as exc:
        raise HelperError(ExitCode.BASE_CREDENTIALS, f"cannot load AWS settings: {exc}") from None
    config = botocore.config.Config(
        region_name=session.region_name or FALLBACK_REGION,
        connect_timeout=5,
        read_timeout=15,
        retries={"mode": "standard", "max_attempts": 2},
    )

    def sts_for(creds: Credentials) -> Any:
        signed = boto3.Session(
            aws_access_key_id=creds.access_key_id,
            aws_secret_access_key=creds.secret_access_key,
            aws_session_token=creds.session_token,
        )
        return signed.client("sts", config=config)

    any_client: Callable[..., Any] = session.client  # a service named at run time

    try:  # creating a client loads the credentials (a credential_process runs here)
        found = session.get_credentials()
        return AwsClients(
            sts=session.client("sts", config=config),
            iam=session.client("iam", config=config),
            for_credentials=sts_for,
            temporary=bool(found is not None and found.get_frozen_credentials().token),
            session_client=lambda service: any_client(service, config=config),
        )
    except botocore.exceptions.BotoCoreError as exc:  # request.py checks most of this first
        raise settings_error(exc, base_profile) from None


def settings_error(exc: Exception, base_profile: str | None) -> HelperError:
    """A one-line error for AWS settings or base credentials botocore could not load."""
    import botocore.exceptions

    said = " ".join(str(exc).split())
    if isinstance(
        exc, botocore.exceptions.InvalidRegionError | botocore.exceptions.InvalidConfigError
    ):
        return InputError(f"invalid AWS settings: {said}")
    where = f"profile {base_profile!r}" if base_profile else "the default credential chain"
    if "credential_process loop" in said:  # the helper, run by botocore, refused to recurse
        return InputError(
            f"{where} gets its credentials from this helper (credential_process loop); "
            "use a source profile with its own access keys"
        )
    return HelperError(ExitCode.BASE_CREDENTIALS, f"cannot get the credentials of {where}: {said}")
