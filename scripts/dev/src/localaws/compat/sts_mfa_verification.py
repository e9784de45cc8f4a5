"""Fix ``sts_mfa_verification``: SerialNumber/TokenCode are checked, as STS checks them.

AWS verifies the code against the MFA device's seed (RFC 6238 time steps, with one step of
clock skew either way), accepts each code once, and only for a device of the caller; every
refusal is ``AccessDenied`` with one of the texts in ``localaws.compat.sessions``. moto 5.2.5
never checks the code and never makes ``aws:MultiFactorAuthPresent`` true. Used by
``sts_trust_policy_evaluation`` (AssumeRole) and ``sts_session_token`` (GetSessionToken).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from localaws.compat.registry import Fix, enabled, register
from localaws.compat.sessions import MFA_INVALID_CODE, param, verify_mfa

FIX = register(
    Fix(
        "sts_mfa_verification",
        "SerialNumber/TokenCode must name the caller's MFA device and carry a current, "
        "unused TOTP code; otherwise AccessDenied with AWS's MultiFactorAuthentication text",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_configure-api-require.html",
        error_code="AccessDenied",
        message=MFA_INVALID_CODE.strip(),
    )
)


def mfa_used(user: Any, account_id: str, data: Mapping[str, Any]) -> bool:
    """True when the request carries a valid MFA code of ``user`` (raises when it is wrong)."""
    if not enabled(FIX.name):
        return False
    return verify_mfa(user, account_id, param(data, "SerialNumber"), param(data, "TokenCode"))


def install() -> None:
    """Nothing to patch: the AssumeRole and GetSessionToken fixes call ``mfa_used``."""
