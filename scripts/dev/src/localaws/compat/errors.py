"""AWS's error shapes, as the fixes raise them (code, HTTP status from moto's service models).

AWS words a failed model constraint (a length, a range, a pattern) the same way for every Query
API: ``1 validation error detected: Value '<v>' at '<member>' failed to satisfy constraint:
Member must <constraint>`` (``ValidationError``, HTTP 400).
"""

from __future__ import annotations

from moto.core.exceptions import _RESTError
from moto.iam import exceptions as iam_exceptions
from moto.sts.exceptions import STSValidationError

from . import _moto  # noqa: F401  (the version pin comes first)

IamValidationError = iam_exceptions.ValidationError
IamLimitExceeded = iam_exceptions.LimitExceededException
IamInvalidInput = iam_exceptions.InvalidInput
IamNoSuchEntity = iam_exceptions.NotFoundException
MalformedPolicyDocument = iam_exceptions.MalformedPolicyDocument
__all__ = [
    "AccessDenied",
    "IamInvalidInput",
    "IamLimitExceeded",
    "IamNoSuchEntity",
    "IamValidationError",
    "MalformedPolicyDocument",
    "STSValidationError",
    "SignatureDoesNotMatch",
    "constraint_message",
    "max_length",
    "max_value",
    "min_length",
    "min_value",
    "pattern",
]


class AccessDenied(_RESTError):
    code = 403

    def __init__(self, message: str) -> None:
        super().__init__("AccessDenied", message)


class SignatureDoesNotMatch(_RESTError):
    code = 403

    def __init__(self, message: str) -> None:
        super().__init__("SignatureDoesNotMatch", message)


def constraint_message(value: object, member: str, constraint: str) -> str:
    """AWS's text for one failed model constraint."""
    return (
        f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy "
        f"constraint: Member must {constraint}"
    )


def max_length(limit: int) -> str:
    return f"have length less than or equal to {limit}"


def min_length(limit: int) -> str:
    return f"have length greater than or equal to {limit}"


def max_value(limit: int) -> str:
    return f"have value less than or equal to {limit}"


def min_value(limit: int) -> str:
    return f"have value greater than or equal to {limit}"


def pattern(regex: str) -> str:
    return f"satisfy regular expression pattern: {regex}"
