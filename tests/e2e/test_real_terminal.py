"""The MFA prompt as a person meets it: a real pseudo-terminal, real clients, the local AWS.

Every test drives a real pseudo-terminal (pexpect) or, for "no terminal", a process without
one (a new session, stdin from /dev/null), and talks to the local AWS through
``AWS_ENDPOINT_URL``. Nothing is stubbed: the programs are the installed ``mfa-assume``
command, a bash shell, the real AWS CLI v1 (``.venv/tools/awscli``, ``make setup``) and boto3.

The ``~/.aws/config`` is the one synthesis writes (``cdk synth`` with the real CDK CLI,
``aws-config-profiles.ini``), unchanged: the ``<name>-mfa`` profile the helper or the AWS CLI
reads and the ``<name>`` profile whose ``credential_process`` runs the helper. The role is
created with iam:CreateRole from the synthesized template's trust policy (the deploy path is
test_deploy.py's, and a second deploy of the one DeveloperRoles stack would replace its roles).
No region is set in the environment and there is no ``[default]`` section in the config: the
region has to come from the generated profiles.

Each valid code is a fresh TOTP code (``fresh_totp``): AWS accepts a code once.
"""

from __future__ import annotations

import configparser
import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from localaws.testing import Developer, LocalAwsEnv
from tests.e2e.developer import synthesized_role, write_aws_files
from tests.e2e.terminal import AWS_CLI, TIMEOUT, Terminal, program_environment

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(sys.platform == "win32", reason="POSIX pseudo-terminals"),
]

DEVELOPER = "pty-dana"

EXIT_NO_TOKEN = 3
EXIT_MFA_REJECTED = 6
EXIT_AWS_CLI_ERROR = 255  # the AWS CLI's exit status for a failed command

BOTO3_SCRIPT = """\
import sys, boto3
sts = boto3.Session(profile_name=sys.argv[1]).client("sts")
print("caller:", sts.get_caller_identity()["Arn"])
"""


@dataclass(frozen=True)
class Roles:
    """The developer, its role in the local AWS, and the profiles synthesis generated."""

    developer: Developer
    role_arn: str
    profiles: str  # aws-config-profiles.ini as written by cdk synth
    process_profile: str  # [profile X]: credential_process = mfa-assume --profile X-mfa ...
    mfa_profile: str  # [profile X-mfa]: role_arn, source_profile, mfa_serial, region

    @property
    def assumed_role(self) -> str:
        """What every caller ARN of the role's sessions contains."""
        return ":assumed-role/" + self.role_arn.rsplit("/", 1)[1] + "/"


def _generated_profiles(text: str) -> tuple[str, str]:
    """The credential_process profile and the profile it names, from the generated file."""
    parser = configparser.ConfigParser()
    parser.read_string(text)
    (process,) = [s for s in parser.sections() if "credential_process" in parser[s]]
    command = parser[process]["credential_process"].split()
    mfa = command[command.index("--profile") + 1]
    assert f"profile {mfa}" in parser.sections(), text
    return process.removeprefix("profile "), mfa


@pytest.fixture(scope="module")
def roles(local_aws: LocalAwsEnv, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Roles]:
    work = tmp_path_factory.mktemp("real-terminal")
    developer = local_aws.create_developer(DEVELOPER)
    with synthesized_role(local_aws, developer, work) as (role_arn, profiles):
        process_profile, mfa_profile = _generated_profiles(profiles)
        yield Roles(developer, role_arn, profiles, process_profile, mfa_profile)


@pytest.fixture
def home(roles: Roles, tmp_path: Path) -> Path:
    """A developer's home: the generated profiles as ~/.aws/config, the keys in credentials."""
    return write_aws_files(tmp_path / "home", roles.profiles, roles.developer)


@pytest.fixture
def env(local_aws: LocalAwsEnv, home: Path) -> dict[str, str]:
    return program_environment(home, local_aws.endpoint_url)


@pytest.fixture
def terminal(env: dict[str, str], home: Path) -> Iterator[Callable[..., Terminal]]:
    """Start programs on a pseudo-terminal; whatever is still running at the end is ended."""
    started: list[Terminal] = []

    def start(*argv: str) -> Terminal:
        started.append(Terminal(list(argv), env, home))
        return started[-1]

    yield start
    for term in started:
        term.end()


def without_terminal(
    argv: list[str], env: dict[str, str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` with no controlling terminal at all (a new session, stdin /dev/null)."""
    return subprocess.run(
        argv,
        env=env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        start_new_session=True,
        timeout=TIMEOUT,
        check=False,
    )


def wrong_code(local_aws: LocalAwsEnv, developer: Developer) -> str:
    """Six digits that are not the device's code now (nor a neighbour's: ~1e-6 per step)."""
    return f"{(int(local_aws.totp(developer)) + 500_000) % 1_000_000:06d}"


# ---------------------------------------------------------------------------------- clients


@dataclass(frozen=True)
class Client:
    """One way a person gets at the role, and how its success and refusals look."""

    id: str
    argv: Callable[[Roles], list[str]]
    prompt: Callable[[Roles], str]  # the text that asks for the code
    shows_success: Callable[[Roles], str]  # in the output when the credentials work
    refused_status: int  # exit status for a wrong code
    refused_message: str  # in the output for a wrong code
    no_terminal_status: int
    no_terminal_message: str


def helper_prompt(roles: Roles) -> str:
    return f"MFA code for {roles.developer.mfa_serial}: "


NO_TERMINAL = "there is no terminal to ask on"
REJECTED = "the MFA code was rejected"

CLIENTS = [
    Client(
        id="mfa-assume",
        argv=lambda r: ["mfa-assume", "--profile", r.mfa_profile],
        prompt=helper_prompt,
        shows_success=lambda r: "export AWS_ACCESS_KEY_ID='ASIA",
        refused_status=EXIT_MFA_REJECTED,
        refused_message=f"mfa-assume: {REJECTED}",
        no_terminal_status=EXIT_NO_TOKEN,
        no_terminal_message=NO_TERMINAL,
    ),
    Client(
        id="aws-cli-credential-process",
        argv=lambda r: [str(AWS_CLI), "sts", "get-caller-identity", "--profile", r.process_profile],
        prompt=helper_prompt,
        shows_success=lambda r: r.assumed_role,
        refused_status=EXIT_AWS_CLI_ERROR,
        refused_message=REJECTED,
        no_terminal_status=EXIT_AWS_CLI_ERROR,
        no_terminal_message=NO_TERMINAL,
    ),
    Client(
        id="boto3-credential-process",
        argv=lambda r: [sys.executable, "-c", BOTO3_SCRIPT, r.process_profile],
        prompt=helper_prompt,
        shows_success=lambda r: "caller: arn:aws:sts::" + r.role_arn.split(":")[4] + r.assumed_role,
        refused_status=1,  # an uncaught CredentialRetrievalError
        refused_message=REJECTED,
        no_terminal_status=1,
        no_terminal_message=NO_TERMINAL,
    ),
    Client(
        id="aws-cli-own-mfa-prompt",
        argv=lambda r: [str(AWS_CLI), "sts", "get-caller-identity", "--profile", r.mfa_profile],
        prompt=lambda r: f"Enter MFA code for {r.developer.mfa_serial}: ",
        shows_success=lambda r: r.assumed_role,
        refused_status=EXIT_AWS_CLI_ERROR,
        refused_message="AccessDenied",
        no_terminal_status=EXIT_AWS_CLI_ERROR,
        # getpass finds no terminal, warns, asks on stderr and reads end of input from stdin
        no_terminal_message="Enter MFA code for",
    ),
]


@pytest.fixture(scope="module", autouse=True)
def aws_cli() -> None:
    if not AWS_CLI.exists():
        pytest.fail(
            f"{AWS_CLI} is missing: run `make setup` (it installs "
            "scripts/dev/awscli-requirements.txt into .venv/tools/awscli)"
        )


def by_id(clients: list[Client]) -> pytest.MarkDecorator:
    return pytest.mark.parametrize("client", clients, ids=[c.id for c in clients])


@by_id(CLIENTS)
def test_typed_code_is_hidden_and_gets_the_role(local_aws, roles, terminal, client):
    term = terminal(*client.argv(roles))
    term.wait_for(re.escape(client.prompt(roles)))
    code = local_aws.fresh_totp(roles.developer)
    term.type(code)
    status, after_prompt = term.finish()
    assert status == 0, term.output
    assert code not in after_prompt, f"the code was echoed:\n{term.output}"
    assert client.shows_success(roles) in after_prompt, term.output
    assert term.output.count(client.prompt(roles)) == 1, term.output


@by_id(CLIENTS)
def test_wrong_code_is_refused_as_the_tool_reports_it(local_aws, roles, terminal, client):
    term = terminal(*client.argv(roles))
    term.wait_for(re.escape(client.prompt(roles)))
    term.type(wrong_code(local_aws, roles.developer))
    status, after_prompt = term.finish()
    assert status == client.refused_status, term.output
    assert client.refused_message in after_prompt, term.output
    assert "mfa_assume/" not in after_prompt, f"a traceback of the helper:\n{term.output}"
    assert "ASIA" not in after_prompt, term.output


@by_id(CLIENTS)
def test_without_a_terminal_it_fails_at_once_and_says_why(roles, env, home, client):
    done = without_terminal(client.argv(roles), env, home)
    assert done.returncode == client.no_terminal_status, done.stdout + done.stderr
    assert client.no_terminal_message in done.stderr, done.stderr
    assert "ASIA" not in done.stdout, done.stdout
    assert "mfa_assume/" not in done.stderr, f"a traceback of the helper:\n{done.stderr}"


# ---------------------------------------------------------------------------------- bash


SHELL_PROMPT = "PTY-TEST-READY> "


@pytest.fixture
def bash(terminal: Callable[..., Terminal]) -> Terminal:
    """An interactive bash on the terminal, without rc files, waiting for a command."""
    shell = terminal("/bin/bash", "--noprofile", "--norc", "-i")
    shell.type(f"PS1='{SHELL_PROMPT}'")
    shell.wait_for(re.escape(SHELL_PROMPT) + "$")
    return shell


def test_eval_in_bash_puts_the_role_credentials_and_region_in_the_shell(local_aws, roles, bash):
    bash.type(f'eval "$(mfa-assume --profile {roles.mfa_profile})"')
    bash.wait_for(re.escape(helper_prompt(roles)))
    code = local_aws.fresh_totp(roles.developer)
    bash.type(code)
    after_prompt = bash.wait_for(re.escape(SHELL_PROMPT))
    assert code not in after_prompt, f"the code was echoed:\n{bash.output}"
    bash.type('echo "key=${AWS_ACCESS_KEY_ID:0:4}"')
    bash.wait_for("key=ASIA")  # the command line echoes as key=${..., never as key=ASIA
    # The credentials work: the AWS CLI with nothing but the shell's variables, no --region
    # (the base profile has none): the helper exported the profile's region.
    bash.type('echo "region=[$AWS_REGION/$AWS_DEFAULT_REGION]"')
    bash.wait_for(re.escape(f"region=[{local_aws.region}/{local_aws.region}]"))
    bash.type(f'{AWS_CLI} sts get-caller-identity --output text || echo "CLI-""FAILED"')
    shown = bash.wait_for(re.escape(roles.assumed_role) + "|CLI-FAILED")
    assert "CLI-FAILED" not in bash.child.after, shown
    bash.type("exit")
    status, _ = bash.finish()
    assert status == 0, bash.output


def test_eval_in_bash_with_a_wrong_code_shows_the_refusal_and_sets_nothing(local_aws, roles, bash):
    bash.type(f'eval "$(mfa-assume --profile {roles.mfa_profile})"')
    bash.wait_for(re.escape(helper_prompt(roles)))
    bash.type(wrong_code(local_aws, roles.developer))
    bash.wait_for(re.escape(f"mfa-assume: {REJECTED}"))
    bash.type('echo "key=[${AWS_ACCESS_KEY_ID:-none}]"')
    bash.wait_for(re.escape("key=[none]"))
    bash.type("exit")
    bash.finish()


def test_shortcut_with_an_entry_or_folder_open_to_others_is_not_used_and_the_folder_tightened(
    local_aws, roles, terminal, home
):
    """The cache's permission rules hold on the shortcut's path too: after a run that left a
    shortcut, a 0644 entry in a 0755 folder is ignored (new credentials, from the MFA session:
    no prompt), the folder is tightened to 0700 and the entry rewritten 0600."""
    args = ["mfa-assume", "--profile", roles.mfa_profile, "--format", "json"]
    first = terminal(*args)
    first.wait_for(re.escape(helper_prompt(roles)))
    first.type(local_aws.fresh_totp(roles.developer))
    assert first.finish()[0] == 0
    second = terminal(*args)
    assert second.finish()[0] == 0  # the same credentials again: this run left the shortcut
    folder = home / ".cache" / "mfa-assume"
    assert list(folder.glob("*.shortcut"))
    issued = json.loads(second.output[second.output.index("{") :])["AccessKeyId"]
    entries = [p for p in folder.glob("*.json") if issued in p.read_text()]
    (entry,) = entries
    entry.chmod(0o644)
    folder.chmod(0o755)

    third = terminal(*args)
    status, _ = third.finish()
    assert status == 0, third.output
    assert "MFA code for" not in third.output
    assert json.loads(third.output[third.output.index("{") :])["AccessKeyId"] != issued
    assert folder.stat().st_mode & 0o777 == 0o700
    assert entry.stat().st_mode & 0o777 == 0o600
