"""Seam for CloudFormation template and stack-name rules (machinery, not a fix).

CreateStack, UpdateStack, CreateChangeSet and ValidateTemplate take a ``TemplateBody``;
``on_template(check)`` runs ``check(response)`` before each of them (the check reads the
request's parameters from ``response``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from moto.cloudformation import responses as cfn_responses

from localaws.compat import patching

Check = Callable[[Any, str], None]
ACTIONS = ("create_stack", "update_stack", "create_change_set", "validate_template")
_checks: list[Check] = []
_installed = False
_lock = threading.Lock()


def on_template(check: Check) -> None:
    """Run ``check(response, action)`` before every template-taking CloudFormation action."""
    global _installed
    with _lock:
        _checks.append(check)
        if _installed:
            return
        for action in ACTIONS:

            def make(original: patching.Func, action: str = action) -> patching.Func:
                def handler(self: Any) -> Any:
                    for run in _checks:
                        run(self, action)
                    return original(self)

                return handler

            patching.wrap_method(cfn_responses.CloudFormationResponse, action, make)
        _installed = True
