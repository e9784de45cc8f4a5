"""Fix ``sts_session_token``: GetSessionToken returns working credentials of the user.

AWS: "No permissions are required for users to perform this operation"; the credentials act as
the IAM user (GetCallerIdentity names the user, the user's policies apply) and carry the MFA
context when a code was given, so ``aws:MultiFactorAuthAge`` grows with time. DurationSeconds
is 900 to 129600 (default 43200). moto 5.2.5 demands an identity-policy permission and returns
fixed example keys that moto itself then rejects.
https://docs.aws.amazon.com/STS/latest/APIReference/API_GetSessionToken.html
"""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult
from moto.iam import access_control
from moto.iam import models as iam_models
from moto.sts import models as sts_models
from moto.sts import responses as sts_responses
from moto.sts.utils import random_session_token

from localaws import clock
from localaws.compat import authorize
from localaws.compat.errors import STSValidationError, constraint_message
from localaws.compat.registry import Fix, enabled, register
from localaws.compat.sessions import (
    Session,
    UserSessionAccessKey,
    on_server_clock,
    request,
    user_sessions,
)
from localaws.compat.sts_mfa_verification import mfa_used

FIX = register(
    Fix(
        "sts_session_token",
        "GetSessionToken needs no permission and returns working credentials of the caller "
        "that carry aws:MultiFactorAuthPresent/Age when MFA was used",
        "https://docs.aws.amazon.com/STS/latest/APIReference/API_GetSessionToken.html",
    )
)


def allow_session_token(req: Any, resource: str) -> bool:
    del resource
    key = req._access_key
    if (
        req._action != "sts:GetSessionToken"
        or not enabled(FIX.name)
        or not isinstance(key, access_control.IAMUserAccessKey)
    ):
        return False
    user = req.backend.get_user(key._owner_user_name)
    if mfa_used(user, req.account_id, req._data):
        request.mfa_authenticated_at = clock.now()
    request.user_name = user.name
    return True


def install() -> None:
    authorize.add_decider(allow_session_token)

    original_create_access_key = access_control.create_access_key

    def create_access_key(
        account_id: str, partition: str, access_key_id: str, headers: dict[str, str]
    ) -> Any:
        if access_key_id in user_sessions and enabled(FIX.name):
            return UserSessionAccessKey(account_id, partition, access_key_id, headers)
        return original_create_access_key(account_id, partition, access_key_id, headers)

    access_control.create_access_key = create_access_key

    original_caller_identity = sts_models.STSBackend.get_caller_identity

    def get_caller_identity(self: Any, access_key_id: str, region: str) -> tuple[str, str, str]:
        session = user_sessions.get(access_key_id)
        if session is not None and session.user_name is not None:
            user = iam_models.iam_backends[session.account_id]["aws"].get_user(session.user_name)
            return str(user.id), str(user.arn), session.account_id
        result: tuple[str, str, str] = original_caller_identity(self, access_key_id, region)
        return result

    sts_models.STSBackend.get_caller_identity = get_caller_identity  # type: ignore[method-assign]

    response_cls = sts_responses.TokenResponse
    original_get_session_token = response_cls.get_session_token

    def get_session_token(self: Any) -> Any:
        user_name = getattr(request, "user_name", None)
        if not enabled(FIX.name) or user_name is None:
            return original_get_session_token(self)
        request.user_name = None
        duration = self._get_int_param("DurationSeconds", 43200)
        if not 900 <= duration <= 129600:
            raise STSValidationError(
                constraint_message(duration, "durationSeconds", "have value between 900 and 129600")
            )
        backend = iam_models.iam_backends[self.current_account][self.partition]
        key = backend.create_temp_access_key()
        session = Session(
            account_id=self.current_account,
            user_name=user_name,
            secret_access_key=key.secret_access_key,
            session_token=random_session_token(),
            mfa_authenticated_at=request.mfa_authenticated_at,
        )
        user_sessions[key.access_key_id] = session
        token = self.backend.get_session_token(duration=duration)
        return ActionResult(
            {
                "Credentials": {
                    "AccessKeyId": key.access_key_id,
                    "SecretAccessKey": session.secret_access_key,
                    "SessionToken": session.session_token,
                    "Expiration": on_server_clock(token.expiration),
                }
            }
        )

    response_cls.get_session_token = get_session_token  # type: ignore[method-assign]
