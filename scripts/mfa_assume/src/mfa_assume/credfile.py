"""``--write-profile``: put credentials into the shared credentials file as a named profile.

The file is edited as text, not through configparser, so comments and every other profile
are kept byte for byte; only the named section is replaced (or appended). The write is
atomic and the result has mode 0600.

A profile is never overwritten when that would lose or shadow credentials the developer
relies on (:func:`check_target`): one that holds long-term access keys (in either file), one
that any profile names as its ``source_profile``, and one whose credentials come from
elsewhere (``role_arn``, ``credential_process``, SSO, web identity), which keys written to
the credentials file would shadow. This is the only place the helper writes to ``~/.aws``;
its cache and shortcut files live under ``~/.cache/mfa-assume``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from mfa_assume import files
from mfa_assume.credentials import Credentials
from mfa_assume.errors import ExitCode, HelperError, InputError

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads it the same)
if TYPE_CHECKING:
    from mfa_assume.profiles import _Files as AwsFiles

_SECTION = re.compile(r"^\s*\[\s*([^\]]+?)\s*\]\s*$")
_PROFILE_NAME = re.compile(r"[\w+=,.@-]+")
_MARKER = "written by mfa-assume"


def newline_of(text: str) -> str:
    """The file's line ending: CRLF when its first line ends so, else LF."""
    first = text.find("\n")
    return "\r\n" if first > 0 and text[first - 1] == "\r" else "\n"


def section_lines(name: str, creds: Credentials) -> list[str]:
    return [
        f"[{name}]\n",
        f"aws_access_key_id = {creds.access_key_id}\n",
        f"aws_secret_access_key = {creds.secret_access_key}\n",
        f"aws_session_token = {creds.session_token}\n",
        f"# expires {creds.expiration_iso()} ({_MARKER})\n",
    ]


def replace_section(text: str, name: str, new_section: list[str]) -> str:
    """``text`` with section ``[name]`` replaced by ``new_section`` (appended if absent).

    Blank and comment lines at the end of the old section are kept when another section
    follows (they usually introduce it), except our own ``written by`` line.
    """
    out: list[str] = []
    held: list[str] = []  # blank/comment lines inside the old section, not yet placed
    inside = replaced = False
    for line in text.splitlines(keepends=True):
        match = _SECTION.match(line)
        if match:
            if inside:
                out.extend(held)
                held = []
            inside = match.group(1) == name
            if inside:
                if not replaced:
                    out.extend(new_section)
                replaced = True
                continue
        if not inside:
            out.append(line)
        elif not line.strip() or line.lstrip().startswith(("#", ";")):
            if _MARKER not in line:
                held.append(line)
        else:
            held = []
    if not replaced:
        nl = newline_of(text)
        if out and not out[-1].endswith("\n"):
            out[-1] += nl
        if out and out[-1].strip():
            out.append(nl)
        out.extend(new_section)
    return "".join(out)


def check_profile_name(name: str) -> str:
    if not _PROFILE_NAME.fullmatch(name):
        raise InputError(
            f"profile name {name!r} is not valid; expected letters, digits and _+=,.@-"
        )
    return name


# Settings that make botocore take a profile's credentials from somewhere other than its keys.
_OTHER_SOURCES = (
    "role_arn",
    "credential_process",
    "sso_session",
    "sso_start_url",
    "web_identity_token_file",
    "credential_source",
)


SUGGESTED_SUFFIXES = ("-mfa", "-temp", "-session")  # tried in order for the refusal's example


def check_target(name: str, env: Mapping[str, str]) -> None:
    """Refuse (exit 2) to write profile ``name`` where that would lose or shadow credentials.

    Overwriting is allowed for a profile that is absent, or that holds only temporary
    credentials (an ``aws_session_token``, as this helper writes) and is no other profile's
    ``source_profile``. The refusal suggests the first of ``NAME-mfa``, ``NAME-temp`` and
    ``NAME-session`` that would itself be accepted.
    """
    from mfa_assume import profiles

    found = profiles.read_files(env)
    reason = _refusal(name, found)
    if reason is None:
        return
    accepted = (
        f"{name}{suffix}"
        for suffix in SUGGESTED_SUFFIXES
        if _refusal(f"{name}{suffix}", found) is None
    )
    suggestion = next(accepted, None)
    if suggestion is None:
        taken = ", ".join(f"{name}{suffix}" for suffix in SUGGESTED_SUFFIXES)
        raise InputError(f"{reason}; choose another name ({taken} would be refused too)")
    raise InputError(f"{reason}; choose another name, e.g. --write-profile {suggestion}")


def _refusal(name: str, found: AwsFiles) -> str | None:
    """Why writing profile ``name`` would lose or shadow credentials; None when it would not."""
    for path, sections in (
        (found.credentials_path, found.credentials),
        (found.config_path, found.config),
    ):
        own = sections.get(name) or {}
        has_keys = "aws_access_key_id" in own or "aws_secret_access_key" in own
        if has_keys and "aws_session_token" not in own:
            return (
                f"will not write profile {name!r}: it holds long-term access keys in {path}, "
                "which this would overwrite"
            )
    users = sorted(
        other
        for sections in (found.config, found.credentials)
        for other, settings in sections.items()
        if other != name and settings.get("source_profile") == name
    )
    if users:
        return (
            f"will not write profile {name!r}: profile {users[0]!r} uses it as source_profile, "
            "and temporary keys there would break it"
        )
    source = next((key for key in _OTHER_SOURCES if key in (found.config.get(name) or {})), None)
    if source:
        return (
            f"will not write profile {name!r}: it gets its credentials from {source} in "
            f"{found.config_path}, which keys written to {found.credentials_path} would "
            "shadow"
        )
    return None


def check_writable(path: str) -> str:
    """The file ``path`` leads to (a symbolic link followed, as :func:`write_profile` does),
    once it is known that it can be replaced: checked before any MFA code is asked for.

    Refused (exit 11): a target that is not a regular file, belongs to another user, or is
    read-only (no owner write permission: the owner made it so, and the helper does not
    override that, not even as root); a folder that cannot be written (nor, when missing,
    created in its nearest existing parent).
    """
    import stat

    real = os.path.realpath(path)

    def refuse(reason: str) -> HelperError:
        return HelperError(ExitCode.LOCAL_WRITE, f"cannot write {path}: {reason}")

    try:
        info = os.stat(real)
    except FileNotFoundError:
        info = None
    if info is not None:
        if not stat.S_ISREG(info.st_mode):
            raise refuse("it is not a regular file")
        if hasattr(os, "getuid") and info.st_uid != os.getuid():
            raise refuse("it belongs to another user")
        if not info.st_mode & stat.S_IWUSR:
            raise refuse(f"it is read-only (mode {stat.S_IMODE(info.st_mode):04o})")
    folder = os.path.dirname(real) or "."
    while not os.path.exists(folder):
        folder = os.path.dirname(folder)
    if not os.path.isdir(folder):
        raise refuse(f"{folder} is not a folder")
    mode = os.stat(folder).st_mode
    if not os.access(folder, os.W_OK | os.X_OK) or not mode & stat.S_IWUSR:
        raise refuse(f"its folder {folder} is read-only")
    return real


MAX_FILE_BYTES = 16 * 1024 * 1024  # an AWS file read whole: bounded


def read_text(real: str) -> str:
    """The text of the file at ``real`` (no link followed), line endings as they are ("" when
    it does not exist); at most :data:`MAX_FILE_BYTES`."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(real, flags)
    except FileNotFoundError:
        return ""
    with open(fd, "rb") as handle:
        data = handle.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise InputError(f"{real} is larger than {MAX_FILE_BYTES // 2**20} MiB")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{real} is not UTF-8 text") from None


def write_profile(
    path: str, name: str, creds: Credentials, env: Mapping[str, str] | None = None
) -> None:
    """Replace (or add) profile ``name`` in the credentials file at ``path``.

    A symbolic link (a credentials file kept in a dotfiles repository, say) is followed:
    the file it points to is replaced, mode 0600, and the link stays. With ``env``, the
    files are checked again (:func:`check_target`) just before writing: they may have
    changed while the code was typed.
    """
    if env is not None:
        check_target(name, env)
    path = check_writable(path)
    text = read_text(path)
    nl = newline_of(text)
    lines = [line.replace("\n", nl) for line in section_lines(name, creds)]
    files.write_private_file(path, replace_section(text, name, lines))
