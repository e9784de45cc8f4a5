"""Ready-to-paste ``~/.aws/config`` profiles for the deployed developer roles."""

from __future__ import annotations

import base64
import gzip
import json
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


# STS limits an AssumeRole signed by temporary credentials (role chaining; an MFA session's
# count) to one hour, so the helper shares the one MFA code only with roles of at most this:
# https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html#iam-term-role-chaining
CHAINED_MAX_SECONDS = 3600


def _known_serials(spec: RoleSpec, roles: Sequence[RoleSpec]) -> dict[str, str]:
    """The MFA devices known for the role's principals, by principal name: the principal's
    own ``mfaSerial``, or for a team role its members' (from their principal entries)."""
    if spec.principal is not None:
        return {spec.principal.name: spec.mfa_serial} if spec.mfa_serial else {}
    devices = {
        r.principal.arn: (r.principal.name, r.mfa_serial)
        for r in roles
        if r.principal is not None and r.mfa_serial
    }
    found = [devices[arn] for arn in spec.trust.principals if arn in devices]
    return {name: str(serial) for name, serial in found}


def _single_member(spec: RoleSpec) -> bool:
    """Whether exactly one principal can assume the role: a personal role, or a team of one
    named member and no pattern or organisation."""
    trust = spec.trust
    return spec.principal is not None or (
        len(trust.principals) == 1 and not trust.arn_patterns and trust.org_id is None
    )


def _serial_lines(spec: RoleSpec, roles: Sequence[RoleSpec]) -> list[str]:
    """``mfa_serial`` for a role one principal assumes; for a team, one commented line per
    member whose device is known (each member keeps their own: ``mfa-assume setup`` does)."""
    serials = _known_serials(spec, roles)
    if not serials:
        return []
    if _single_member(spec):
        return [f"mfa_serial = {next(iter(serials.values()))}"]
    return [
        "# mfa_serial: keep the line of your own device (without one, the helper finds it)",
        *(f"# mfa_serial = {serial}  ({name})" for name, serial in sorted(serials.items())),
    ]


# The comment line that tells ``mfa-assume setup`` (scripts/mfa_assume: setup.py reads it)
# whose profile follows: the principals, ARN patterns and organisation the role trusts, and
# the members' MFA devices by principal ARN. One JSON object on one line; the helper's copy of
# this prefix is held to this one by tests/stacks/test_profiles.py.
SETUP_MARKER = "# mfa-assume-setup: "


def setup_line(spec: RoleSpec, roles: Sequence[RoleSpec]) -> str:
    devices = {
        r.principal.arn: r.mfa_serial for r in roles if r.principal is not None and r.mfa_serial
    }
    trusted = [spec.principal.arn] if spec.principal is not None else list(spec.trust.principals)
    if spec.principal is not None and spec.mfa_serial:
        devices[spec.principal.arn] = spec.mfa_serial
    data: dict[str, object] = {
        "principals": trusted,
        "patterns": list(spec.trust.arn_patterns),
        "org": spec.trust.org_id,
        "serials": {arn: str(devices[arn]) for arn in trusted if arn in devices},
    }
    return SETUP_MARKER + json.dumps(data, separators=(",", ":"), sort_keys=True)


def _session_lines(spec: RoleSpec) -> list[str]:
    lines = [
        f"duration_seconds = {spec.max_session_seconds}",
        f"mfa_max_age = {spec.max_mfa_age_seconds}",
    ]
    if spec.max_session_seconds > CHAINED_MAX_SECONDS:
        lines[:0] = [
            f"# {spec.max_session_seconds // 60} minutes: this profile asks for an MFA code of "
            "its own each time it starts a session",
            "# (STS limits a role assumed through the shared MFA session to 1 hour: role "
            "chaining).",
            "# duration_seconds = 3600 instead shares the one code with your other roles.",
        ]
    return lines


def render_profiles(roles: Sequence[RoleSpec], targets: Sequence[Target]) -> str:
    """Two profiles per role and target: one the helper (or the AWS CLI) reads, one that
    calls the helper.

    ``<name>-mfa`` holds ``role_arn``, ``source_profile``, ``duration_seconds`` (the role's
    maximum), ``mfa_max_age`` (the role's ``aws:MultiFactorAuthAge`` limit: the helper reuses
    one MFA session for all roles of at most an hour while it is younger; a longer role asks
    for its own code, said in a comment) and ``mfa_serial`` wherever it is known (a team
    role takes its members' devices). ``<name>``
    runs the installed helper as a ``credential_process``, so any SDK or tool gets cached MFA
    credentials from it. Both carry the target's ``region``: the AWS CLI does not take a
    profile's region from ``[default]``.
    """
    lines = [
        "# ~/.aws/config profiles for the developer roles. `mfa-assume setup --from THIS_FILE`",
        "# writes yours (and updates them on its next run); or paste the ones you need.",
        "# source_profile names the profile holding your own long-term IAM user keys.",
        f"# The '{HELPER_COMMAND}' command: install the helper with pipx "
        "(scripts/mfa_assume/README.md). It must be on the PATH",
        "# of every program that reads these profiles (cron, IDEs, services), or write its "
        "absolute path",
        f"# (command -v {HELPER_COMMAND}) in place of '{HELPER_COMMAND}' below.",
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
                setup_line(spec, roles),
                f"[profile {name}-mfa]",
                f"role_arn = {role_arn(spec, target.account)}",
                "source_profile = default",
                *_session_lines(spec),
                *_serial_lines(spec, roles),
                *_region_lines(target.region),
            ]
            lines += [
                "",
                f"[profile {name}]",
                f"credential_process = {HELPER_COMMAND} --profile {name}-mfa --format json",
                *_region_lines(target.region),
            ]
    return "\n".join(lines) + "\n"


# Where the identity stack publishes the profiles for `mfa-assume setup` (the helper's copy:
# mfa_assume.published). SSM Parameter Store, standard tier: a value holds at most 4 KB
# (8 KB advanced, which is charged per parameter), and a stack at most 500 resources
# (https://docs.aws.amazon.com/general/latest/gr/ssm.html,
# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html):
# the file, gzip-compressed and base64-encoded, split into parameters of 4,096 characters.
PUBLISHED_PATH = "/developer-roles/profiles"
MAX_PARAMETER_VALUE = 4096
MAX_PUBLISHED_PARAMETERS = 400


def published_values(text: str) -> list[str]:
    """The values of the parameters ``PUBLISHED_PATH/000``, ``001``, ... for ``text``; the
    same text gives the same values (no time stamp in the gzip header)."""
    packed = base64.b64encode(gzip.compress(text.encode("utf-8"), mtime=0)).decode("ascii")
    return [
        packed[at : at + MAX_PARAMETER_VALUE] for at in range(0, len(packed), MAX_PARAMETER_VALUE)
    ]


def published_name(index: int) -> str:
    return f"{PUBLISHED_PATH}/{index:03d}"
