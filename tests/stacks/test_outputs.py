"""Outputs declared together: the template a CfnOutput per output would give, logical IDs too."""

from __future__ import annotations

import pytest
from aws_cdk import App, Aws, CfnOutput, Stack
from aws_cdk.assertions import Template
from constructs import Construct

from stacks.outputs import StackOutputs, logical_id, role_arn_value

PATHS = [
    ["User alice 123456789012", "RoleArn"],
    ["Team platform", "RoleArn"],
    ["Arn pattern arn:aws:iam::*:role/dev-*", "RoleArn"],  # characters IDs drop
    ["Default", "RoleArn"],  # "Default" is left out of the path
    ["Role", "Resource"],  # "Resource" is left out of the readable part only
    ["xRoleArn", "RoleArn"],  # a component that ends with the next one
    ["Only"],  # a single component is the ID as it is
    ["a" * 300, "RoleArn"],  # the readable part is cut at 240 characters
]


def cdk_logical_id(path: list[str]) -> str:
    stack = Stack(App(), "Stack")
    scope: Construct = stack
    for component in path[:-1]:
        scope = Construct(scope, component)
    output = CfnOutput(scope, path[-1], value="x")
    logical: str = stack.resolve(output.logical_id)
    return logical


@pytest.mark.parametrize("path", PATHS, ids=lambda p: "/".join(p)[:40])
def test_logical_id_is_the_one_the_cdk_gives(path: list[str]) -> None:
    assert logical_id(path) == cdk_logical_id(path)


def test_declared_outputs_equal_cfn_outputs_at_the_same_paths() -> None:
    rows = [(["User alice", "RoleArn"], "/developers/", "PowerUser-alice", "Role for alice")]
    rows.append((["User bob", "RoleArn"], "/", "PowerUser-bob", "Role for bob"))

    together = Stack(App(), "Stack")
    outputs = StackOutputs()
    for path, role_path, name, description in rows:
        outputs.add(path, role_arn_value(role_path, name), description)
    outputs.declare(together, "Outputs")

    one_by_one = Stack(App(), "Stack")
    for path, role_path, name, description in rows:
        scope = Construct(one_by_one, path[0])
        arn = f"arn:{Aws.PARTITION}:iam::{Aws.ACCOUNT_ID}:role{role_path}{name}"
        CfnOutput(scope, path[1], value=arn, description=description)

    assert Template.from_stack(together).to_json() == Template.from_stack(one_by_one).to_json()


def test_no_outputs_declare_nothing() -> None:
    stack = Stack(App(), "Stack")
    StackOutputs().declare(stack, "Outputs")
    assert stack.node.try_find_child("Outputs") is None


def test_two_outputs_at_one_path_are_refused() -> None:
    outputs = StackOutputs()
    outputs.add(["User alice", "RoleArn"], "x", "first")
    with pytest.raises(ValueError, match="two outputs at User alice/RoleArn"):
        outputs.add(["User alice", "RoleArn"], "y", "second")
