#!/usr/bin/env python3
"""Add the caller's own IAM principal to the developer-roles configuration.

The manual recipe starts with ``aws sts get-caller-identity``; this does the same and writes
the resulting user or role ARN into the configuration (``cdk.json`` by default, or a JSON or
YAML file given with ``--config``). Nothing is written unless the result still validates.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from stacks.config import CONTEXT_KEY, ConfigError, validate  # noqa: E402

_ASSUMED_ROLE = re.compile(
    r"arn:(?P<partition>[a-z-]+):sts::(?P<account>\d{12}):assumed-role/(?P<role>[\w+=,.@-]+)/.+"
)


class CallerError(Exception):
    """The caller cannot be added; the message says why."""


def principal_from_caller(arn: str, role_path: Callable[[str], str | None]) -> str:
    """The IAM user or role ARN behind ``sts:GetCallerIdentity``'s ``Arn``.

    An assumed-role session names its role without the role's path; ``role_path`` looks the
    path up (``iam:GetRole``), or returns ``None`` when that is not permitted.
    """
    if ":iam::" in arn and (":user/" in arn or ":role/" in arn):
        return arn
    match = _ASSUMED_ROLE.fullmatch(arn)
    if match is None:
        raise CallerError(
            f"{arn} is not an IAM user or an assumed role; sign in as the IAM user or role "
            "that should get a developer role"
        )
    path = role_path(match["role"]) or "/"
    return f"arn:{match['partition']}:iam::{match['account']}:role{path}{match['role']}"


def add_principal(config: dict[str, Any], principal: str, *, in_context: bool) -> bool:
    """Add ``principal`` to the configuration in place; ``False`` if it was already there."""
    roles = config.setdefault("context", {}).setdefault(CONTEXT_KEY, {}) if in_context else config
    principals = roles.setdefault("principals", [])
    present = {
        (entry if isinstance(entry, str) else entry.get("arn", "")).lower() for entry in principals
    }
    if principal.lower() in present:
        return False
    principals.append(principal)
    return True


def read(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text) if path.suffix in (".yaml", ".yml") else json.loads(text)
    if not isinstance(data, dict):
        raise CallerError(f"{path}: expected an object at the top level")
    return data


def write_atomically(path: Path, data: dict[str, Any]) -> None:
    if path.suffix in (".yaml", ".yml"):
        text = yaml.safe_dump(data, sort_keys=False)
    else:
        text = json.dumps(data, indent=2) + "\n"
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        if path.exists():
            os.chmod(temp, path.stat().st_mode & 0o777)
        os.replace(temp, path)
    except BaseException:
        os.unlink(temp)
        raise


def caller_principal(profile: str | None) -> str:  # pragma: no cover - needs AWS
    import boto3
    import botocore.exceptions

    session = boto3.Session(profile_name=profile)
    try:
        arn = session.client("sts").get_caller_identity()["Arn"]
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
        raise CallerError(f"cannot ask AWS who you are: {error}") from error

    def role_path(name: str) -> str | None:
        try:
            return str(session.client("iam").get_role(RoleName=name)["Role"]["Path"])
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError):
            print(
                f"note: iam:GetRole on {name} is not permitted; assuming the path '/'",
                file=sys.stderr,
            )
            return None

    return principal_from_caller(arn, role_path)


def main(argv: list[str] | None = None, who: Callable[[str | None], str] = caller_principal) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--config",
        type=Path,
        default=REPO / "cdk.json",
        help="configuration file to edit (default: cdk.json)",
    )
    parser.add_argument("--profile", help="AWS profile to identify the caller with")
    args = parser.parse_args(argv)
    in_context = args.config.name == "cdk.json"
    try:
        principal = who(args.profile)
        config = read(args.config)
        added = add_principal(config, principal, in_context=in_context)
        validate(config["context"][CONTEXT_KEY] if in_context else config, str(args.config))
    except ConfigError as error:
        print(error.report("nothing was written"), file=sys.stderr)
        return 1
    except CallerError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if not added:
        print(f"{principal} is already in {args.config}")
        return 0
    write_atomically(args.config, config)
    print(f"added {principal} to {args.config}; run `make synth` to see its role")
    return 0


if __name__ == "__main__":
    sys.exit(main())
