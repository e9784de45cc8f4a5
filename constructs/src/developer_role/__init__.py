"""A reusable AWS CDK construct for MFA-gated PowerUser developer roles."""

from developer_role.role import (
    POWER_USER_ACCESS,
    DeveloperRole,
    DeveloperRoleError,
    aws_managed_policy,
)
from developer_role.trust import TRUST_ACTIONS, mfa_conditions, policy_length, trust_policy

__all__ = [
    "POWER_USER_ACCESS",
    "TRUST_ACTIONS",
    "DeveloperRole",
    "DeveloperRoleError",
    "aws_managed_policy",
    "mfa_conditions",
    "policy_length",
    "trust_policy",
]
