"""Shared state and helpers of the STS/IAM fixes (machinery, not a fix).

* the temporary credentials the fixes issue (GetSessionToken sessions, the MFA context of role
  sessions) and the MFA outcome of the request being served;
* the caller as ``localaws.iam_eval`` sees it, and the global condition keys of a request;
* RFC 6238 TOTP verification of ``SerialNumber``/``TokenCode`` (used by
  ``sts_mfa_verification``).
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import struct
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from botocore.credentials import Credentials
from moto.core.utils import utcnow
from moto.iam import access_control
from moto.iam import models as iam_models
from moto.iam.exceptions import NotFoundException

from localaws import clock, iam_eval
from localaws.compat import _moto  # noqa: F401
from localaws.compat.errors import AccessDenied

MFA_INVALID_CODE = "MultiFactorAuthentication failed with invalid MFA one time pass code. "
MFA_UNKNOWN_DEVICE = (
    "MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA "
    "serial number is valid and associated with this user."
)
MFA_INCOMPLETE = (
    "MultiFactorAuthentication failed, must provide both MFA serial number and one time pass code."
)
TOTP_STEP_SECONDS = 30
TOTP_ACCEPTED_STEPS = (-1, 0, 1)  # the current code and its neighbours (clock skew)


def is_temporary_key(access_key_id: str) -> bool:
    """Whether an access key ID is one of temporary credentials (STS), not a long-term key.

    AWS: "Access key IDs beginning with AKIA are long-term access keys for an IAM user or the
    AWS account root user. Access key IDs beginning with ASIA are temporary credentials access
    keys that you create using AWS STS operations." moto issues its temporary keys (AssumeRole
    and, through ``sts_session_token``, GetSessionToken) with ASIA too.
    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html
    """
    return access_key_id.startswith("ASIA")


def totp(seed_base32: str, step: int, digits: int = 6) -> str:
    """RFC 6238 TOTP (HMAC-SHA1, 30 s steps), independent of the TOTP library the tests use."""
    key = base64.b32decode(seed_base32.upper() + "=" * (-len(seed_base32) % 8))
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**digits).zfill(digits)


@dataclass
class Session:
    """Temporary credentials issued by GetSessionToken, or the MFA context of a role session."""

    account_id: str
    user_name: str | None
    secret_access_key: str = field(repr=False)
    session_token: str = field(repr=False)
    mfa_authenticated_at: float | None


user_sessions: dict[str, Session] = {}  # GetSessionToken access key id -> session
role_session_mfa: dict[str, float | None] = {}  # AssumeRole access key id -> MFA time
_last_used_step: dict[str, int] = {}  # MFA serial -> last accepted TOTP time step
_mfa_lock = threading.Lock()
request = threading.local()  # MFA outcome of the current request, from auth to response


def param(data: Mapping[str, Any], name: str) -> str | None:
    value = data.get(name)
    if isinstance(value, list):
        value = value[0] if value else None
    return None if value is None else str(value)


def tags(data: Mapping[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    index = 1
    while (key := param(data, f"Tags.member.{index}.Key")) is not None:
        found[key] = param(data, f"Tags.member.{index}.Value") or ""
        index += 1
    return found


def verify_mfa(caller_user: Any, account_id: str, serial: str | None, code: str | None) -> bool:
    """Check SerialNumber/TokenCode; True when MFA was used and is valid, False when absent."""
    if serial is None and code is None:
        return False
    if serial is None or code is None:
        raise AccessDenied(MFA_INCOMPLETE)
    backend = iam_models.iam_backends[account_id]["aws"]
    device = backend.virtual_mfa_devices.get(serial)
    if (
        device is None
        or caller_user is None
        or device.user is None
        or (device.user.name != caller_user.name)
    ):
        raise AccessDenied(MFA_UNKNOWN_DEVICE)
    now_step = int(clock.now() // TOTP_STEP_SECONDS)
    with _mfa_lock:
        for delta in TOTP_ACCEPTED_STEPS:
            step = now_step + delta
            if hmac.compare_digest(totp(device.base32_string_seed, step), code):
                if step <= _last_used_step.get(serial, -1):
                    raise AccessDenied(MFA_INVALID_CODE)  # AWS: same text for a reused code
                _last_used_step[serial] = step
                return True
    raise AccessDenied(MFA_INVALID_CODE)


class UserSessionAccessKey(access_control.IAMUserAccessKey):
    """Credentials from GetSessionToken: the user's identity and policies, plus a session token."""

    def __init__(
        self, account_id: str, partition: str, access_key_id: str, headers: Mapping[str, str]
    ) -> None:
        session = user_sessions[access_key_id]
        self.account_id = account_id
        self.partition = partition
        self._owner_user_name = str(session.user_name)
        self._access_key_id = access_key_id
        self._secret_access_key = session.secret_access_key
        self._session_token = session.session_token
        if headers.get("X-Amz-Security-Token") != session.session_token:
            raise access_control.CreateAccessKeyFailure(reason="InvalidToken")

    def create_credentials(self) -> Credentials:
        return Credentials(self._access_key_id, self._secret_access_key, self._session_token)


def caller_mfa_context(access_key: Any, access_key_id: str) -> tuple[bool, float | None]:
    """(uses temporary credentials, MFA authentication time) of the request's credentials."""
    if access_key_id in user_sessions:
        return True, user_sessions[access_key_id].mfa_authenticated_at
    if access_key_id in role_session_mfa:
        return True, role_session_mfa[access_key_id]
    return isinstance(access_key, access_control.AssumedRoleAccessKey), None


def policy_document(policy: Any) -> dict[str, Any]:
    if isinstance(policy, iam_models.Policy):
        version = next(v for v in policy.versions if v.is_default)
        text = version.document
    elif isinstance(policy, str):
        text = policy
    else:
        text = policy["policy_document"]
    document: dict[str, Any] = json.loads(unquote(text) if text.startswith("%7B") else text)
    return document


def caller(req: Any) -> tuple[iam_eval.Caller, Any]:
    """The caller as the evaluator sees it, and the IAM user behind it (None for a role)."""
    key = req._access_key
    backend = req.backend
    arn = str(key.arn)
    if isinstance(key, access_control.AssumedRoleAccessKey):
        role_arn = None
        for role in backend.roles.values():
            if role.name == key._owner_role_name:
                role_arn = str(role.arn)
        return iam_eval.Caller(arn=arn, account_id=req.account_id, role_arn=role_arn), None
    return iam_eval.Caller(arn=arn, account_id=req.account_id), backend.get_user(
        key._owner_user_name
    )


def on_server_clock(expiration: Any) -> Any:
    """An expiry moto dated by real time, on the server's clock (``localaws.clock``).

    Part of the clock seam, not a fix: a client that judges MFA age by the server's clock
    (tests run it under faketime set to that clock) must see credentials expire by it too.
    """
    return expiration + datetime.timedelta(seconds=clock.offset())


def find_role(role_arn: str) -> Any:
    """The role an ARN names, looked up in the role's own account (None when missing)."""
    parts = role_arn.split(":")
    if len(parts) < 6 or not parts[4].isdigit():
        return None
    try:
        return iam_models.iam_backends[parts[4]]["aws"].get_role_by_arn(role_arn)
    except NotFoundException:
        return None


def caller_role(req: Any) -> Any:
    """The role behind a role session's credentials (None for a user or a deleted role)."""
    key = req._access_key
    if not isinstance(key, access_control.AssumedRoleAccessKey):
        return None
    try:
        return req.backend.get_role(key._owner_role_name)
    except NotFoundException:
        return None


def _principal_tags(req: Any, user: Any) -> dict[str, str]:
    if user is not None:
        listed = req.backend.list_user_tags(user.name)
    else:
        role = caller_role(req)
        listed = [] if role is None else role.tags
    return {str(tag["Key"]): str(tag["Value"]) for tag in listed}


def request_context(req: Any, who: iam_eval.Caller, user: Any) -> dict[str, Any]:
    """Global condition keys of a request signed with the caller's credentials.

    Those the IAM user guide lists for requests of users and role sessions (what can be a
    policy variable, https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#policy-vars-infotouse,
    and https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html):
    ``aws:username`` (users only), ``aws:userid`` (a user's unique ID; ``ROLEID:session`` for a
    role session), ``aws:PrincipalTag/<key>`` (the user's or the role's tags; session tags are
    not kept), ``aws:PrincipalAccount``, ``aws:PrincipalArn``, ``aws:PrincipalType``,
    ``aws:CurrentTime``, ``aws:EpochTime``, ``aws:SecureTransport``, ``aws:UserAgent``,
    ``aws:RequestedRegion``, the MFA keys. Not set: ``aws:SourceIp`` (moto does not pass the
    peer address), ``aws:TokenIssueTime``, ``aws:PrincipalOrgID`` (no organizations).
    """
    access_key_id = req._access_key._access_key_id
    temporary, mfa_at = caller_mfa_context(req._access_key, access_key_id)
    context: dict[str, iam_eval.ContextValue] = {
        "aws:PrincipalArn": who.role_arn or who.arn,
        "aws:PrincipalAccount": who.account_id,
        "aws:PrincipalType": "AssumedRole" if who.role_arn else "User",
        "aws:CurrentTime": utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "aws:EpochTime": str(int(clock.now())),
        "aws:SecureTransport": "false",
        "aws:RequestedRegion": req._region,
    }
    if user is not None:
        context["aws:username"] = str(user.name)
        context["aws:userid"] = str(user.id)
    else:
        role = caller_role(req)
        if role is not None:
            session_name = who.arn.rsplit("/", 1)[-1]
            context["aws:userid"] = f"{role.id}:{session_name}"
    for tag_key, tag_value in _principal_tags(req, user).items():
        context[f"aws:PrincipalTag/{tag_key}"] = tag_value
    agent = (getattr(req, "_headers", None) or {}).get("User-Agent")
    if agent:
        context["aws:UserAgent"] = str(agent)
    if mfa_at is not None:
        context["aws:MultiFactorAuthPresent"] = "true"
        context["aws:MultiFactorAuthAge"] = str(max(0, int(clock.now() - mfa_at)))
    elif temporary:
        context["aws:MultiFactorAuthPresent"] = "false"
    return context
