"""IAM's rules for names, paths, ARNs, tags and partitions: stated once for the app side.

The construct library, the app's configuration (``developer_roles.config``), the operators'
account checks and the local AWS's principal checks all use this module; each rule carries
the link to the AWS page that states it. The assume-role helper (``mfa_assume.checks``)
installs without the CDK and keeps its own copy of the rules it shares with this module; one
test (``tests/test_iam_rules_copies.py``) holds the two copies to one table of accepted and
refused values.

Character sets are ASCII where IAM's are: the API reference writes them as Java regular
expressions, where ``\\w`` is ``[A-Za-z0-9_]`` (Python's ``\\w`` would also take ``å``).

Pure functions and constants only: no CDK import, so the configuration loads without the
CDK's runtime. Partitions are a small table (the library does not depend on botocore); a test
holds it to botocore's ``partitions.json``.
"""

from __future__ import annotations

import re
import unicodedata

# --- Names and paths --------------------------------------------------------------------
# https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html
# https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateUser.html
# https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreatePolicy.html
# Role and user names: 1-64 of [\w+=,.@-]; policy names 1-128 of the same; a path is "/" or
# "/" + printable ASCII (0x21-0x7E) + "/", at most 512 characters.
NAME_CHARS = "A-Za-z0-9_+=,.@-"
USER_OR_ROLE_NAME = f"[{NAME_CHARS}]{{1,64}}"
POLICY_NAME = f"[{NAME_CHARS}]{{1,128}}"
PATH = r"/(?:[\x21-\x7e]+/)?"
MAX_ROLE_PATH_LENGTH = 512
MAX_ROLE_NAME_LENGTH = 64
ROLE_PATH = re.compile(PATH)
ROLE_NAME = re.compile(f"[{NAME_CHARS}]+")
# A role's description: 0-1000 characters of [\t\n\r\u0020-\u007E\u00A1-\u00FF] (CreateRole).
MAX_DESCRIPTION_LENGTH = 1000
DESCRIPTION = re.compile(r"[\t\n\r\x20-\x7e\xa1-\xff]*")

# --- Accounts, partitions, regions -------------------------------------------------------
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html
ACCOUNT = "[0-9]{12}"
PARTITION = "aws(?:-[a-z]+)*"
REGION = "[a-z]{2,4}(?:-[a-z]+)+-[0-9]+"
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


def region_partition(region: str) -> str:
    """The partition a region belongs to (``cn-north-1`` -> ``aws-cn``)."""
    for prefix, partition in _REGION_PARTITIONS:
        if region.startswith(prefix):
            return partition
    return "aws"


# --- Session durations -----------------------------------------------------------------
# MaxSessionDuration: 3600-43200 seconds (CreateRole); the MFA age condition the app writes
# uses the same upper bound.
MIN_SESSION_SECONDS = 3_600
MAX_SESSION_SECONDS = 43_200

# --- Quotas ---------------------------------------------------------------------------
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
MAX_TAGS = 50  # tags per IAM resource
# Adjustable quotas: the default, and the most Service Quotas grants. AWS refuses more with
# LimitExceeded "Cannot exceed quota for PoliciesPerRole: 10" / "... ACLSizePerRole: 2048"
# (the number is the account's quota); a permissions boundary is not one of the role's policies.
MAX_MANAGED_POLICIES_PER_ROLE = 10  # managed policies attached to one role (default)
MAX_MANAGED_POLICIES_QUOTA = 20  # ... raised (Service Quotas code L-0DA4ABF3)
MAX_TRUST_POLICY_LENGTH = 2_048  # role trust policy, characters without white space (default)
MAX_TRUST_POLICY_QUOTA = 4_096  # ... raised
MAX_ROLES_PER_ACCOUNT = 1_000  # roles per account (default)
MAX_ROLES_QUOTA = 5_000  # ... raised

# --- Tags -----------------------------------------------------------------------------
# https://docs.aws.amazon.com/IAM/latest/APIReference/API_Tag.html
# https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags.html#id_tags_rules_creating
# Keys 1-128, values 0-256 characters: Unicode letters, numbers and spaces, and _ . : / = + - @;
# keys may not start with the reserved "aws:" (in any case).
MAX_TAG_KEY = 128
MAX_TAG_VALUE = 256
_TAG_PUNCTUATION = frozenset("_.:/=+-@")
_ASCII_TAG_TEXT = re.compile(r"[A-Za-z0-9 _.:/=+@-]*")  # the common case, checked at once


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


# --- Role paths and names ----------------------------------------------------------------


# IAM accepts any printable ASCII in a path, "*", "?" and "${" included
# (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-friendly-names),
# but a path is also written into policies' Resource ARNs (the identity policy's "assume your
# own role": role/PATH/PREFIX${aws:username}), where "*" and "?" are wildcards
# (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html)
# and "${...}" is a policy variable
# (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html): a path
# holding one matches that role name under other paths. The app refuses them in every path.
POLICY_SPECIAL = ("*", "?", "${")


def policy_special_problem(text: str) -> str | None:
    """Why ``text`` (a path or name prefix) would match more than itself in a policy, or None."""
    found = [special for special in POLICY_SPECIAL if special in text]
    if not found:
        return None
    listed = " and ".join(repr(special) for special in found)
    return (
        f"holds {listed}, which a policy's Resource reads as a wildcard or policy variable, "
        "so the policies naming this role would match other roles too; use letters, digits "
        "and - _ . between the slashes"
    )


def role_path_problem(path: str) -> str | None:
    """Why IAM would refuse ``path`` as a role path, or None when it is valid."""
    if len(path) > MAX_ROLE_PATH_LENGTH:
        return f"is longer than IAM's {MAX_ROLE_PATH_LENGTH} characters"
    if not ROLE_PATH.fullmatch(path):
        return (
            "is not an IAM path; it must start and end with '/' and hold only printable "
            "ASCII characters between them (for example '/developers/')"
        )
    return policy_special_problem(path)


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


def description_problem(text: str) -> str | None:
    """Why IAM would refuse ``text`` as a role description, or None (CreateRole)."""
    if len(text) > MAX_DESCRIPTION_LENGTH:
        return f"is {len(text)} characters long; IAM allows at most {MAX_DESCRIPTION_LENGTH}"
    if not DESCRIPTION.fullmatch(text):
        return "has characters IAM refuses in a description (allowed: tab, newline, Latin-1 text)"
    return None


# --- Principal ARNs --------------------------------------------------------------------
# A trust policy's AWS principal is an account, an IAM user or role ARN (no wildcard but "*",
# no IAM group, no assumed-role session for our purpose), or a service, federated or canonical
# user principal: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
PRINCIPAL_ARN = re.compile(
    rf"arn:(?P<partition>{PARTITION}):iam::(?P<account>{ACCOUNT}):(?P<kind>user|role)"
    rf"(?P<path>{PATH})(?P<name>{USER_OR_ROLE_NAME})"
)
ACCOUNT_ROOT = re.compile(rf"arn:(?P<partition>{PARTITION}):iam::(?P<account>{ACCOUNT}):root")
# The account part of any IAM ARN (for patterns whose resource holds wildcards).
ARN_ACCOUNT = re.compile(rf"arn:(?P<partition>{PARTITION}):iam::(?P<account>{ACCOUNT}):")
PRINCIPAL_PATTERN = re.compile(
    rf"arn:(?P<partition>{PARTITION}):iam::(?P<account>{ACCOUNT}):(user|role)/[\x21-\x7e]+"
)


def principal_arn_problem(value: str, *, whole_account: bool = False) -> str | None:
    """Why ``value`` is not one IAM user or role a developer role can trust, or None.

    IAM refuses partial wildcards and IAM groups in a trust policy's Principal ("Invalid
    principal in policy"); ``*`` is valid IAM but never a developer role's principal. A whole
    account (its ID or root ARN) is valid IAM too: the construct accepts it with
    ``whole_account=True``; the app's configuration, which gives each principal its own role,
    does not. The message starts with the value, as the configuration shows it, and names
    the way out in the caller's words (the construct's props, or the configuration's keys).
    """
    shown = repr(value)
    if "*" in value or "?" in value:
        if whole_account:
            return (
                f"{shown} has a wildcard, which IAM refuses in a trust policy's Principal; name "
                "IAM users, roles or accounts, or select principals with principal_arn_patterns"
            )
        return (
            f"{shown} has a wildcard; name one IAM user or role (or use a group's "
            "'principalArnPatterns')"
        )
    root = ACCOUNT_ROOT.fullmatch(value)
    if whole_account and (
        re.fullmatch(ACCOUNT, value) or (root and root["partition"] in PARTITIONS)
    ):
        return None
    if re.fullmatch(ACCOUNT, value) or root:
        return (
            f"{shown} trusts a whole account; name one IAM user or role "
            "(arn:aws:iam::ACCOUNT:user/NAME or arn:aws:iam::ACCOUNT:role/NAME)"
        )
    if value.startswith("arn:") and ":sts::" in value and ":assumed-role/" in value:
        return (
            f"{shown} is a session, not a role; use the role's ARN (arn:aws:iam::ACCOUNT:role/NAME)"
        )
    if re.fullmatch(rf"arn:{PARTITION}:iam::{ACCOUNT}:(?:user|role)//[^/]*", value):
        return (
            f"{shown} has an empty path ('//'); IAM's path is '/' or '/PATH/' with at least one "
            "character between the slashes (user/NAME or user/PATH/NAME), so no user or role "
            "has this ARN"
        )
    match = PRINCIPAL_ARN.fullmatch(value)
    if match is None or match["partition"] not in PARTITIONS or len(match["path"]) > 512:
        accounts = "an account ID, arn:PARTITION:iam::ACCOUNT:root, " if whole_account else ""
        return (
            f"{shown} is not an IAM user or role ARN; expected {accounts}"
            "arn:PARTITION:iam::ACCOUNT:user/NAME or arn:PARTITION:iam::ACCOUNT:role/NAME "
            "(a name is 1 to 64 ASCII letters, digits or + = , . @ _ -)"
        )
    if "${" in match["path"]:
        # the identity stack writes each user's path into a Resource (user/PATH/${aws:username})
        return (
            f"{shown} has '${{' in its path, which policies read as a policy variable; the "
            "identity policy naming this user's path would match other users too"
        )
    return None


def principal_pattern_problem(value: str) -> str | None:
    """Why ``value`` is not an ARN pattern selecting principals of one account, or None.

    A pattern is judged by what it matches (ArnLike on aws:PrincipalArn: ``*`` matches any
    characters, "/" included, and ``?`` any one character:
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN).
    When the part after ``user/`` or ``role/`` starts with a wildcard (``user/*``,
    ``user/**``, ``role/*?``, ``user/?*``, ``user/*/x``), nothing anchors it to a path or
    name prefix: with ``*`` it matches every user or role of the account whose ARN ends so,
    and ``**``, ``*?``, ``?*`` match them all. It needs at least one literal character first.
    """
    match = PRINCIPAL_PATTERN.fullmatch(value)
    if match is None or match["partition"] not in PARTITIONS:
        return (
            f"{value!r} is not a principal ARN pattern; expected "
            "arn:PARTITION:iam::ACCOUNT:user/PATTERN or .../role/PATTERN with a literal account"
        )
    kind, _, rest = value.split(":", 5)[5].partition("/")
    if rest[0] in "*?":
        return (
            f"{value!r} starts the {kind}'s path and name with a wildcard, so it can match "
            f"every {kind} of the account; start it with a literal path or name prefix (for "
            f"example {kind}/payments-* or {kind}/teams/payments/*)"
        )
    if "${" in rest:
        return (
            f"{value!r} holds a policy variable ('${{'), which makes it match a different "
            "set of principals for each caller; write the pattern out"
        )
    return None


# --- MFA devices -------------------------------------------------------------------------
# AssumeRole's and GetSessionToken's SerialNumber: 9-256 of [\w+=/:,.@-]; a virtual device's
# ARN is arn:PARTITION:iam::ACCOUNT:mfa/PATH+NAME, the name 1-226 of [\w+=,.@-]:
# https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html
# https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateVirtualMFADevice.html
MFA_DEVICE_ARN = re.compile(
    rf"arn:(?P<partition>{PARTITION}):iam::(?P<account>{ACCOUNT}):mfa/(?:[{NAME_CHARS}]+/)*"
    rf"[{NAME_CHARS}]+"
)
HARDWARE_SERIAL = re.compile(rf"[/:{NAME_CHARS}]{{9,256}}")


def mfa_serial_problem(value: str) -> str | None:
    """Why ``value`` is not an MFA device ARN or hardware serial number, or None."""
    device = MFA_DEVICE_ARN.fullmatch(value) if value.startswith("arn:") else None
    if device and device["partition"] in PARTITIONS:
        return None
    if not value.startswith("arn:") and HARDWARE_SERIAL.fullmatch(value):
        return None
    return (
        f"{value!r} is not an MFA device ARN (arn:aws:iam::ACCOUNT:mfa/NAME) or hardware "
        "serial number"
    )


def mfa_serial_account_problem(serial: str, principal_arn: str) -> str | None:
    """Why ``serial`` cannot be the MFA device of ``principal_arn``, or None.

    An IAM user's virtual MFA device lives in the user's account (and partition): AssumeRole
    with another account's device fails with AccessDenied "MultiFactorAuthentication failed,
    unable to validate MFA code. Please verify your MFA serial number is valid and associated
    with this user." https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_enable_virtual.html
    A hardware serial number names no account and is not checked here.
    """
    device = MFA_DEVICE_ARN.fullmatch(serial)
    principal = ARN_ACCOUNT.match(principal_arn)
    if device is None or principal is None:
        return None
    if (device["partition"], device["account"]) == (principal["partition"], principal["account"]):
        return None
    return (
        f"{serial!r} is an MFA device of account {device['account']} "
        f"({device['partition']}), but the principal is in account {principal['account']} "
        f"({principal['partition']}); an IAM user's MFA device is in the user's own account, "
        "so use the device ARN IAM shows for that user"
    )


# --- Managed policies ------------------------------------------------------------------
# arn:PARTITION:iam::ACCOUNT|aws:policy/PATH+NAME (CreatePolicy; AWS managed policies are owned
# by "aws"): https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html
MANAGED_POLICY_ARN = re.compile(
    rf"arn:(?P<partition>{PARTITION}):iam::(?P<owner>aws|{ACCOUNT}):policy"
    rf"(?P<path>{PATH})(?P<name>{POLICY_NAME})"
)


def service_role_policy_problem(name: str) -> str | None:
    """Why IAM refuses to attach the AWS managed policy ``name`` (``PATH/NAME``) to a role the
    app creates, or None: policies under ``aws-service-role/`` belong to service-linked roles,
    and AttachRolePolicy answers PolicyNotAttachable "Cannot attach a Service Role Policy to a
    Customer Role." (seen: https://github.com/aws/aws-cdk/issues/6131;
    https://docs.aws.amazon.com/IAM/latest/UserGuide/using-service-linked-roles.html)."""
    if not name.lstrip("/").startswith("aws-service-role/"):
        return None
    return (
        f"{name!r} is the policy of a service-linked role; IAM does not attach it to other "
        "roles (PolicyNotAttachable: Cannot attach a Service Role Policy to a Customer Role)"
    )


def customer_policy_account_problem(arn: str, account: str) -> str | None:
    """Why a role in ``account`` cannot use the managed policy ``arn``, or None.

    A role can attach AWS managed policies and the customer managed policies of its own
    account only; another account's policy fails with NoSuchEntity "Policy ARN does not exist
    or is not attachable." https://docs.aws.amazon.com/IAM/latest/APIReference/API_AttachRolePolicy.html
    https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-vs-inline.html
    """
    match = managed_policy_arn(arn)
    if match is None or match["owner"] in ("aws", account):
        return None
    return (
        f"the customer managed policy {arn!r} belongs to account {match['owner']}, but the role "
        f"goes to account {account}; a role can use only AWS managed policies and its own "
        "account's (IAM: the policy does not exist or is not attachable): create the policy in "
        f"account {account} and give that ARN"
    )


def managed_policy_arn(arn: str) -> re.Match[str] | None:
    """The parts of a managed policy ARN (``partition``, ``owner``, ``path``, ``name``)."""
    match = MANAGED_POLICY_ARN.fullmatch(arn)
    if match is None or len(match["path"]) > 512:
        return None
    return match
