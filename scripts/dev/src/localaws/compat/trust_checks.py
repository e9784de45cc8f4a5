"""One seam for trust-policy rules (machinery, not a fix).

``on_trust_policy(check)`` runs ``check(document_text)`` before CreateRole and
UpdateAssumeRolePolicy, whether the IAM API or CloudFormation's ``AWS::IAM::Role`` (create and
in-place update) calls them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from moto.iam import models as iam_models

from localaws.compat import patching, role_checks

Check = Callable[[str], None]
_checks: list[Check] = []
_installed = False
_lock = threading.Lock()


def _run(document_text: Any) -> None:
    if isinstance(document_text, str):
        for check in _checks:
            check(document_text)


def on_trust_policy(check: Check) -> None:
    global _installed
    with _lock:
        _checks.append(check)
        if _installed:
            return
        role_checks.on_create_role(
            lambda backend, arguments: _run(arguments.get("assume_role_policy_document"))
        )

        def make(original: patching.Func) -> patching.Func:
            def update_assume_role_policy(self: Any, role_name: str, policy_document: str) -> None:
                _run(policy_document)
                original(self, role_name, policy_document)

            return update_assume_role_policy

        patching.wrap_method(iam_models.IAMBackend, "update_assume_role_policy", make)
        _installed = True
