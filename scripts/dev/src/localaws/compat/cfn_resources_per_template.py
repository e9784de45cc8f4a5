"""Fix ``cfn_resources_per_template``: a template declares at most 500 resources.

AWS (CloudFormation quotas): "Resources: Maximum number of resources that you can declare in
your CloudFormation template: 500". Over it, CreateStack/UpdateStack/CreateChangeSet fail with
``ValidationError`` "Template format error: Number of resources, <n>, is greater than maximum
allowed, 500" (seen with the former 200; serverless/serverless#2387). moto 5.2.5 deploys any
number (only ValidateTemplate runs cfn-lint). The body is parsed only when it is large enough
to hold that many resources.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html
"""

from __future__ import annotations

import json
from typing import Any

from moto.cloudformation.exceptions import ValidationError

from localaws.compat import cfn_template_limits
from localaws.compat.registry import Fix, enabled, register

MAXIMUM = 500
MESSAGE = (
    "Template format error: Number of resources, {count}, is greater than maximum allowed, 500"
)
SMALLEST_RESOURCE = 20  # bytes of the shortest resource entry: a smaller body cannot exceed
FIX = register(
    Fix(
        "cfn_resources_per_template",
        "CreateStack/UpdateStack/CreateChangeSet refuse a template with more than 500 resources",
        "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html",
        error_code="ValidationError",
        message=MESSAGE,
    )
)


def resource_count(body: str) -> int | None:
    try:
        template = json.loads(body)
    except ValueError:
        import yaml

        try:
            template = yaml.load(body, Loader=yaml.SafeLoader)
        except yaml.YAMLError:
            return None  # moto reports the format error
    resources = template.get("Resources") if isinstance(template, dict) else None
    return len(resources) if isinstance(resources, dict) else None


def check(response: Any, action: str) -> None:
    if not enabled(FIX.name) or action == "validate_template":
        return
    body = response._get_param("TemplateBody")
    if not body or len(body) < MAXIMUM * SMALLEST_RESOURCE:
        return
    count = resource_count(str(body))
    if count is not None and count > MAXIMUM:
        raise ValidationError(message=MESSAGE.format(count=count))


def install() -> None:
    cfn_template_limits.on_template(check)
