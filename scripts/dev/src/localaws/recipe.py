"""The recipe's steps as functions: configure, bootstrap and deploy with the real CDK CLI, assume.

Shared by the end-to-end tests and ``scripts/demo.py``. The CDK CLI is the project's pinned one
(``node_modules/.bin/cdk``) on the project's Node.js (``.venv/bin`` first on PATH); it talks to
whatever endpoint ``LocalAwsEnv.env()`` names (AWS_ENDPOINT_URL for the local AWS, nothing in
live mode). Templates go to a temporary ``--output`` folder, never the repository's cdk.out.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from localaws.testing import Credentials, Developer, LocalAwsEnv

REPO = Path(__file__).resolve().parents[4]
CDK = REPO / "node_modules" / ".bin" / "cdk"
# The developers' helper as its console script runs it (installed by requirements.txt).
ASSUME_HELPER = (sys.executable, "-m", "mfa_assume")
STACK_NAME = "DeveloperRoles"
ROLE_PATH = "/developers/"
ROLE_PREFIX = "PowerUser-"
CDK_TIMEOUT_SECONDS = 600


@dataclass(frozen=True)
class Run:
    """A finished subprocess: its command (for messages), exit code and output."""

    command: str
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def _tool_path(env: dict[str, str]) -> dict[str, str]:
    env["PATH"] = os.pathsep.join(
        [str(Path(sys.executable).parent), str(CDK.parent), env.get("PATH", "")]
    )
    return env


def run(command: Sequence[str], env: Mapping[str, str], *, timeout: float = 120) -> Run:
    done = subprocess.run(
        list(command),
        cwd=REPO,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    shown = " ".join(Path(c).name if c.startswith("/") else c for c in command[:3])
    return Run(shown + " ...", done.returncode, done.stdout, done.stderr)


def write_roles_config(
    path: Path,
    account_id: str,
    principals: Sequence[str | Mapping[str, Any]],
    *,
    max_session_duration: str = "1h",
) -> Path:
    """The ``-c developerRolesFile=`` configuration for the given principals."""
    path.write_text(
        json.dumps(
            {
                "account": account_id,
                "principals": list(principals),
                "defaults": {"maxSessionDuration": max_session_duration},
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    return path


def role_arn_for(developer: Developer, account_id: str) -> str:
    return f"arn:aws:iam::{account_id}:role{ROLE_PATH}{ROLE_PREFIX}{developer.user_name}"


def cdk(aws: LocalAwsEnv, args: Sequence[str], out_dir: Path) -> Run:
    """Run the pinned CDK CLI as the admin of ``aws`` with templates written to ``out_dir``."""
    env = _tool_path(aws.env())
    return run([str(CDK), *args, "--output", str(out_dir)], env, timeout=CDK_TIMEOUT_SECONDS)


def bootstrap(aws: LocalAwsEnv, out_dir: Path) -> Run:
    """``cdk bootstrap aws://ACCOUNT/REGION`` as ``developer-roles bootstrap`` runs it, with
    ``--app ''``: in a folder whose cdk.json names an app the CDK CLI synthesizes the whole app
    to look for environments, even when the environment is given (7 to 40 s here)."""
    return cdk(aws, ["bootstrap", f"aws://{aws.account_id}/{aws.region}", "--app", ""], out_dir)


def deploy(aws: LocalAwsEnv, config: Path, out_dir: Path) -> Run:
    return cdk(
        aws,
        ["deploy", STACK_NAME, "--require-approval", "never", "-c", f"developerRolesFile={config}"],
        out_dir,
    )


def assume_with_helper(
    aws: LocalAwsEnv,
    developer: Developer,
    role_arn: str,
    home: Path,
    *,
    token_code: str | None = None,
    duration: str | None = None,
) -> Run:
    """``mfa-assume --format json`` as the developer (no MFA when no code given)."""
    args = [*ASSUME_HELPER, "--role-arn", role_arn, "--format", "json"]
    args += ["--refresh", "--region", aws.region]
    if token_code is None:
        args.append("--no-mfa")
    else:
        args += ["--serial-number", developer.mfa_serial, "--token-code", token_code]
    if duration is not None:
        args += ["--duration-seconds", duration]
    env = aws.env(
        developer.credentials,
        HOME=str(home),
        XDG_CACHE_HOME=str(home / ".cache"),
        AWS_CONFIG_FILE=str(home / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / "credentials"),
    )
    return run(args, env)


def credentials_from_helper(result: Run) -> Credentials:
    """The credentials in the helper's ``--format json`` (credential_process) output."""
    data = json.loads(result.stdout)
    return Credentials(data["AccessKeyId"], data["SecretAccessKey"], data["SessionToken"])
