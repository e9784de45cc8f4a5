"""Fix ``cfn_use_previous_parameter``: ``UsePreviousValue`` takes the stack's previous value.

AWS: "UsePreviousValue: During a stack update, use the existing parameter value that the stack
is using for a given parameter key." For an ``AWS::SSM::Parameter::Value<...>`` parameter that
is the SSM parameter's name. moto 5.2.5 looks the value up in a map that lacks SSM-typed
parameters such as the CDK's BootstrapVersion, and fails with HTTP 500 on the CDK CLI's second
deploy.
https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_Parameter.html
"""

from __future__ import annotations

from typing import Any

from moto.cloudformation import responses as cfn_responses

from localaws.compat import patching
from localaws.compat.registry import Fix, enabled, register

FIX = register(
    Fix(
        "cfn_use_previous_parameter",
        "CreateChangeSet with UsePreviousValue reuses the stack's previous parameter value",
        "https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_Parameter.html",
    )
)


def previous_parameter_values(stack: Any) -> dict[str, Any]:
    """A stack's parameter values as CloudFormation keeps them for ``UsePreviousValue``."""
    values: dict[str, Any] = dict(stack.stack_parameters)
    for key, slot in (stack.template_dict.get("Parameters") or {}).items():
        if str(slot.get("Type", "")).startswith("AWS::SSM::Parameter::"):
            values[key] = stack.parameters.get(key, slot.get("Default"))
        elif key in stack.parameters:
            values[key] = stack.parameters[key]
    return values


def install() -> None:
    def make(original: patching.Func) -> patching.Func:
        def create_change_set(self: Any) -> Any:
            if enabled(FIX.name):
                parameters = self._get_param("Parameters", [])
                if any(p.get("UsePreviousValue") for p in parameters):
                    stack_name = self._get_param("StackName")
                    previous: dict[str, Any] = {}
                    for stack in self.cloudformation_backend.stacks.values():
                        if stack.name == stack_name and stack.status != "DELETE_COMPLETE":
                            previous = previous_parameter_values(stack)
                    for parameter in parameters:
                        key = parameter.get("ParameterKey")
                        if parameter.get("UsePreviousValue") and key in previous:
                            parameter.pop("UsePreviousValue")
                            parameter["ParameterValue"] = previous[key]
            return original(self)

        return create_change_set

    patching.wrap_method(cfn_responses.CloudFormationResponse, "create_change_set", make)
