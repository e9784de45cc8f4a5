"""Fix ``sts_role_chaining_limit``: a role assumed with temporary credentials lasts an hour at most.

AWS: "Role chaining limits your AWS CLI or AWS API role session to a maximum of one hour ...
if you assume a role using role chaining and provide a DurationSeconds parameter value greater
than one hour, the operation fails." Credentials of GetSessionToken count: "MFA users with the
AWS CLI use temporary credentials to assume another role. The temporary credentials use the AWS
STS GetSessionToken API and are limited to one hour" (knowledge center). STS answers
``ValidationError`` (HTTP 400) with the text below (99designs/aws-vault#720,
mmmorris1975/aws-runas#11). Temporary credentials are told by their key ID (``ASIA...``).
Checked before the role's MaxSessionDuration, as the issues reporting both show. moto 5.2.5
grants any duration.
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html#iam-term-role-chaining
https://repost.aws/knowledge-center/iam-role-chaining-limit
"""

from __future__ import annotations

from typing import Any

from moto.sts import responses as sts_responses

from localaws.compat.errors import STSValidationError
from localaws.compat.registry import Fix, enabled, register
from localaws.compat.sessions import is_temporary_key

MAX_SECONDS = 3600
MESSAGE = (
    "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role "
    "chaining."
)
FIX = register(
    Fix(
        "sts_role_chaining_limit",
        "AssumeRole signed with temporary credentials (a role session or GetSessionToken "
        "credentials) is role chaining: DurationSeconds above 3600 is refused",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html#iam-term-role-chaining",
        error_code="ValidationError",
        message=MESSAGE,
    )
)


def install() -> None:
    response_cls = sts_responses.TokenResponse
    original_assume_role = response_cls.assume_role

    def assume_role(self: Any) -> Any:
        if (
            enabled(FIX.name)
            and self._get_int_param("DurationSeconds", 3600) > MAX_SECONDS
            and is_temporary_key(self.get_access_key())
        ):
            raise STSValidationError(MESSAGE)
        return original_assume_role(self)

    response_cls.assume_role = assume_role  # type: ignore[method-assign]
