"""A stack's outputs, declared together in one call into the CDK's runtime.

Each ``CfnOutput`` made from Python is a round trip to the CDK's Node.js runtime (about
0.3 ms), which at a role per principal is a fifth of the time an app with a thousand
principals spends building its constructs. :class:`StackOutputs` collects the outputs of a
stack and declares them in one ``CfnInclude`` of a generated template fragment: the CDK's
runtime makes the ``CfnOutput`` objects itself, and the synthesized template is the one that
``CfnOutput`` calls would have given, logical IDs included (:func:`logical_id` is the CDK's
rule for them, from the construct library, tested against the CDK).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from aws_cdk import cloudformation_include as cfn_include
from constructs import Construct

from developer_role.logical_ids import logical_id

__all__ = ["StackOutputs", "logical_id", "role_arn_value"]


def role_arn_value(path: str, role_name: str) -> Mapping[str, Any]:
    """A role's ARN from partition, account, path and name, as the template writes it.

    Only correct in the role's own stack, whose account the pseudo parameter names; it needs
    no ``Fn::GetAtt``, so the output depends on nothing but the stack it is in.
    """
    return {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":iam::",
                {"Ref": "AWS::AccountId"},
                f":role{path}{role_name}",
            ],
        ]
    }


class StackOutputs:
    """Outputs collected while a stack is built, then declared in one go by :meth:`declare`."""

    def __init__(self) -> None:
        self._outputs: dict[str, dict[str, Any]] = {}

    def add(self, path: Sequence[str], value: Mapping[str, Any] | str, description: str) -> None:
        """An output with the logical ID a ``CfnOutput`` at ``path`` below the stack would get."""
        key = logical_id(path)
        if key in self._outputs:
            raise ValueError(f"two outputs at {'/'.join(path)}")
        self._outputs[key] = {"Description": description, "Value": value}

    def declare(self, scope: Construct, id_: str) -> None:
        """Declare the outputs under ``scope`` (a stack); nothing when there are none.

        ``CfnInclude`` reads the fragment while it is constructed, so the file lives only for
        this call, in a directory private to this process.
        """
        if not self._outputs:
            return
        with tempfile.TemporaryDirectory(prefix="developer-roles-outputs-") as directory:
            fragment = Path(directory) / "outputs.json"
            fragment.write_text(json.dumps({"Outputs": self._outputs}), encoding="utf-8")
            cfn_include.CfnInclude(scope, id_, template_file=str(fragment))
