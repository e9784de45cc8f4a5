"""The one place that creates AWS clients for the account checks.

``Accounts`` hands out clients per account ID: the default credentials (the caller's account),
a named profile per account (``--account-profile 222222222222=prod-readonly``), or a role to
assume in each account (``--assume-role 'arn:aws:iam::{account}:role/...'``, as the pipeline
does with the CDK's read-only lookup role). Endpoints come from the usual SDK settings
(``AWS_ENDPOINT_URL`` for the local AWS in tests). Tests substitute this class, nowhere else.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, ProfileNotFound

from developer_roles.report import BadInput

_DENIED_CODES = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"}
_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3})


def is_denied(error: ClientError) -> bool:
    return str(error.response.get("Error", {}).get("Code")) in _DENIED_CODES


def not_checked(error: ClientError, action: str) -> str:
    """The row text for a call that failed: 'not checked: iam:ListUsers denied' and the like."""
    if is_denied(error):
        return f"not checked: {action} denied"
    info = error.response.get("Error", {})
    return f"not checked: {action} failed ({info.get('Code')}: {info.get('Message')})"


def profile_source(profile: str | None) -> str:
    """Where the profile in use was named, for messages: '--profile' or 'AWS_PROFILE'."""
    return "--profile" if profile else "AWS_PROFILE"


def open_session(profile: str | None, region: str | None = None) -> boto3.Session:
    """A boto3 session of ``profile`` (else ``AWS_PROFILE``, else the default chain).

    A profile that does not exist is :class:`BadInput` naming it and where it was named, one
    line, instead of botocore's ``ProfileNotFound`` traceback (or "profile None").
    """
    name = profile or os.environ.get("AWS_PROFILE") or os.environ.get("AWS_DEFAULT_PROFILE")
    try:
        return boto3.Session(profile_name=profile, region_name=region)
    except ProfileNotFound as error:
        raise BadInput(
            f"AWS profile {name!r} (from {profile_source(profile)}) is not in ~/.aws/config or "
            "~/.aws/credentials; name an existing profile (aws configure list-profiles)"
        ) from error
    except BotoCoreError as error:
        raise BadInput(f"cannot use AWS profile {name!r}: {error}") from error


def caller_identity(session: boto3.Session) -> tuple[str, str]:
    """(account, ARN) of a session's credentials, or :class:`BadInput` in one line."""
    try:
        identity = session.client("sts", config=_CONFIG).get_caller_identity()
    except NoCredentialsError as error:
        raise BadInput(
            "no AWS credentials: set AWS_PROFILE or pass --profile (PROFILE=... for make)"
        ) from error
    except ProfileNotFound as error:
        raise BadInput(f"AWS profile not found: {error}") from error
    except (ClientError, BotoCoreError) as error:
        raise BadInput(f"cannot identify the caller (sts:GetCallerIdentity): {error}") from error
    return str(identity["Account"]), str(identity["Arn"])


@dataclass
class Accounts:
    """Clients per account; ``caller_account`` is the account of the default credentials."""

    region: str | None = None
    profile: str | None = None
    account_profiles: Mapping[str, str] = field(default_factory=dict)
    assume_role: str | None = None  # ARN template with {account} (and {region})
    _sessions: dict[str, boto3.Session | None] = field(default_factory=dict, init=False)
    _caller: tuple[str, str] | None = field(default=None, init=False)
    # One session of the default credentials and one client per account, service and region:
    # each new session reads botocore's endpoint data again, and each new client its service
    # model and method table (a command's checks ask for IAM in the same account several times).
    _base_session: boto3.Session | None = field(default=None, init=False)
    _clients: dict[tuple[str, str, str], Any] = field(default_factory=dict, init=False)

    def _base(self) -> boto3.Session:
        if self._base_session is None:
            self._base_session = open_session(self.profile, self.region)
        return self._base_session

    def caller(self) -> tuple[str, str]:
        """(account, ARN) of the default credentials, or :class:`BadInput` without any."""
        if self._caller is None:
            self._caller = caller_identity(self._base())
        return self._caller

    @property
    def caller_account(self) -> str:
        return self.caller()[0]

    def session(self, account: str) -> boto3.Session | None:
        """A session acting in ``account``, or None when no credentials reach it."""
        if account in self._sessions:
            return self._sessions[account]
        session: boto3.Session | None = None
        if account in self.account_profiles:
            try:
                session = boto3.Session(
                    profile_name=self.account_profiles[account], region_name=self.region
                )
            except ProfileNotFound as error:
                raise BadInput(
                    f"--account-profile {account}={self.account_profiles[account]}: no such "
                    "profile in ~/.aws/config or ~/.aws/credentials"
                ) from error
            except BotoCoreError as error:
                raise BadInput(f"--account-profile {account}: {error}") from error
        elif self.assume_role:
            session = self._assumed(account)
        elif account == self.caller_account:
            session = self._base()
        self._sessions[account] = session
        return session

    def _assumed(self, account: str) -> boto3.Session:
        region = self.region or self._base().region_name or "us-east-1"
        arn = (self.assume_role or "").format(account=account, region=region)
        sts = self._base().client("sts", config=_CONFIG)
        try:
            creds = sts.assume_role(RoleArn=arn, RoleSessionName="developer-roles-preflight")
        except ClientError as error:
            raise BadInput(f"cannot assume {arn}: {error}") from error
        c = creds["Credentials"]
        return boto3.Session(
            aws_access_key_id=c["AccessKeyId"],
            aws_secret_access_key=c["SecretAccessKey"],
            aws_session_token=c["SessionToken"],
            region_name=region,
        )

    def client(self, account: str, service: str, region: str | None = None) -> Any | None:
        session = self.session(account)
        if session is None:
            return None
        region_name = region or self.region or session.region_name or "us-east-1"
        key = (account, service, region_name)
        if key not in self._clients:
            self._clients[key] = session.client(
                service,  # type: ignore[call-overload]
                region_name=region_name,
                config=_CONFIG,
            )
        return self._clients[key]

    def reach(self, account: str, service: str, region: str | None = None) -> Any:
        """A client in an account known to be reachable (``session`` is not None)."""
        client = self.client(account, service, region)
        if client is None:
            raise BadInput(self.how_to_reach(account))
        return client

    def how_to_reach(self, account: str) -> str:
        return (
            f"no credentials for account {account} (yours are for {self.caller_account}); "
            f"pass --account-profile {account}=PROFILE or --assume-role"
        )
