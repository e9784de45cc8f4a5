"""A reusable AWS CDK construct for MFA-gated PowerUser developer roles."""

from developer_role.role import (
    POWER_USER_ACCESS,
    TRUST_ACTIONS,
    DeveloperRole,
    DeveloperRoleError,
    mfa_conditions,
    trust_statement,
)

__all__ = [
    "POWER_USER_ACCESS",
    "TRUST_ACTIONS",
    "DeveloperRole",
    "DeveloperRoleError",
    "mfa_conditions",
    "trust_statement",
]
