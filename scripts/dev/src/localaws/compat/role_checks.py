"""One seam for the IAM role rules (machinery, not a fix).

A role is created and changed through ``IAMBackend`` methods both by the IAM API and by
CloudFormation's ``AWS::IAM::Role`` (moto's resource model calls the same backend methods, and
the ``cfn_role_*`` fixes route updates through them too), so a rule checked here applies to a
template deploy as to an API call. ``on_create_role`` checks run before moto's CreateRole.

A role CloudFormation names itself (no ``RoleName``) gets the logical ID as its name in moto,
where AWS generates ``<stack>-<logicalId>-<suffix>`` of at most 64 characters; name rules skip
those (``generated_name()``), since the name is not the template author's.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from moto.iam import models as iam_models

from localaws.compat import patching

CreateCheck = Callable[[Any, dict[str, Any]], None]
_create_checks: list[CreateCheck] = []
_installed = False
_lock = threading.Lock()
_context = threading.local()

CREATE_ROLE_ARGS = (
    "role_name",
    "assume_role_policy_document",
    "path",
    "permissions_boundary",
    "description",
    "tags",
    "max_session_duration",
    "linked_service",
)


def generated_name() -> bool:
    """Whether the role being created is named by CloudFormation, not by its template."""
    return bool(getattr(_context, "generated", False))


def on_create_role(check: CreateCheck) -> None:
    """Run ``check(backend, arguments by name)`` before every CreateRole (API and template)."""
    global _installed
    with _lock:
        _create_checks.append(check)
        if _installed:
            return

        def make_create(original: patching.Func) -> patching.Func:
            def create_role(self: Any, *args: Any, **kwargs: Any) -> Any:
                arguments = dict(zip(CREATE_ROLE_ARGS, args, strict=False)) | kwargs
                for run in _create_checks:
                    run(self, arguments)
                return original(self, *args, **kwargs)

            return create_role

        def make_cfn_create(original: patching.Func) -> patching.Func:
            def create(
                cls: type,
                resource_name: str,
                cloudformation_json: dict[str, Any],
                *args: Any,
                **kwargs: Any,
            ) -> Any:
                _context.generated = "RoleName" not in cloudformation_json.get("Properties", {})
                try:
                    return original(cls, resource_name, cloudformation_json, *args, **kwargs)
                finally:
                    _context.generated = False

            return create

        patching.wrap_method(iam_models.IAMBackend, "create_role", make_create)
        patching.wrap_classmethod(
            iam_models.Role, "create_from_cloudformation_json", make_cfn_create
        )
        _installed = True
