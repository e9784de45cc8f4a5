"""``mfa-assume setup``'s pure logic: from the profiles synthesis writes for everyone, the
caller's own, merged into the text of their AWS config file.

Synthesis (``stacks/profiles.py``) writes before each role's pair of profiles one line
``# mfa-assume-setup: {...}`` naming whom the role trusts (principal ARNs, ARN patterns, an
organisation) and the members' MFA devices. :func:`parse` reads the file into
:class:`Entry` objects, :func:`for_caller` keeps the caller's, :func:`render_block` writes
them as one marked block, and :func:`merge` puts the block into the config file's text in
place of the previous one, leaving every other byte as it was (comments, order, CRLF).
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable, Sequence

from mfa_assume.credfile import MAX_FILE_BYTES as MAX_FILE_BYTES
from mfa_assume.credfile import newline_of
from mfa_assume.errors import InputError
from mfa_assume.records import NamedTuple

# The line synthesis writes before each role's profiles; stacks/profiles.py holds the app's
# copy (SETUP_MARKER), tests/stacks/test_profiles.py holds the two to one value.
MARKER = "# mfa-assume-setup: "
BEGIN = "# >>> mfa-assume setup:"
END = "# <<< mfa-assume setup"
BEGIN_LINE = (
    f"{BEGIN} profiles written by `mfa-assume setup`; its next run replaces everything down "
    "to the end line"
)
HELPER_WORD = "mfa-assume"  # how synthesis names the helper in credential_process
_HEADER = re.compile(r"^\s*\[\s*([^\]]*?)\s*\]\s*$")
_SETTING = re.compile(r"^\s*([A-Za-z0-9_.-]+)\s*=\s*(.*?)\s*$")
# What synthesis writes in a profile, and nothing else is copied into the user's config: a
# command the AWS CLI would run comes only from the helper itself (the file may come from a
# parameter store; a changed value there must not become a command on every developer's
# machine).
SETTINGS = frozenset(
    {
        "role_arn",
        "source_profile",
        "duration_seconds",
        "mfa_max_age",
        "mfa_serial",
        "region",
        "credential_process",
    }
)
_HELPER_CALL = re.compile(r"mfa-assume --profile ([\w+=,.@-]+) --format json")
_PRINCIPAL_ARN = re.compile(r"arn:aws(?:-[a-z]+)*:(?:iam|sts)::[0-9]{12}:[\x21-\x7e]+")


class Trust(NamedTuple):
    """Whom a role trusts, and the MFA devices of its members (by principal ARN)."""

    principals: tuple[str, ...]
    patterns: tuple[str, ...]
    org: str | None
    serials: dict[str, str]


class Profile(NamedTuple):
    name: str
    settings: list[tuple[str, str]]  # in order
    comments: list[str]  # comment lines inside the section (kept, mfa_serial ones dropped)


class Entry(NamedTuple):
    """One role's profiles as synthesis wrote them: ``<name>-mfa`` and ``<name>``."""

    label: str | None
    trust: Trust
    profiles: list[Profile]


def _trust(text: str, where: str) -> Trust:
    try:
        data = json.loads(text)
        principals = tuple(str(p) for p in data.get("principals") or ())
        patterns = tuple(str(p) for p in data.get("patterns") or ())
        org = str(data["org"]) if data.get("org") else None
        serials = {str(k): str(v) for k, v in (data.get("serials") or {}).items()}
    except (ValueError, AttributeError, TypeError):
        raise InputError(f"{where}: the mfa-assume-setup line is not valid JSON") from None
    return Trust(principals, patterns, org, serials)


def parse(text: str, source: str) -> list[Entry]:
    """The roles of a profiles file as synthesis writes it (``source`` names it in errors)."""
    entries: list[Entry] = []
    comments: list[str] = []
    profile: Profile | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if line.startswith(MARKER.strip()):
            label = comments[-1] if comments else None
            where = f"{source} line {number}"
            entries.append(Entry(label, _trust(line[len(MARKER.strip()) :], where), []))
            comments, profile = [], None
        elif (header := _HEADER.match(line)) is not None:
            profile = None
            title = header.group(1)
            if entries and title.startswith("profile "):
                profile = Profile(title[len("profile ") :].strip(), [], [])
                entries[-1].profiles.append(profile)
            comments = []
        elif not line:
            continue
        elif line.startswith(("#", ";")):
            if "mfa_serial" not in line:  # the members' devices: setup writes the caller's own
                comments.append(line)
        elif profile is not None and (setting := _SETTING.match(line)) is not None:
            key, value = setting.group(1), setting.group(2)
            where = f"{source} line {number}"
            if key not in SETTINGS:
                raise InputError(f"{where}: {key} is not a setting synthesis writes; refused")
            if key == "credential_process" and not _HELPER_CALL.fullmatch(value):
                raise InputError(
                    f"{where}: credential_process is not the helper's call synthesis writes "
                    f"('{HELPER_WORD} --profile NAME --format json'); refused"
                )
            profile.comments.extend(comments)
            comments = []
            profile.settings.append((key, value))
    if not entries:
        raise InputError(
            f"{source} has no '{MARKER.strip()}' lines: it was not written by this app's "
            "synthesis, or by an older one (synthesize again)"
        )
    return entries


def check_principal(arn: str) -> str:
    if not _PRINCIPAL_ARN.fullmatch(arn):
        raise InputError(
            f"--principal {arn!r} is not an IAM principal ARN; expected "
            "arn:aws:iam::ACCOUNT:user/NAME (what aws sts get-caller-identity shows)"
        )
    return arn


def arn_like(pattern: str, arn: str) -> bool:
    """IAM's ``ArnLike``: each of the six colon-separated parts matched on its own, ``*``
    any characters and ``?`` one, case-sensitive.
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN
    """
    wanted, given = pattern.split(":", 5), arn.split(":", 5)
    if len(wanted) != 6 or len(given) != 6:
        return False
    for part, value in zip(wanted, given, strict=True):
        regex = "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in part)
        if not re.fullmatch(regex, value, flags=re.DOTALL):
            return False
    return True


def trusts(trust: Trust, caller: str) -> bool:
    """Whether the role admits ``caller``: by ARN or pattern; a role trusted by organisation
    admits every caller (whoever reads the deployment's profiles is one of its developers,
    and the organisation of a caller is not known without AWS Organizations' permission)."""
    return (
        caller in trust.principals
        or any(arn_like(pattern, caller) for pattern in trust.patterns)
        or trust.org is not None
    )


def for_caller(entries: Sequence[Entry], caller: str) -> list[Entry]:
    return [entry for entry in entries if trusts(entry.trust, caller)]


def helper_command(words: Sequence[str]) -> str:
    """The helper's command as a ``credential_process`` line starts it (POSIX shell words,
    which botocore splits with shlex)."""
    return " ".join(shlex.quote(word) for word in words)


def own_serial(entries: Sequence[Entry], caller: str) -> str | None:
    """The caller's MFA device as any of their roles' lines name it (a team trusted by
    pattern names no devices; the caller's own role does)."""
    return next((e.trust.serials[caller] for e in entries if caller in e.trust.serials), None)


def needs_serial(entries: Sequence[Entry]) -> bool:
    """Whether any of the profiles assumes a role (and so gets ``mfa_serial``)."""
    return any(key == "role_arn" for e in entries for p in e.profiles for key, _ in p.settings)


def _own_profile(
    profile: Profile, serial: str | None, source_profile: str, helper: str
) -> list[str]:
    lines = [f"[profile {profile.name}]", *profile.comments]
    for key, value in profile.settings:
        if key == "mfa_serial":
            continue
        if key == "source_profile":
            value = source_profile
        if key == "credential_process" and value.split(" ", 1)[0] == HELPER_WORD:
            value = helper + value[len(HELPER_WORD) :]
        lines.append(f"{key} = {value}")
    if serial and any(key == "role_arn" for key, _ in profile.settings):
        lines.append(f"mfa_serial = {serial}")
    return lines


def render_block(
    entries: Sequence[Entry], serial: str | None, source_profile: str, helper: str
) -> list[str]:
    """The managed block's lines (no line endings): the caller's profiles, their own MFA
    device only, the helper by the given command, the given source profile."""
    lines = [BEGIN_LINE]
    for entry in entries:
        lines.append("")
        if entry.label:
            lines.append(entry.label)
        for at, profile in enumerate(entry.profiles):
            if at:
                lines.append("")
            lines += _own_profile(profile, serial, source_profile, helper)
    lines += ["", END]
    return lines


def profile_names(entries: Sequence[Entry]) -> list[str]:
    return [profile.name for entry in entries for profile in entry.profiles]


def existing_names(lines: Sequence[str]) -> set[str]:
    """Profile names a config file's lines define (``[profile X]`` and ``[default]``)."""
    names: set[str] = set()
    for line in lines:
        header = _HEADER.match(line.rstrip("\r\n"))
        if header is None:
            continue
        title = header.group(1)
        if title.startswith("profile "):
            names.add(title[len("profile ") :].strip())
        elif title == "default":
            names.add("default")
    return names


Block = Callable[[Sequence[Entry]], list[str]]


class Merged(NamedTuple):
    text: str
    skipped: list[str]  # profile names the user already has outside the block
    written: int  # profiles in the block


def split_block(text: str, path: str) -> tuple[list[str], list[str], bool]:
    """The file's lines before and after the managed block, and whether it had one."""
    lines = text.splitlines(keepends=True)
    begin = next((i for i, line in enumerate(lines) if line.startswith(BEGIN)), None)
    if begin is None:
        return lines, [], False
    end = next((i for i in range(begin, len(lines)) if lines[i].rstrip("\r\n") == END), None)
    if end is None:
        raise InputError(
            f"{path} line {begin + 1}: the block of mfa-assume setup has no end line "
            f"'{END}'; add it where the block ends, or delete the block"
        )
    return lines[:begin], lines[end + 1 :], True


def merge(text: str, entries: Sequence[Entry], block_for: Block, path: str) -> Merged:
    """``text`` with the managed block holding ``entries``' profiles (those whose names the
    user has outside the block left out: a pair goes together)."""
    before, after, had_block = split_block(text, path)
    taken = existing_names([*before, *after])
    kept, skipped = [], []
    for entry in entries:
        clash = [name for name in (p.name for p in entry.profiles) if name in taken]
        if clash:
            skipped += clash
        else:
            kept.append(entry)
    nl = newline_of(text)
    block = [line + nl for line in block_for(kept)] if kept else []
    if not had_block:
        if not block:
            return Merged(text, skipped, 0)
        if before and not before[-1].endswith("\n"):
            before[-1] += nl
        if before and before[-1].strip():
            block.insert(0, nl)
    return Merged("".join([*before, *block, *after]), skipped, len(profile_names(kept)))
