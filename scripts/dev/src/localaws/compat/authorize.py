"""One seam in moto's authorization: an ordered chain of deciders (machinery, not a fix).

moto 5.2.5 decides every request in ``IAMRequestBase.check_action_permitted``. Several fixes
decide some actions there (AssumeRole on the trust policy, GetSessionToken without a
permission, everything else on identity policies). Each registers a decider here, in the
order of ``localaws.compat.MODULES``: a decider returns True when it has decided (allowed),
raises AWS's error when it refuses, and returns False to leave the request to the next one;
when none decides, moto's own check applies.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from moto.iam import access_control

from localaws.compat import _moto  # noqa: F401
from localaws.compat.sessions import request

Decider = Callable[[Any, str], bool]
_deciders: list[Decider] = []
_installed = False
_lock = threading.Lock()


def add_decider(decider: Decider) -> None:
    """Append a decider (see the module docstring); installs the seam on first use."""
    global _installed
    with _lock:
        _deciders.append(decider)
        if _installed:
            return
        request_base = access_control.IAMRequestBase
        original_check = request_base.check_action_permitted

        def check_action_permitted(self: Any, resource: str) -> None:
            request.mfa_authenticated_at = None
            for decide in _deciders:
                if decide(self, resource):
                    return
            original_check(self, resource)

        request_base.check_action_permitted = check_action_permitted  # type: ignore[method-assign]
        _installed = True
