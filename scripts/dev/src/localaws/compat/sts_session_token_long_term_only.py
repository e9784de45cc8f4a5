"""Fix ``sts_session_token_long_term_only``: GetSessionToken needs long-term credentials.

AWS: GetSessionToken "must be called by using the long-term AWS security credentials of the
AWS account root user or an IAM user"; credentials from AssumeRole or GetSessionToken "Cannot
call GetFederationToken or GetSessionToken". STS answers ``AccessDenied`` (HTTP 403) "Cannot
call GetSessionToken with session credentials" (seen in aws/aws-sdk-js#3670,
aws/aws-sdk-php#1876, apache/hadoop#6538). moto 5.2.5 hands out a session to anyone.
https://docs.aws.amazon.com/STS/latest/APIReference/API_GetSessionToken.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_request.html
"""

from __future__ import annotations

from typing import Any

from localaws.compat import authorize
from localaws.compat.errors import AccessDenied
from localaws.compat.registry import Fix, enabled, register
from localaws.compat.sessions import is_temporary_key

MESSAGE = "Cannot call GetSessionToken with session credentials"
FIX = register(
    Fix(
        "sts_session_token_long_term_only",
        "GetSessionToken signed with temporary credentials (a role session or another "
        "GetSessionToken session) is refused",
        "https://docs.aws.amazon.com/STS/latest/APIReference/API_GetSessionToken.html",
        error_code="AccessDenied",
        message=MESSAGE,
    )
)


def refuse_temporary(request: Any, resource: str) -> bool:
    del resource
    if (
        request._action == "sts:GetSessionToken"
        and enabled(FIX.name)
        and is_temporary_key(request._access_key._access_key_id)
    ):
        raise AccessDenied(MESSAGE)
    return False


def install() -> None:
    authorize.add_decider(refuse_temporary)
