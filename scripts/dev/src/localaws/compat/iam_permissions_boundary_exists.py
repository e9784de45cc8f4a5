"""Fix ``iam_permissions_boundary_exists``: a boundary must be an existing managed policy.

AWS: "PermissionsBoundary: The ARN of the managed policy that is used to set the permissions
boundary for the role"; the boundary is an AWS or customer managed policy of the account. A
policy that does not exist (a typo, another account's customer managed policy) is refused with
``NoSuchEntity`` (HTTP 404) "Scope ARN: <arn> does not exist or is not attachable." (the text is
commonly reported but was not captured from AWS for this note). moto 5.2.5 checks only the ARN's
shape. Applies to CreateRole, PutRolePermissionsBoundary and ``AWS::IAM::Role``.
https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutRolePermissionsBoundary.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
"""

from __future__ import annotations

from typing import Any

from moto.iam import models as iam_models

from localaws.compat import patching, role_checks
from localaws.compat.errors import IamNoSuchEntity
from localaws.compat.registry import Fix, enabled, register

MESSAGE = "Scope ARN: {arn} does not exist or is not attachable."
FIX = register(
    Fix(
        "iam_permissions_boundary_exists",
        "CreateRole/PutRolePermissionsBoundary refuse a boundary that is not an existing "
        "managed policy",
        "https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutRolePermissionsBoundary.html",
        error_code="NoSuchEntity",
        message=MESSAGE,
    )
)


def _check(backend: Any, arn: Any) -> None:
    if not enabled(FIX.name) or not arn:
        return
    policy = backend.managed_policies.get(str(arn))  # keyed by ARN: no scan
    if policy is None or str(policy.arn) != str(arn):
        raise IamNoSuchEntity(MESSAGE.format(arn=arn))


def install() -> None:
    role_checks.on_create_role(
        lambda backend, arguments: _check(backend, arguments.get("permissions_boundary"))
    )

    def make(original: patching.Func) -> patching.Func:
        def put_role_permissions_boundary(self: Any, role_name: str, boundary: str) -> None:
            _check(self, boundary)
            original(self, role_name, boundary)

        return put_role_permissions_boundary

    patching.wrap_method(iam_models.IAMBackend, "put_role_permissions_boundary", make)
