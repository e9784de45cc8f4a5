"""Fix ``cfn_stack_name``: a stack name is a letter, then letters, digits and ``-``, max 128.

AWS (CreateStack, StackName): "A stack name can contain only alphanumeric characters
(case-sensitive) and hyphens. It must start with an alphabetical character and can't be longer
than 128 characters." CreateStack and CreateChangeSet refuse another name with
``ValidationError`` "1 validation error detected: Value '<name>' at 'stackName' failed to
satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*"
(hashicorp/terraform-provider-aws#42668). moto 5.2.5 takes any name.
https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html
"""

from __future__ import annotations

import re
from typing import Any

from moto.cloudformation.exceptions import ValidationError

from localaws.compat import cfn_template_limits
from localaws.compat.errors import constraint_message, max_length, pattern
from localaws.compat.registry import Fix, enabled, register

PATTERN = "[a-zA-Z][-a-zA-Z0-9]*"
MAX_LENGTH = 128
_valid = re.compile(PATTERN)
_arn = re.compile(r"arn:[-a-zA-Z0-9:/._+]*")
FIX = register(
    Fix(
        "cfn_stack_name",
        "CreateStack/CreateChangeSet refuse a stack name that does not start with a letter, "
        "has other characters than letters, digits and -, or is over 128 characters",
        "https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html",
        error_code="ValidationError",
        message=constraint_message("{name}", "stackName", pattern(PATTERN)),
    )
)


def problem(name: str) -> str | None:
    if _arn.fullmatch(name):
        return None  # an existing stack's ID
    if not _valid.fullmatch(name):
        return constraint_message(name, "stackName", pattern(PATTERN))
    if len(name) > MAX_LENGTH:
        return constraint_message(name, "stackName", max_length(MAX_LENGTH))
    return None


def check(response: Any, action: str) -> None:
    if not enabled(FIX.name) or action not in ("create_stack", "create_change_set"):
        return
    found = problem(str(response._get_param("StackName") or ""))
    if found:
        raise ValidationError(message=found)


def install() -> None:
    cfn_template_limits.on_template(check)
