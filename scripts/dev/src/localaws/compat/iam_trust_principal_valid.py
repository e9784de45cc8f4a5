"""Fix ``iam_trust_principal_valid``: a trust policy's AWS principals must be valid principals.

AWS (Principal element): principals are an account (ID or ``:root``), an IAM role or user,
a role session, a federated user, or ``"*"``. "You cannot identify a user group as a
principal"; "You cannot use a wildcard to match part of a principal name or ARN". A principal
that is not one of these (a group, a partial wildcard, a malformed ARN such as
``arn:aws::iam::...`` or an empty path segment, an account ID that is not 12 digits, an ARN of
another partition than the role's) makes CreateRole/UpdateAssumeRolePolicy fail with
``MalformedPolicyDocument`` "Invalid principal in policy: "AWS":"<value>"" (aws/aws-cdk#11505
for a group, aws-cloudformation/cfn-lint#4287 for a malformed ARN). moto 5.2.5 never looks at
the Principal. Users and roles that do not exist: ``iam_trust_principal_exists``.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
"""

from __future__ import annotations

import re

from localaws.compat import policy_text, trust_checks
from localaws.compat.errors import MalformedPolicyDocument
from localaws.compat.registry import Fix, enabled, register

MESSAGE = 'Invalid principal in policy: "AWS":"{principal}"'
PARTITION = "aws"  # the local AWS is one partition, like a commercial-region account
_account = re.compile(r"\d{12}")
_unique_id = re.compile(r"A(IDA|ROA)[A-Z0-9]{13,}")
_name = r"[\w+=,.@-]+"
_path = r"/(?:[\x21-\x2e\x30-\x7e]+/)*"  # segments of printable ASCII except "/", none empty
_iam_resource = re.compile(rf"root|(?:user|role){_path}{_name}", re.ASCII)
_sts_resource = re.compile(rf"assumed-role/{_name}/{_name}|federated-user/{_name}", re.ASCII)
FIX = register(
    Fix(
        "iam_trust_principal_valid",
        "CreateRole/UpdateAssumeRolePolicy refuse an AWS principal that is a group, a partial "
        "wildcard, a malformed ARN or account ID, or an ARN of another partition",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html",
        error_code="MalformedPolicyDocument",
        message=MESSAGE,
    )
)


def valid(principal: str) -> bool:
    if principal == "*" or _account.fullmatch(principal) or _unique_id.fullmatch(principal):
        return True
    if "*" in principal or "?" in principal:
        return False
    parts = principal.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[1] != PARTITION or parts[3] != "":
        return False
    if not _account.fullmatch(parts[4]):
        return False
    if parts[2] == "iam":
        return bool(_iam_resource.fullmatch(parts[5]))
    if parts[2] == "sts":
        return bool(_sts_resource.fullmatch(parts[5]))
    return False


def invalid_principal(document_text: str) -> str | None:
    document = policy_text.parse(document_text)
    if document is None:
        return None
    return next((p for p in policy_text.aws_principals(document) if not valid(p)), None)


def check(document_text: str) -> None:
    if not enabled(FIX.name):
        return
    found = invalid_principal(document_text)
    if found is not None:
        raise MalformedPolicyDocument(MESSAGE.format(principal=found))


def install() -> None:
    trust_checks.on_trust_policy(check)
