"""The environments and clients the local AWS hands out ignore the user's AWS settings."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from localaws.testing import LocalAwsEnv

LEAKY = {
    "AWS_ENDPOINT_URL_STS": "http://localhost:9",
    "AWS_ENDPOINT_URL_IAM": "http://localhost:9",
    "AWS_ENDPOINT_URL_CLOUDFORMATION": "http://localhost:9",
    "AWS_ENDPOINT_URL": "http://localhost:9",
    "AWS_PROFILE": "no-such-profile",
    "AWS_DEFAULT_PROFILE": "no-such-profile",
    "AWS_SESSION_TOKEN": "stale-token",
    "AWS_ROLE_ARN": "arn:aws:iam::999999999999:role/elsewhere",
    "AWS_WEB_IDENTITY_TOKEN_FILE": "/nonexistent/token",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://localhost:9/creds",
    "AWS_USE_FIPS_ENDPOINT": "true",
    "AWS_CONFIG_FILE": "/nonexistent/config",
}


@pytest.fixture
def leaky_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in LEAKY.items():
        monkeypatch.setenv(name, value)


@pytest.mark.parametrize("name", sorted(LEAKY))
def test_env_for_a_subprocess_drops_the_variable(aws: LocalAwsEnv, name: str):
    env = aws.env(base={name: LEAKY[name], "HOME": "/home/someone"})
    if name == "AWS_ENDPOINT_URL":
        assert env[name] == aws.endpoint_url  # replaced by the local endpoint
    else:
        assert name not in env
    assert env["HOME"] == "/home/someone"


@pytest.mark.usefixtures("leaky_shell")
def test_a_subprocess_reaches_the_local_aws_despite_the_users_shell(aws: LocalAwsEnv):
    code = "import boto3, json; print(json.dumps(boto3.client('sts').get_caller_identity()['Arn']))"
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=aws.env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout).endswith(":user/localaws-admin")


@pytest.mark.usefixtures("leaky_shell")
def test_in_process_clients_reach_the_local_aws_despite_the_users_shell(aws: LocalAwsEnv):
    arn = aws.client("sts").get_caller_identity()["Arn"]
    assert arn.endswith(":user/localaws-admin")
    assert aws.client("iam").meta.endpoint_url == aws.endpoint_url
