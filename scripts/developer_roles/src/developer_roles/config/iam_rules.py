"""Rules that IAM and CloudFormation apply at deploy time, checked before synthesis.

Character sets are ASCII where IAM's are (Python's ``\\w`` would also take ``å``); tags follow
IAM's ``Tag`` type, whose keys and values may hold any Unicode letter, number or space.
Sources: IAM API reference (CreateRole, CreateUser, CreatePolicy, Tag), IAM quotas, and
botocore's ``partitions.json`` for the partition of a region (a test holds the table to it).
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from pathlib import Path

# IAM's name characters (API_CreateUser, API_CreateRole, API_CreatePolicy): [\w+=,.@-], ASCII.
NAME_CHARS = "A-Za-z0-9_+=,.@-"
USER_OR_ROLE_NAME = f"[{NAME_CHARS}]{{1,64}}"
POLICY_NAME = f"[{NAME_CHARS}]{{1,128}}"
# A path is "/" or "/" + printable ASCII + "/" (API_CreateRole, API_CreatePolicy).
PATH = r"/(?:[\x21-\x7e]*/)?"
PARTITION = "aws(?:-[a-z]+)*"
ACCOUNT = "[0-9]{12}"
REGION = "[a-z]{2,4}(?:-[a-z]+)+-[0-9]+"

MAX_TAGS = 50  # per role (IAM quotas)
MAX_TAG_KEY = 128
MAX_TAG_VALUE = 256
_TAG_PUNCTUATION = frozenset("_.:/=+-@")
_ASCII_TAG_TEXT = re.compile(r"[A-Za-z0-9 _.:/=+@-]*")  # the common case, checked at once

# The partition of a region, most specific prefix first (botocore's partitions.json).
_REGION_PARTITIONS = (
    ("us-gov-", "aws-us-gov"),
    ("us-isob-", "aws-iso-b"),
    ("us-isof-", "aws-iso-f"),
    ("us-iso-", "aws-iso"),
    ("eu-isoe-", "aws-iso-e"),
    ("eusc-", "aws-eusc"),
    ("cn-", "aws-cn"),
)
PARTITIONS = ("aws", *sorted({partition for _, partition in _REGION_PARTITIONS}))
MANAGED_POLICIES_FILE = Path(__file__).resolve().parent / "data" / "aws-managed-policies.txt"


def region_partition(region: str) -> str:
    """The partition a region belongs to (``cn-north-1`` -> ``aws-cn``)."""
    for prefix, partition in _REGION_PARTITIONS:
        if region.startswith(prefix):
            return partition
    return "aws"


def _bad_tag_char(char: str) -> bool:
    return char not in _TAG_PUNCTUATION and unicodedata.category(char)[0] not in "LZN"


def tag_text_problem(text: str, what: str, limit: int) -> str | None:
    """Why IAM would refuse ``text`` as a tag key or value, or ``None``."""
    if len(text) > limit:
        return f"is {len(text)} characters long; IAM allows at most {limit} in a tag {what}"
    bad = [] if _ASCII_TAG_TEXT.fullmatch(text) else sorted(set(filter(_bad_tag_char, text)))
    if bad:
        listed = " ".join(repr(char) for char in bad)
        return (
            f"has characters IAM refuses in a tag {what} ({listed}); allowed: letters, "
            "numbers, spaces and _ . : / = + - @"
        )
    if what == "key" and text.lower().startswith("aws:"):
        return "starts with 'aws:', a prefix IAM reserves for AWS's own tags"
    return None


def tag_key_problem(key: str) -> str | None:
    if not key:
        return "is empty; a tag key needs 1 to 128 characters"
    return tag_text_problem(key, "key", MAX_TAG_KEY)


def tag_value_problem(value: str) -> str | None:
    return tag_text_problem(value, "value", MAX_TAG_VALUE)


@functools.cache
def aws_managed_policy_names() -> frozenset[str]:
    """The AWS managed policy names shipped in ``stacks/data`` (see its header)."""
    lines = MANAGED_POLICIES_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def unknown_aws_managed_policy(name: str) -> str | None:
    """Why ``name`` is no AWS managed policy, with the nearest real names, or ``None``."""
    names = aws_managed_policy_names()
    if name in names:
        return None
    by_lower = {known.lower(): known for known in names}
    bare = {known.rsplit("/", 1)[-1].lower(): known for known in names}
    nearest: list[str] = []
    for candidate in (by_lower.get(name.lower()), bare.get(name.rsplit("/", 1)[-1].lower())):
        if candidate and candidate not in nearest:
            nearest.append(candidate)
    for match in difflib.get_close_matches(name.lower(), list(by_lower), n=3, cutoff=0.75):
        if by_lower[match] not in nearest:
            nearest.append(by_lower[match])
    hint = f"; did you mean {' or '.join(repr(n) for n in nearest[:3])}?" if nearest else ""
    return (
        f"{name!r} is not an AWS managed policy{hint} (a customer managed policy is given by "
        "its ARN, arn:aws:iam::ACCOUNT:policy/NAME)"
    )


_MANAGED_POLICY_ARN = re.compile(
    rf"arn:(?P<partition>{PARTITION}):iam::(?P<owner>aws|{ACCOUNT}):policy"
    rf"(?P<path>{PATH})(?P<name>{POLICY_NAME})"
)


def managed_policy_arn(arn: str) -> re.Match[str] | None:
    """The parts of a managed policy ARN (``partition``, ``owner``, ``path``, ``name``)."""
    match = _MANAGED_POLICY_ARN.fullmatch(arn)
    if match is None or len(match["path"]) > 512:
        return None
    return match
