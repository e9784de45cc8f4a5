"""Read ``~/.aws/config`` and ``~/.aws/credentials`` without boto3.

Only what the helper needs: the role profile's settings and a stable, non-secret
fingerprint of the base credentials (for the cache key). Paths honour
``AWS_CONFIG_FILE`` and ``AWS_SHARED_CREDENTIALS_FILE`` like the AWS CLI.
"""

from __future__ import annotations

import configparser
import hashlib
import os
from collections.abc import Mapping

from mfa_assume.errors import InputError

Section = dict[str, str]


def _home(env: Mapping[str, str]) -> str:
    return env.get("HOME") or os.path.expanduser("~")


def _expand(path: str, env: Mapping[str, str]) -> str:
    if path.startswith("~"):
        return _home(env) + path[1:]
    return path


def config_path(env: Mapping[str, str]) -> str:
    return _expand(env.get("AWS_CONFIG_FILE") or "~/.aws/config", env)


def credentials_path(env: Mapping[str, str]) -> str:
    return _expand(env.get("AWS_SHARED_CREDENTIALS_FILE") or "~/.aws/credentials", env)


def _read(path: str, *, is_config: bool) -> dict[str, Section]:
    """Sections by profile name; in the config file ``[profile X]`` is ``X``."""
    parser = configparser.RawConfigParser(default_section="\0none", strict=False)
    try:
        with open(path, encoding="utf-8") as handle:
            parser.read_file(handle)
    except (FileNotFoundError, NotADirectoryError):
        return {}
    except (OSError, UnicodeDecodeError, configparser.Error) as exc:
        raise InputError(f"cannot read {path}: {type(exc).__name__}") from None
    sections: dict[str, Section] = {}
    for title in parser.sections():
        name = title
        if is_config:
            if title.startswith("profile "):
                name = title[len("profile ") :].strip()
            elif title != "default":
                continue  # not a profile (sso-session, services, ...)
        merged = sections.setdefault(name, {})
        merged.update({k: v.strip() for k, v in parser.items(title)})
    return sections


def load_profile(name: str, env: Mapping[str, str]) -> Section | None:
    """The profile's settings, config file first, credentials file on top; None if absent."""
    config = _read(config_path(env), is_config=True).get(name)
    creds = _read(credentials_path(env), is_config=False).get(name)
    if config is None and creds is None:
        return None
    return {**(config or {}), **(creds or {})}


def base_fingerprint(base_profile: str | None, env: Mapping[str, str]) -> str:
    """Identify whose credentials will call AWS, without calling AWS or importing boto3.

    botocore ignores ``AWS_ACCESS_KEY_ID`` when a profile is named explicitly, so a named
    profile is identified by its name and static access key id (or, for a profile that gets
    credentials another way, a digest of its settings); without a profile, the environment's
    access key id, then the ``default`` profile's. Access key ids are not secret, and the
    result is only ever stored hashed.
    """
    if base_profile is None:
        env_key = env.get("AWS_ACCESS_KEY_ID")
        if env_key:
            return f"env:{env_key}"
        base_profile = "default"
    section = load_profile(base_profile, env) or {}
    key_id = section.get("aws_access_key_id")
    if key_id:
        return f"profile:{base_profile}:{key_id}"
    settings = "\n".join(f"{k}={v}" for k, v in sorted(section.items()))
    return f"profile:{base_profile}:{hashlib.sha256(settings.encode()).hexdigest()}"
