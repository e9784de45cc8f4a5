"""Fix ``iam_list_mfa_devices_caller``: ListMFADevices without UserName lists the caller's own.

AWS: "If you do not specify a user name, IAM determines the user name implicitly based on the
AWS access key ID signing the request for this operation." moto 5.2.5 looks up the user
``None`` and answers NoSuchEntity "The user with name None cannot be found." Credentials of no
IAM user (a role session) are refused as IAM refuses GetUser without a user name for them:
``ValidationError`` "Must specify userName when calling with non-User credentials" (observed
for GetUser, 99designs/aws-vault#1150; assumed to be the same here).
https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListMFADevices.html
"""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult
from moto.iam import responses as iam_responses

from localaws.compat.errors import IamValidationError
from localaws.compat.registry import Fix, enabled, register
from localaws.compat.sessions import is_temporary_key, user_sessions

NOT_A_USER = "Must specify userName when calling with non-User credentials"
FIX = register(
    Fix(
        "iam_list_mfa_devices_caller",
        "ListMFADevices without UserName lists the devices of the IAM user whose access key "
        "signed the request",
        "https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListMFADevices.html",
        error_code="ValidationError",
        message=NOT_A_USER,
    )
)


def signing_user_name(backend: Any, access_key_id: str) -> str | None:
    """The IAM user an access key belongs to (long-term key or GetSessionToken session)."""
    session = user_sessions.get(access_key_id)
    if session is not None:
        return session.user_name
    if is_temporary_key(access_key_id):
        return None
    user = backend.get_user_from_access_key_id(access_key_id)
    return None if user is None else str(user.name)


def install() -> None:
    response_cls = iam_responses.IamResponse
    original = response_cls.list_mfa_devices

    def list_mfa_devices(self: Any) -> Any:
        if self._get_param("UserName") or not enabled(FIX.name):
            return original(self)
        user_name = signing_user_name(self.backend, self.get_access_key())
        if user_name is None:
            raise IamValidationError(NOT_A_USER)
        devices = self.backend.list_mfa_devices(user_name)
        return ActionResult(
            {
                "MFADevices": [
                    {
                        "UserName": user_name,
                        "SerialNumber": device.serial_number,
                        "EnableDate": device.enable_date,
                    }
                    for device in devices
                ],
                "IsTruncated": False,
            }
        )

    response_cls.list_mfa_devices = list_mfa_devices  # type: ignore[method-assign]
