"""Fix ``iam_role_name_case``: role names are unique in an account regardless of case.

AWS (IAM user guide, IAM identifiers): "Names of users, groups, roles, policies, instance
profiles, and server certificates must be alphanumeric ... and must be unique within the
account. They are not distinguished by case, for example, you cannot create groups named
both ADMINS and admins." CreateRole then answers ``EntityAlreadyExists``, "Role with name
<name> already exists." moto 5.2.5 compares names exactly, so ``PowerUser-Alice`` and
``poweruser-alice`` both exist there. Applies to CreateRole and ``AWS::IAM::Role``.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html
"""

from __future__ import annotations

from typing import Any

from moto.iam.exceptions import EntityAlreadyExists

from localaws.compat import role_checks
from localaws.compat.registry import Fix, enabled, register

FIX = register(
    Fix(
        "iam_role_name_case",
        "CreateRole refuses a name that differs from an existing role's only in case",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html",
        error_code="EntityAlreadyExists",
        message="Role with name {name} already exists.",
    )
)


def check(backend: Any, arguments: dict[str, Any]) -> None:
    if not enabled(FIX.name):
        return
    name = str(arguments.get("role_name", ""))
    folded = name.lower()
    # One pass over the account's roles per CreateRole: 1,000 roles cost well under a
    # millisecond each (make bench-deploy), and moto keeps no index by folded name.
    for role in backend.roles.values():
        if role.name != name and role.name.lower() == folded:
            raise EntityAlreadyExists(f"Role with name {name} already exists.")


def install() -> None:
    role_checks.on_create_role(check)
