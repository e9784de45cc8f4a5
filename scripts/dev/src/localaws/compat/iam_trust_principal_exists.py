"""Fix ``iam_trust_principal_exists``: a trust policy may only name users and roles that exist.

AWS: "If your Principal element in a role trust policy contains an ARN that points to a
specific IAM role [or user], then that ARN transforms to the role's unique principal ID when you
save the policy"; a principal that does not exist (a deleted user, a wrong path) cannot be
transformed, and CreateRole/UpdateAssumeRolePolicy fail with ``MalformedPolicyDocument``
"Invalid principal in policy: "AWS":"<arn>"" (CloudFormation then rolls the stack back; moto
returns the error from CreateStack/ExecuteChangeSet itself). Accounts, roots, ``*``, sessions
and unique IDs are not checked (moto cannot tell which accounts exist). moto 5.2.5 stores any
principal.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
https://repost.aws/knowledge-center/iam-trust-policy-error
"""

from __future__ import annotations

from typing import Any

from moto.iam import models as iam_models

from localaws.compat import policy_text
from localaws.compat.errors import MalformedPolicyDocument
from localaws.compat.registry import Fix, enabled, register

MESSAGE = 'Invalid principal in policy: "AWS":"{principal}"'
FIX = register(
    Fix(
        "iam_trust_principal_exists",
        "CreateRole and UpdateAssumeRolePolicy refuse a trust policy that names an IAM user "
        "or role that does not exist (path included)",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html",
        error_code="MalformedPolicyDocument",
        message=MESSAGE,
    )
)


def missing_principal(document_text: str) -> str | None:
    """The first IAM user or role ARN a trust policy names that does not exist, if any."""
    document = policy_text.parse(document_text)
    if document is None:
        return None
    for arn in policy_text.aws_principals(document):
        parts = arn.split(":", 5)
        if len(parts) != 6 or parts[2] != "iam" or not parts[4].isdigit():
            continue  # "*", an account ID, a unique ID: not checked
        kind, _, rest = parts[5].partition("/")
        if kind not in ("user", "role") or not rest or "*" in rest:
            continue  # :root, sessions, federated users, wildcards: other rules
        if parts[1] not in ("aws", "aws-cn", "aws-us-gov"):
            continue  # another fix refuses unknown partitions
        backend = iam_models.iam_backends[parts[4]][parts[1]]
        name = rest.rpartition("/")[2]  # the path is part of the ARN, compared below
        if kind == "user":
            user = backend.users.get(name)  # users are keyed by name
            candidates: list[Any] = [user] if user is not None else []
        else:
            candidates = [role for role in backend.get_roles() if role.name == name]
        if not any(str(entity.arn) == arn for entity in candidates):
            return arn
    return None


def check(document_text: str) -> None:
    if not enabled(FIX.name):
        return
    missing = missing_principal(document_text)
    if missing is not None:
        raise MalformedPolicyDocument(MESSAGE.format(principal=missing))


def install() -> None:
    backend_cls = iam_models.IAMBackend
    original_create_role = backend_cls.create_role
    original_update_trust = backend_cls.update_assume_role_policy

    def create_role(
        self: Any, role_name: str, assume_role_policy_document: str, *args: Any, **kwargs: Any
    ) -> Any:
        check(assume_role_policy_document)
        return original_create_role(self, role_name, assume_role_policy_document, *args, **kwargs)

    def update_assume_role_policy(self: Any, role_name: str, policy_document: str) -> None:
        check(policy_document)
        original_update_trust(self, role_name, policy_document)

    backend_cls.create_role = create_role  # type: ignore[method-assign]
    backend_cls.update_assume_role_policy = update_assume_role_policy  # type: ignore[method-assign]
