"""Render credentials for shells, ``credential_process``, ``.env`` files and child processes."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping

from mfa_assume.credentials import Credentials

FORMATS = ("env", "fish", "powershell", "json", "dotenv")
_DOTENV_SAFE = re.compile(r"[A-Za-z0-9_+/=.:-]*")

# Variables that would make an AWS SDK in a child pick other credentials than ours.
SHADOWING_VARIABLES = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SECURITY_TOKEN")


def env_vars(creds: Credentials) -> dict[str, str]:
    """The variables AWS SDKs and the CLI read (``AWS_CREDENTIAL_EXPIRATION`` by botocore)."""
    return {
        "AWS_ACCESS_KEY_ID": creds.access_key_id,
        "AWS_SECRET_ACCESS_KEY": creds.secret_access_key,
        "AWS_SESSION_TOKEN": creds.session_token,
        "AWS_CREDENTIAL_EXPIRATION": creds.expiration_iso(),
    }


def _posix_quote(value: str) -> str:
    return "'" + value.replace("'", "'\"'\"'") + "'"


def _fish_quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _powershell_quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _dotenv_quote(value: str) -> str:
    if _DOTENV_SAFE.fullmatch(value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def region_vars(region: str | None) -> dict[str, str]:
    """``AWS_REGION`` (read by most SDKs) and ``AWS_DEFAULT_REGION`` (botocore, the AWS CLI)."""
    return {"AWS_REGION": region, "AWS_DEFAULT_REGION": region} if region else {}


def _lines(creds: Credentials, region: str | None, line: Callable[[str, str], str]) -> str:
    variables = {**env_vars(creds), **region_vars(region)}
    return "".join(line(k, v) + "\n" for k, v in variables.items())


def render(creds: Credentials, fmt: str, region: str | None = None) -> str:
    """The text to print for ``--format fmt``; the shell formats also set ``region`` (the
    profile's or ``--region``), as ``-- command`` does, so that ``eval`` works where the base
    profile has no region. ``json`` (credential_process) has no field for it."""
    if fmt == "json":  # credential_process output, Version 1
        return json.dumps({"Version": 1, **creds.to_dict()}, indent=2) + "\n"
    if fmt == "env":
        return _lines(creds, region, lambda k, v: f"export {k}={_posix_quote(v)}")
    if fmt == "fish":
        return _lines(creds, region, lambda k, v: f"set -gx {k} {_fish_quote(v)};")
    if fmt == "powershell":
        return _lines(creds, region, lambda k, v: f"$Env:{k} = {_powershell_quote(v)}")
    if fmt == "dotenv":
        return _lines(creds, region, lambda k, v: f"{k}={_dotenv_quote(v)}")
    raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")


def child_environment(
    base: Mapping[str, str], creds: Credentials, region: str | None
) -> dict[str, str]:
    """``base`` with our credentials in, and variables that would override them out."""
    env = {k: v for k, v in base.items() if k not in SHADOWING_VARIABLES}
    env.update(env_vars(creds))
    env.update(region_vars(region))
    return env
