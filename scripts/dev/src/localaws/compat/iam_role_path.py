"""Fix ``iam_role_path``: a role path is ``/`` or ``/.../`` of printable ASCII, at most 512.

AWS (CreateRole, Path): "Length Constraints: Minimum length of 1. Maximum length of 512.
Pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)". A failed constraint is ``ValidationError``
with the model's text. moto 5.2.5 accepts any path for a role. Applies to CreateRole and to
``AWS::IAM::Role``.
https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html
"""

from __future__ import annotations

import re
from typing import Any

from localaws.compat import role_checks
from localaws.compat.errors import IamValidationError, constraint_message, max_length, pattern
from localaws.compat.registry import Fix, enabled, register

PATTERN = r"(\u002F)|(\u002F[\u0021-\u007E]+\u002F)"
MAX_LENGTH = 512
_valid = re.compile(r"/|/[\x21-\x7e]+/")
FIX = register(
    Fix(
        "iam_role_path",
        "CreateRole refuses a Path that is not / or /.../ of printable ASCII (max 512)",
        "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html",
        error_code="ValidationError",
        message=constraint_message("{path}", "path", pattern(PATTERN)),
    )
)


def problem(path: str) -> str | None:
    if len(path) > MAX_LENGTH:
        return constraint_message(path, "path", max_length(MAX_LENGTH))
    if not _valid.fullmatch(path):
        return constraint_message(path, "path", pattern(PATTERN))
    return None


def check(backend: Any, arguments: dict[str, Any]) -> None:
    del backend
    path = arguments.get("path")
    if not enabled(FIX.name) or path is None:
        return  # moto defaults a missing path to "/"
    found = problem(str(path))
    if found:
        raise IamValidationError(found)


def install() -> None:
    role_checks.on_create_role(check)
