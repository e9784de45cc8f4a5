"""Fix ``cfn_role_managed_policies``: AWS::IAM::Role attaches its ManagedPolicyArns.

AWS: "ManagedPolicyArns: A list of Amazon Resource Names (ARNs) of the IAM managed policies that
you want to attach to the role." moto 5.2.5 ignores the property, so a PowerUser role ends up
with no permissions at all. Attaching goes through the IAM backend's AttachRolePolicy, so a
policy that does not exist and the managed-policies-per-role quota fail the deploy as in AWS.
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-iam-role.html
"""

from __future__ import annotations

from typing import Any

from moto.iam import models as iam_models
from moto.utilities.utils import get_partition

from localaws.compat import patching
from localaws.compat.registry import Fix, enabled, register

FIX = register(
    Fix(
        "cfn_role_managed_policies",
        "AWS::IAM::Role attaches the managed policies listed in ManagedPolicyArns (and keeps "
        "them in sync on update)",
        "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-iam-role.html",
    )
)


def sync(backend: Any, role: Any, wanted: list[str]) -> None:
    current = set(role.managed_policies)
    for arn in sorted(current - set(wanted)):
        backend.detach_role_policy(arn, role.name)
    for arn in wanted:
        if arn not in current:
            backend.attach_role_policy(arn, role.name)


def _sync_from(
    role: Any, cloudformation_json: dict[str, Any], account_id: str, region: str
) -> None:
    if enabled(FIX.name):
        backend = iam_models.iam_backends[account_id][get_partition(region)]
        sync(backend, role, list(cloudformation_json["Properties"].get("ManagedPolicyArns", [])))


def install() -> None:
    patching.after_cfn_create(iam_models.Role, _sync_from)
    patching.after_cfn_update(iam_models.Role, _sync_from)
