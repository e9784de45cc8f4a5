"""``--write-profile``: put credentials into the shared credentials file as a named profile.

The file is edited as text, not through configparser, so comments and every other profile
are kept byte for byte; only the named section is replaced (or appended). The write is
atomic and the result has mode 0600.
"""

from __future__ import annotations

import os
import re

from mfa_assume import files
from mfa_assume.credentials import Credentials
from mfa_assume.errors import InputError

_SECTION = re.compile(r"^\s*\[\s*([^\]]+?)\s*\]\s*$")
_PROFILE_NAME = re.compile(r"[\w+=,.@-]+")
_MARKER = "written by mfa-assume"


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
        if out and not out[-1].endswith("\n"):
            out[-1] += "\n"
        if out and out[-1].strip():
            out.append("\n")
        out.extend(new_section)
    return "".join(out)


def check_profile_name(name: str) -> str:
    if not _PROFILE_NAME.fullmatch(name):
        raise InputError(
            f"profile name {name!r} is not valid; expected letters, digits and _+=,.@-"
        )
    return name


def write_profile(path: str, name: str, creds: Credentials) -> None:
    """Replace (or add) profile ``name`` in the credentials file at ``path``.

    A symbolic link (a credentials file kept in a dotfiles repository, say) is followed:
    the file it points to is replaced, mode 0600, and the link stays.
    """
    path = os.path.realpath(path)
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        text = ""
    files.write_private_file(path, replace_section(text, name, section_lines(name, creds)))
