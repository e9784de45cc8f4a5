"""Fix ``iam_tag_reserved_prefix``: IAM tag keys may not start with ``aws:``.

AWS (Tagging IAM resources): "The aws: prefix is reserved for AWS use. You can't add, change,
or remove tags whose key begins with aws:" (any case). The IAM error for it is not documented
and was not captured; we answer ``InvalidInput`` (IAM's code for refused input, HTTP 400) with
the wording other services use, "Tag keys starting with 'aws:' are reserved for internal use".
moto 5.2.5 accepts such keys. Applies wherever moto verifies IAM tags: CreateRole, TagRole,
CreateUser, TagUser, CreatePolicy and ``AWS::IAM::Role`` Tags.
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags.html
"""

from __future__ import annotations

from typing import Any

from moto.iam import models as iam_models

from localaws.compat import patching
from localaws.compat.errors import IamInvalidInput
from localaws.compat.registry import Fix, enabled, register

MESSAGE = "Tag keys starting with 'aws:' are reserved for internal use"
FIX = register(
    Fix(
        "iam_tag_reserved_prefix",
        "IAM refuses a tag key that starts with aws: (any case)",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags.html",
        error_code="InvalidInput",
        message=MESSAGE,
    )
)


def reserved(key: str) -> bool:
    return key.lower().startswith("aws:")


def install() -> None:
    def make(original: patching.Func) -> patching.Func:
        def tag_verification(self: Any, tags: list[dict[str, str]]) -> Any:
            if enabled(FIX.name) and any(reserved(str(t.get("Key", ""))) for t in tags):
                raise IamInvalidInput(MESSAGE)
            return original(self, tags)

        return tag_verification

    patching.wrap_method(iam_models.IAMBackend, "_tag_verification", make)
