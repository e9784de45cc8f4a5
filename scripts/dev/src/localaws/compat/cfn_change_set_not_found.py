"""Fix ``cfn_change_set_not_found``: a missing change set is ``ChangeSetNotFound``.

AWS: DescribeChangeSet errors include ChangeSetNotFound ("The specified change set name or ID
doesn't exit", HTTP 404). moto 5.2.5 answers ValidationError "Stack with id ... does not exist",
which the CDK CLI reports as a failed deploy on every update.
https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeChangeSet.html
"""

from __future__ import annotations

from typing import Any

from moto.cloudformation import models as cfn_models
from moto.cloudformation.exceptions import CloudFormationError

from localaws.compat import patching
from localaws.compat.registry import Fix, enabled, register

MESSAGE = "ChangeSet [{name}] does not exist"
FIX = register(
    Fix(
        "cfn_change_set_not_found",
        "DescribeChangeSet of a change set that does not exist fails with ChangeSetNotFound",
        "https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeChangeSet.html",
        error_code="ChangeSetNotFound",
        message=MESSAGE,
    )
)


class ChangeSetNotFound(CloudFormationError):
    code = "ChangeSetNotFoundException"  # serialized as the AWS error code "ChangeSetNotFound"

    def __init__(self, name: str) -> None:
        super().__init__(MESSAGE.format(name=name))


def install() -> None:
    def make(original: patching.Func) -> patching.Func:
        def describe_change_set(self: Any, change_set_name: str) -> Any:
            if enabled(FIX.name):
                known = change_set_name in self.change_sets or any(
                    cs.change_set_name == change_set_name for cs in self.change_sets.values()
                )
                if not known:
                    raise ChangeSetNotFound(change_set_name)
            return original(self, change_set_name)

        return describe_change_set

    patching.wrap_method(cfn_models.CloudFormationBackend, "describe_change_set", make)
