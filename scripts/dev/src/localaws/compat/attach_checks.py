"""One seam for managed-policy attachment rules (machinery, not a fix).

Every attachment of a managed policy to a role, user or group ends in moto's
``ManagedPolicy.attach_to`` (AttachRolePolicy/AttachUserPolicy, CloudFormation's
ManagedPolicyArns, the server's fast attach path). ``on_attach(check)`` runs
``check(policy ARN, entity, number already attached)`` there before a new attachment; the
count is read from the entity, never by scanning the account.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from moto.iam import models as iam_models

from localaws.compat import patching

Check = Callable[[str, Any, int], None]
_checks: list[Check] = []
_installed = False
_lock = threading.Lock()


def on_attach(check: Check) -> None:
    global _installed
    with _lock:
        _checks.append(check)
        if _installed:
            return

        def make(original: patching.Func) -> patching.Func:
            def attach_to(self: Any, obj: Any) -> None:
                if self.arn not in obj.managed_policies:
                    for run in _checks:
                        run(self.arn, obj, len(obj.managed_policies))
                original(self, obj)

            return attach_to

        patching.wrap_method(iam_models.ManagedPolicy, "attach_to", make)
        _installed = True
