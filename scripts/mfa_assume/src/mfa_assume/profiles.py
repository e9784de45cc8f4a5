"""Read ``~/.aws/config`` and ``~/.aws/credentials`` without boto3.

Only what the helper needs: the role profile's settings and a stable, non-secret
fingerprint of the base credentials (for the cache key). Paths honour
``AWS_CONFIG_FILE`` and ``AWS_SHARED_CREDENTIALS_FILE`` like the AWS CLI.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from mfa_assume.awsfiles import config_path as config_path
from mfa_assume.awsfiles import credentials_path as credentials_path
from mfa_assume.errors import ExitCode, HelperError, InputError

Section = dict[str, str]
# credential_process commands that run this helper: as a source profile they would make the
# helper call itself (see flow.assume's ACTIVE_MARKER check, which is the last resort).
_HELPER_COMMANDS = frozenset(
    {"mfa-assume", "mfa-assume.exe", "assume_role.py"}
)  # assume_role.py: before 1.2
_HELPER_MODULES = frozenset({"mfa_assume", "mfa_assume.cli"})


def _read(path: str, *, is_config: bool) -> dict[str, Section]:
    """Sections by profile name; in the config file ``[profile X]`` is ``X``."""
    import configparser  # not for config_path(): the shortcut (mfa_assume.shortcut) uses that

    # strict, as botocore's parser is: a duplicate section or key is an error there too
    parser = configparser.RawConfigParser(default_section="\0none", strict=True)
    try:
        with open(path, encoding="utf-8") as handle:
            parser.read_file(handle)
    except (FileNotFoundError, NotADirectoryError):
        return {}
    except configparser.DuplicateSectionError as exc:
        raise InputError(
            f"{path} line {exc.lineno}: section [{exc.section}] appears twice; "
            "merge the two sections into one"
        ) from None
    except configparser.DuplicateOptionError as exc:
        raise InputError(
            f"{path} line {exc.lineno}: {exc.option} is set twice in [{exc.section}]; keep one"
        ) from None
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


class _Files:
    """Both files' profiles, read once for a walk along ``source_profile`` links."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.config_path = config_path(env)
        self.credentials_path = credentials_path(env)
        self.config = _read(self.config_path, is_config=True)
        self.credentials = _read(self.credentials_path, is_config=False)

    def merged(self, name: str) -> Section | None:
        config, creds = self.config.get(name), self.credentials.get(name)
        if config is None and creds is None:
            return None
        return {**(config or {}), **(creds or {})}


def read_files(env: Mapping[str, str]) -> _Files:
    """Both files' profiles, parsed once (for checks that look across profiles)."""
    return _Files(env)


def _digest(name: str, section: Section) -> str:
    from mfa_assume.cache import sha256_hex  # not hashlib: ~3 ms on every cache hit

    settings = "\n".join(f"{k}={v}" for k, v in sorted(section.items()))
    return f"profile:{name}:{sha256_hex(settings.encode())}"


def _has_static_keys(section: Section) -> bool:
    return "aws_access_key_id" in section or "aws_secret_access_key" in section


def _partial_keys(name: str, path: str, section: Section) -> HelperError:
    have, missing = "aws_access_key_id", "aws_secret_access_key"
    if have not in section:
        have, missing = missing, have
    return HelperError(
        ExitCode.BASE_CREDENTIALS,
        f"profile {name!r} in {path} has {have} but no {missing}; add it "
        f"(aws configure --profile {name}) or remove {have}",
    )


def runs_helper(command: str) -> bool:
    """Whether a ``credential_process`` command runs this helper (mfa-assume, assume_role.py)."""
    import shlex  # only for profiles with credential_process, never on the common path

    try:
        words = shlex.split(command)
    except ValueError:
        words = command.split()
    names = [os.path.basename(word) for word in words]
    if any(name in _HELPER_COMMANDS for name in names):
        return True
    return any(w == "-m" and words[at + 1] in _HELPER_MODULES for at, w in enumerate(words[:-1]))


def _identify(name: str, files: _Files, chain: list[str], *, top: bool, explicit: bool) -> str:
    """Whose credentials profile ``name`` yields, in botocore's order of providers.

    ``chain``: the profiles that led here through ``source_profile``; ``top``: ``name`` is
    the profile the session is created with.
    """
    section = files.merged(name)
    if section is None:
        if not explicit:  # the default chain without a default profile: container, IMDS
            return _digest(name, {})
        what = f"source profile {name!r} of profile {chain[-1]!r}" if chain else f"profile {name!r}"
        raise InputError(f"{what} is not in {files.config_path} or {files.credentials_path}")
    # AssumeRoleProvider: a role profile assumes its role, except a source profile that has
    # static keys of its own (botocore uses those keys then).
    if section.get("role_arn") and (top or not _has_static_keys(section)):
        source = section.get("source_profile")
        if not source:  # credential_source, web identity: identified by the settings
            return _digest(name, section)
        visited = [*chain, name]
        if source in visited and not (source == name and _has_static_keys(section)):
            raise InputError(
                f"source_profile loop: {' -> '.join([*visited, source])}; point one of these "
                "profiles at a profile with its own access keys"
            )
        below = _identify(source, files, visited, top=False, explicit=True)
        return f"role:{name}:{section['role_arn']}<-{below}"
    if any(key in section for key in ("web_identity_token_file", "sso_session", "sso_start_url")):
        return _digest(name, section)
    partial: HelperError | None = None
    for path, by_name in (
        (files.credentials_path, files.credentials),
        (files.config_path, files.config),
    ):
        own = by_name.get(name) or {}
        if "aws_access_key_id" in own:
            if "aws_secret_access_key" not in own:  # botocore: PartialCredentialsError
                raise _partial_keys(name, path, own)
            return f"profile:{name}:{own['aws_access_key_id']}"
        if "aws_secret_access_key" in own:
            partial = partial or _partial_keys(name, path, own)
        if by_name is files.credentials and section.get("credential_process"):
            if runs_helper(section["credential_process"]):
                raise InputError(
                    f"profile {name!r} gets its credentials from this helper "
                    "(credential_process loop); use a source profile with its own access keys"
                )
            return _digest(name, section)
    if partial is not None:
        raise partial
    return _digest(name, section)


# Settings that give a profile credentials of its own (botocore's providers for a profile).
_CREDENTIAL_KEYS = (
    "aws_access_key_id",
    "aws_secret_access_key",
    "role_arn",
    "credential_process",
    "credential_source",
    "sso_session",
    "sso_start_url",
    "web_identity_token_file",
)


def _ignored_env_keys(base_profile: str, via: str | None) -> str:
    """The environment holds keys, but a named profile is used: botocore ignores them then
    (the environment provider is skipped when a profile is given explicitly)."""
    whose = (
        f"profile {via!r}'s source profile {base_profile!r}" if via else f"profile {base_profile!r}"
    )
    return (
        f"AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are set but ignored for a profile, and "
        f"{whose} has no credentials of its own; to use the environment's keys pass "
        f"--role-arn ARN without --profile (and unset AWS_PROFILE), or save them in "
        f"the profile (aws configure --profile {base_profile})"
    )


def base_identity(
    base_profile: str | None, env: Mapping[str, str], via: str | None = None
) -> tuple[str, str | None]:
    """The base credentials' fingerprint (see :func:`base_fingerprint`) and the region the
    base profile sets (what boto3 uses when neither a flag nor the environment sets one).

    ``via``: the role profile whose ``source_profile`` is ``base_profile``, for messages.
    """
    explicit = base_profile is not None
    if base_profile is None:
        env_key = env.get("AWS_ACCESS_KEY_ID")
        if env_key:
            if not env.get("AWS_SECRET_ACCESS_KEY"):
                raise HelperError(
                    ExitCode.BASE_CREDENTIALS,
                    "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not; set both, "
                    "or unset AWS_ACCESS_KEY_ID to use the default profile",
                )
            return f"env:{env_key}", None
        base_profile = "default"
    files = _Files(env)
    if explicit and env.get("AWS_ACCESS_KEY_ID"):
        section = files.merged(base_profile) or {}
        if not any(key in section for key in _CREDENTIAL_KEYS):
            raise HelperError(ExitCode.BASE_CREDENTIALS, _ignored_env_keys(base_profile, via))
    chain = [via] if via else []
    fingerprint = _identify(base_profile, files, chain, top=True, explicit=explicit)
    return fingerprint, (files.merged(base_profile) or {}).get("region") or None


def base_fingerprint(base_profile: str | None, env: Mapping[str, str]) -> str:
    """Identify whose credentials will sign the STS call, without calling AWS or boto3.

    It follows how :func:`mfa_assume.aws.make_clients` creates the session,
    ``boto3.Session(profile_name=base_profile)``, and botocore's credential providers:

    - ``base_profile`` None (no profile selected): the environment's ``AWS_ACCESS_KEY_ID``
      (botocore's first provider), else the ``default`` profile;
    - a named profile: the environment keys are ignored (botocore skips them when a profile
      is passed explicitly). A role profile is its role ARN plus, recursively, its
      ``source_profile``; a profile with static keys is its name and access key id
      (credentials file first, then config file); any other profile (SSO,
      ``credential_process``, web identity) a digest of its settings.

    Raises :class:`InputError` for a ``source_profile`` loop, a missing source profile or a
    ``credential_process`` that runs this helper, and a :class:`HelperError` (exit 4) for
    an access key without its secret. Access key ids are not secret, and the result is only
    ever stored hashed.
    """
    return base_identity(base_profile, env)[0]
