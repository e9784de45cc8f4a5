"""The one seam that creates boto3 clients. Imported only when AWS must be called.

Tests replace :func:`make_clients` (through ``flow.Deps.make_clients``) with stubbed
clients or point it at a local endpoint via ``AWS_ENDPOINT_URL``.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any

from mfa_assume.errors import ExitCode, HelperError, InputError

FALLBACK_REGION = "us-east-1"
# Set while we hold a boto3 session: a profile whose credential_process runs this helper
# again would otherwise recurse forever.
ACTIVE_MARKER = "MFA_ASSUME_ACTIVE"


@dataclasses.dataclass(frozen=True)
class AwsClients:
    sts: Any
    iam: Any


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
    return AwsClients(
        sts=session.client("sts", config=config), iam=session.client("iam", config=config)
    )
