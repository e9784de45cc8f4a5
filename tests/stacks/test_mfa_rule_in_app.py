"""The app checks its stacks with the library's MFA trust rule, next to cdk-nag's AwsSolutions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aws_cdk import App
from aws_cdk import aws_iam as iam

from developer_roles.config import validate
from stacks.app_builder import build_app

ALICE = "arn:aws:iam::123456789012:user/alice"


def test_a_role_without_mfa_in_an_app_stack_fails_synthesis(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path))
    config = validate({"account": "123456789012", "principals": [ALICE]})
    (stack, *_) = build_app(app, config)
    iam.CfnRole(
        stack,
        "Intruder",
        assume_role_policy_document={
            "Statement": [{"Effect": "Allow", "Principal": {"AWS": ALICE}, "Action": "sts:*"}]
        },
    )
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    report = json.loads((tmp_path / "validation-report.json").read_text(encoding="utf-8"))
    failures = {
        (plugin["pluginName"], violation["ruleName"], construct["constructPath"])
        for plugin in report["pluginReports"]
        for violation in plugin["violations"]
        for construct in violation["violatingConstructs"]
    }
    assert (
        "MfaTrust",
        "MFA1[Role::Intruder/Statement::0]",
        f"{stack.stack_name}/Intruder",
    ) in failures
