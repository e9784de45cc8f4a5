"""The former single-module compatibility layer; kept so that existing imports keep working.

Every fix now lives in its own module of ``localaws.compat`` (see that package's docstring).
"""

from __future__ import annotations

from localaws.compat import (
    FIXES,
    Fix,
    apply,
    enabled,
    fixes_state,
    serialize_cloudformation,
    set_enabled,
    tune_for_speed,
)
from localaws.compat.server_settings import _JsonFirstYaml

__all__ = [
    "FIXES",
    "Fix",
    "_JsonFirstYaml",
    "apply",
    "enabled",
    "fixes_state",
    "serialize_cloudformation",
    "set_enabled",
    "tune_for_speed",
]
