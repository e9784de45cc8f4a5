"""Fix ``iam_permissions_boundary``: a role session acts only within its role's boundary.

AWS: "The effective permissions for an entity are the permissions that are granted by all
the policies that affect the user or role", and with a permissions boundary only what both
the identity-based policies and the boundary allow (an explicit Deny in either wins). A
same-account resource-based policy that names the IAM user or the role session itself is not
limited by the boundary; one that names the role is. moto 5.2.5 stores a role's
``PermissionsBoundary`` and never evaluates it, so a configured boundary (the configuration's
``permissionsBoundary``) limited nothing. moto has no user boundaries (no
PutUserPermissionsBoundary), so only roles' are evaluated.
https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
"""

from __future__ import annotations

from typing import Any

from localaws.compat import _moto  # noqa: F401
from localaws.compat.registry import Fix, enabled, register
from localaws.compat.sessions import caller_role, policy_document

FIX = register(
    Fix(
        "iam_permissions_boundary",
        "A role session's requests are allowed only when its identity policies and its "
        "role's permissions boundary both allow them",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html",
    )
)


def caller_boundary(req: Any) -> dict[str, Any] | None:
    """The permissions boundary document of the caller's role (None: none, or fix off)."""
    if not enabled(FIX.name):
        return None
    role = caller_role(req)
    arn = None if role is None else role.permissions_boundary_arn
    if not arn:
        return None
    policy = req.backend.managed_policies.get(str(arn))  # the role's account, keyed by ARN
    if policy is None:  # a boundary that no longer exists allows nothing
        return {"Version": "2012-10-17", "Statement": []}
    return policy_document(policy)


def install() -> None:
    """Nothing to patch: the deciders ask :func:`caller_boundary` on every request."""
