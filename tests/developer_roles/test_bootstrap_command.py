"""developer-roles bootstrap runs ``cdk bootstrap`` for its environments without running the app
(in the project's folder cdk.json names the app, and cdk bootstrap would synthesize it once per
environment, only to look for environments the command already names)."""

from __future__ import annotations

import pytest

from developer_roles.bootstrap import bootstrap_command


def test_the_app_is_left_out_and_the_profile_comes_last():
    command = bootstrap_command("cdk", "aws://444455556666/eu-west-1", ["--trust", "1"], "ops")
    assert command == [
        "cdk",
        "bootstrap",
        "aws://444455556666/eu-west-1",
        "--app",
        "",
        "--trust",
        "1",
        "--profile",
        "ops",
    ]


@pytest.mark.parametrize("given", [["--app", "x.py"], ["-a", "x.py"], ["--app=x.py"]])
def test_an_app_the_operator_names_after_the_double_dash_is_kept(given):
    command = bootstrap_command("cdk", "aws://444455556666/eu-west-1", given, None)
    assert command == ["cdk", "bootstrap", "aws://444455556666/eu-west-1", *given]
