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
    assert target.run(sys.executable, "-m", "venv", str(target.venv)).returncode == 0
    # --no-deps: boto3 is what the module's install already proved; this proves the URL form.
    pip = target.run(
        target.command("python"),
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-deps",
        f"git+file://{REPO}#subdirectory=scripts/mfa_assume",
    )
    assert pip.returncode == 0, pip.stdout + pip.stderr
    done = target.run("mfa-assume", "--version")
    assert (done.returncode, done.stdout.strip()) == (0, f"mfa-assume {mfa_assume.__version__}")
