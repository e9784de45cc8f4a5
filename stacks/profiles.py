"""Ready-to-paste ``~/.aws/config`` profiles for the deployed developer roles."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from stacks.config_model import RoleSpec

PROFILES_FILE = "aws-config-profiles.ini"
HELPER = Path(__file__).resolve().parent.parent / "scripts" / "assume_role.py"


def profile_name(spec: RoleSpec, account: str | None = None) -> str:
    """``<principal>-power-user`` or ``<group>-team-power-user``, plus ``-<account>`` when the
    roles are in several accounts; lower case, safe in an INI section name."""
    name = spec.principal.name if spec.principal else f"{spec.key.split('/', 1)[1]}-team"
    base = re.sub(r"[^a-z0-9_.-]+", "-", name.lower()).strip("-") or "developer"
    return f"{base}-power-user" + (f"-{account}" if account else "")


def role_arn(spec: RoleSpec, account: str | None) -> str:
    return f"arn:{spec.partition}:iam::{account or 'ACCOUNT_ID'}:role{spec.path}{spec.role_name}"


def render_profiles(
    roles: Sequence[RoleSpec], accounts: Sequence[str | None], helper: Path = HELPER
) -> str:
    """Two profiles per role and account: one the helper (or the AWS CLI) reads, one that
    calls the helper.

    ``<name>-mfa`` holds ``role_arn``, ``source_profile`` and ``duration_seconds`` (and
    ``mfa_serial`` when configured). ``<name>`` runs the helper as a ``credential_process``, so
    any SDK or tool gets cached MFA credentials from it.
    """
    lines = [
        "# ~/.aws/config profiles for the developer roles. Paste the ones you need.",
        "# source_profile names the profile holding your own long-term IAM user keys.",
    ]
    if None in accounts:
        lines.append(
            "# The target account was not known at synthesis: replace ACCOUNT_ID "
            "(or set 'account' in the configuration)."
        )
    several = len(set(accounts)) > 1
    for account in dict.fromkeys(accounts):
        for spec in roles:
            name = profile_name(spec, account if several else None)
            lines += [
                "",
                f"# {spec.label}",
                f"[profile {name}-mfa]",
                f"role_arn = {role_arn(spec, account)}",
                "source_profile = default",
                f"duration_seconds = {spec.max_session_seconds}",
            ]
            if spec.mfa_serial:
                lines.append(f"mfa_serial = {spec.mfa_serial}")
            lines += [
                "",
                f"[profile {name}]",
                f"credential_process = python3 {helper} --profile {name}-mfa --format json",
            ]
    return "\n".join(lines) + "\n"
