"""Fix ``iam_role_name``: a role name is 1 to 64 characters of ``[\\w+=,.@-]``.

AWS (CreateRole, RoleName): "Length Constraints: Minimum length of 1. Maximum length of 64.
Pattern: [\\w+=,.@-]+" (``\\w`` is ASCII here: Java's regex). A failed constraint is
``ValidationError`` with the model's text. moto 5.2.5 accepts any name. Applies to CreateRole
and to ``AWS::IAM::Role`` with a ``RoleName``.
https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html
"""

from __future__ import annotations

import re
from typing import Any

from localaws.compat import role_checks
from localaws.compat.errors import IamValidationError, constraint_message, max_length, pattern
from localaws.compat.registry import Fix, enabled, register

PATTERN = r"[\w+=,.@-]+"
MAX_LENGTH = 64
_valid = re.compile(PATTERN, re.ASCII)
FIX = register(
    Fix(
        "iam_role_name",
        "CreateRole refuses a RoleName longer than 64 characters or outside [\\w+=,.@-]",
        "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html",
        error_code="ValidationError",
        message=constraint_message("{name}", "roleName", max_length(MAX_LENGTH)),
    )
)


def problem(name: str) -> str | None:
    if len(name) > MAX_LENGTH:
        return constraint_message(name, "roleName", max_length(MAX_LENGTH))
    if not _valid.fullmatch(name):
        return constraint_message(name, "roleName", pattern(PATTERN))
    return None


def check(backend: Any, arguments: dict[str, Any]) -> None:
    del backend
    if not enabled(FIX.name) or role_checks.generated_name():
        return
    found = problem(str(arguments.get("role_name", "")))
    if found:
        raise IamValidationError(found)


def install() -> None:
    role_checks.on_create_role(check)
