"""The operators' commands' rough edges, through the installed ``developer-roles`` command: each
ends in one line that starts ``developer-roles COMMAND: `` and a documented exit code, never a
traceback: ``bootstrap`` without the ``cdk`` CLI; ``preflight`` and ``bootstrap`` against an
endpoint that cannot be reached (a region that does not exist) or that answers something other
than AWS; ``add-me`` into a configuration that also targets another account; a bad option.
``deploy`` reads ``-c developerRoles='{...}'`` as the README documents, instead of refusing
it as cdk.json's example."""

from __future__ import annotations

import http.server
import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from localaws.testing import LocalAwsEnv
from tests.e2e.account_checks_env import CHECKS, fresh_account
from tests.loopback import serving

VENV_BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[2]
OTHER_ACCOUNT = "345678901234"
NOWHERE_REGION = "eu-narnia-1"  # a region that does not exist
# Credentials that nothing accepts: the endpoints below never check them.
NO_ONES_KEYS = {
    "AWS_ACCESS_KEY_ID": "TESTKEYIDNOBODY00000",
    "AWS_SECRET_ACCESS_KEY": "not-a-secret",
    "AWS_EC2_METADATA_DISABLED": "true",
}


def run(
    *args: str, env: dict[str, str], cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CHECKS), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def one_line(stderr: str, command: str) -> str:
    """The command's single error line (notes before it are allowed, nothing after)."""
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert lines, "no error line"
    assert lines[-1].startswith(f"developer-roles {command}: "), stderr
    assert [line for line in lines if line.startswith("developer-roles")] == lines[-1:]
    return lines[-1]


def bare_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """No AWS configuration of the machine's, the venv's tools on PATH (not node_modules')."""
    return {
        "PATH": f"{VENV_BIN}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
        **extra,
    }


@pytest.fixture(scope="module")
def closed_port() -> int:
    """A loopback port nothing listens on: connecting is refused, as to a host that is gone."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _NotAws(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = b"<<< not XML: a captive portal or a proxy's error page"
        self.send_response(200)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def not_aws() -> Iterator[str]:
    """A loopback endpoint that answers every call with something that is not AWS's XML."""
    with serving(_NotAws) as url:
        yield url


def test_bootstrap_without_the_cdk_cli_is_one_line_before_any_aws_call(tmp_path):
    config = tmp_path / "devs.json"
    config.write_text(json.dumps({"account": OTHER_ACCOUNT, "principals": []}), "utf-8")
    done = run("bootstrap", env=bare_env(tmp_path), cwd=tmp_path)
    assert done.returncode == 2
    line = one_line(done.stderr, "bootstrap")
    assert "cdk CLI not found on PATH" in line
    assert "nothing was bootstrapped" in line


@pytest.mark.parametrize("command", ["preflight", "bootstrap"])
def test_a_region_whose_endpoint_cannot_be_reached_is_one_line(command, tmp_path, closed_port):
    config = tmp_path / "devs.json"
    principal = f"arn:aws:iam::{OTHER_ACCOUNT}:user/alice"
    config.write_text(json.dumps({"account": OTHER_ACCOUNT, "principals": [principal]}))
    env = bare_env(
        tmp_path,
        **NO_ONES_KEYS,
        AWS_DEFAULT_REGION=NOWHERE_REGION,
        AWS_ENDPOINT_URL=f"http://127.0.0.1:{closed_port}",
        PATH=f"{VENV_BIN}:{REPO / 'node_modules' / '.bin'}:/usr/bin:/bin",
    )
    done = run(command, "--config", str(config), env=env, cwd=tmp_path)
    assert done.returncode == 2
    line = one_line(done.stderr, command)
    assert f"127.0.0.1:{closed_port}" in line  # says which endpoint


@pytest.mark.parametrize("command", ["preflight", "bootstrap", "add-me"])
def test_an_endpoint_that_answers_something_other_than_aws_is_one_line(command, tmp_path, not_aws):
    config = tmp_path / "devs.json"
    principal = f"arn:aws:iam::{OTHER_ACCOUNT}:user/alice"
    config.write_text(json.dumps({"account": OTHER_ACCOUNT, "principals": [principal]}))
    before = config.read_text()
    env = bare_env(
        tmp_path,
        **NO_ONES_KEYS,
        AWS_DEFAULT_REGION="eu-central-2",
        AWS_ENDPOINT_URL=not_aws,
        PATH=f"{VENV_BIN}:{REPO / 'node_modules' / '.bin'}:/usr/bin:/bin",
    )
    done = run(command, "--config", str(config), env=env, cwd=tmp_path)
    assert done.returncode == 2
    assert "invalid XML received" in one_line(done.stderr, command)
    assert config.read_text() == before


def test_add_me_refuses_a_configuration_that_also_targets_another_account(
    tmp_path, local_aws: LocalAwsEnv
):
    account = fresh_account(local_aws, "add-me-beside")
    teammate = f"arn:aws:iam::{account.account_id}:user/teammate"
    config = tmp_path / "devs.json"
    config.write_text(
        json.dumps(
            {
                "targets": [
                    {"account": account.account_id, "region": "eu-central-2"},
                    {"account": OTHER_ACCOUNT, "region": "eu-central-2"},
                ],
                "principals": [teammate],
            }
        )
    )
    before = config.read_text()
    done = run("add-me", "--config", str(config), env=account.env(), cwd=tmp_path)
    assert done.returncode == 1
    line = one_line(done.stderr, "add-me")
    assert f"targets account(s) {OTHER_ACCOUNT} beside yours ({account.account_id})" in line
    assert line.endswith("nothing was written")
    assert config.read_text() == before


def test_add_me_adds_you_where_your_account_is_the_identity_account(
    tmp_path, local_aws: LocalAwsEnv
):
    account = fresh_account(local_aws, "add-me-identity")
    config = tmp_path / "devs.json"
    teammate = f"arn:aws:iam::{account.account_id}:user/teammate"
    config.write_text(
        json.dumps(
            {
                "identityAccount": account.account_id,
                "targets": [{"account": OTHER_ACCOUNT, "region": "eu-central-2"}],
                "principals": [teammate],
            }
        )
    )
    done = run("add-me", "--config", str(config), env=account.env(), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    added = json.loads(config.read_text())["principals"]
    assert added[0] == teammate
    assert len(added) == 2
    assert added[1].startswith(f"arn:aws:iam::{account.account_id}:")


@pytest.mark.parametrize(
    ("command", "args"),
    [
        ("preflight", ["--assume-role", "not-an-arn"]),
        ("audit", ["--no-such-option"]),
        ("bootstrap", ["--account-profile", "12=x"]),
        ("add-me", ["--no-such-option"]),
    ],
    ids=["preflight", "audit", "bootstrap", "add-me"],
)
def test_a_bad_option_is_one_line_and_exit_2(command, args, tmp_path):
    done = run(command, *args, env=bare_env(tmp_path), cwd=tmp_path)
    assert done.returncode == 2
    line = one_line(done.stderr, command)
    assert "--help" in line
    assert "usage:" not in done.stderr


def test_deploy_reads_the_configuration_given_with_c_developer_roles(
    tmp_path, local_aws: LocalAwsEnv
):
    """The README's ``-c developerRoles='{...}'`` is the configuration deploy checks (here one
    with a problem: the problem is named, not cdk.json's example)."""
    account = fresh_account(local_aws, "deploy-inline")
    inline = json.dumps({"account": account.account_id, "principals": []})
    done = run("deploy", "--", "-c", f"developerRoles={inline}", env=account.env(), cwd=REPO)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "principals: the list is empty" in done.stderr
    assert "example" not in done.stderr


def test_deploy_goes_on_to_synthesis_with_a_valid_c_developer_roles(
    tmp_path, local_aws: LocalAwsEnv
):
    """Accepted: deploy passes its checks and hands the arguments to ``cdk synth`` (a stand-in
    that records them and fails, so nothing is deployed)."""
    account = fresh_account(local_aws, "deploy-inline-ok")
    principal = f"arn:aws:iam::{account.account_id}:user/alice"
    inline = json.dumps({"account": account.account_id, "principals": [principal]})
    recorded = tmp_path / "cdk-args"
    cdk = tmp_path / "cdk"
    cdk.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {recorded}\nexit 1\n')
    cdk.chmod(0o700)
    done = run(
        "deploy",
        "--cdk",
        str(cdk),
        "--",
        "-c",
        f"developerRoles={inline}",
        env=account.env(),
        cwd=REPO,
    )
    assert "example" not in done.stderr
    assert recorded.read_text().splitlines()[0] == "synth"
    assert f"developerRoles={inline}" in recorded.read_text().splitlines()
    assert done.returncode == 1  # the stand-in's synth failed: a cdk command failed
