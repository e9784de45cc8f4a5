"""Helpers for the preflight and audit end-to-end tests: a fresh local account per test, and
the account checks run as a user runs them (the installed ``developer-roles`` command)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from localaws import recipe
from localaws.testing import Developer, LocalAwsEnv

CHECKS = Path(sys.executable).parent / "developer-roles"  # the installed command


def deploy_command(output: Path, config: Path, *options: str) -> list[str]:
    """``developer-roles deploy --output=OUTPUT OPTIONS -- -c developerRolesFile=CONFIG``."""
    return [
        str(CHECKS),
        "deploy",
        f"--output={output}",
        *options,
        "--",
        "-c",
        f"developerRolesFile={config}",
    ]


def fresh_account(local_aws: LocalAwsEnv, name: str) -> LocalAwsEnv:
    """A new, empty account of the same local AWS (only its localaws-admin user exists)."""
    digits = str(int(hashlib.sha256(name.encode()).hexdigest(), 16))[:11]
    account_id = "9" + digits
    admin = local_aws.other_account_admin(account_id)
    return LocalAwsEnv(
        endpoint_url=local_aws.endpoint_url,
        region=local_aws.region,
        account_id=account_id,
        admin=admin,
        server=local_aws.server,
    )


@dataclass
class Checked:
    returncode: int
    stdout: str
    stderr: str

    @property
    def json(self) -> Any:
        return json.loads(self.stdout)

    def rows(self, check: str, status: str | None = None) -> list[dict[str, Any]]:
        return [
            r
            for r in self.json["results"]
            if r["check"] == check and (status is None or r["status"] == status)
        ]


def run_checks(
    aws: LocalAwsEnv,
    *args: str,
    credentials: Any = None,
    drop: tuple[str, ...] = (),
    **env: str,
) -> Checked:
    environment = {k: v for k, v in {**aws.env(credentials), **env}.items() if k not in drop}
    done = subprocess.run(
        [str(CHECKS), *args],
        cwd=recipe.REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return Checked(done.returncode, done.stdout, done.stderr)


def run_make(aws: LocalAwsEnv, target: str, config: Path, *args: str) -> Checked:
    """``make preflight|audit CONFIG=... ACCOUNT_CHECKS_ARGS="..."``, as the README shows it."""
    done = subprocess.run(
        ["make", "--no-print-directory", target, f"CONFIG={config}", *args],
        cwd=recipe.REPO,
        env=aws.env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return Checked(done.returncode, done.stdout, done.stderr)


def delete_developer(aws: LocalAwsEnv, developer: Developer) -> None:
    """The developer leaves: MFA device, access key and user are deleted."""
    iam = aws.client("iam")
    iam.deactivate_mfa_device(UserName=developer.user_name, SerialNumber=developer.mfa_serial)
    iam.delete_virtual_mfa_device(SerialNumber=developer.mfa_serial)
    iam.delete_access_key(UserName=developer.user_name, AccessKeyId=developer.access_key_id)
    iam.delete_user(UserName=developer.user_name)


def write_config(path: Path, account: str, principals: list[Any], **extra: Any) -> Path:
    path.write_text(
        json.dumps({"account": account, "principals": principals, **extra}, indent=2),
        encoding="utf-8",
    )
    return path
