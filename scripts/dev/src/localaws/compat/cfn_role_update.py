"""Fix ``cfn_role_update``: updating an AWS::IAM::Role changes it in place.

AWS updates AssumeRolePolicyDocument, Description, ManagedPolicyArns, MaxSessionDuration,
PermissionsBoundary and Policies with "No interruption"; only RoleName and Path require a
replacement, and "you can't perform an update that causes a custom-named resource to be
replaced" (Name type): a new Path under the same RoleName fails with ``ValidationError``
"CloudFormation cannot update a stack when a custom-named resource requires replacing. Rename
<name> and update the stack again." (AWS knowledge center). moto 5.2.5 keeps the old trust
policy and policies and sets MaxSessionDuration from the wrong property (so back to 3600).
The update goes through the IAM backend's calls, so every IAM rule of the other fixes applies
to it as to the IAM API.
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-iam-role.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-name.html
https://repost.aws/knowledge-center/cloudformation-custom-name
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.cloudformation.exceptions import ValidationError
from moto.iam import models as iam_models
from moto.utilities.utils import get_partition

from localaws.compat import patching, policy_text
from localaws.compat.registry import Fix, enabled, register

CUSTOM_NAME_REPLACED = (
    "CloudFormation cannot update a stack when a custom-named resource requires replacing. "
    "Rename {name} and update the stack again."
)
FIX = register(
    Fix(
        "cfn_role_update",
        "Updating AWS::IAM::Role changes AssumeRolePolicyDocument, MaxSessionDuration, "
        "Description and Policies in place (no replacement)",
        "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-iam-role.html",
    )
)


def update_in_place(backend: Any, role: Any, properties: dict[str, Any]) -> None:
    backend.update_assume_role_policy(
        role.name, policy_text.text_of(properties["AssumeRolePolicyDocument"])
    )
    backend.update_role(
        role.name,
        properties.get("Description", ""),
        int(properties.get("MaxSessionDuration", 3600)),
    )
    wanted = {
        p["PolicyName"]: policy_text.text_of(p["PolicyDocument"])
        for p in properties.get("Policies", [])
    }
    for name in list(role.policies):
        if name not in wanted:
            backend.delete_role_policy(role.name, name)
    for name, document in wanted.items():
        backend.put_role_policy(role.name, name, document)
    boundary = properties.get("PermissionsBoundary")
    if boundary:
        backend.put_role_permissions_boundary(role.name, boundary)
    elif role.permissions_boundary_arn:
        backend.delete_role_permissions_boundary(role.name)


def install() -> None:
    patching.around_cfn_update(iam_models.Role, _update)


def _update(
    moto_update: Callable[[dict[str, Any]], Any],
    original_resource: Any,
    _new_resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
) -> Any:
    if not enabled(FIX.name):
        return moto_update(cloudformation_json)
    role_cls = iam_models.Role
    properties = cloudformation_json["Properties"]
    backend = iam_models.iam_backends[account_id][get_partition(region_name)]
    new_name = properties.get("RoleName", original_resource.name)
    new_path = properties.get("Path", "/")
    if new_name == original_resource.name and new_path == original_resource.path:
        update_in_place(backend, original_resource, properties)
        return original_resource
    if "RoleName" in properties and new_name == original_resource.name:
        raise ValidationError(message=CUSTOM_NAME_REPLACED.format(name=new_name))
    # Replacement, as in AWS: a new role, then the old one goes.
    role = role_cls.create_from_cloudformation_json(
        new_name, cloudformation_json, account_id, region_name
    )
    role_cls.delete_from_cloudformation_json(original_resource.name, {}, account_id, region_name)
    return role
