"""Fix ``cfn_iam_groups``: CloudFormation creates IAM groups and adds users to them.

AWS: ``AWS::IAM::Group`` creates a group (``GroupName``, ``Path``, ``ManagedPolicyArns``,
``Policies``; ``Ref`` is its name, ``Fn::GetAtt Arn`` its ARN) and
``AWS::IAM::UserToGroupAddition`` adds existing users to a group (``Ref`` is the resource
name). moto 5.2.5 knows neither type: it logs "No Moto CloudFormation support" and reports the
stack ``CREATE_COMPLETE`` without the group, so the identity stack (``DeveloperRoleAccess``)
deployed a managed policy that nobody had. Updates replace (delete, create); deleting removes
the members and the group.
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-iam-group.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-iam-usertogroupaddition.html
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from moto.cloudformation import parsing
from moto.core.common_models import CloudFormationModel
from moto.iam import models as iam_models
from moto.iam.exceptions import IAMException

from localaws.compat import _moto  # noqa: F401
from localaws.compat.registry import Fix, enabled, register

FIX = register(
    Fix(
        "cfn_iam_groups",
        "AWS::IAM::Group and AWS::IAM::UserToGroupAddition create the group, its policies "
        "and its members",
        "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-iam-group.html",
    )
)


def _backend(account_id: str) -> Any:
    return iam_models.iam_backends[account_id]["aws"]


class _Resource:
    """What both resource types share (a mixin: moto finds models as direct subclasses).

    A subclass names its type and its name property and says what creating and deleting do
    with the resource's ``Properties``.
    """

    CFN_TYPE = ""
    NAME_TYPE = ""

    def __init__(self, physical_id: str, arn: str = "") -> None:
        self.physical_resource_id = physical_id
        self.arn = arn

    @classmethod
    def cloudformation_name_type(cls) -> str:
        return cls.NAME_TYPE

    @classmethod
    def cloudformation_type(cls) -> str:
        return cls.CFN_TYPE

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr == "Arn"

    def get_cfn_attribute(self, attribute_name: str) -> str:
        return self.arn

    @classmethod
    def create(cls, resource_name: str, properties: dict[str, Any], account_id: str) -> Any:
        raise NotImplementedError

    @classmethod
    def delete(cls, resource_name: str, properties: dict[str, Any], account_id: str) -> None:
        raise NotImplementedError

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> Any:
        return cls.create(resource_name, cloudformation_json.get("Properties", {}), account_id)

    @classmethod
    def delete_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        cls.delete(resource_name, cloudformation_json.get("Properties", {}), account_id)

    @classmethod
    def update_from_cloudformation_json(
        cls: Any,
        original_resource: Any,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> Any:
        cls.delete_from_cloudformation_json(
            original_resource.physical_resource_id, cloudformation_json, account_id, region_name
        )
        return cls.create_from_cloudformation_json(
            new_resource_name, cloudformation_json, account_id, region_name
        )


class CfnGroup(_Resource, CloudFormationModel):
    CFN_TYPE = "AWS::IAM::Group"
    NAME_TYPE = "GroupName"

    @classmethod
    def create(cls, resource_name: str, properties: dict[str, Any], account_id: str) -> Any:
        name = str(properties.get("GroupName") or resource_name)
        backend = _backend(account_id)
        group = backend.create_group(name, properties.get("Path") or "/")
        for arn in properties.get("ManagedPolicyArns", []):
            backend.attach_group_policy(str(arn), name)
        for policy in properties.get("Policies", []):
            backend.put_group_policy(
                name, str(policy["PolicyName"]), json.dumps(policy["PolicyDocument"])
            )
        return cls(name, str(group.arn))

    @classmethod
    def delete(cls, resource_name: str, properties: dict[str, Any], account_id: str) -> None:
        backend = _backend(account_id)
        with contextlib.suppress(IAMException):
            group = backend.get_group(resource_name)
            for user in list(group.users):
                backend.remove_user_from_group(resource_name, user.name)
            for arn in list(group.managed_policies):
                backend.detach_group_policy(arn, resource_name)
            for policy_name in list(group.policies):
                backend.delete_group_policy(resource_name, policy_name)
            backend.delete_group(resource_name)


class CfnUserToGroupAddition(_Resource, CloudFormationModel):
    CFN_TYPE = "AWS::IAM::UserToGroupAddition"

    @classmethod
    def create(cls, resource_name: str, properties: dict[str, Any], account_id: str) -> Any:
        group = str(properties["GroupName"])
        for user in properties.get("Users", []):
            _backend(account_id).add_user_to_group(group, str(user))
        return cls(f"{group}|{','.join(map(str, properties.get('Users', [])))}")

    @classmethod
    def delete(cls, resource_name: str, properties: dict[str, Any], account_id: str) -> None:
        for user in properties.get("Users", []):
            with contextlib.suppress(IAMException):
                _backend(account_id).remove_user_from_group(str(properties["GroupName"]), str(user))


_MODELS = {CfnGroup.cloudformation_type(), CfnUserToGroupAddition.cloudformation_type()}


def install() -> None:
    original = parsing.get_model_map

    def get_model_map() -> dict[str, type[CloudFormationModel]]:
        models = dict(original())
        if not enabled(FIX.name):
            for name in _MODELS:
                models.pop(name, None)
        return models

    parsing.get_model_list.cache_clear()
    original.cache_clear()
    parsing.get_name_type_map.cache_clear()
    parsing.get_model_map = get_model_map  # type: ignore[assignment]
