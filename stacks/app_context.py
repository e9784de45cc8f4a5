"""Context that every CDK app of ours starts from."""

from __future__ import annotations

import os
from collections.abc import Mapping

from aws_cdk import App

# A CloudFormation element records the call stack that created it ("creation stack"). In a
# Python app that stack is the jsii runtime's JavaScript frames, never a line of Python, so the
# metadata said "...jsii runtime, node internals..." for every element, and capturing it costs
# about 0.1 ms per element. `cdk synth --debug` records creation stacks all the same.
APP_CONTEXT: Mapping[str, object] = {"aws:cdk:disable-creation-stack-traces": True}


def builtin_validation() -> bool:
    """Whether the CDK's built-in CloudFormation validation runs: only when ``CDK_VALIDATION=true``.

    With the CDK's default feature flags it can only warn (its errors are downgraded unless
    ``@aws-cdk/core:validateAgainstDefaultRules`` is set), and it was half of each synthesis of
    this app (``cdk synth`` of cdk.json's three principals: 7.9 s with it, 4.0 s without). The
    configuration check, cdk-nag and the MFA rule are what refuse a bad configuration; the
    deployment-mode tests run the validation with its findings as errors. cdk.json cannot turn
    it off: the CDK CLI's ``--validation`` option defaults to true and overrides it.
    """
    return os.environ.get("CDK_VALIDATION", "").lower() == "true"


def new_app(outdir: str | None = None) -> App:
    """An App with :data:`APP_CONTEXT` and the built-in validation as :func:`builtin_validation`
    says (``outdir``: the CDK's default, the CLI's ``CDK_OUTDIR``, when None)."""
    return App(
        context=dict(APP_CONTEXT),
        outdir=outdir,
        builtin_cloud_formation_validation=builtin_validation(),
    )
