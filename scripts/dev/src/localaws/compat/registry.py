"""The list of fixes and their switches (no moto import: the control API reads it too).

A fix restores one documented AWS behaviour that moto 5.2.5 gets wrong. Each fix module
declares one ``Fix`` (name, what it restores, documentation link, and AWS's error code and
message where the fix is a refusal) and registers it here; ``set_enabled(name, False)`` (or
``POST /_localaws/fixes``) switches it off so that its test can show moto's own behaviour.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass
class Fix:
    """One fix: ``name`` (stable, used by tests and the control API), the AWS behaviour it
    ``restores``, its ``docs`` link, and for refusals AWS's ``error_code`` and ``message``
    (``{...}`` marks the parts filled in from the request)."""

    name: str
    restores: str
    docs: str
    error_code: str = ""
    message: str = ""
    enabled: bool = True


FIXES: dict[str, Fix] = {}
_lock = threading.Lock()


def register(fix: Fix) -> Fix:
    with _lock:
        if fix.name in FIXES:
            raise ValueError(f"fix {fix.name!r} is registered twice")
        FIXES[fix.name] = fix
    return fix


def enabled(name: str) -> bool:
    return FIXES[name].enabled


def set_enabled(name: str, on: bool) -> None:
    if name not in FIXES:
        raise KeyError(f"unknown fix {name!r}; known fixes: {sorted(FIXES)}")
    FIXES[name].enabled = on


def fixes_state() -> dict[str, bool]:
    return {name: fix.enabled for name, fix in FIXES.items()}
