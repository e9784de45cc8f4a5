"""Fix ``cfn_delete_missing_change_set``: deleting a change set that does not exist succeeds.

AWS's DeleteChangeSet lists one error, InvalidChangeSetStatus; deleting a change set that does
not exist on an existing stack answers 200 (Sceptre/sceptre#449: "The AWS API returns a 200
regardless of whether the change-set existed or not"; measured on AWS in
ministackorg/ministack#1625). Only a stack that does not exist is a ValidationError. The CDK CLI
relies on it: "Removing existing change set with name ... if it exists" before it creates the
change set of a deploy or of ``cdk diff``. moto 5.2.5 fails with HTTP 500 (an unbound
variable), or with ChangeSetNotFound through the ``cfn_change_set_per_stack`` lookup.
https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DeleteChangeSet.html
"""

from __future__ import annotations

from typing import Any

from moto.cloudformation import responses as cfn_responses
from moto.cloudformation.exceptions import ValidationError
from moto.core.responses import EmptyResult

from localaws.compat import patching
from localaws.compat.registry import Fix, enabled, register

FIX = register(
    Fix(
        "cfn_delete_missing_change_set",
        "DeleteChangeSet of a change set that does not exist succeeds on an existing stack "
        "(the CDK CLI deletes its change set 'if it exists' before every deploy and diff)",
        "https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DeleteChangeSet.html",
    )
)


def stack_exists(backend: Any, name_or_id: str) -> bool:
    if backend.stacks.get(name_or_id) is not None:
        return True  # a stack ID names a stack even once deleted
    return any(
        stack.name == name_or_id and stack.status != "DELETE_COMPLETE"
        for stack in backend.stacks.values()
    )


def change_set_exists(backend: Any, name: str, stack_name: str | None) -> bool:
    if name in backend.change_sets:
        return True
    for change_set in list(backend.change_sets.values()):
        if change_set.change_set_name != name:
            continue
        stack = backend.stacks.get(change_set.stack_id)
        if not stack_name or stack_name in (change_set.stack_id, getattr(stack, "name", None)):
            return True
    return False


def install() -> None:
    def make(original: patching.Func) -> patching.Func:
        def delete_change_set(self: Any) -> Any:
            if enabled(FIX.name):
                backend = self.cloudformation_backend
                name = str(self._get_param("ChangeSetName"))
                stack_name = self._get_param("StackName")
                if not change_set_exists(backend, name, stack_name):
                    if stack_name and not stack_exists(backend, stack_name):
                        raise ValidationError(stack_name)
                    return EmptyResult()
            return original(self)

        return delete_change_set

    patching.wrap_method(cfn_responses.CloudFormationResponse, "delete_change_set", make)
