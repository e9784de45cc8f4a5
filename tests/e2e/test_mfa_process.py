"""The helper's ``mfa_process`` code source against the local AWS: a role whose trust requires
MFA, a profile whose ``mfa_process`` prints the device's TOTP code, no terminal.

The role is created directly with iam:CreateRole (the CDK deploy path is test_deploy.py's).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from localaws import recipe
from localaws.testing import Credentials, Developer, LocalAwsEnv
from tests.e2e.developer import mfa_trust

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(sys.platform == "win32", reason="POSIX shell scripts"),
]

EXIT_MFA_REJECTED = 6
ROLE_NAME = "MfaProcessE2E"
PROFILE = "mfa-process-e2e"


@dataclass
class Setup:
    developer: Developer
    role_arn: str
    home: Path


@pytest.fixture(scope="module")
def setup(local_aws: LocalAwsEnv, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    developer = local_aws.create_developer("e2e-mfa-process")
    trust = mfa_trust(developer, max_age=None)
    iam = local_aws.client("iam")
    role = iam.create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=json.dumps(trust))
    home = tmp_path_factory.mktemp("mfa-process-home")
    try:
        yield Setup(developer, str(role["Role"]["Arn"]), home)
    finally:
        iam.delete_role(RoleName=ROLE_NAME)  # live mode: leave nothing in the sandbox


def assume(local_aws: LocalAwsEnv, setup: Setup, code: str) -> subprocess.CompletedProcess[str]:
    """The helper with a profile whose mfa_process prints ``code``; no terminal, no stdin."""
    script = setup.home / "otp"
    script.write_text(f"#!/bin/sh\necho 'Touch your YubiKey...' >&2\necho {code}\n")
    script.chmod(0o700)
    (setup.home / "config").write_text(
        f"[profile {PROFILE}]\nrole_arn = {setup.role_arn}\nsource_profile = developer\n"
        f"mfa_serial = {setup.developer.mfa_serial}\nmfa_process = {script}\n"
    )
    (setup.home / "credentials").write_text(
        f"[developer]\naws_access_key_id = {setup.developer.access_key_id}\n"
        f"aws_secret_access_key = {setup.developer.secret_access_key}\n"
    )
    env = local_aws.env(
        Credentials("unused-ambient-key-id", "unused"),  # the profile's keys must be used
        HOME=str(setup.home),
        XDG_CACHE_HOME=str(setup.home / ".cache"),
        AWS_CONFIG_FILE=str(setup.home / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(setup.home / "credentials"),
    )
    args = ["--profile", PROFILE, "--refresh", "--format", "json"]
    return subprocess.run(
        [*recipe.ASSUME_HELPER, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        start_new_session=True,  # no controlling terminal: a prompt could not be answered
        stdin=subprocess.DEVNULL,
    )


def test_mfa_process_code_gets_a_session_of_the_mfa_protected_role(local_aws, setup):
    done = assume(local_aws, setup, local_aws.fresh_totp(setup.developer))
    assert done.returncode == 0, done.stderr
    assert done.stderr == "Touch your YubiKey...\n"
    issued = json.loads(done.stdout)
    creds = Credentials(issued["AccessKeyId"], issued["SecretAccessKey"], issued["SessionToken"])
    identity = local_aws.client("sts", creds).get_caller_identity()
    assert f":assumed-role/{ROLE_NAME}/" in identity["Arn"]


def test_a_wrong_code_from_mfa_process_is_rejected_by_aws(local_aws, setup):
    good = local_aws.fresh_totp(setup.developer)
    done = assume(local_aws, setup, f"{(int(good) + 500_000) % 1_000_000:06d}")
    assert done.returncode == EXIT_MFA_REJECTED, done.stderr
    assert done.stdout == ""
