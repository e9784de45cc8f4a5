"""Pure validation and cleaning of user input, applied before any AWS call.

Each ``check_*``/``parse_*`` function returns the accepted value or raises
:class:`~mfa_assume.errors.InputError` with a one-line message saying what was wrong and
what is accepted. Messages never repeat an MFA code.
"""

from __future__ import annotations

import re

from mfa_assume.errors import InputError

MIN_DURATION = 900  # 15 minutes, the STS minimum
MAX_DURATION = 43_200  # 12 hours, the largest MaxSessionDuration a role can have
NAME_MIN, NAME_MAX = 2, 64  # RoleSessionName and SourceIdentity length limits

_STS_NAME_CHARS = "A-Za-z0-9_+=,.@-"  # STS's [\w+=,.@-], ASCII only
_STS_NAME = re.compile(f"[{_STS_NAME_CHARS}]+")
_NOT_STS_NAME_CHAR = re.compile(f"[^{_STS_NAME_CHARS}]+")
_TOKEN = re.compile(r"[0-9]{6}")
_DURATION = re.compile(r"([0-9]+)([smh]?)")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600}
# IAM's rules that the helper shares with the app side. The helper installs without the CDK,
# so it keeps this copy of developer_role.iam_rules' rules (with the same links there);
# tests/test_iam_rules_copies.py holds both copies to one table of accepted and refused values.
# Character sets are ASCII, as IAM's Java-regex \w is.
_NAME_CHARS = "A-Za-z0-9_+=,.@-"
_PARTITION = r"aws(?:-[a-z]+)*"
PARTITIONS = (
    "aws",
    "aws-cn",
    "aws-eusc",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-us-gov",
)
# API_CreateRole: a path is "/" or "/" + printable ASCII + "/", 1 to 512 characters; a role
# name is 1 to 64 of [\w+=,.@-].
MAX_ROLE_PATH_LENGTH = 512
MAX_ROLE_NAME_LENGTH = 64
ROLE_PATH = re.compile(r"/(?:[\x21-\x7e]+/)?")
ROLE_NAME = re.compile(f"[{_NAME_CHARS}]+")
_ROLE_ARN = re.compile(rf"arn:({_PARTITION}):iam::[0-9]{{12}}:role(/.*)")
# A region is a DNS label of lowercase letters, digits and hyphens (us-east-1, cn-north-1,
# us-gov-west-1, eu-isoe-west-1); botocore refuses anything that is not a host label.
_REGION = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
# What botocore accepts as an endpoint URL, restricted to http and https: a scheme, a host
# (name, IPv4 or [IPv6]) and an optional port and path, no spaces.
_ENDPOINT_URL = re.compile(
    r"https?://(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])"
    r"(?::[0-9]{1,5})?(?:[/?#][\x21-\x7e]*)?",
    re.IGNORECASE,
)
# API_AssumeRole SerialNumber: 9-256 of [\w+=/:,.@-]; a virtual device is
# arn:PARTITION:iam::ACCOUNT:mfa/[PATH/]NAME (API_CreateVirtualMFADevice).
_MFA_ARN = re.compile(
    rf"arn:({_PARTITION}):iam::[0-9]{{12}}:mfa/(?:[{_NAME_CHARS}]+/)*[{_NAME_CHARS}]+"
)
_USER_ARN = re.compile(
    rf"arn:({_PARTITION}):iam::([0-9]{{12}}):user/(?:[{_NAME_CHARS}]+/)*([{_NAME_CHARS}]+)"
)
_HARDWARE_SERIAL = re.compile(rf"[/:{_NAME_CHARS}]{{9,256}}")


def check_token_code(code: str) -> str:
    """Accept a six-digit MFA code (surrounding spaces ignored)."""
    code = code.strip()
    if _TOKEN.fullmatch(code):
        return code
    if not code:
        problem = "is empty"
    elif not code.isdigit():
        problem = "contains characters other than digits"
    else:
        problem = f"has {len(code)} digits"
    raise InputError(f"MFA code {problem}; expected the six digits shown by your MFA device")


def check_serial_number(serial: str) -> str:
    """Accept an MFA device ARN (any partition) or a hardware MFA serial number."""
    serial = serial.strip()
    user = _USER_ARN.fullmatch(serial)
    if user:
        partition, account, name = user.groups()
        raise InputError(
            f"MFA serial {serial} is an IAM user ARN, not an MFA device; expected a device ARN "
            f"such as arn:{partition}:iam::{account}:mfa/{name} or a hardware serial "
            "such as GAHT12345678"
        )
    device = _MFA_ARN.fullmatch(serial)
    if device and device.group(1) in PARTITIONS:
        return serial
    if serial.startswith("arn:") or not _HARDWARE_SERIAL.fullmatch(serial):
        raise InputError(
            f"MFA serial {serial!r} is not valid; expected a device ARN "
            "(arn:aws:iam::123456789012:mfa/NAME) or a hardware serial of 9-256 characters "
            "from [A-Za-z0-9_+=/:,.@-] such as GAHT12345678"
        )
    return serial


def parse_duration(text: str) -> int:
    """Seconds from ``3600``, ``3600s``, ``15m`` or ``12h``; 15 minutes to 12 hours."""
    match = _DURATION.fullmatch(text.strip().lower())
    if not match:
        problem = "is empty" if not text.strip() else "is not understood"
        raise InputError(
            f"duration {text!r} {problem}; expected seconds (3600) "
            "or a number with s, m or h (15m, 1h, 12h)"
        )
    seconds = int(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    if not MIN_DURATION <= seconds <= MAX_DURATION:
        raise InputError(
            f"duration {text} ({seconds} seconds) is out of range; expected 900 to 43200 "
            "seconds (15m to 12h)"
        )
    return seconds


MAX_MFA_AGE = 43_200  # the configuration's maxMfaAge range: 1 second to 12 hours


def parse_mfa_max_age(text: str) -> int:
    """The profile's ``mfa_max_age``: seconds (or 90m, 1h ...), 1 second to 12 hours."""
    match = _DURATION.fullmatch(text.strip().lower())
    seconds = int(match.group(1)) * _UNIT_SECONDS[match.group(2)] if match else 0
    if not 1 <= seconds <= MAX_MFA_AGE:
        raise InputError(
            f"mfa_max_age {text!r} is not valid; expected the role's aws:MultiFactorAuthAge "
            "limit in seconds, 1 to 43200 (or 90m, 1h ... 12h)"
        )
    return seconds


def role_path_problem(path: str) -> str | None:
    """Why IAM would refuse ``path`` as a role path, or None when it is valid."""
    if len(path) > MAX_ROLE_PATH_LENGTH:
        return f"is longer than IAM's {MAX_ROLE_PATH_LENGTH} characters"
    if not ROLE_PATH.fullmatch(path):
        return (
            "is not an IAM path; it must start and end with '/' and hold only printable "
            "ASCII characters between them (for example '/developers/')"
        )
    return None


def role_name_problem(name: str) -> str | None:
    """Why IAM would refuse ``name`` as a role name, or None when it is valid."""
    if not name:
        return f"is empty; IAM needs 1 to {MAX_ROLE_NAME_LENGTH} characters"
    if len(name) > MAX_ROLE_NAME_LENGTH:
        return f"is {len(name)} characters long; IAM allows at most {MAX_ROLE_NAME_LENGTH}"
    if not ROLE_NAME.fullmatch(name):
        return (
            "has characters IAM refuses; a role name may contain only letters, digits "
            "and + = , . @ _ -"
        )
    return None


def split_role_resource(resource: str) -> tuple[str, str]:
    """``/path/Name`` (the part of a role ARN after ``role``) as its path and name."""
    path, _, name = resource.rpartition("/")
    return path + "/", name


def check_role_arn(arn: str) -> str:
    """Accept an IAM role ARN such as ``arn:aws:iam::123456789012:role/path/Name``.

    Every path and name IAM accepts is accepted (:func:`role_path_problem`,
    :func:`role_name_problem`).
    """
    arn = arn.strip()
    match = _ROLE_ARN.fullmatch(arn)
    if match and match.group(1) in PARTITIONS:
        path, name = split_role_resource(match.group(2))
        if role_path_problem(path) is None and role_name_problem(name) is None:
            return arn
    raise InputError(
        f"role ARN {arn!r} is malformed; expected arn:PARTITION:iam::ACCOUNT_ID:role/[PATH/]NAME "
        "such as arn:aws:iam::123456789012:role/developers/PowerUser-alice"
    )


def _check_sts_name(value: str, what: str) -> str:
    if NAME_MIN <= len(value) <= NAME_MAX and _STS_NAME.fullmatch(value):
        return value
    raise InputError(
        f"{what} {value!r} is not valid; expected {NAME_MIN}-{NAME_MAX} characters "
        "from A-Z a-z 0-9 and _+=,.@-"
    )


def check_session_name(name: str) -> str:
    """Accept a RoleSessionName as STS does: 2-64 characters of ``[\\w+=,.@-]``."""
    return _check_sts_name(name, "role session name")


def check_source_identity(value: str) -> str:
    """Accept a SourceIdentity as STS does: 2-64 characters of ``[\\w+=,.@-]``."""
    return _check_sts_name(value, "source identity")


def clean_sts_name(raw: str, fallback: str = "mfa-assume") -> str:
    """Turn any text (a user name, a caller ARN's last part) into a valid STS name."""
    cleaned = _NOT_STS_NAME_CHAR.sub("-", raw).strip("-")[:NAME_MAX]
    if len(cleaned) < NAME_MIN:
        cleaned = fallback if not cleaned else f"{cleaned}-{fallback}"[:NAME_MAX]
    return cleaned


def name_from_caller_arn(caller_arn: str) -> str:
    """The default session name / source identity for a caller ARN.

    ``arn:aws:iam::1:user/developers/alice`` gives ``alice``;
    ``arn:aws:sts::1:assumed-role/Role/alice`` gives ``alice``; a root ARN gives ``root``.
    """
    resource = caller_arn.split(":", 5)[-1]
    if resource == "root":
        return "root"
    return clean_sts_name(resource.rsplit("/", 1)[-1])


def check_region(region: str, where: str) -> str:
    """Accept a region name such as ``us-east-1``; ``where`` says where it came from."""
    if _REGION.fullmatch(region) and not region.isdigit():
        return region
    raise InputError(
        f"region {region!r} ({where}) is not a region name; expected lowercase letters, "
        "digits and hyphens such as us-east-1, eu-west-2 or cn-north-1"
    )


def check_endpoint_url(url: str, variable: str) -> str:
    """Accept an ``http(s)://host[:port][/path]`` endpoint URL set in ``variable``."""
    if _ENDPOINT_URL.fullmatch(url):
        return url
    raise InputError(
        f"{variable} {url!r} is not an endpoint URL; expected http:// or https:// and a "
        "host, such as https://sts.eu-west-1.amazonaws.com or http://localhost:4566"
    )
