"""Fix ``cfn_role_inline_policies``: AWS::IAM::Role keeps its inline policies as JSON documents.

AWS stores an inline policy as a JSON policy document whatever the template syntax (IAM returns
it URL-encoded from GetRolePolicy). moto 5.2.5 stores the parsed template object, and its own
authorization code then fails with HTTP 500 on every request signed by the role (the CDK's
deploy role, for example).
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-iam-role-policy.html
"""

from __future__ import annotations

from typing import Any

from moto.iam import models as iam_models

from localaws.compat import patching, policy_text
from localaws.compat.registry import Fix, enabled, register

FIX = register(
    Fix(
        "cfn_role_inline_policies",
        "AWS::IAM::Role stores its inline Policies as JSON policy documents, which the "
        "role's requests are then evaluated against",
        "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-iam-role-policy.html",
    )
)


def with_policy_text(cloudformation_json: dict[str, Any]) -> dict[str, Any]:
    properties = dict(cloudformation_json["Properties"])
    properties["Policies"] = [
        {**policy, "PolicyDocument": policy_text.text_of(policy["PolicyDocument"])}
        for policy in properties.get("Policies", [])
    ]
    return {**cloudformation_json, "Properties": properties}


def install() -> None:
    patching.before_cfn_create(
        iam_models.Role,
        lambda template: with_policy_text(template) if enabled(FIX.name) else template,
    )
