"""Fix ``iam_role_description``: a role description is at most 1000 characters of a set.

AWS (CreateRole and UpdateRole, Description): "Maximum length of 1000. Pattern:
[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*" (tab, line breaks, printable ASCII and
Latin-1 letters). A failed constraint is ``ValidationError`` with the model's text. moto 5.2.5
accepts any description. Applies to CreateRole, UpdateRole and ``AWS::IAM::Role``.
https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html
"""

from __future__ import annotations

import re
from typing import Any

from moto.iam import models as iam_models

from localaws.compat import patching, role_checks
from localaws.compat.errors import IamValidationError, constraint_message, max_length, pattern
from localaws.compat.registry import Fix, enabled, register

PATTERN = r"[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*"
MAX_LENGTH = 1000
_valid = re.compile(r"[\t\n\r\x20-\x7e\xa1-\xff]*")
FIX = register(
    Fix(
        "iam_role_description",
        "CreateRole/UpdateRole refuse a Description over 1000 characters or outside "
        "tab, line breaks, printable ASCII and Latin-1",
        "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html",
        error_code="ValidationError",
        message=constraint_message("{description}", "description", max_length(MAX_LENGTH)),
    )
)


def problem(description: str) -> str | None:
    if len(description) > MAX_LENGTH:
        return constraint_message(description, "description", max_length(MAX_LENGTH))
    if not _valid.fullmatch(description):
        return constraint_message(description, "description", pattern(PATTERN))
    return None


def _check(description: Any) -> None:
    if enabled(FIX.name) and description:
        found = problem(str(description))
        if found:
            raise IamValidationError(found)


def install() -> None:
    role_checks.on_create_role(lambda backend, arguments: _check(arguments.get("description")))

    def make(original: patching.Func) -> patching.Func:
        def update_role(
            self: Any, role_name: str, role_description: str, max_session_duration: Any
        ) -> Any:
            _check(role_description)
            return original(self, role_name, role_description, max_session_duration)

        return update_role

    patching.wrap_method(iam_models.IAMBackend, "update_role", make)
