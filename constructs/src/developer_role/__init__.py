"""A reusable AWS CDK construct for MFA-gated PowerUser developer roles, and an MFA trust rule.

The names below are imported on first use, so that the modules without CDK code
(:mod:`developer_role.trust`, :mod:`developer_role.validation`,
:mod:`developer_role.mfa_rule`) can be used without loading the CDK's runtime.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from developer_role.mfa_checks import MfaTrustChecks
    from developer_role.mfa_rule import TrustFinding, trust_findings
    from developer_role.role import (
        DeveloperRole,
        DeveloperRoleError,
        aws_managed_policy,
    )
    from developer_role.roles import DeveloperRoles, RoleProps
    from developer_role.trust import (
        POWER_USER_ACCESS,
        TRUST_ACTIONS,
        mfa_conditions,
        policy_length,
        trust_policy,
    )

__version__ = "0.4.0"

_MODULES = {
    "POWER_USER_ACCESS": "trust",
    "DeveloperRole": "role",
    "DeveloperRoleError": "role",
    "DeveloperRoles": "roles",
    "RoleProps": "roles",
    "aws_managed_policy": "role",
    "MfaTrustChecks": "mfa_checks",
    "TrustFinding": "mfa_rule",
    "trust_findings": "mfa_rule",
    "TRUST_ACTIONS": "trust",
    "mfa_conditions": "trust",
    "policy_length": "trust",
    "trust_policy": "trust",
}

__all__ = [
    "POWER_USER_ACCESS",
    "TRUST_ACTIONS",
    "DeveloperRole",
    "DeveloperRoleError",
    "DeveloperRoles",
    "MfaTrustChecks",
    "RoleProps",
    "TrustFinding",
    "aws_managed_policy",
    "mfa_conditions",
    "policy_length",
    "trust_findings",
    "trust_policy",
]


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return [*globals(), *__all__]
