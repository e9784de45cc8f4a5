"""The pipeline deploys the operator's configuration: its build (``make synth CONFIG=FILE``)
and its preflight (``developer-roles preflight --config FILE``, through each account's lookup
role, before the first deploy stage) name the file the app was synthesized from."""

from __future__ import annotations

import json
import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk.assertions import Capture, Template

from developer_roles.config import CONTEXT_FILE_KEY, CONTEXT_KEY, ConfigError, validate
from stacks.app_builder import build_app
from trustcheck.synth import SynthError, synthesize

IDENTITY = "999999999999"
TARGETS = [
    {"account": "111111111111", "region": "eu-west-1"},
    {"account": "222222222222", "region": "us-east-1"},
]
PIPELINE = {
    "connectionArn": f"arn:aws:codeconnections:eu-west-1:{IDENTITY}:connection/abc",
    "repository": "acme/developer-roles",
    "branch": "main",
    "account": IDENTITY,
    "region": "eu-west-1",
}
CONFIG_FILE = "config/developer-roles.yaml"
LOOKUP_TEMPLATE = "arn:aws:iam::{account}:role/cdk-hnb659fds-lookup-role-{account}-{region}"


def pipeline_config(**extra: Any) -> dict[str, Any]:
    return {
        "targets": TARGETS,
        "principals": [f"arn:aws:iam::{IDENTITY}:user/alice"],
        "deployment": {"pipeline": PIPELINE},
        **extra,
    }


def pipeline_template(
    app_dir: Path,
    config_file: str | None = CONFIG_FILE,
    context: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    raw = pipeline_config(**extra)
    app = App(
        context={**(context or {}), **({CONTEXT_FILE_KEY: config_file} if config_file else {})}
    )
    stacks: dict[str, Stack] = {s.stack_name: s for s in build_app(app, validate(raw), app_dir)}
    return dict(Template.from_stack(stacks["DeveloperRolesPipeline"]).to_json())


def stages_of(template: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """Each pipeline stage's name and action names, in order."""
    stages = Capture()
    Template.from_json(template).has_resource_properties(
        "AWS::CodePipeline::Pipeline", {"Stages": stages}
    )
    return [(s["Name"], [a["Name"] for a in s["Actions"]]) for s in stages.as_array()]


def step_commands(template: dict[str, Any], action_name: str) -> list[str]:
    """The shell commands CodeBuild runs for a pipeline action: the action's project, found by
    its ``ProjectName`` reference, and that project's buildspec."""
    resources = template["Resources"]
    (pipeline,) = [r for r in resources.values() if r["Type"] == "AWS::CodePipeline::Pipeline"]
    (project_ref,) = [
        action["Configuration"]["ProjectName"]
        for stage in pipeline["Properties"]["Stages"]
        for action in stage["Actions"]
        if action["Name"] == action_name
    ]
    project = resources[project_ref["Ref"]]
    spec = json.loads(project["Properties"]["Source"]["BuildSpec"])
    return [command for phase in spec["phases"].values() for command in phase["commands"]]


def test_the_build_and_the_preflight_read_the_configuration_file_the_app_was_given(tmp_path):
    template = pipeline_template(tmp_path)
    build = step_commands(template, "Synth")
    preflight = step_commands(template, "Preflight")
    assert build == [f"make pipeline-synth CONFIG={shlex.quote(CONFIG_FILE)}"]
    assert shlex.split(build[0]) == ["make", "pipeline-synth", f"CONFIG={CONFIG_FILE}"]
    *install, check = preflight
    assert shlex.split(install[-1])[1:] == [
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "-c",
        "requirements-app.txt",
        "./constructs",
        "./scripts/developer_roles",
    ]
    assert shlex.split(check) == [
        ".venv/bin/developer-roles",
        "preflight",
        "--config",
        CONFIG_FILE,
        "--assume-role",
        LOOKUP_TEMPLATE,
    ]


def test_a_configuration_file_given_by_absolute_path_is_named_relative_to_the_app(tmp_path):
    template = pipeline_template(tmp_path, config_file=str(tmp_path / "devs.json"))
    assert step_commands(template, "Synth") == ["make pipeline-synth CONFIG=devs.json"]
    assert "--config devs.json" in step_commands(template, "Preflight")[-1]


def test_without_a_file_the_pipeline_uses_cdk_json_as_an_operator_does(tmp_path):
    raw = pipeline_config()
    (tmp_path / "cdk.json").write_text(json.dumps({"context": {CONTEXT_KEY: raw}}), "utf-8")
    template = pipeline_template(tmp_path, config_file=None, context={CONTEXT_KEY: raw})
    assert step_commands(template, "Synth") == ["make pipeline-synth"]
    assert "--config" not in step_commands(template, "Preflight")[-1]


def test_a_configuration_given_on_the_command_line_is_refused_for_a_pipeline(tmp_path):
    (tmp_path / "cdk.json").write_text(json.dumps({"context": {CONTEXT_KEY: {}}}), "utf-8")
    with pytest.raises(ConfigError) as caught:
        pipeline_template(
            tmp_path, config_file=None, context={CONTEXT_KEY: json.dumps(pipeline_config())}
        )
    (problem,) = caught.value.problems
    assert "given on the command line (-c developerRoles=...), not from cdk.json" in problem
    assert "-c developerRolesFile=FILE" in problem


def test_the_real_cdk_synth_refuses_a_pipeline_configured_on_the_command_line(tmp_path):
    with pytest.raises(SynthError) as caught:
        synthesize(tmp_path / "cdk.out", {CONTEXT_KEY: json.dumps(pipeline_config())})
    message = str(caught.value)
    assert "cdk synth failed (exit 1)" in message
    assert "deployment.pipeline: the configuration was given on the command line" in message
    assert "Traceback" not in message


def test_a_configuration_file_outside_the_app_is_refused_before_synthesis(tmp_path):
    app_dir = tmp_path / "app"
    app_dir.mkdir()
    with pytest.raises(ConfigError) as caught:
        pipeline_template(app_dir, config_file="../elsewhere/devs.yaml")
    (problem,) = caught.value.problems
    assert problem.startswith("deployment.pipeline: the configuration file ../elsewhere/devs.yaml")
    assert "keep it in the repository" in problem


@pytest.mark.parametrize(
    "name",
    ["config/developer roles.yaml", "$(HOME).yaml", "devs;rm.yaml"],
    ids=["space", "make-variable", "semicolon"],
)
def test_a_file_name_make_or_the_shell_would_change_is_refused(tmp_path, name):
    with pytest.raises(ConfigError) as caught:
        pipeline_template(tmp_path, config_file=name)
    (problem,) = caught.value.problems
    assert problem.startswith(f"deployment.pipeline: the configuration file {name!r} has")


def test_preflight_and_summary_then_a_person_come_before_the_first_deploy_stage(tmp_path):
    stages = stages_of(pipeline_template(tmp_path))
    names = [name for name, _ in stages]
    deploying = [i for i, (_, actions) in enumerate(stages) if any("Deploy" in a for a in actions)]
    assert names[deploying[0] - 2 : deploying[0] + 1] == [
        "Review",
        "Approval",
        "Roles-111111111111-eu-west-1",
    ]
    assert sorted(stages[deploying[0] - 2][1]) == ["ChangeSummary", "Preflight"]
    assert stages[deploying[0] - 1][1] == ["Approve"]


def test_with_an_identity_account_the_approval_gates_the_identity_stage(tmp_path):
    stages = [name for name, _ in stages_of(pipeline_template(tmp_path, identityAccount=IDENTITY))]
    assert stages[stages.index("Approval") + 1] == "Identity"


def pipeline_resource(template: dict[str, Any]) -> dict[str, Any]:
    (pipeline,) = [
        r for r in template["Resources"].values() if r["Type"] == "AWS::CodePipeline::Pipeline"
    ]
    return dict(pipeline["Properties"])


def test_by_default_a_person_approves_every_run(tmp_path):
    stages = pipeline_resource(pipeline_template(tmp_path))["Stages"]
    assert [s for s in stages if "BeforeEntry" in s] == []


def test_approval_only_for_broadening_skips_the_approval_unless_the_summary_broadens(tmp_path):
    template = pipeline_template(tmp_path, context={"developerRolesPipelineApproval": "broadening"})
    stages = {s["Name"]: s for s in pipeline_resource(template)["Stages"]}
    (summary,) = [a for a in stages["Review"]["Actions"] if a["Name"] == "ChangeSummary"]
    assert summary["Namespace"] == "ChangeSummary"
    ((rule,),) = [c["Rules"] for c in stages["Approval"]["BeforeEntry"]["Conditions"]]
    assert stages["Approval"]["BeforeEntry"]["Conditions"][0]["Result"] == "SKIP"
    assert rule["RuleTypeId"]["Provider"] == "VariableCheck"
    assert rule["Configuration"] == {
        "Variable": "#{ChangeSummary.BROADENING}",
        "Value": "true",
        "Operator": "EQ",
    }
    commands = step_commands(template, "ChangeSummary")
    assert commands[1] == "export BROADENING=false"
    assert all(c.endswith("--fail-on broadening || export BROADENING=true") for c in commands[2:])
    assert len(commands[2:]) == len(TARGETS)  # one summary per stage


def test_an_unknown_approval_mode_is_refused_before_synthesis(tmp_path):
    with pytest.raises(ConfigError) as caught:
        pipeline_template(tmp_path, context={"developerRolesPipelineApproval": "never"})
    (problem,) = caught.value.problems
    assert problem.startswith("context developerRolesPipelineApproval: 'never' is not")


def test_preflight_and_change_summary_may_assume_only_each_accounts_lookup_role(tmp_path):
    template = pipeline_template(tmp_path)
    granted = [
        sorted(
            str(resource)
            for statement in resource_["Properties"]["PolicyDocument"]["Statement"]
            if statement["Action"] == "sts:AssumeRole"
            for resource in (
                statement["Resource"]
                if isinstance(statement["Resource"], list)
                else [statement["Resource"]]
            )
            if "lookup-role" in str(resource)
        )
        for resource_ in template["Resources"].values()
        if resource_["Type"] == "AWS::IAM::Policy"
    ]
    expected = sorted(
        f"arn:aws:iam::{t['account']}:role/cdk-hnb659fds-lookup-role-{t['account']}-*"
        for t in TARGETS
    )
    assert [g for g in granted if g] == [expected, expected]  # Preflight, ChangeSummary


def test_in_another_partition_the_steps_name_that_partitions_roles(tmp_path):
    china = {"account": "345678901234", "region": "cn-northwest-1"}
    raw = {
        "targets": [china],
        "principals": ["arn:aws-cn:iam::345678901234:user/alice"],
        "deployment": {
            "pipeline": {
                **PIPELINE,
                "connectionArn": "arn:aws-cn:codeconnections:cn-north-1:345678901234:connection/x",
                "account": "345678901234",
                "region": "cn-north-1",
            }
        },
    }
    app = App(context={CONTEXT_FILE_KEY: CONFIG_FILE})
    stacks = {s.stack_name: s for s in build_app(app, validate(raw), tmp_path)}
    template = dict(Template.from_stack(stacks["DeveloperRolesPipeline"]).to_json())
    preflight = shlex.split(step_commands(template, "Preflight")[-1])
    assert preflight[-1] == LOOKUP_TEMPLATE.replace("arn:aws:", "arn:aws-cn:")
    assert "arn:aws:" not in json.dumps(template["Resources"]).replace("arn:aws:iam::aws:", "")


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, timeout=30)


def test_a_configuration_file_git_does_not_track_is_named_in_one_warning_line(tmp_path, capfd):
    git(tmp_path, "init", "--quiet")
    (tmp_path / "devs.json").write_text(json.dumps(pipeline_config()), "utf-8")
    pipeline_template(tmp_path, config_file="devs.json")
    warnings = [line for line in capfd.readouterr().err.splitlines() if "warning" in line]
    assert warnings == [
        "warning: deployment.pipeline: the configuration file devs.json is not in the "
        "repository (git does not track it); the pipeline reads it from there: git add and "
        "commit it before you push"
    ]
    git(tmp_path, "add", "devs.json")
    pipeline_template(tmp_path, config_file="devs.json")
    assert "warning" not in capfd.readouterr().err
