"""Fix ``sts_assume_role_parameters``: AssumeRole's DurationSeconds and RoleSessionName constraints.

AWS (AssumeRole): "DurationSeconds ... Valid Range: Minimum value of 900. Maximum value of
43200"; "RoleSessionName ... Length Constraints: Minimum length of 2. Maximum length of 64.
Pattern: [\\w+=,.@-]*". A failed constraint is ``ValidationError`` with the model's text (boto3
checks the minimums on the client, never maximums or patterns). moto 5.2.5 checks only a
session name over 64 characters, with its own wording (a double space), and no duration.
https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html
"""

from __future__ import annotations

import re
from typing import Any

from moto.sts import responses as sts_responses

from localaws.compat import patching
from localaws.compat.errors import (
    STSValidationError,
    constraint_message,
    max_length,
    max_value,
    min_length,
    min_value,
    pattern,
)
from localaws.compat.registry import Fix, enabled, register

SESSION_NAME_PATTERN = r"[\w+=,.@-]*"
_session_name = re.compile(SESSION_NAME_PATTERN, re.ASCII)
FIX = register(
    Fix(
        "sts_assume_role_parameters",
        "AssumeRole refuses DurationSeconds outside 900-43200 and a RoleSessionName outside "
        "2-64 characters of [\\w+=,.@-]",
        "https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html",
        error_code="ValidationError",
        message=constraint_message("{seconds}", "durationSeconds", max_value(43200)),
    )
)


def problems(duration: int | None, session_name: str) -> list[str]:
    found: list[str] = []
    if duration is not None and duration > 43200:
        found.append(constraint_message(duration, "durationSeconds", max_value(43200)))
    if duration is not None and duration < 900:
        found.append(constraint_message(duration, "durationSeconds", min_value(900)))
    if len(session_name) > 64:
        found.append(constraint_message(session_name, "roleSessionName", max_length(64)))
    elif len(session_name) < 2:
        found.append(constraint_message(session_name, "roleSessionName", min_length(2)))
    elif not _session_name.fullmatch(session_name):
        found.append(
            constraint_message(session_name, "roleSessionName", pattern(SESSION_NAME_PATTERN))
        )
    return found


def joined(found: list[str]) -> str:
    """AWS's text for one or several failed constraints."""
    if len(found) == 1:
        return found[0]
    details = "; ".join(f.split("detected: ", 1)[1] for f in found)
    return f"{len(found)} validation errors detected: {details}"


def install() -> None:
    def make(original: patching.Func) -> patching.Func:
        def assume_role(self: Any) -> Any:
            if enabled(FIX.name):
                raw = self._get_param("DurationSeconds")
                found = problems(
                    None if raw in (None, "") else int(raw),
                    str(self._get_param("RoleSessionName") or ""),
                )
                if found:
                    raise STSValidationError(joined(found))
            return original(self)

        return assume_role

    patching.wrap_method(sts_responses.TokenResponse, "assume_role", make)
