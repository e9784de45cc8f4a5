"""Session tags from ``--tag`` and the profile's ``session_tags`` reach AssumeRole: a role
whose trust policy allows ``sts:TagSession`` gives credentials, one that does not refuses
them (the local AWS evaluates ``sts:TagSession`` only when tags are sent, as AWS does), and
the helper's message names the missing permission. The real command, real processes.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from localaws.testing import Developer, LocalAwsEnv
from tests.e2e.developer import mfa_trust, write_aws_files
from tests.e2e.terminal import program_environment

pytestmark = pytest.mark.e2e

DEVELOPER = "tag-tove"
EXIT_ACCESS_DENIED = 8


@dataclass(frozen=True)
class Setup:
    developer: Developer
    tagging_role: str  # trust allows sts:TagSession
    plain_role: str  # trust does not


@pytest.fixture(scope="module")
def setup(local_aws: LocalAwsEnv) -> Iterator[Setup]:
    developer = local_aws.create_developer(DEVELOPER)
    iam = local_aws.client("iam")
    tagging = mfa_trust(developer)
    tagging["Statement"][0]["Action"].append("sts:TagSession")
    arns = []
    for name, trust in (("Tagging-tove", tagging), ("Plain-tove", mfa_trust(developer))):
        role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
        arns.append(str(role["Role"]["Arn"]))
    iam.put_user_policy(
        UserName=developer.user_name,
        PolicyName="assume-with-tags",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"],
                        "Resource": arns,
                    }
                ],
            }
        ),
    )
    yield Setup(developer, *arns)
    for name in ("Tagging-tove", "Plain-tove"):
        iam.delete_role(RoleName=name)


def run(
    local_aws: LocalAwsEnv, setup: Setup, home: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            "mfa-assume",
            *("--serial-number", setup.developer.mfa_serial),
            *("--token-code", local_aws.fresh_totp(setup.developer)),
            *("--format", "json", "--region", local_aws.region),
            *args,
        ],
        env=program_environment(home, local_aws.endpoint_url),
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


@pytest.fixture
def home(setup: Setup, tmp_path: Path) -> Path:
    return write_aws_files(
        tmp_path / "home",
        f"[profile plain]\nrole_arn = {setup.plain_role}\nsource_profile = default\n"
        "session_tags = team=blue, cost-centre=42\n",
        setup.developer,
    )


def test_tags_from_the_command_line_are_sent_and_accepted_where_trusted(local_aws, setup, home):
    done = run(local_aws, setup, home, "--role-arn", setup.tagging_role, "--tag", "team=blue")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["AccessKeyId"].startswith("ASIA")


def test_tags_from_the_command_line_are_refused_where_not_trusted(local_aws, setup, home):
    done = run(local_aws, setup, home, "--role-arn", setup.plain_role, "--tag", "team=blue")
    assert done.returncode == EXIT_ACCESS_DENIED
    assert "sts:TagSession" in done.stderr
    assert done.stderr.count("\n") == 1


def test_profile_session_tags_are_sent(local_aws, setup, home):
    done = run(local_aws, setup, home, "--profile", "plain")
    assert done.returncode == EXIT_ACCESS_DENIED, done.stderr
    assert "session tags were sent" in done.stderr
    untagged = run(local_aws, setup, home, "--role-arn", setup.plain_role)
    assert untagged.returncode == 0, untagged.stderr  # the same role without tags
