"""The helper as developers install it: ``pip install ./scripts/mfa_assume`` into a fresh virtual
environment, then used from another directory with nothing of the repository on the path.

One environment for the module. The source is a copy of ``scripts/mfa_assume/src/mfa_assume/`` (what
``pipx install ./scripts/mfa_assume`` or ``git+...#subdirectory=scripts/mfa_assume`` reads):
pip builds in the source folder, and a ``build/`` left in the working tree would be picked up
by later builds. The package's dependencies (boto3) come from the pip index or its cache,
like for a developer.
The role is created with iam:CreateRole and the trust policy the app synthesizes.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import mfa_assume
from localaws.testing import Credentials, Developer, LocalAwsEnv
from tests.e2e.developer import mfa_trust
from tests.e2e.terminal import Terminal

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(sys.platform == "win32", reason="POSIX virtual environment layout"),
]

REPO = Path(__file__).resolve().parents[2]
PACKAGE_SOURCE = REPO / "scripts" / "mfa_assume"
INSTALL_TIMEOUT = 600  # pip resolves and installs boto3
DEVELOPER = "install-erin"
PROFILE = "installed-power-user-mfa"
# Variables that would let the installed command see the repository or the project's venv.
_LEAKING = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV", "PYTHONSAFEPATH")


@dataclass(frozen=True)
class Installed:
    venv: Path
    home: Path  # a developer's home, and the working directory of every command

    def command(self, name: str) -> str:
        return str(self.venv / "bin" / name)

    def env(self, endpoint_url: str | None = None) -> dict[str, str]:
        """The developer's environment: only the fresh venv's commands and the system's."""
        env = {k: v for k, v in os.environ.items() if k not in _LEAKING}
        env["PATH"] = f"{self.venv / 'bin'}:/usr/local/bin:/usr/bin:/bin"
        env["HOME"] = str(self.home)
        env["XDG_CACHE_HOME"] = str(self.home / ".cache")
        for name in [k for k in env if k.startswith("AWS_")]:
            del env[name]
        env["AWS_EC2_METADATA_DISABLED"] = "true"
        if endpoint_url:
            env["AWS_ENDPOINT_URL"] = endpoint_url
        return env

    def run(self, *argv: str, endpoint_url: str | None = None) -> subprocess.CompletedProcess[str]:
        """A command with no terminal, from the developer's home (not the repository)."""
        return subprocess.run(
            list(argv),
            cwd=self.home,
            env=self.env(endpoint_url),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT,
            start_new_session=True,
            check=False,
        )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    work = tmp_path_factory.mktemp("installed-helper")
    source = work / "source"
    shutil.copytree(
        PACKAGE_SOURCE,
        source,
        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "build"),
    )
    home = work / "home"
    home.mkdir()
    result = Installed(work / "venv", home)
    created = result.run(sys.executable, "-m", "venv", str(result.venv))
    assert created.returncode == 0, created.stderr
    pip = result.run(
        result.command("python"),
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        str(source),
    )
    assert pip.returncode == 0, pip.stdout + pip.stderr
    return result


@dataclass(frozen=True)
class Role:
    developer: Developer
    arn: str


@pytest.fixture(scope="module")
def role(local_aws: LocalAwsEnv) -> Iterator[Role]:
    """A developer role as the app makes it: MFA present and younger than an hour."""
    developer = local_aws.create_developer(DEVELOPER)
    trust = mfa_trust(developer)
    name = f"PowerUser-{DEVELOPER}"
    iam = local_aws.client("iam")
    created = iam.create_role(
        RoleName=name, Path="/developers/", AssumeRolePolicyDocument=json.dumps(trust)
    )
    try:
        yield Role(developer, str(created["Role"]["Arn"]))
    finally:
        iam.delete_role(RoleName=name)  # live mode: leave nothing in the sandbox


@pytest.fixture
def aws_files(installed: Installed, role: Role, local_aws: LocalAwsEnv) -> None:
    """~/.aws/config with a role profile like the generated one, the keys in credentials."""
    aws = installed.home / ".aws"
    aws.mkdir(exist_ok=True)
    (aws / "config").write_text(
        f"[profile {PROFILE}]\nrole_arn = {role.arn}\nsource_profile = default\n"
        f"mfa_serial = {role.developer.mfa_serial}\nregion = {local_aws.region}\n",
        encoding="utf-8",
    )
    (aws / "credentials").write_text(
        f"[default]\naws_access_key_id = {role.developer.access_key_id}\n"
        f"aws_secret_access_key = {role.developer.secret_access_key}\n",
        encoding="utf-8",
    )
    shutil.rmtree(installed.home / ".cache", ignore_errors=True)  # every test asks for a code


def caller_arn(local_aws: LocalAwsEnv, credential_process_output: str) -> str:
    issued = json.loads(credential_process_output)
    creds = Credentials(issued["AccessKeyId"], issued["SecretAccessKey"], issued["SessionToken"])
    return str(local_aws.client("sts", creds).get_caller_identity()["Arn"])


def test_installed_command_reports_the_package_version(installed):
    done = installed.run("mfa-assume", "--version")
    assert (done.returncode, done.stdout.strip()) == (0, f"mfa-assume {mfa_assume.__version__}")
    assert shutil.which("mfa-assume", path=installed.env()["PATH"]) == installed.command(
        "mfa-assume"
    )


def test_installed_package_is_imported_from_the_venv_and_holds_only_the_helper(installed):
    script = (
        "import importlib.util, mfa_assume, mfa_assume.prompt.terminal as t\n"
        "print(mfa_assume.__file__)\nprint(t.__file__)\n"
        "print([n for n in ('localaws', 'trustcheck', 'stacks') if importlib.util.find_spec(n)])\n"
    )
    done = installed.run("python", "-c", script)
    assert done.returncode == 0, done.stderr
    package, prompt, repository_modules = done.stdout.splitlines()
    for path in (Path(package), Path(prompt)):
        assert path.is_relative_to(installed.venv), path
        assert not path.is_relative_to(REPO), path
    assert repository_modules == "[]"


@pytest.mark.usefixtures("aws_files")
def test_installed_command_asks_on_the_terminal_and_gets_the_role(installed, role, local_aws):
    term = Terminal(
        [installed.command("mfa-assume"), "--profile", PROFILE, "--format", "json"],
        installed.env(local_aws.endpoint_url),
        installed.home,
    )
    try:
        term.wait_for(re.escape(f"MFA code for {role.developer.mfa_serial}: "))
        code = local_aws.fresh_totp(role.developer)
        term.type(code)
        status, after_prompt = term.finish()
    finally:
        term.end()
    assert status == 0, term.output
    assert code not in after_prompt, term.output
    assert ":assumed-role/PowerUser-install-erin/" in caller_arn(local_aws, after_prompt)


@pytest.mark.usefixtures("aws_files")
def test_installed_command_takes_a_token_code_without_a_terminal(installed, role, local_aws):
    code = local_aws.fresh_totp(role.developer)
    done = installed.run(
        "mfa-assume",
        "--profile",
        PROFILE,
        "--token-code",
        code,
        "--format",
        "json",
        endpoint_url=local_aws.endpoint_url,
    )
    assert done.returncode == 0, done.stderr
    assert ":assumed-role/PowerUser-install-erin/" in caller_arn(local_aws, done.stdout)


def test_installs_from_a_git_url_with_a_subdirectory(tmp_path):
    """``pip install "git+URL#subdirectory=scripts/mfa_assume"``, from this repository's commit."""
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    home = tmp_path / "home"
    home.mkdir()
    target = Installed(tmp_path / "venv", home)
    # As pipx makes one: a venv without pip of its own, filled by a shared pip (here this
    # interpreter's); the module's own install is the one with the venv's pip.
    created = target.run(sys.executable, "-m", "venv", "--without-pip", str(target.venv))
    assert created.returncode == 0, created.stderr
    # --no-deps: boto3 is what the module's install already proved; this proves the URL form.
    pip = target.run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        target.command("python"),
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-deps",
        f"git+file://{REPO}#subdirectory=scripts/mfa_assume",
    )
    assert pip.returncode == 0, pip.stdout + pip.stderr
    done = target.run("mfa-assume", "--version")
    assert (done.returncode, done.stdout.strip()) == (0, f"mfa-assume {mfa_assume.__version__}")


# ---- mfa-assume setup, as a new developer runs it (issue 26) ----------------------------------
# One synthesis for a single-account app in an account other than the documentation's, with an
# identity account (the same one): two developers with their own devices, a team of both.
# The roles and the published SSM parameters are created from the synthesized templates (the
# deploy path is test_deploy.py's), then each developer runs the installed helper's `setup` and
# the AWS CLI as cron would: `env -i PATH=/usr/bin:/bin`, on a real pseudo-terminal.

SETUP_ACCOUNT = "345678901234"
SETUP_REGION = "eu-north-1"


@dataclass(frozen=True)
class SetupWorld:
    erin: Developer
    frank: Developer
    admin: Credentials
    profiles_file: Path  # cdk.out/aws-config-profiles.ini


def _create_from_templates(local_aws: LocalAwsEnv, admin: Credentials, assembly: Path) -> list[str]:
    """The roles (with their synthesized trust) and the identity stack's parameters and group
    policy, made in the local AWS as the templates declare them; the role names."""
    from developer_roles.config.layout import IDENTITY_STACK_NAME
    from trustcheck.templates import Pseudo, resolve, roles_in_assembly

    iam = local_aws.client("iam", admin)
    names = []
    for role in roles_in_assembly(assembly, SETUP_ACCOUNT):
        name = role.role_arn.rsplit("/", 1)[1]
        iam.create_role(
            RoleName=name,
            Path=role.role_arn.split(":role", 1)[1].removesuffix(name),
            AssumeRolePolicyDocument=json.dumps(role.trust_policy),
        )
        names.append(name)
    identity = assembly / f"{IDENTITY_STACK_NAME}.template.json"
    resources = json.loads(identity.read_text(encoding="utf-8"))["Resources"]
    ssm = local_aws.session(admin).client(
        "ssm", region_name=SETUP_REGION, endpoint_url=local_aws.endpoint_url
    )
    pseudo = Pseudo(SETUP_ACCOUNT, SETUP_REGION)
    for resource in resources.values():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::SSM::Parameter":
            ssm.put_parameter(
                Name=props["Name"], Value=props["Value"], Type=props["Type"], Overwrite=True
            )
        if resource["Type"] == "AWS::IAM::Policy":  # the developers' group policy
            document = resolve(props["PolicyDocument"], pseudo, identity.name)
            iam.put_user_policy(
                UserName="setup-erin", PolicyName="group", PolicyDocument=json.dumps(document)
            )
            iam.put_user_policy(
                UserName="setup-frank", PolicyName="group", PolicyDocument=json.dumps(document)
            )
    return names


@pytest.fixture(scope="module")
def setup_world(
    local_aws: LocalAwsEnv, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SetupWorld]:
    from trustcheck.synth import synthesize

    if local_aws.is_live:
        pytest.skip("creates users in a second local account")
    erin = local_aws.create_developer("setup-erin", account_id=SETUP_ACCOUNT)
    frank = local_aws.create_developer("setup-frank", account_id=SETUP_ACCOUNT)
    admin = local_aws.other_account_admin(SETUP_ACCOUNT)
    work = tmp_path_factory.mktemp("setup-app")
    config = work / "roles.json"
    config.write_text(
        json.dumps(
            {
                "account": SETUP_ACCOUNT,
                "region": SETUP_REGION,
                "identityAccount": SETUP_ACCOUNT,
                "publishProfiles": True,
                "principals": [
                    {"arn": erin.arn, "mfaSerial": erin.mfa_serial},
                    {"arn": frank.arn, "mfaSerial": frank.mfa_serial},
                ],
                "groups": [{"name": "platform", "principals": [erin.arn, frank.arn]}],
            }
        ),
        encoding="utf-8",
    )
    assembly = synthesize(work / "cdk.out", {"developerRolesFile": str(config)})
    names = _create_from_templates(local_aws, admin, assembly)
    try:
        yield SetupWorld(erin, frank, admin, assembly / "aws-config-profiles.ini")
    finally:
        iam = local_aws.client("iam", admin)
        for name in names:
            iam.delete_role(RoleName=name)


def _developer_home(installed: Installed, developer: Developer, tmp_path: Path) -> dict[str, str]:
    """A home with only the developer's keys (as [default]); the environment to run in."""
    home = tmp_path / developer.user_name
    (home / ".aws").mkdir(parents=True)
    (home / ".aws" / "credentials").write_text(
        f"[default]\naws_access_key_id = {developer.access_key_id}\n"
        f"aws_secret_access_key = {developer.secret_access_key}\n",
        encoding="utf-8",
    )
    return {"HOME": str(home)}


def _setup(installed: Installed, home: dict[str, str], local_aws: LocalAwsEnv, *argv: str) -> str:
    env = (
        installed.env(local_aws.endpoint_url) | home | {"XDG_CACHE_HOME": home["HOME"] + "/.cache"}
    )
    done = subprocess.run(
        [installed.command("mfa-assume"), "setup", *argv],
        cwd=home["HOME"],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stderr


def _as_cron(
    home: dict[str, str], local_aws: LocalAwsEnv, profile: str, developer: Developer
) -> str:
    """``aws sts get-caller-identity --profile PROFILE`` under ``env -i PATH=/usr/bin:/bin``
    (cron's environment: HOME and that PATH) on a real terminal, typing the developer's code
    at the helper's prompt; the ARN it prints."""
    from tests.e2e.terminal import AWS_CLI

    argv = [
        "/usr/bin/env",
        "-i",
        "PATH=/usr/bin:/bin",
        f"HOME={home['HOME']}",
        f"AWS_ENDPOINT_URL={local_aws.endpoint_url}",
        "AWS_EC2_METADATA_DISABLED=true",
        str(AWS_CLI),
        "sts",
        "get-caller-identity",
        "--profile",
        profile,
        "--output",
        "json",
    ]
    term = Terminal(argv, {"PATH": "/usr/bin:/bin"}, Path(home["HOME"]))
    try:
        term.wait_for(re.escape(f"MFA code for {developer.mfa_serial}: "))
        term.type(local_aws.fresh_totp(developer))
        status, shown = term.finish()
    finally:
        term.end()
    assert status == 0, term.output
    return str(json.loads(shown[shown.index("{") :])["Arn"])


def test_setup_from_the_published_place_then_the_cli_under_cron_gets_the_own_role(
    installed, setup_world, local_aws, tmp_path
):
    erin = setup_world.erin
    home = _developer_home(installed, erin, tmp_path)
    said = _setup(installed, home, local_aws, "--region", SETUP_REGION)
    assert f"wrote 4 profiles for {erin.arn}" in said
    config = Path(home["HOME"], ".aws", "config").read_text(encoding="utf-8")
    assert f"credential_process = {installed.command('mfa-assume')} --profile" in config
    assert "setup-frank" not in config  # only erin's own profiles, her own device
    arn = _as_cron(home, local_aws, "setup-erin-power-user", erin)
    assert ":assumed-role/PowerUser-setup-erin/" in arn


def test_a_teammate_sets_up_from_the_file_and_gets_the_team_role_with_their_own_code(
    installed, setup_world, local_aws, tmp_path
):
    frank = setup_world.frank
    home = _developer_home(installed, frank, tmp_path)
    _setup(installed, home, local_aws, "--from", str(setup_world.profiles_file))
    config = Path(home["HOME"], ".aws", "config").read_text(encoding="utf-8")
    assert f"mfa_serial = {frank.mfa_serial}" in config
    assert "setup-erin" not in config
    stamp = os.stat(Path(home["HOME"], ".aws", "config")).st_mtime_ns
    assert "is up to date" in _setup(
        installed, home, local_aws, "--from", str(setup_world.profiles_file)
    )
    assert os.stat(Path(home["HOME"], ".aws", "config")).st_mtime_ns == stamp
    arn = _as_cron(home, local_aws, "platform-team-power-user", frank)
    assert ":assumed-role/" in arn
    assert "platform" in arn.lower()
    assert "setup-frank" in arn
