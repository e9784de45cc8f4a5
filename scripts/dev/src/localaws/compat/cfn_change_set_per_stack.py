"""Fix ``cfn_change_set_per_stack``: a change set name is scoped to its stack.

AWS: "ChangeSetName: The name or Amazon Resource Name (ARN) of the change set"; "StackName: If
you specified the name of a change set, specify the stack name or Amazon Resource Name (ARN)
that's associated with the change set". moto 5.2.5 looks a name up across all stacks and takes
the first (or last) match, so when the CDK CLI deploys several stacks at once (each with a
change set named ``cdk-deploy-change-set``) it executes another stack's change set, and the
stacks stay in REVIEW_IN_PROGRESS while ``cdk deploy`` reports success.
https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ExecuteChangeSet.html
"""

from __future__ import annotations

from typing import Any

from moto.cloudformation import responses as cfn_responses
from moto.core.responses import ActionResult, EmptyResult

from localaws.compat.cfn_change_set_not_found import FIX as NOT_FOUND
from localaws.compat.cfn_change_set_not_found import ChangeSetNotFound
from localaws.compat.registry import Fix, enabled, register

FIX = register(
    Fix(
        "cfn_change_set_per_stack",
        "A change set name is unique per stack: DescribeChangeSet, ExecuteChangeSet and "
        "DeleteChangeSet with a name and a StackName act on that stack's change set",
        "https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ExecuteChangeSet.html",
    )
)


def change_set_arn(backend: Any, name: str, stack_name: str | None) -> str | None:
    """The ARN of the change set ``name`` of the stack ``stack_name`` (a name or a stack ID)."""
    if name in backend.change_sets or not stack_name:
        return None  # an ARN, or no stack to scope by: moto's own lookup applies
    for arn, change_set in list(backend.change_sets.items()):
        stack = backend.stacks.get(change_set.stack_id)
        if change_set.change_set_name == name and stack_name in (
            change_set.stack_id,
            getattr(stack, "name", None),
        ):
            return str(arn)
    if enabled(NOT_FOUND.name):
        raise ChangeSetNotFound(name)
    return None


def install() -> None:
    response_cls = cfn_responses.CloudFormationResponse
    originals = {
        action: getattr(response_cls, action)
        for action in ("describe_change_set", "execute_change_set", "delete_change_set")
    }

    def scoped(action: str) -> Any:
        def handler(self: Any) -> Any:
            if enabled(FIX.name):
                backend = self.cloudformation_backend
                name = self._get_param("ChangeSetName")
                arn = change_set_arn(backend, name, self._get_param("StackName"))
                if arn is not None:
                    if action == "describe_change_set":
                        return ActionResult(backend.describe_change_set(change_set_name=arn))
                    if action == "execute_change_set":
                        backend.execute_change_set(
                            stack_name=self._get_param("StackName"), change_set_name=arn
                        )
                    else:
                        backend.delete_change_set(change_set_name=arn)
                    return EmptyResult()
            return originals[action](self)

        return handler

    for action in originals:
        setattr(response_cls, action, scoped(action))
