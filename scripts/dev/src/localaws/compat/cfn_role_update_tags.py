"""Fix ``cfn_role_update_tags``: a stack update sets an AWS::IAM::Role's tags to the template's.

AWS: ``Tags`` of ``AWS::IAM::Role`` updates with "No interruption": a changed value is applied,
an added tag is added and a tag removed from the template is removed from the role. moto 5.2.5
keeps the role's tags from its creation: the stack reports ``UPDATE_COMPLETE`` and the role
keeps the old values (a team renamed in the configuration stays on every role). The update
goes through the IAM backend's TagRole and UntagRole, so the tag rules of the other fixes apply.
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-iam-role.html#cfn-iam-role-tags
"""

from __future__ import annotations

from typing import Any

from moto.iam import models as iam_models
from moto.utilities.utils import get_partition

from localaws.compat import patching
from localaws.compat.registry import Fix, enabled, register

FIX = register(
    Fix(
        "cfn_role_update_tags",
        "Updating AWS::IAM::Role sets its Tags to the template's (changed, added, removed)",
        "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-iam-role.html#cfn-iam-role-tags",
    )
)


def sync_tags(backend: Any, role: Any, wanted: list[dict[str, str]]) -> None:
    """Make the role's tags exactly ``wanted`` (TagRole for the new set, UntagRole for the rest)."""
    keep = {tag["Key"] for tag in wanted}
    removed = [tag["Key"] for tag in role.tags if tag["Key"] not in keep]
    if removed:
        backend.untag_role(role.name, removed)
    if wanted:
        backend.tag_role(role.name, [{"Key": t["Key"], "Value": t["Value"]} for t in wanted])


def _sync_from(
    role: Any, cloudformation_json: dict[str, Any], account_id: str, region: str
) -> None:
    if enabled(FIX.name) and isinstance(role, iam_models.Role):
        backend = iam_models.iam_backends[account_id][get_partition(region)]
        sync_tags(backend, role, list(cloudformation_json["Properties"].get("Tags", [])))


def install() -> None:
    patching.after_cfn_update(iam_models.Role, _sync_from)
