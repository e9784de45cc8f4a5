"""README's "Deploying to a real account", step by step through ``make``, in account
222222222222 of a local AWS started for that account (not the example 123456789012).

The operator's own credentials (an IAM user of 222222222222) run every step as the README
writes it: ``make add-me CONFIG=devs.yaml ADD_ME_ARGS=--new``, a teammate's ``make add-me``,
``make synth``, ``make bootstrap``, ``make preflight``, ``make deploy`` (the summary, then
the approval on a real pseudo-terminal, output piped through ``tee``), a principal removed,
``make preflight`` and ``make deploy`` again, ``make audit``. The bad inputs of issue 20's
section 1 get one line each, before anything is written or deployed.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from botocore.exceptions import ClientError

from localaws import recipe
from localaws.server import LocalAws
from localaws.testing import Credentials, LocalAwsEnv
from tests.e2e.account_checks_env import delete_developer, deploy_command
from tests.e2e.terminal import AWS_CLI, Terminal

pytestmark = pytest.mark.e2e
ACCOUNT = "222222222222"
PROMPT = r"Deploy these security-broadening changes to 1 stack\(s\) \(y/n\)\? "
MAKE_ERROR = "make: *** "


@dataclass
class Operator:
    aws: LocalAwsEnv
    work: Path  # the operator's folder for devs.yaml, deploy.log, audit-ok.yaml

    def env(self, credentials: Credentials | None = None, **extra: str) -> dict[str, str]:
        env = self.aws.env(credentials)
        env.update(extra)
        return recipe._tool_path(env)

    def make(
        self, *args: str, credentials: Credentials | None = None, **extra: str
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["make", "--no-print-directory", *args],
            cwd=recipe.REPO,
            env=self.env(credentials, **extra),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )

    @property
    def config(self) -> Path:
        return self.work / "devs.yaml"


def started_for(account: str, state: Path) -> tuple[LocalAws, LocalAwsEnv]:
    server = LocalAws.start(state, accounts=(account,))
    admin = server.admin(account)
    return server, LocalAwsEnv(
        endpoint_url=server.endpoint_url,
        region=server.region,
        account_id=account,
        admin=Credentials(admin.access_key_id, admin.secret_access_key),
        server=server,
    )


@pytest.fixture(scope="module")
def operator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Operator]:
    server, aws = started_for(ACCOUNT, tmp_path_factory.mktemp("localaws-222"))
    try:
        yield Operator(aws, tmp_path_factory.mktemp("operator"))
    finally:
        server.stop()


def role_exists(aws: LocalAwsEnv, name: str) -> bool:
    try:
        aws.client("iam").get_role(RoleName=name)
    except ClientError:
        return False
    return True


def own_lines(stderr: str) -> list[str]:
    """stderr without make's own "make: *** [...] Error 2" line."""
    return [line for line in stderr.splitlines() if line.strip() and MAKE_ERROR not in line]


def deploy_through_tee(op: Operator, approve: str | None) -> tuple[int, str]:
    """``make deploy CONFIG=devs.yaml | tee deploy.log`` on a real terminal; answers
    ``approve`` when asked (None: expects no question)."""
    log = op.work / "deploy.log"
    command = (
        f"make --no-print-directory deploy CONFIG={op.config} | tee {log}; exit ${{PIPESTATUS[0]}}"
    )
    terminal = Terminal(["/bin/bash", "-c", command], op.env(), recipe.REPO)
    try:
        if approve is not None:
            terminal.wait_for(PROMPT)
            terminal.type(approve)
        status, _ = terminal.finish()
    finally:
        terminal.end()
    return status, terminal.output


# When the endpoint goes away, cdk deploy retries each CloudFormation call with its own fixed
# backoff (7 attempts over about 45 s; the CLI offers no setting for it) before it gives up. So the
# deploy cut off mid-way runs in a thread from the module's first test on, beside the others, and
# its test (the module's last) reads what it showed: the wait is not an idle test worker.
def deploy_until_the_endpoint_stops(work: Path) -> tuple[int, str]:
    """``developer-roles deploy`` of three principals on a real terminal, in a local AWS of its
    own that stops once the deploy is approved: its exit status and everything it showed."""
    server, aws = started_for(ACCOUNT, work / "localaws")
    stopped = False
    try:
        boot = recipe.bootstrap(aws, work / "boot.out")
        assert boot.returncode == 0, boot.output
        config = work / "devs.yaml"
        names = [f"arn:aws:iam::{ACCOUNT}:user/dev{i}" for i in range(3)]
        for name in names:
            aws.client("iam").create_user(UserName=name.rsplit("/", 1)[1])
        config.write_text(yaml.safe_dump({"account": ACCOUNT, "principals": names}))
        command = deploy_command(work / "cdk.out", config)
        terminal = Terminal(command, recipe._tool_path(aws.env()), recipe.REPO)
        try:
            terminal.child.timeout = 300
            # Synthesized, summarized and approved: the endpoint goes away as cdk deploy starts.
            terminal.wait_for(PROMPT)
            server.stop()
            stopped = True
            terminal.type("y")
            status, _ = terminal.finish()
        finally:
            terminal.end()
    finally:
        if not stopped:
            server.stop()
    return status, terminal.output


@pytest.fixture(scope="module", autouse=True)
def deploy_cut_off(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Future[tuple[int, str]] | None]:
    """The cut-off deploy, started when the module starts if its test is selected."""
    test = test_the_local_aws_stopping_mid_deploy_ends_with_each_stack_and_its_state
    if not any(getattr(item, "function", None) is test for item in request.session.items):
        yield None
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="deploy-cut-off") as pool:
        yield pool.submit(deploy_until_the_endpoint_stops, tmp_path_factory.mktemp("cut-off"))


def test_readme_steps_deploy_to_your_own_account(operator):
    op = operator
    me = f"arn:aws:iam::{ACCOUNT}:user/localaws-admin"

    # aws sts get-caller-identity: the account you are about to change
    who = subprocess.run(
        [str(AWS_CLI), "sts", "get-caller-identity", "--query", "Account", "--output", "text"],
        env=op.env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert who.stdout.strip() == ACCOUNT, who.stderr

    # make add-me CONFIG=devs.yaml ADD_ME_ARGS=--new: your configuration, you in it
    created = op.make("add-me", f"CONFIG={op.config}", "ADD_ME_ARGS=--new")
    assert created.returncode == 0, created.stderr
    assert yaml.safe_load(op.config.read_text()) == {"account": ACCOUNT, "principals": [me]}

    # a teammate adds themself with their own credentials
    mate = op.aws.create_developer("teammate")
    added = op.make("add-me", f"CONFIG={op.config}", credentials=mate.credentials)
    assert added.returncode == 0, added.stderr
    assert yaml.safe_load(op.config.read_text())["principals"] == [me, mate.arn]

    synth = op.make("synth", f"CONFIG={op.config}", f"CDK_ARGS=--output {op.work / 'cdk.out'}")
    assert synth.returncode == 0, synth.stderr

    # make bootstrap: the configuration's account, not cdk.json's 123456789012
    boot = op.make("bootstrap", f"CONFIG={op.config}")
    assert boot.returncode == 0, boot.stdout + boot.stderr
    assert f"bootstrap: aws://{ACCOUNT}/{op.aws.region}" in boot.stderr
    assert "123456789012" not in boot.stdout + boot.stderr
    cfn = op.aws.client("cloudformation")
    assert cfn.describe_stacks(StackName="CDKToolkit")["Stacks"]

    ready = op.make("preflight", f"CONFIG={op.config}")
    assert ready.returncode == 0, ready.stdout + ready.stderr
    assert "READY" in ready.stdout

    # make deploy | tee deploy.log: the summary, then the question on the terminal
    status, shown = deploy_through_tee(op, approve="y")
    assert status == 0, shown
    assert "DeveloperRoles: 2 role(s) added, 0 removed, 0 changed" in shown
    assert "  + PowerUser-localaws-admin" in shown
    assert "  + PowerUser-teammate" in shown
    assert "no terminal to ask" not in shown
    log = (op.work / "deploy.log").read_text()
    assert "  + PowerUser-teammate" in log  # the log holds the summary and the answer
    assert "deploy: answered 'y'" in log
    assert role_exists(op.aws, "PowerUser-teammate")

    # The teammate leaves: the principal is removed from devs.yaml, then deleted in IAM.
    op.config.write_text(op.config.read_text().replace(f"  - {mate.arn}\n", ""))
    assert yaml.safe_load(op.config.read_text())["principals"] == [me]
    delete_developer(op.aws, mate)
    ready_again = op.make("preflight", f"CONFIG={op.config}")
    assert ready_again.returncode == 0, ready_again.stdout + ready_again.stderr
    status, shown = deploy_through_tee(op, approve=None)  # a removal broadens nothing
    assert status == 0, shown
    assert "DeveloperRoles: 0 role(s) added, 1 removed, 0 changed" in shown
    assert "  - PowerUser-teammate" in shown
    assert not role_exists(op.aws, "PowerUser-teammate")
    assert role_exists(op.aws, "PowerUser-localaws-admin")

    # make audit: the operator accepts their own admin user and the CDK's bootstrap roles.
    accepted = op.work / "audit-ok.yaml"
    accepted.write_text(
        yaml.safe_dump(
            [
                {"check": "standing-privilege", "subject": me, "reason": "the operator"},
                {
                    "check": "mfa-trust",
                    "subject": f"arn:aws:iam::{ACCOUNT}:role/cdk-hnb659fds-*",
                    "reason": "CDK bootstrap roles",
                },
            ]
        )
    )
    audit = op.make("audit", f"CONFIG={op.config}", f"ACKNOWLEDGEMENTS={accepted}")
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert "1 of 1 developer role(s) deployed" in audit.stdout


def test_audit_without_a_configuration_says_drift_was_not_checked(operator):
    audit = operator.make("audit", "ACCOUNT_CHECKS_ARGS=--json")
    assert "drift" in audit.stdout
    assert "not checked: the configuration is cdk.json's example (account 123456789012)" in (
        audit.stdout
    )


@pytest.mark.parametrize("target", ["bootstrap", "add-me", "preflight", "deploy", "audit"], ids=str)
@pytest.mark.parametrize("how", ["PROFILE", "AWS_PROFILE"], ids=str)
def test_a_profile_that_does_not_exist_is_one_line_naming_it(operator, target, how, tmp_path):
    env = {
        "AWS_CONFIG_FILE": str(tmp_path / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "c"),
    }
    args = [target, f"CONFIG={operator.config}"]
    if how == "PROFILE":
        args.append("PROFILE=nope")
    else:
        env["AWS_PROFILE"] = "nope"
    before = operator.config.read_text() if operator.config.exists() else None
    done = operator.make(*args, **env)
    assert done.returncode == 2
    [line] = own_lines(done.stderr)
    assert "'nope'" in line
    assert "Traceback" not in done.stderr
    assert (operator.config.read_text() if operator.config.exists() else None) == before


@pytest.mark.parametrize("target", ["bootstrap", "add-me", "preflight", "deploy", "audit"], ids=str)
def test_a_misspelt_configuration_is_one_line_and_nothing_is_written(operator, target):
    typo = operator.work / "typo.yaml"
    done = operator.make(target, f"CONFIG={typo}")
    assert done.returncode == 2
    [line] = own_lines(done.stderr)
    assert "typo.yaml: no such configuration file" in line
    assert "Traceback" not in done.stderr
    assert not typo.exists()


def test_the_example_configuration_is_named_before_anything_is_written_or_deployed(operator):
    cdk_json = (recipe.REPO / "cdk.json").read_text()

    add_me = operator.make("add-me")
    assert add_me.returncode == 2  # make's code for add-me's 1
    [line] = own_lines(add_me.stderr)
    assert "example account 123456789012" in line
    assert "your credentials are for 222222222222" in line
    assert "ADD_ME_ARGS=--new" in line
    assert (recipe.REPO / "cdk.json").read_text() == cdk_json

    deploy = operator.make("deploy")
    assert deploy.returncode == 2
    [line] = own_lines(deploy.stderr)
    assert "cdk.json's example" in line
    assert "nothing was deployed" in line

    # A copy of the example in a file of its own: named as the example too.
    copy = operator.work / "example.yaml"
    copy.write_text(yaml.safe_dump(json.loads(cdk_json)["context"]["developerRoles"]))
    for target in ("bootstrap", "add-me", "deploy"):
        done = operator.make(target, f"CONFIG={copy}")
        assert done.returncode == 2, (target, done.stdout + done.stderr)
        [line] = own_lines(done.stderr)
        assert "example account 123456789012" in line, (target, line)
    assert (
        yaml.safe_load(copy.read_text())["principals"][0] == "arn:aws:iam::123456789012:user/alice"
    )

    # make bootstrap without CONFIG: your credentials' account, not cdk.json's example
    boot = operator.make("bootstrap")
    assert boot.returncode == 0, boot.stdout + boot.stderr
    assert f"bootstrap: aws://{ACCOUNT}/{operator.aws.region}" in boot.stderr
    assert "Need to perform AWS calls for account 123456789012" not in boot.stderr

    preflight = operator.make("preflight", "ACCOUNT_CHECKS_ARGS=--json")
    assert "note: the configuration targets 123456789012, the example account" in (preflight.stderr)


def test_the_local_aws_stopping_mid_deploy_ends_with_each_stack_and_its_state(
    deploy_cut_off: Future[tuple[int, str]],
) -> None:
    status, output = deploy_cut_off.result()
    lines = [line for line in output.splitlines() if line.strip()]
    assert status == 1
    assert lines[-2] == "developer-roles deploy: cdk deploy failed; the stacks now:", output[-2000:]
    assert lines[-1].startswith("developer-roles deploy: DeveloperRoles: state unknown ("), lines[
        -1
    ]
    # ... and what cdk deploy last said about the stack (here: the refused connection)
    assert "; cdk deploy's last line about it: connect ECONNREFUSED" in lines[-1], lines[-1]
