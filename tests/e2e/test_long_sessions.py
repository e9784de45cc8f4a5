"""Roles longer than an hour, and team roles, as synthesis writes their profiles: real
terminal, real AWS CLI, the local AWS with STS's role-chaining limit on.

The configuration gives the developer a 4-hour role of their own and a 1-hour team role, in
two accounts. An AssumeRole signed by the MFA session is role chaining, which STS limits to one
hour: the 4-hour profile asks for a code of its own and gets 4-hour credentials, while the team
roles share one code through the MFA session. The team profile's ``mfa_serial`` comes from the
developer's ``mfaSerial``; without it the helper lists the caller's devices, which the identity
side's policy allows (here an inline policy with the same statements on the user's own ARN:
the local AWS does not evaluate ``${aws:username}``).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shlex
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from localaws.testing import Developer, LocalAwsEnv
from tests.e2e.developer import write_aws_files
from tests.e2e.terminal import AWS_CLI, Terminal, program_environment
from trustcheck.synth import synthesize
from trustcheck.templates import roles_in_assembly

pytestmark = pytest.mark.e2e

ACCOUNTS = ("123456789012", "222222222222")
DEVELOPER = "long-lee"
TEAM = "payments"
FOUR_HOURS = 4 * 3600


@dataclass(frozen=True)
class Setup:
    developer: Developer
    profiles: str
    own: tuple[str, ...]  # credential_process profiles of the 4-hour role, one per account
    team: tuple[str, ...]  # of the 1-hour team role


def _identity_policy(developer: Developer, arns: tuple[str, ...]) -> str:
    """What the identity stack's policy allows this user (its ${aws:username} resolved)."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"],
                    "Resource": list(arns),
                    "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
                },
                {
                    "Sid": "ListOwnMfaDevices",
                    "Effect": "Allow",
                    "Action": "iam:ListMFADevices",
                    "Resource": developer.arn,
                },
            ],
        }
    )


@pytest.fixture(scope="module")
def setup(local_aws: LocalAwsEnv, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    if local_aws.is_live:
        pytest.skip("needs two accounts of the local AWS and its clock")
    if shutil.which("faketime") is None:
        pytest.fail("faketime is missing: `make setup` installs it (Debian package faketime)")
    work = tmp_path_factory.mktemp("long-sessions")
    developer = local_aws.create_developer(DEVELOPER)
    config = work / "roles.json"
    config.write_text(
        json.dumps(
            {
                "targets": [{"account": a, "region": local_aws.region} for a in ACCOUNTS],
                "principals": [
                    {
                        "arn": developer.arn,
                        "mfaSerial": developer.mfa_serial,
                        "maxSessionDuration": "4h",
                    }
                ],
                "groups": [{"name": TEAM, "principals": [developer.arn]}],
            }
        ),
        encoding="utf-8",
    )
    assembly = synthesize(work / "cdk.out", {"developerRolesFile": str(config)})
    created = []
    for role in roles_in_assembly(assembly):
        admin = (
            local_aws.admin
            if role.account == local_aws.account_id
            else local_aws.other_account_admin(str(role.account))
        )
        iam = local_aws.client("iam", admin)
        name = role.role_arn.rsplit("/", 1)[1]
        iam.create_role(
            RoleName=name,
            Path="/developers/",
            AssumeRolePolicyDocument=json.dumps(role.trust_policy),
            MaxSessionDuration=FOUR_HOURS if name == f"PowerUser-{DEVELOPER}" else 3600,
        )
        created.append((iam, name, role.role_arn))
    local_aws.client("iam").put_user_policy(
        UserName=developer.user_name,
        PolicyName="identity-side",
        PolicyDocument=_identity_policy(developer, tuple(arn for _, _, arn in created)),
    )
    profiles = (assembly / "aws-config-profiles.ini").read_text(encoding="utf-8")
    process = re.findall(r"^\[profile ([^\]]+)\]\ncredential_process = ", profiles, re.MULTILINE)
    own = tuple(p for p in process if p.startswith(DEVELOPER))
    team = tuple(p for p in process if p.startswith(f"{TEAM}-team"))
    assert (len(own), len(team)) == (2, 2), profiles
    yield Setup(developer, profiles, own, team)
    for iam, name, _ in created:
        iam.delete_role(RoleName=name)


@pytest.fixture
def shell(
    local_aws: LocalAwsEnv, setup: Setup, tmp_path: Path
) -> Iterator[Callable[[str, str], Terminal]]:
    """Factory: ``bash -c SCRIPT`` on a real terminal with ``profiles`` as ~/.aws/config (and
    the developer's keys), its programs on the local AWS's clock."""
    started: list[Terminal] = []

    def start(script: str, profiles: str) -> Terminal:
        home = write_aws_files(tmp_path / f"home{len(started)}", profiles, setup.developer)
        offset = local_aws.server_time() - time.time()
        env = program_environment(home, local_aws.endpoint_url)
        wrapped = f"faketime -f '{offset:+.3f}s' bash -c {shlex.quote(script)}"
        started.append(Terminal(["bash", "-c", wrapped], env, home))
        return started[-1]

    yield start
    for term in started:
        term.end()


def caller_arn(profile: str) -> str:
    return (
        f"{AWS_CLI} sts get-caller-identity --profile {profile} --query Arn --output text "
        "|| echo FAILED"
    )


def prompt_for(developer: Developer) -> str:
    return re.escape(f"MFA code for {developer.mfa_serial}: ")


def test_profile_section_says_the_four_hour_role_asks_for_its_own_code(setup):
    own_section = setup.profiles[setup.profiles.index(f"[profile {setup.own[0]}-mfa]") :]
    own_section = own_section[: own_section.index("\n\n")]
    assert f"duration_seconds = {FOUR_HOURS}" in own_section
    assert "asks for an MFA code of its own" in own_section
    team_section = setup.profiles[setup.profiles.index(f"[profile {setup.team[0]}-mfa]") :]
    team_section = team_section[: team_section.index("\n\n")]
    assert f"mfa_serial = {setup.developer.mfa_serial}" in team_section
    assert "duration_seconds = 3600" in team_section


def test_four_hour_role_gets_four_hours_and_team_roles_share_one_code(local_aws, setup, shell):
    own_mfa = f"{setup.own[0]}-mfa"
    script = "; ".join(
        [
            caller_arn(setup.team[0]),
            "echo TEAM-A-DONE",
            caller_arn(setup.team[1]),
            "echo TEAM-B-DONE",
            caller_arn(setup.own[0]),
            "echo OWN-DONE",
            f"mfa-assume --profile {own_mfa} --format json > own.json; echo EXIT=$?",
        ]
    )
    term = shell(script, setup.profiles)
    term.wait_for(prompt_for(setup.developer))  # the MFA session, for both team roles
    term.type(local_aws.fresh_totp(setup.developer))
    before_own = term.wait_for("TEAM-B-DONE")
    assert "MFA code for" not in before_own  # the second team role: no code
    term.wait_for(  # why, on the terminal before the prompt
        re.escape(
            f"PowerUser-{DEVELOPER}: 4h is longer than an MFA session can give (role chaining "
            "is limited to 1 hour), so this role asks for its own code"
        )
        + r"\s*"
        + prompt_for(setup.developer)
    )  # the 4-hour role sends its own code
    term.type(local_aws.fresh_totp(setup.developer))
    term.wait_for("EXIT=0")
    status, _ = term.finish()
    assert status == 0
    assert "FAILED" not in term.output, term.output
    assert "STS refused" not in term.output  # no role-chaining refusal
    assert term.output.count("MFA code for") == 2, term.output
    assert term.output.count("asks for its own code") == 1, term.output  # not the team roles
    for account in ACCOUNTS:
        assert f"arn:aws:sts::{account}:assumed-role/PowerUser-{TEAM}/" in term.output
    assert f"arn:aws:sts::{ACCOUNTS[0]}:assumed-role/PowerUser-{DEVELOPER}/" in term.output

    printed = json.loads((Path(str(term.child.cwd)) / "own.json").read_text())
    expires = dt.datetime.fromisoformat(printed["Expiration"].replace("Z", "+00:00"))
    left = expires.timestamp() - local_aws.server_time()
    assert FOUR_HOURS - 300 < left <= FOUR_HOURS  # four hours, not one


def test_team_profile_without_mfa_serial_finds_the_device_and_shares_the_code(
    local_aws, setup, shell
):
    """A team whose members' devices synthesis does not know: the helper lists the caller's
    own device (ListMFADevices without a user name, allowed by the identity side)."""
    profiles = setup.profiles.replace(f"mfa_serial = {setup.developer.mfa_serial}\n", "")
    assert "\nmfa_serial" not in profiles
    script = "; ".join([caller_arn(setup.team[0]), caller_arn(setup.team[1]), "echo LOOP-DONE"])
    term = shell(script, profiles)
    term.wait_for(prompt_for(setup.developer))
    term.type(local_aws.fresh_totp(setup.developer))
    term.wait_for("LOOP-DONE")
    status, _ = term.finish()
    assert status == 0
    assert "FAILED" not in term.output, term.output
    assert term.output.count("MFA code for") == 1, term.output
    assert term.output.count(f":assumed-role/PowerUser-{TEAM}/") == 2


def test_temporary_base_credentials_and_four_hours_are_refused_before_sts_naming_role_chaining(
    local_aws, setup, shell
):
    """Credentials of an assumed role in the environment as the base: every AssumeRole is role
    chaining, so four hours is refused before any STS call, with the way out."""
    own_role = re.search(
        r"role_arn = (\S+)", setup.profiles[setup.profiles.index(f"[profile {setup.own[0]}-mfa]") :]
    )
    assert own_role is not None
    chained = (
        f"mfa-assume --role-arn {own_role.group(1)} --serial-number {setup.developer.mfa_serial}"
        f" --token-code - --region {local_aws.region}"
    )
    script = "; ".join(
        [
            f'eval "$(mfa-assume --profile {setup.team[0]}-mfa)"',
            "unset AWS_REGION AWS_DEFAULT_REGION",
            # a code that STS would refuse: the run must end before any STS call
            f"echo 000000 | {chained} --duration-seconds 4h > /dev/null; echo LONG-EXIT=$?",
        ]
    )
    term = shell(script, setup.profiles)
    term.wait_for(prompt_for(setup.developer))
    term.type(local_aws.fresh_totp(setup.developer))
    term.wait_for("LONG-EXIT=9")
    assert term.finish()[0] == 0
    assert "MFA code was rejected" not in term.output  # nothing reached STS
    assert "role chaining, which STS limits to 1 hour" in term.output
    assert "Use --duration-seconds 1h, or a source profile with your long-term access keys" in (
        term.output
    )


def test_a_cached_session_serves_only_a_request_of_its_own_duration(local_aws, setup, shell):
    """Cached 1-hour team credentials do not answer ``--duration-seconds 5h`` (STS refuses it:
    exit 9), and cached 4-hour credentials do not answer ``--duration-seconds 1h`` (which the
    MFA session serves)."""
    team_mfa, own_mfa = f"{setup.team[0]}-mfa", f"{setup.own[0]}-mfa"
    script = "; ".join(
        [
            f"mfa-assume --profile {team_mfa} > /dev/null; echo TEAM-EXIT=$?",
            f"mfa-assume --profile {team_mfa} --duration-seconds 5h > /dev/null; echo LONG=$?",
            f"mfa-assume --profile {own_mfa} > /dev/null; echo OWN-EXIT=$?",
            f"mfa-assume --profile {own_mfa} --duration-seconds 1h --format json > short.json;"
            " echo SHORT-EXIT=$?",
        ]
    )
    term = shell(script, setup.profiles)
    term.wait_for(prompt_for(setup.developer))  # the MFA session, for the team role
    term.type(local_aws.fresh_totp(setup.developer))
    term.wait_for("TEAM-EXIT=0")
    term.wait_for(prompt_for(setup.developer))  # 5 hours: not the cached hour, its own code
    term.type(local_aws.fresh_totp(setup.developer))
    term.wait_for("LONG=9")
    term.wait_for(prompt_for(setup.developer))  # the 4-hour role's own code
    term.type(local_aws.fresh_totp(setup.developer))
    term.wait_for("OWN-EXIT=0")
    # 1 hour: not the cached 4 hours, but a role of the MFA session (no code)
    assert "MFA code for" not in term.wait_for("SHORT-EXIT=0")
    assert term.finish()[0] == 0
    assert f"{5 * 3600} seconds is longer than" in term.output, term.output
    printed = json.loads((Path(str(term.child.cwd)) / "short.json").read_text())
    expires = dt.datetime.fromisoformat(printed["Expiration"].replace("Z", "+00:00"))
    left = expires.timestamp() - local_aws.server_time()
    assert 3600 - 300 < left <= 3600  # one hour, not the cached four
