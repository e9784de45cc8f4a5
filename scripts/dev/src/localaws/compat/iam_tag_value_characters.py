"""Fix ``iam_tag_value_characters``: an IAM tag value holds only letters, numbers, spaces and
``_ . : / = + - @``.

AWS (IAM API reference, Tag, Value): "Pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*"; a failed
constraint is ``ValidationError`` with the model's text. moto 5.2.5 checks a value's length,
not its characters (it checks a key's). Applies wherever moto verifies IAM tags: CreateRole,
TagRole, CreateUser, TagUser, CreatePolicy and ``AWS::IAM::Role`` Tags.
https://docs.aws.amazon.com/IAM/latest/APIReference/API_Tag.html
"""

from __future__ import annotations

import unicodedata
from typing import Any

from moto.iam import models as iam_models

from localaws.compat import patching
from localaws.compat.errors import IamValidationError, constraint_message, pattern
from localaws.compat.registry import Fix, enabled, register

PATTERN = r"[\p{L}\p{Z}\p{N}_.:/=+\-@]*"
_PUNCTUATION = frozenset("_.:/=+-@")
FIX = register(
    Fix(
        "iam_tag_value_characters",
        "IAM refuses a tag value with characters outside letters, numbers, spaces and _.:/=+-@",
        "https://docs.aws.amazon.com/IAM/latest/APIReference/API_Tag.html",
        error_code="ValidationError",
        message=constraint_message("{value}", "tags.X.member.value", pattern(PATTERN)),
    )
)


def valid(value: str) -> bool:
    return all(c in _PUNCTUATION or unicodedata.category(c)[0] in "LZN" for c in value)


def install() -> None:
    def make(original: patching.Func) -> patching.Func:
        def tag_verification(self: Any, tags: list[dict[str, str]]) -> Any:
            if enabled(FIX.name):
                for tag in tags:
                    value = str(tag.get("Value", ""))
                    if not valid(value):
                        raise IamValidationError(
                            constraint_message(value, "tags.X.member.value", pattern(PATTERN))
                        )
            return original(self, tags)

        return tag_verification

    patching.wrap_method(iam_models.IAMBackend, "_tag_verification", make)
