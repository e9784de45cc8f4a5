"""Where the AWS config and credentials files are, as the AWS CLI finds them.

``AWS_CONFIG_FILE`` and ``AWS_SHARED_CREDENTIALS_FILE``, else ``~/.aws/config`` and
``~/.aws/credentials`` (``~`` is ``HOME``). Apart from :mod:`mfa_assume.profiles`, which
parses the files, because the shortcut (:mod:`mfa_assume.shortcut`) reads them unparsed and
should import nothing more.
"""

from __future__ import annotations

import os
from collections.abc import Mapping


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
