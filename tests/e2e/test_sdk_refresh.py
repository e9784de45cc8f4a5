"""A running boto3 client on the ``credential_process`` profile synthesis writes, across the
SDK's refresh window: the helper runs once at the start and once to refresh, never in between.

botocore refreshes ``credential_process`` credentials with less than 15 minutes left (advisory;
below 10 it insists) and re-runs the process on every request until it gets credentials with
more. The helper hands out only credentials with more than 16 minutes left, so the refresh at
15 minutes gets new ones (from the MFA session: no prompt) and the client carries on.

The client is a real boto3 client in a Python program on a real terminal (the first run asks
for the code there). The program and the helpers it starts run under libfaketime with a
timestamp file that the program rewrites each time it moves the local AWS's clock, so the
SDK, the helper and STS see the same time. ``mfa-assume`` on the PATH is a wrapper that
counts its runs and then runs the installed helper.
"""

from __future__ import annotations

import glob
import json
import re
import shutil
import sys
import time
from collections.abc import Iterator

import pytest

from localaws.testing import Developer, LocalAwsEnv
from tests.e2e.developer import write_aws_files
from tests.e2e.terminal import VENV_BIN, Terminal, program_environment
from trustcheck.synth import synthesize
from trustcheck.templates import roles_in_assembly

pytestmark = pytest.mark.e2e

DEVELOPER = "sdk-sam"
CALLS = 50
STEP = 66  # seconds between calls: 49 steps cross 45 minutes (advisory) and 50 (mandatory)

DRIVER = '''
import json, os, sys, urllib.request
import boto3

endpoint, stamp = os.environ["AWS_ENDPOINT_URL"], os.environ["FAKETIME_TIMESTAMP_FILE"]
token = os.environ.pop("LOCALAWS_TOKEN")  # the control API's; not for the helpers it starts
calls, step = int(sys.argv[2]), float(sys.argv[3])


def advance(seconds):
    """Move the local AWS clock, then this program's and its children's to match."""
    request = urllib.request.Request(
        f"{endpoint}/_localaws/clock",
        data=json.dumps({"advance": seconds}).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "X-Localaws-Token": token},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        offset = json.loads(response.read())["offset"]
    with open(stamp + ".new", "w") as handle:
        handle.write(f"{offset:+.3f}s\\n")
    os.replace(stamp + ".new", stamp)


sts = boto3.Session(profile_name=sys.argv[1]).client("sts")
for call in range(calls):
    if call:
        advance(step)
    print("CALL", call, sts.get_caller_identity()["Arn"], flush=True)
print("DRIVER-DONE", flush=True)
'''


def _libfaketime() -> str:
    found = sorted(glob.glob("/usr/lib/*/faketime/libfaketime.so.1"))
    if not found or shutil.which("faketime") is None:
        pytest.fail("libfaketime is missing: `make setup` installs it (Debian package faketime)")
    return found[0]


@pytest.fixture(scope="module")
def profiles(
    local_aws: LocalAwsEnv, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Developer, str, str]]:
    """The developer, the profiles synthesis wrote, and the credential_process profile."""
    if local_aws.is_live:
        pytest.skip("needs the local AWS's clock")
    work = tmp_path_factory.mktemp("sdk-refresh")
    developer = local_aws.create_developer(DEVELOPER)
    config = work / "roles.json"
    config.write_text(
        json.dumps(
            {
                "targets": [{"account": local_aws.account_id, "region": local_aws.region}],
                "principals": [{"arn": developer.arn, "mfaSerial": developer.mfa_serial}],
            }
        ),
        encoding="utf-8",
    )
    assembly = synthesize(work / "cdk.out", {"developerRolesFile": str(config)})
    (role,) = roles_in_assembly(assembly)
    iam = local_aws.client("iam")
    name = role.role_arn.rsplit("/", 1)[1]
    iam.create_role(
        RoleName=name,
        Path="/developers/",
        AssumeRolePolicyDocument=json.dumps(role.trust_policy),
    )
    iam.put_user_policy(
        UserName=developer.user_name,
        PolicyName="assume-own-role",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"],
                        "Resource": role.role_arn,
                        "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
                    }
                ],
            }
        ),
    )
    text = (assembly / "aws-config-profiles.ini").read_text(encoding="utf-8")
    (process,) = re.findall(r"^\[profile ([^\]]+)\]\ncredential_process = ", text, re.MULTILINE)
    yield developer, text, process
    iam.delete_role(RoleName=name)


def test_boto3_client_across_the_refresh_window_runs_the_helper_twice_and_asks_once(
    local_aws, profiles, tmp_path
):
    developer, text, profile = profiles
    home = write_aws_files(tmp_path / "home", text, developer)
    wrappers = tmp_path / "bin"
    wrappers.mkdir()
    runs = tmp_path / "runs"
    counting = wrappers / "mfa-assume"
    counting.write_text(
        f'#!/bin/sh\necho run >> "{runs}"\nexec "{VENV_BIN / "mfa-assume"}" "$@"\n',
        encoding="utf-8",
    )
    counting.chmod(0o755)
    (tmp_path / "driver.py").write_text(DRIVER, encoding="utf-8")
    stamp = tmp_path / "faketime"
    stamp.write_text(f"{local_aws.server_time() - time.time():+.3f}s\n", encoding="utf-8")

    env = program_environment(home, local_aws.endpoint_url)
    env.update(
        PATH=f"{wrappers}:{env['PATH']}",
        LD_PRELOAD=_libfaketime(),
        FAKETIME_TIMESTAMP_FILE=str(stamp),
        FAKETIME_NO_CACHE="1",
        FAKETIME_DONT_FAKE_MONOTONIC="1",
        LOCALAWS_TOKEN=local_aws.control_token,
    )
    argv = [sys.executable, str(tmp_path / "driver.py"), profile, str(CALLS), str(STEP)]
    term = Terminal(argv, env, home)
    try:
        term.wait_for(re.escape(f"MFA code for {developer.mfa_serial}: "))
        term.type(local_aws.fresh_totp(developer))
        term.wait_for("DRIVER-DONE")
        status, _ = term.finish()
    finally:
        term.end()
    assert status == 0, term.output
    assert term.output.count("MFA code for") == 1, term.output  # the session served the refresh
    assert len(re.findall(r"CALL \d+ arn:aws:sts::", term.output)) == CALLS
    started = runs.read_text().count("run")
    assert started == 2, f"the helper ran {started} times over {CALLS} calls"
