"""Fix ``cfn_template_body_size``: a TemplateBody is at most 51,200 bytes.

AWS (CloudFormation quotas): "Template body size in a request: 51,200 bytes" (larger templates
go through TemplateURL, up to 1 MB). Over it CreateStack, UpdateStack, CreateChangeSet and
ValidateTemplate fail with ``ValidationError`` "1 validation error detected: Value '<template>'
at 'templateBody' failed to satisfy constraint: Member must have length less than or equal to
51200" (aws/copilot-cli#2068, widdix/aws-cf-templates#169). moto 5.2.5 takes any size.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html
"""

from __future__ import annotations

from typing import Any

from moto.cloudformation.exceptions import ValidationError

from localaws.compat import cfn_template_limits
from localaws.compat.errors import constraint_message, max_length
from localaws.compat.registry import Fix, enabled, register

MAX_BYTES = 51200
FIX = register(
    Fix(
        "cfn_template_body_size",
        "CreateStack/UpdateStack/CreateChangeSet/ValidateTemplate refuse a TemplateBody over "
        "51,200 bytes",
        "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html",
        error_code="ValidationError",
        message=constraint_message("{template}", "templateBody", max_length(MAX_BYTES)),
    )
)


def check(response: Any, action: str) -> None:
    del action
    body = response._get_param("TemplateBody")
    if enabled(FIX.name) and body and len(str(body).encode()) > MAX_BYTES:
        raise ValidationError(
            message=constraint_message(body, "templateBody", max_length(MAX_BYTES))
        )


def install() -> None:
    cfn_template_limits.on_template(check)
