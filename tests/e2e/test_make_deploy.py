"""``make deploy`` on a real terminal against the local AWS: concurrent, and it asks first.

The CDK CLI alone refuses to ask for approval with ``--concurrency`` above 1, so every first
deploy of developer roles failed; ``developer-roles deploy`` shows the security-broadening changes,
asks once on the terminal and deploys only after "y". Without a terminal it refuses them.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from localaws import recipe
from localaws.testing import LocalAwsEnv
from tests.e2e.account_checks_env import deploy_command, fresh_account, write_config
from tests.e2e.terminal import Terminal

pytestmark = pytest.mark.e2e
PROMPT = r"Deploy these security-broadening changes to 1 stack\(s\) \(y/n\)\? "


def make_deploy(config: Path, out: Path, *deploy_args: str) -> list[str]:
    return [
        "make",
        "--no-print-directory",
        "deploy",
        f"CONFIG={config}",
        f"DEPLOY_ARGS=--output={out} {' '.join(deploy_args)}".strip(),
    ]


def role_exists(aws: LocalAwsEnv, name: str) -> bool:
    try:
        aws.client("iam").get_role(RoleName=name)
    except ClientError:
        return False
    return True


@pytest.fixture(scope="module")
def account(local_aws: LocalAwsEnv, tmp_path_factory: pytest.TempPathFactory) -> LocalAwsEnv:
    if local_aws.is_live:
        pytest.skip("deploys into fresh local accounts")
    aws = fresh_account(local_aws, "make-deploy")
    boot = recipe.bootstrap(aws, tmp_path_factory.mktemp("boot"))
    assert boot.returncode == 0, boot.output
    return aws


def test_make_deploy_asks_once_and_deploys_only_when_approved(account, tmp_path):
    aws = account
    first = aws.create_developer("dep-first")
    config = write_config(tmp_path / "roles.json", aws.account_id, [first.arn])
    env = recipe._tool_path(aws.env())

    declined = Terminal(make_deploy(config, tmp_path / "out", "--diff"), env, recipe.REPO)
    try:
        shown = declined.wait_for(PROMPT)
        declined.type("n")
        status, rest = declined.finish()
    finally:
        declined.end()
    assert "DeveloperRoles: 1 role(s) added, 0 removed, 0 changed" in shown  # the summary
    assert "  + PowerUser-dep-first" in shown
    assert "PowerUserAccess" in shown  # ... and with --diff the full security diff
    assert "aws:MultiFactorAuthPresent" in shown
    assert "concurrency is greater than 1" not in declined.output
    assert status == 2  # make's code for the script's 3
    assert "deploy: not approved; nothing was deployed" in rest
    assert not role_exists(aws, "PowerUser-dep-first")

    approved = Terminal(make_deploy(config, tmp_path / "out"), env, recipe.REPO)
    try:
        summary = approved.wait_for(PROMPT)
        approved.type("y")
        status, rest = approved.finish()
    finally:
        approved.end()
    assert status == 0, approved.output
    assert "  + PowerUser-dep-first" in summary
    assert "aws:MultiFactorAuthPresent" not in summary  # without --diff: the summary alone
    assert role_exists(aws, "PowerUser-dep-first")

    # Nothing broadening left: no question, also without a terminal.
    again = subprocess.run(
        make_deploy(config, tmp_path / "out"),
        cwd=recipe.REPO,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=600,
        start_new_session=True,  # no controlling terminal (/dev/tty) either
    )
    assert again.returncode == 0, again.stdout + again.stderr
    assert "(y/n)" not in again.stdout


def test_without_a_terminal_broadening_changes_are_refused(account, tmp_path):
    aws = account
    dev = aws.create_developer("dep-noterm")
    config = write_config(tmp_path / "roles.json", aws.account_id, [dev.arn])
    command = deploy_command(tmp_path / "out", config)
    done = subprocess.run(
        command,
        cwd=recipe.REPO,
        env=recipe._tool_path(aws.env()),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=600,
        start_new_session=True,  # no controlling terminal (/dev/tty) either
    )
    assert done.returncode == 3
    assert done.stderr.strip().endswith(
        "there is no terminal to ask; review them, then run with REQUIRE_APPROVAL=never"
    )
    assert "Traceback" not in done.stderr
    assert not role_exists(aws, f"PowerUser-{dev.user_name}")


def test_a_bad_concurrency_fails_before_any_cdk_command(tmp_path):
    done = subprocess.run(
        [
            str(recipe.REPO / ".venv" / "bin" / "developer-roles"),
            "deploy",
            "--concurrency",
            "0",
            "--cdk",
            str(tmp_path / "no-such-cdk"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == "developer-roles deploy: --concurrency must be 1..50, not 0"


def test_without_the_cdk_cli_on_path_one_line_before_any_aws_call(tmp_path):
    done = subprocess.run(
        [str(recipe.REPO / ".venv" / "bin" / "developer-roles"), "deploy"],
        cwd=recipe.REPO,
        env={"PATH": str(tmp_path), "HOME": str(tmp_path), "AWS_EC2_METADATA_DISABLED": "true"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    [line] = done.stderr.splitlines()
    assert line.startswith("developer-roles deploy: cdk CLI not found on PATH ('cdk'); ")
    assert "Traceback" not in done.stderr


def test_ctrl_c_during_the_deploy_exits_130_with_each_stacks_state(account, tmp_path):
    aws = account
    dev = aws.create_developer("dep-interrupted")
    config = write_config(tmp_path / "roles.json", aws.account_id, [dev.arn])
    command = deploy_command(tmp_path / "out", config, "--require-approval", "never")
    terminal = Terminal(command, recipe._tool_path(aws.env()), recipe.REPO)
    try:
        terminal.child.timeout = 300
        terminal.wait_for(r"DeveloperRoles: (creating CloudFormation changeset|deploying)")
        terminal.child.sendintr()  # Ctrl-C: the command gets SIGINT and ends cdk's group
        status, rest = terminal.finish()
    finally:
        terminal.end()
    assert status == 130, terminal.output[-3000:]
    shown = [line.removeprefix("^C") for line in rest.splitlines()]  # the terminal echoes ^C
    lines = [line for line in shown if line.startswith("developer-roles deploy: ")]
    assert lines[0].startswith("developer-roles deploy: interrupted; "), rest
    assert lines[1].startswith("developer-roles deploy: DeveloperRoles: "), rest
    assert "Traceback" not in terminal.output
    help_text = subprocess.run(
        [str(recipe.REPO / ".venv" / "bin" / "developer-roles"), "deploy", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    assert "130  interrupted (Ctrl-C)" in help_text


def test_ctrl_c_during_synthesis_is_one_line_without_the_childrens_tracebacks(account, tmp_path):
    """The CDK CLI and the app it runs (Python, Node.js and its Python wrapper) print a
    traceback each on SIGINT; they run in a process group of their own, so Ctrl-C reaches the
    command alone, which ends them and says what happened."""
    aws = account
    dev = aws.create_developer("dep-synth-interrupted")
    config = write_config(tmp_path / "roles.json", aws.account_id, [dev.arn])
    pid_file = tmp_path / "cdk.pid"
    fake_cdk = tmp_path / "cdk"
    fake_cdk.write_text(
        f"#!{sys.executable}\n"
        "import os, signal, sys\n"
        f"open({str(pid_file)!r}, 'w').write(str(os.getpid()))\n"
        "print('synthesizing the app', flush=True)\n"
        # a long synthesis; on SIGINT, Python would print a KeyboardInterrupt traceback
        "signal.pause()\n"
    )
    fake_cdk.chmod(0o755)
    command = deploy_command(tmp_path / "out", config, "--cdk", str(fake_cdk))
    terminal = Terminal(command, recipe._tool_path(aws.env()), recipe.REPO)
    try:
        terminal.child.timeout = 120
        terminal.wait_for("synthesizing the app")
        terminal.child.sendintr()
        status, rest = terminal.finish()
    finally:
        terminal.end()
    assert status == 130, terminal.output[-3000:]
    assert "Traceback" not in terminal.output
    assert "KeyboardInterrupt" not in terminal.output
    lines = [line.removeprefix("^C") for line in rest.splitlines() if "developer-roles" in line]
    assert lines == ["developer-roles deploy: interrupted before anything was deployed"], rest
    assert not Path(f"/proc/{pid_file.read_text()}").exists()  # the child was ended, not left


def test_without_cdk_on_path_in_a_set_up_folder_it_names_the_installed_cli(tmp_path):
    """After `make setup` the pinned CLI is in node_modules/.bin, which only make puts on PATH:
    the line says so instead of sending the operator back to `make setup`."""
    (tmp_path / "node_modules" / ".bin").mkdir(parents=True)
    (tmp_path / "node_modules" / ".bin" / "cdk").write_text("#!/bin/sh\n")
    done = subprocess.run(
        [str(recipe.REPO / ".venv" / "bin" / "developer-roles"), "deploy"],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "AWS_EC2_METADATA_DISABLED": "true"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    [line] = done.stderr.splitlines()
    assert "is in node_modules/.bin: run 'make deploy'" in line
    assert "run 'make setup'" not in line
