"""Ready-to-paste ``~/.aws/config`` profiles for the deployed developer roles."""

from __future__ import annotations

import re
from collections.abc import Sequence

from developer_roles.config.model import RoleSpec, Target

PROFILES_FILE = "aws-config-profiles.ini"
# The installed helper (pipx install ./scripts/mfa_assume), found on the developer's PATH:
# never a path of the machine that ran synthesis.
HELPER_COMMAND = "mfa-assume"


def profile_name(spec: RoleSpec, account: str | None = None) -> str:
    """``<principal>-power-user`` or ``<group>-team-power-user``, plus ``-<account>`` when the
    roles are in several accounts; lower case, safe in an INI section name."""
    name = spec.principal.name if spec.principal else f"{spec.key.split('/', 1)[1]}-team"
    base = re.sub(r"[^a-z0-9_.-]+", "-", name.lower()).strip("-") or "developer"
    return f"{base}-power-user" + (f"-{account}" if account else "")


def role_arn(spec: RoleSpec, account: str | None) -> str:
    return f"arn:{spec.partition}:iam::{account or 'ACCOUNT_ID'}:role{spec.path}{spec.role_name}"


def _region_lines(region: str | None) -> list[str]:
    if region:
        return [f"region = {region}"]
    return ["# region = REGION  (the target region was not known at synthesis)"]


def render_profiles(roles: Sequence[RoleSpec], targets: Sequence[Target]) -> str:
    """Two profiles per role and target: one the helper (or the AWS CLI) reads, one that
    calls the helper.

    ``<name>-mfa`` holds ``role_arn``, ``source_profile``, ``duration_seconds``,
    ``mfa_max_age`` (the role's ``aws:MultiFactorAuthAge`` limit: the helper reuses one MFA
    session for all roles while it is younger) and ``mfa_serial`` when configured. ``<name>``
    runs the installed helper as a ``credential_process``, so any SDK or tool gets cached MFA
    credentials from it. Both carry the target's ``region``: the AWS CLI does not take a
    profile's region from ``[default]``.
    """
    lines = [
        "# ~/.aws/config profiles for the developer roles. Paste the ones you need.",
        "# source_profile names the profile holding your own long-term IAM user keys.",
        f"# The '{HELPER_COMMAND}' command: install it with pipx (see docs/helper.md).",
    ]
    if any(t.account is None for t in targets):
        lines.append(
            "# The target account was not known at synthesis: replace ACCOUNT_ID "
            "(or set 'account' in the configuration)."
        )
    unique = list(dict.fromkeys(targets))
    several = len({t.account for t in unique}) > 1
    for target in unique:
        for spec in roles:
            name = profile_name(spec, target.account if several else None)
            lines += [
                "",
                f"# {spec.label}",
                f"[profile {name}-mfa]",
                f"role_arn = {role_arn(spec, target.account)}",
                "source_profile = default",
                f"duration_seconds = {spec.max_session_seconds}",
                f"mfa_max_age = {spec.max_mfa_age_seconds}",
            ]
            if spec.mfa_serial:
                lines.append(f"mfa_serial = {spec.mfa_serial}")
            lines += _region_lines(target.region)
            lines += [
                "",
                f"[profile {name}]",
                f"credential_process = {HELPER_COMMAND} --profile {name}-mfa --format json",
                *_region_lines(target.region),
            ]
    return "\n".join(lines) + "\n"
