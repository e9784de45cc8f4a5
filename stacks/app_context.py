"""Context that every CDK app of ours starts from."""

from __future__ import annotations

from collections.abc import Mapping

# A CloudFormation element records the call stack that created it ("creation stack"). In a
# Python app that stack is the jsii runtime's JavaScript frames, never a line of Python, so the
# metadata said "...jsii runtime, node internals..." for every element, and capturing it costs
# about 0.1 ms per element. `cdk synth --debug` records creation stacks all the same.
APP_CONTEXT: Mapping[str, object] = {"aws:cdk:disable-creation-stack-traces": True}
