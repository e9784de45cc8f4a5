"""``--write-profile`` where it was found to destroy credentials: a developer's real
``~/.aws/credentials`` holding long-term keys, the installed ``mfa-assume`` command, the real
AWS CLI, the local AWS.

Writing the temporary credentials over ``[default]`` (the ``source_profile`` of every profile
synthesis generates) lost the developer's access key pair. The helper refuses, before any AWS
call and before asking for a code, and leaves the file byte for byte as it was.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from localaws.testing import Developer, LocalAwsEnv
from tests.e2e.developer import mfa_trust, write_aws_files
from tests.e2e.terminal import AWS_CLI, VENV_BIN, program_environment

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(sys.platform == "win32", reason="POSIX paths"),
]

EXIT_INVALID_INPUT = 2
ROLE_NAME = "WriteProfileE2E"
PROFILE = "dev-mfa"
PROCESS_PROFILE = "dev"


@dataclass
class Setup:
    developer: Developer
    home: Path
    env: dict[str, str]


@pytest.fixture(scope="module")
def setup(local_aws: LocalAwsEnv, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    developer = local_aws.create_developer("e2e-write-profile")
    iam = local_aws.client("iam")
    role = iam.create_role(
        RoleName=ROLE_NAME, AssumeRolePolicyDocument=json.dumps(mfa_trust(developer))
    )
    config = (
        f"[profile {PROFILE}]\nrole_arn = {role['Role']['Arn']}\nsource_profile = default\n"
        f"mfa_serial = {developer.mfa_serial}\nregion = {local_aws.region}\n"
        # as synthesis writes it: NAME runs the helper for NAME-mfa, the role profile
        f"[profile {PROCESS_PROFILE}]\n"
        f"credential_process = mfa-assume --profile {PROFILE} --format json\n"
    )
    home = write_aws_files(tmp_path_factory.mktemp("write-profile-home"), config, developer)
    try:
        yield Setup(developer, home, program_environment(home, local_aws.endpoint_url))
    finally:
        iam.delete_role(RoleName=ROLE_NAME)


def run(setup: Setup, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(VENV_BIN / "mfa-assume"), *args],
        env=setup.env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
        check=False,
    )


def caller(setup: Setup, *args: str) -> str:
    done = subprocess.run(
        [str(AWS_CLI), "sts", "get-caller-identity", "--output", "json", *args],
        env={**setup.env, "AWS_DEFAULT_REGION": "us-east-1"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return str(json.loads(done.stdout)["Arn"])


def test_writing_over_the_long_term_keys_is_refused_and_they_still_work(local_aws, setup):
    credentials = setup.home / ".aws" / "credentials"
    before = credentials.read_bytes()
    code = local_aws.fresh_totp(setup.developer)
    done = run(setup, "--profile", PROFILE, "--token-code", code, "--write-profile", "default")
    assert done.returncode == EXIT_INVALID_INPUT
    assert done.stderr == (
        "mfa-assume: will not write profile 'default': it holds long-term access keys in "
        f"{credentials}, which this would overwrite; choose another name, "
        "e.g. --write-profile default-mfa\n"
    )
    assert done.stdout == ""
    assert credentials.read_bytes() == before
    assert caller(setup) == setup.developer.arn  # the AWS CLI still signs with the keys


def test_a_profile_of_its_own_gets_the_role_and_the_keys_stay(local_aws, setup):
    credentials = setup.home / ".aws" / "credentials"
    before = credentials.read_text()
    code = local_aws.fresh_totp(setup.developer)
    done = run(setup, "--profile", PROFILE, "--token-code", code, "--write-profile", "dev-temp")
    assert done.returncode == 0, done.stderr
    assert credentials.read_text().startswith(before)
    assert f":assumed-role/{ROLE_NAME}/" in caller(setup, "--profile", "dev-temp")
    assert caller(setup) == setup.developer.arn


def test_the_suggested_name_is_one_that_would_be_accepted(local_aws, setup):
    """``dev`` gets its credentials from credential_process and ``dev-mfa`` is the role
    profile: the refusal suggests ``dev-temp``, and that name is then written."""
    credentials = setup.home / ".aws" / "credentials"
    before = credentials.read_bytes()
    code = local_aws.fresh_totp(setup.developer)
    refused = run(setup, "--profile", PROFILE, "--token-code", code, "--write-profile", "dev")
    assert refused.returncode == EXIT_INVALID_INPUT
    assert refused.stderr.startswith("mfa-assume: will not write profile 'dev': it gets its ")
    assert refused.stderr.endswith("; choose another name, e.g. --write-profile dev-temp\n")
    assert credentials.read_bytes() == before
    done = run(setup, "--profile", PROFILE, "--token-code", code, "--write-profile", "dev-temp")
    assert done.returncode == 0, done.stderr
    assert f":assumed-role/{ROLE_NAME}/" in caller(setup, "--profile", "dev-temp")
