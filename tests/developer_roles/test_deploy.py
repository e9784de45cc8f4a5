"""The deploy command's pure parts: arguments it reads from the cdk arguments, the assembly's
stacks, and the one line per stack after a failed deploy."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError
from botocore.stub import Stubber

from developer_roles.configuration import context_values
from developer_roles.deploy import _deploy, _option, stack_states
from developer_roles.plan import stacks


@pytest.mark.parametrize(
    ("args", "profile", "config"),
    [
        pytest.param(["-c", "developerRolesFile=devs.yaml"], None, "devs.yaml", id="config"),
        pytest.param(
            ["--profile", "ops", "--context", "developerRolesFile=a.json"],
            "ops",
            "a.json",
            id="both",
        ),
        pytest.param(
            ["--profile=ops", "-c", "other=1"], "ops", None, id="equals-and-other-context"
        ),
        pytest.param([], None, None, id="none"),
    ],
)
def test_profile_and_configuration_are_read_from_the_cdk_arguments(args, profile, config):
    assert _option(args, "--profile") == profile
    assert context_values(args).get("developerRolesFile") == config


def assembly(tmp_path: Path, *names: str) -> Path:
    artifacts: dict[str, Any] = {"Tree": {"type": "cdk:tree"}}
    for name in names:
        artifacts[name] = {
            "type": "aws:cloudformation:stack",
            "environment": "aws://222222222222/eu-west-1",
            "properties": {"templateFile": f"{name}.template.json"},
        }
    (tmp_path / "manifest.json").write_text(json.dumps({"artifacts": artifacts}))
    return tmp_path


def test_the_assembly_names_each_stack_with_its_environment(tmp_path):
    found = stacks(str(assembly(tmp_path, "DeveloperRoles-00", "DeveloperRoles-01")))
    assert [(n, a, r) for n, a, r, _ in found] == [
        ("DeveloperRoles-00", "222222222222", "eu-west-1"),
        ("DeveloperRoles-01", "222222222222", "eu-west-1"),
    ]


class FakeSession:
    def __init__(self, client: Any) -> None:
        self.region_name = "eu-west-1"
        self._client = client

    def client(self, *_args: Any, **_kwargs: Any) -> Any:
        return self._client


def test_after_a_failed_deploy_each_stack_has_one_line_with_its_state(tmp_path):
    cfn = boto3.client(
        "cloudformation",
        region_name="eu-west-1",
        aws_access_key_id="a",
        aws_secret_access_key="b",
    )
    with Stubber(cfn) as stub:
        stub.add_response(
            "describe_stacks",
            {
                "Stacks": [
                    {
                        "StackName": "DeveloperRoles-00",
                        "CreationTime": "2026-01-01T00:00:00Z",
                        "StackStatus": "UPDATE_ROLLBACK_COMPLETE",
                    }
                ]
            },
        )
        stub.add_client_error(
            "describe_stacks", "ValidationError", "Stack with id DeveloperRoles-01 does not exist"
        )
        lines = stack_states(
            FakeSession(cfn), str(assembly(tmp_path, "DeveloperRoles-00", "DeveloperRoles-01"))
        )
    assert lines == [
        "DeveloperRoles-00: UPDATE_ROLLBACK_COMPLETE",
        "DeveloperRoles-01: not deployed",
    ]


def test_an_endpoint_that_is_gone_is_state_unknown_not_a_traceback(tmp_path):
    class Gone:
        def describe_stacks(self, **_kwargs: Any) -> Any:
            raise EndpointConnectionError(endpoint_url="http://localhost:1")

    stacks = str(assembly(tmp_path, "DeveloperRoles-00", "DeveloperRoles-01"))
    lines = stack_states(FakeSession(Gone()), stacks, {"DeveloperRoles-00": "deployed"})
    gone = 'Could not connect to the endpoint URL: "http://localhost:1"'
    assert lines == [
        f"DeveloperRoles-00: state unknown ({gone}; cdk deploy reported it deployed)",
        f"DeveloperRoles-01: state unknown ({gone}; cdk deploy reported nothing about it)",
    ]


@pytest.mark.parametrize(
    ("line", "reported"),
    [
        pytest.param(" ✅  DeveloperRoles-00\n", {"DeveloperRoles-00": "deployed"}, id="deployed"),
        pytest.param(
            " ✅  DeveloperRoles (no changes)\n", {"DeveloperRoles": "deployed"}, id="no-changes"
        ),
        pytest.param(
            "❌  DeveloperRoles-01 failed: AggregateError\n",
            {"DeveloperRoles-01": "failed"},
            id="failed",
        ),
        pytest.param(
            "DeveloperRoles-01: connect ECONNREFUSED 127.0.0.1:4566\n",
            {"DeveloperRoles-01": "connect ECONNREFUSED 127.0.0.1:4566"},
            id="last-line",
        ),
        pytest.param("Other: not a stack of the assembly\n", {}, id="other-names"),
    ],
)
def test_what_cdk_deploy_reports_per_stack_is_kept(tmp_path, line, reported, capsys):
    fake = tmp_path / "cdk"
    fake.write_text(
        f"#!{sys.executable}\nimport sys\nsys.stdout.write({line!r})\nsys.exit(1)\n",
        encoding="utf-8",
    )
    fake.chmod(0o755)
    code, found = _deploy(str(fake), "deploy", stacks=["DeveloperRoles-01"])
    assert (code, found) == (1, reported)
    assert capsys.readouterr().out == line  # passed on as it came
