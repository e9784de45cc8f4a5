"""One code for all your roles, and one prompt however many callers: real terminals, real AWS CLI.

The roles are the app's: ``cdk synth`` of a configuration with three target accounts writes
the templates and ``aws-config-profiles.ini``; each role is created in its account of the local
AWS from its synthesized trust policy, and the generated profiles are the developer's
``~/.aws/config``. The identity side (the user's own permission to assume roles in other
accounts) is an inline policy naming the three roles, which keeps this test to roles created
from their trust policies; the identity stack's own policy (``${aws:username}``, which the local
AWS now evaluates) is proven end to end in ``test_identity_account.py``.

Time: the MFA age is judged by the local AWS on its clock and by the helper on its own, so the
helper runs under ``faketime`` set to the local AWS clock (``advance_clock`` moves both by the
same amount). Nothing sleeps.
"""

from __future__ import annotations

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

ACCOUNTS = ("123456789012", "222222222222", "333333333333")
DEVELOPER = "multi-erin"
PROMPT = "MFA code for arn:aws:iam::123456789012:mfa/multi-erin: "
MAX_AGE = 3600  # the configuration's default maxMfaAge, written as mfa_max_age


@dataclass(frozen=True)
class Setup:
    developer: Developer
    profiles: str  # aws-config-profiles.ini as synthesis wrote it
    process_profiles: tuple[str, ...]  # [profile X] with credential_process, one per account
    role_arns: tuple[str, ...]


@pytest.fixture(scope="module")
def setup(local_aws: LocalAwsEnv, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    if local_aws.is_live:
        pytest.skip("needs three accounts of the local AWS and its clock")
    if shutil.which("faketime") is None:
        pytest.fail("faketime is missing: `make setup` installs it (Debian package faketime)")
    work = tmp_path_factory.mktemp("one-code")
    developer = local_aws.create_developer(DEVELOPER)
    config = work / "roles.json"
    config.write_text(
        json.dumps(
            {
                "targets": [{"account": a, "region": local_aws.region} for a in ACCOUNTS],
                "principals": [{"arn": developer.arn, "mfaSerial": developer.mfa_serial}],
            }
        ),
        encoding="utf-8",
    )
    assembly = synthesize(work / "cdk.out", {"developerRolesFile": str(config)})
    roles = roles_in_assembly(assembly)
    assert sorted(r.account for r in roles) == sorted(ACCOUNTS)
    created = []
    for role in roles:
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
        )
        created.append((iam, name))
    arns = tuple(r.role_arn for r in roles)
    local_aws.client("iam").put_user_policy(
        UserName=developer.user_name,
        PolicyName="assume-own-roles",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"],
                        "Resource": list(arns),
                        "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
                    }
                ],
            }
        ),
    )
    profiles = (assembly / "aws-config-profiles.ini").read_text(encoding="utf-8")
    process_profiles = tuple(
        re.findall(r"^\[profile ([^\]]+)\]\ncredential_process = ", profiles, re.MULTILINE)
    )
    assert len(process_profiles) == len(ACCOUNTS), profiles
    yield Setup(developer, profiles, process_profiles, arns)
    for iam, name in created:
        iam.delete_role(RoleName=name)


@pytest.fixture
def home(setup: Setup, tmp_path: Path) -> Path:
    return write_aws_files(tmp_path / "home", setup.profiles, setup.developer)


@pytest.fixture
def shell(local_aws: LocalAwsEnv, home: Path) -> Iterator[Callable[[str], Terminal]]:
    """Factory: ``bash -c SCRIPT`` on a real terminal, its programs on the local AWS's clock."""
    started: list[Terminal] = []

    def start(script: str) -> Terminal:
        offset = local_aws.server_time() - time.time()
        env = program_environment(home, local_aws.endpoint_url)
        wrapped = f"faketime -f '{offset:+.3f}s' bash -c {shlex.quote(script)}"
        started.append(Terminal(["bash", "-c", wrapped], env, home))
        return started[-1]

    yield start
    for term in started:
        term.end()


def ask_every_role(setup: Setup, accounts: range | list[int]) -> str:
    """A shell loop calling `aws sts get-caller-identity` with the profiles of ``accounts``."""
    profiles = " ".join(setup.process_profiles[i] for i in accounts)
    return (
        f"for p in {profiles}; do {AWS_CLI} sts get-caller-identity --profile $p "
        "--query Arn --output text || echo FAILED; done; echo LOOP-DONE"
    )


def test_three_accounts_one_code(local_aws, setup, shell):
    term = shell(ask_every_role(setup, range(3)))
    term.wait_for(re.escape(PROMPT))
    term.type(local_aws.fresh_totp(setup.developer))
    term.wait_for("LOOP-DONE")
    status, _ = term.finish()
    assert status == 0
    assert term.output.count("MFA code for") == 1, term.output
    for account in ACCOUNTS:
        assert f"arn:aws:sts::{account}:assumed-role/PowerUser-{DEVELOPER}/" in term.output
    assert "FAILED" not in term.output


def test_one_code_per_maximum_age_window_and_never_an_older_session(local_aws, setup, home, shell):
    first = shell(ask_every_role(setup, [0]))
    first.wait_for(re.escape(PROMPT))
    first.type(local_aws.fresh_totp(setup.developer))
    first.wait_for("LOOP-DONE")
    assert first.finish()[0] == 0

    local_aws.advance_clock(MAX_AGE - 120)  # inside the window: the session is reused
    inside = shell(ask_every_role(setup, [1, 2]))
    inside.wait_for("LOOP-DONE")
    assert inside.finish()[0] == 0
    assert "MFA code for" not in inside.output
    assert inside.output.count(":assumed-role/") == 2, inside.output

    # 70 s later the session is 3550 s old: within a minute of the roles' 3600 s limit, so
    # the helper asks for a new code instead of sending a session the role would refuse.
    local_aws.advance_clock(70)
    for entry in (home / ".cache" / "mfa-assume").glob("*.json"):
        if "AuthenticatedAt" not in entry.read_text():
            entry.unlink()  # the role credentials: only the MFA session stays cached
    past = shell(
        f"mfa-assume --profile {setup.process_profiles[0]}-mfa --format json > /dev/null; "
        "echo EXIT=$?",
    )
    past.wait_for(r"your MFA session is \d+ s old and this role accepts at most 3600 s")
    past.wait_for(re.escape(PROMPT))
    past.type(local_aws.fresh_totp(setup.developer))
    past.wait_for("EXIT=0")
    past.finish()


@pytest.mark.parametrize(
    "flags",
    [pytest.param("", id="mfa-session"), pytest.param("--no-mfa-session", id="code-per-role")],
)
def test_four_parallel_callers_one_prompt_one_session(local_aws, setup, home, shell, flags):
    profile = f"{setup.process_profiles[0]}-mfa"
    script = (
        "for i in 1 2 3 4; do "
        f"(mfa-assume --profile {profile} {flags} --format json > out$i; echo $? > rc$i) & "
        "done; wait; echo ALL-DONE"
    )
    term = shell(script)
    term.wait_for(re.escape(PROMPT))
    term.type(local_aws.fresh_totp(setup.developer))
    term.wait_for("ALL-DONE")
    assert term.finish()[0] == 0
    assert term.output.count("MFA code for") == 1, term.output
    codes = [(home / f"rc{i}").read_text().strip() for i in range(1, 5)]
    assert codes == ["0"] * 4
    keys = {json.loads((home / f"out{i}").read_text())["AccessKeyId"] for i in range(1, 5)}
    assert len(keys) == 1  # one AssumeRole: every caller got the same session
