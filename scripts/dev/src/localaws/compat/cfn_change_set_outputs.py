"""Fix ``cfn_change_set_outputs``: executing a change set refreshes the stack's Outputs.

AWS: DescribeStacks returns the Outputs of the stack's current template, however it was
deployed. moto 5.2.5 computes them only in CreateStack/UpdateStack, so after the CDK's
change-set deploy the stack has no Outputs (and ``cdk deploy`` prints none).
https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_Output.html
"""

from __future__ import annotations

from typing import Any

from moto.cloudformation import models as cfn_models

from localaws.compat import patching
from localaws.compat.registry import Fix, enabled, register

FIX = register(
    Fix(
        "cfn_change_set_outputs",
        "A stack created or updated through a change set reports its Outputs",
        "https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_Output.html",
    )
)


def install() -> None:
    def make(original: patching.Func) -> patching.Func:
        def apply_change_set(self: Any) -> None:
            original(self)
            if enabled(FIX.name):
                stack = self.stack
                stack.template = self.template
                stack._parse_template()
                stack.output_map = stack._create_output_map()

        return apply_change_set

    patching.wrap_method(cfn_models.ChangeSet, "apply", make)
