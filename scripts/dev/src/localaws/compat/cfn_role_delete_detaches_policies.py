"""Fix ``cfn_role_delete_detaches_policies``: a stack deletes its roles without DeleteConflict.

AWS IAM: "Unlike the AWS Management Console, when you delete a role programmatically, you must
delete the items attached to the role manually, or the deletion fails"; CloudFormation's
AWS::IAM::Role handler does that (it owns the role's ManagedPolicyArns and Policies), so
removing a role from a template, or deleting its stack, deletes the role. moto 5.2.5 calls
DeleteRole with the managed policies still attached, and the stack update fails with
``DeleteConflict`` "Cannot delete entity, must detach all policies first." (it removes inline
policies itself).
https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteRole.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-iam-role.html
"""

from __future__ import annotations

from typing import Any

from moto.iam import models as iam_models
from moto.iam.exceptions import NotFoundException
from moto.utilities.utils import get_partition

from localaws.compat import patching
from localaws.compat.registry import Fix, enabled, register

FIX = register(
    Fix(
        "cfn_role_delete_detaches_policies",
        "Deleting an AWS::IAM::Role resource detaches its managed policies before DeleteRole",
        "https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteRole.html",
    )
)


def install() -> None:
    def make(original: patching.Func) -> patching.Func:
        def delete(
            cls: type,
            resource_name: str,
            cloudformation_json: dict[str, Any],
            account_id: str,
            region_name: str,
        ) -> None:
            if enabled(FIX.name):
                backend = iam_models.iam_backends[account_id][get_partition(region_name)]
                try:
                    role = backend.get_role(resource_name)
                except NotFoundException:
                    role = None
                if role is not None:
                    for arn in list(role.managed_policies):
                        backend.detach_role_policy(arn, role.name)
            original(cls, resource_name, cloudformation_json, account_id, region_name)

        return delete

    patching.wrap_classmethod(iam_models.Role, "delete_from_cloudformation_json", make)
