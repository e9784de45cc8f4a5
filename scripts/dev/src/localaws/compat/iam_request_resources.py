"""Fix ``iam_request_resources``: IAM calls are authorized on the resource they name.

AWS authorizes an IAM action on the ARN of the resource it acts on (the Service Authorization
Reference lists the resource type of each action): ``iam:GetUser``/``iam:ListMFADevices`` on
the user named by ``UserName``, or on the caller's own user when it is left out;
``iam:GetRole`` on the role; ``iam:GetPolicy`` on the policy; and so on. An Allow on
``arn:aws:iam::ACCOUNT:user/${aws:username}`` therefore lets alice read alice, never bob.
moto 5.2.5 passes ``*`` as the resource of every IAM request; ``iam_identity_evaluation``
then had to skip the Resource element, so the Allow let alice read bob. This fix names the
resource for the IAM actions in ``RESOURCE_TYPES`` (those the product, its tests and its
users call); every other action moto does not name keeps the resource check skipped
(docs/local-aws.md lists them).
https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from moto.iam.exceptions import IAMException

from localaws.compat import _moto  # noqa: F401
from localaws.compat.registry import Fix, enabled, register
from localaws.compat.sessions import param

FIX = register(
    Fix(
        "iam_request_resources",
        "IAM actions on a user, role, group, policy or MFA device are authorized on that "
        "resource's ARN (the caller's own user when UserName is left out), not on *",
        "https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html",
    )
)

_USER_ACTIONS = (
    "GetUser ListMFADevices ListAccessKeys ListAttachedUserPolicies ListUserPolicies "
    "GetUserPolicy ListGroupsForUser ListUserTags GetLoginProfile CreateAccessKey "
    "DeleteAccessKey UpdateAccessKey EnableMFADevice DeactivateMFADevice ResyncMFADevice "
    "ListSSHPublicKeys ListSigningCertificates ListServiceSpecificCredentials "
    "UpdateUser DeleteUser TagUser UntagUser PutUserPolicy DeleteUserPolicy "
    "AttachUserPolicy DetachUserPolicy CreateUser"
)
_ROLE_ACTIONS = (
    "GetRole ListAttachedRolePolicies ListRolePolicies GetRolePolicy ListRoleTags "
    "ListInstanceProfilesForRole UpdateRole UpdateRoleDescription UpdateAssumeRolePolicy "
    "DeleteRole PutRolePolicy DeleteRolePolicy AttachRolePolicy DetachRolePolicy TagRole "
    "UntagRole PutRolePermissionsBoundary DeleteRolePermissionsBoundary CreateRole"
)
_GROUP_ACTIONS = (
    "GetGroup ListAttachedGroupPolicies ListGroupPolicies GetGroupPolicy CreateGroup "
    "DeleteGroup AddUserToGroup RemoveUserFromGroup AttachGroupPolicy DetachGroupPolicy "
    "PutGroupPolicy DeleteGroupPolicy"
)
_POLICY_ACTIONS = (
    "GetPolicy GetPolicyVersion ListPolicyVersions ListEntitiesForPolicy CreatePolicyVersion "
    "DeletePolicyVersion SetDefaultPolicyVersion DeletePolicy ListPolicyTags TagPolicy "
    "UntagPolicy"
)
RESOURCE_TYPES: dict[str, str] = {
    **{f"iam:{a}": "user" for a in _USER_ACTIONS.split()},
    **{f"iam:{a}": "role" for a in _ROLE_ACTIONS.split()},
    **{f"iam:{a}": "group" for a in _GROUP_ACTIONS.split()},
    **{f"iam:{a}": "policy" for a in _POLICY_ACTIONS.split()},
    "iam:CreateVirtualMFADevice": "mfa",
    "iam:DeleteVirtualMFADevice": "mfa",
}
_NAME_PARAMETER = {"user": "UserName", "role": "RoleName", "group": "GroupName"}

PathOf = Callable[[str, str], str | None]  # (resource type, name) -> its IAM path, or None


def resource_arn(
    action: str,
    data: Mapping[str, Any],
    *,
    partition: str,
    account_id: str,
    caller_user: str | None,
    path_of: PathOf,
) -> str | None:
    """The ARN IAM authorizes ``action`` on, or None when this table does not know it."""
    kind = RESOURCE_TYPES.get(action)
    if kind is None:
        return None
    prefix = f"arn:{partition}:iam::{account_id}:"
    if kind == "policy":
        return param(data, "PolicyArn")
    if kind == "mfa":
        serial = param(data, "SerialNumber")
        if serial is not None:
            return serial
        name = param(data, "VirtualMFADeviceName")
        return None if name is None else f"{prefix}mfa{param(data, 'Path') or '/'}{name}"
    name = param(data, _NAME_PARAMETER[kind])
    if name is None and kind == "user":
        name = caller_user  # "If you do not specify a user name, IAM determines it implicitly"
    if name is None:
        return None
    path = param(data, "Path") if action.startswith("iam:Create") else path_of(kind, name)
    return f"{prefix}{kind}{path or '/'}{name}"


def request_resource(req: Any, who_user: Any) -> str | None:
    """The resource of a request moto passed as ``*`` (None: still unknown)."""
    if not enabled(FIX.name):
        return None
    backend = req.backend

    def path_of(kind: str, name: str) -> str | None:
        getter = {"user": backend.get_user, "role": backend.get_role, "group": backend.get_group}
        try:
            return str(getter[kind](name).path)
        except IAMException:
            return None

    return resource_arn(
        req._action,
        req._data,
        partition=str(req._access_key.arn).split(":")[1],
        account_id=str(req.account_id),
        caller_user=None if who_user is None else str(who_user.name),
        path_of=path_of,
    )


def install() -> None:
    """Nothing to patch: ``iam_identity_evaluation`` asks :func:`request_resource`."""
