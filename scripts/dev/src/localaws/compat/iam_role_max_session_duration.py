"""Fix ``iam_role_max_session_duration``: MaxSessionDuration is 3600 to 43200 seconds.

AWS (CreateRole and UpdateRole, MaxSessionDuration): "Valid Range: Minimum value of 3600.
Maximum value of 43200" ("from 1 hour to 12 hours"). A failed constraint is ``ValidationError``
with the model's text. moto 5.2.5 stores any value. Applies to CreateRole, UpdateRole and
``AWS::IAM::Role`` (create and in-place update).
https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_update-role-settings.html
"""

from __future__ import annotations

from typing import Any

from moto.iam import models as iam_models

from localaws.compat import patching, role_checks
from localaws.compat.errors import IamValidationError, constraint_message, max_value, min_value
from localaws.compat.registry import Fix, enabled, register

MINIMUM = 3600
MAXIMUM = 43200
FIX = register(
    Fix(
        "iam_role_max_session_duration",
        "CreateRole/UpdateRole refuse a MaxSessionDuration outside 3600-43200 seconds",
        "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html",
        error_code="ValidationError",
        message=constraint_message("{seconds}", "maxSessionDuration", max_value(MAXIMUM)),
    )
)


def problem(seconds: int) -> str | None:
    if seconds > MAXIMUM:
        return constraint_message(seconds, "maxSessionDuration", max_value(MAXIMUM))
    if seconds < MINIMUM:
        return constraint_message(seconds, "maxSessionDuration", min_value(MINIMUM))
    return None


def _check(value: Any) -> None:
    if not enabled(FIX.name) or value in (None, ""):
        return
    found = problem(int(value))
    if found:
        raise IamValidationError(found)


def install() -> None:
    role_checks.on_create_role(
        lambda backend, arguments: _check(arguments.get("max_session_duration"))
    )

    def make(original: patching.Func) -> patching.Func:
        def update_role(
            self: Any, role_name: str, role_description: str, max_session_duration: Any
        ) -> Any:
            _check(max_session_duration)
            return original(self, role_name, role_description, max_session_duration)

        return update_role

    patching.wrap_method(iam_models.IAMBackend, "update_role", make)
