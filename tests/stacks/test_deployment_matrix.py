"""Every deployment mode synthesizes through the app's own code with cdk-nag clean (and the MFA
rule, and the CDK's built-in CloudFormation validation with its findings as errors: the app
leaves it off for speed, so this is where the templates meet it), and its templates pass
cfn-lint and checkov with only the acknowledgments of template-checks.yaml; one mode goes
through the real ``cdk synth`` CLI as well.

The modes are ``devtools.check_templates.MODES``, the same matrix ``make check-templates``
checks: cdk.json's example, several targets in other accounts and regions, an identity account,
StackSets with and without one, and pipelines deploying to their own account and region, to
other accounts and regions, and with an identity account. Each mode is synthesized once per
module; both tools run once over all templates, those of the real ``cdk synth`` too.
"""

from __future__ import annotations

import json
import shlex
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, CloudFormationValidatePlugin, Validations

from developer_roles.config import CONTEXT_KEY, load_config
from devtools.check_templates import (
    ACKNOWLEDGMENTS,
    CONFIG_FILE_CONTEXT,
    MODES,
    CheckError,
    Verdict,
    check,
    find_tool,
    load_acknowledgments,
    slug,
    synthesize_modes,
)
from stacks.app_builder import build_app
from stacks.app_context import APP_CONTEXT
from tests.stacks.test_pipeline_preflight import step_commands

REPO = Path(__file__).resolve().parents[2]
# aws-cdk-lib cx-api VALIDATE_AGAINST_DEFAULT_RULES: the built-in validation's findings fail
# synthesis (by default they are only warnings).
VALIDATE_AGAINST_DEFAULT_RULES = "@aws-cdk/core:validateAgainstDefaultRules"
CONFIG_FILE = "developer-roles.json"
PIPELINE_MODES = [
    mode for mode, raw in MODES.items() if raw and "pipeline" in raw.get("deployment", {})
]


def synthesize_in_process(mode: str, workdir: Path) -> Path:
    """The mode's cloud assembly, built as app.py builds it (build_app, then synth with cdk-nag
    and the MFA rule); the configuration file is written into the app directory ``workdir``."""
    raw = MODES[mode]
    # As the CDK CLI runs the app: resources carry their construct path (aws:cdk:path), which
    # the acknowledgments of template-checks.yaml are scoped by.
    context: dict[str, Any] = {**APP_CONTEXT, "aws:cdk:enable-path-metadata": True}
    # The CDK's built-in CloudFormation validation, registered here (the app and the test
    # processes leave it off: tests/conftest.py), with its findings as errors, not warnings.
    context[VALIDATE_AGAINST_DEFAULT_RULES] = True
    if raw is None:
        cdk_json = json.loads((REPO / "cdk.json").read_text(encoding="utf-8"))
        config = load_config(cdk_json["context"][CONTEXT_KEY], None, REPO)
    else:
        (workdir / CONFIG_FILE).write_text(json.dumps(raw), encoding="utf-8")
        context[CONFIG_FILE_CONTEXT] = CONFIG_FILE
        config = load_config(None, CONFIG_FILE, workdir)
    outdir = workdir / "cdk.out" / slug(mode)
    app = App(context=context, outdir=str(outdir))
    Validations.of(app).add_plugins(CloudFormationValidatePlugin())
    build_app(app, config, workdir)
    try:
        app.synth()
    except RuntimeError as error:
        report = outdir / "validation-report.json"
        details = report.read_text(encoding="utf-8") if report.exists() else ""
        raise AssertionError(f"synthesis refused mode {mode!r}: {error}\n{details}") from None
    return outdir


@pytest.fixture(scope="module")
def assembly_of(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """Each mode's assembly, synthesized once in this module."""
    workdir = tmp_path_factory.mktemp("app")
    built: dict[str, Path] = {}

    def get(mode: str) -> Path:
        if mode not in built:
            built[mode] = synthesize_in_process(mode, workdir)
        return built[mode]

    return get


@pytest.fixture(scope="module")
def tools() -> None:
    try:
        find_tool("checkov", None)
        find_tool("cfn-lint", None)
    except CheckError as error:
        pytest.fail(f"{error} (the matrix needs both tools; `make setup` installs them)")


MODE_BY_CLI = "pipeline, identity account, other region"
BY_CLI = f"{slug(MODE_BY_CLI)}-by-the-cdk-cli"  # its folder: its templates' names start so


@pytest.fixture(scope="module")
def cli_assembly(tools: None, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One mode synthesized by the real ``cdk synth`` (as ``make check-templates`` does)."""
    # The configuration file goes into a scratch folder inside the repository (a pipeline's
    # file must be inside the app), removed afterwards.
    workdir = tmp_path_factory.mktemp("cli")
    (assembly,) = synthesize_modes(workdir, {MODE_BY_CLI: MODES[MODE_BY_CLI]})
    return assembly.rename(workdir / BY_CLI)


@pytest.fixture(scope="module")
def checked(
    tools: None, assembly_of: Callable[[str], Path], cli_assembly: Path
) -> tuple[Verdict, list[str]]:
    """cfn-lint and checkov, once, over every template of every mode and of the mode that the
    real ``cdk synth`` built: the verdict and the names of the templates checked."""
    assemblies = [assembly_of(mode) for mode in MODES] + [cli_assembly]
    return check(assemblies, load_acknowledgments(ACKNOWLEDGMENTS))


@pytest.fixture(scope="module")
def verdict(checked: tuple[Verdict, list[str]]) -> Verdict:
    return checked[0]


@pytest.mark.parametrize("mode", list(MODES))
def test_each_mode_synthesizes_clean_of_cdk_nag_the_mfa_rule_and_cfn_validation(
    mode: str, assembly_of: Callable[[str], Path]
) -> None:
    assembly = assembly_of(mode)
    assert list(assembly.rglob("*.template.json"))


@pytest.mark.parametrize("mode", list(MODES))
def test_each_mode_passes_cfn_lint_and_checkov(mode: str, verdict: Verdict) -> None:
    unacknowledged = [
        finding.describe()
        for finding in verdict.unacknowledged
        if finding.template.startswith(f"{slug(mode)}/")
    ]
    assert unacknowledged == []


def test_every_acknowledged_finding_still_occurs_in_some_mode(verdict: Verdict) -> None:
    assert [ack.describe() for ack in verdict.stale] == []


@pytest.mark.parametrize("mode", PIPELINE_MODES)
def test_each_pipeline_builds_and_preflights_with_the_configuration_file(
    mode: str, assembly_of: Callable[[str], Path]
) -> None:
    template = json.loads(
        (assembly_of(mode) / "DeveloperRolesPipeline.template.json").read_text(encoding="utf-8")
    )
    assert shlex.split(step_commands(template, "Synth")[-1])[-1] == f"CONFIG={CONFIG_FILE}"
    preflight = shlex.split(step_commands(template, "Preflight")[-1])
    assert preflight[:4] == [".venv/bin/developer-roles", "preflight", "--config", CONFIG_FILE]


# --- Privilege changes under a person's control (issue 24): every pipeline mode asks a person,
# after the change summary, before its first deploy; no step installs a CLI that is not pinned
# or the test and development tools.
DEV_TOOLS = ("requirements.txt", "pytest", "moto", "mypy", "ruff", "cfn-lint", "checkov", "awscli")


def pipeline_actions(template: dict[str, Any]) -> list[tuple[int, int, dict[str, Any]]]:
    """Every action of the pipeline as (stage index, run order, action), in execution order."""
    (pipeline,) = [
        r for r in template["Resources"].values() if r["Type"] == "AWS::CodePipeline::Pipeline"
    ]
    return sorted(
        (
            (index, action.get("RunOrder", 1), action)
            for index, stage in enumerate(pipeline["Properties"]["Stages"])
            for action in stage["Actions"]
        ),
        key=lambda found: found[:2],
    )


def buildspec_commands(template: dict[str, Any]) -> dict[str, list[str]]:
    """Each CodeBuild project's shell commands (a token's place in them shown as <token>)."""
    found = {}
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] != "AWS::CodeBuild::Project":
            continue
        spec = resource["Properties"]["Source"]["BuildSpec"]
        if isinstance(spec, dict):  # Fn::Join of text and tokens
            spec = "".join(p if isinstance(p, str) else "<token>" for p in spec["Fn::Join"][1])
        phases = json.loads(spec)["phases"].values()
        found[logical_id] = [command for phase in phases for command in phase["commands"]]
    return found


def pipeline_template_of(assembly: Path) -> dict[str, Any]:
    text = (assembly / "DeveloperRolesPipeline.template.json").read_text(encoding="utf-8")
    return dict(json.loads(text))


@pytest.mark.parametrize("mode", PIPELINE_MODES)
def test_each_pipeline_asks_a_person_after_the_change_summary_before_its_first_deploy(
    mode: str, assembly_of: Callable[[str], Path]
) -> None:
    actions = pipeline_actions(pipeline_template_of(assembly_of(mode)))
    kinds = [
        (stage, order, a["ActionTypeId"]["Category"], a["ActionTypeId"]["Provider"], a["Name"])
        for stage, order, a in actions
    ]
    deploys = [k[:2] for k in kinds if k[2] == "Deploy" and k[3] == "CloudFormation"]
    approvals = [k[:2] for k in kinds if k[2] == "Approval" and k[3] == "Manual"]
    (summary,) = [k[:2] for k in kinds if k[4] == "ChangeSummary"]
    (preflight,) = [k[:2] for k in kinds if k[4] == "Preflight"]
    assert deploys
    assert approvals
    assert min(approvals) < min(deploys)
    assert summary < min(approvals)
    assert preflight < min(approvals)
    (approval,) = [a for _, _, a in actions if a["ActionTypeId"]["Category"] == "Approval"]
    assert "ChangeSummary" in approval["Configuration"]["CustomData"]


@pytest.mark.parametrize("mode", PIPELINE_MODES)
def test_no_pipeline_step_installs_an_unpinned_cli_or_the_development_tools(
    mode: str, assembly_of: Callable[[str], Path]
) -> None:
    pinned = json.loads((REPO / "package.json").read_text(encoding="utf-8"))["dependencies"]
    commands = [
        shlex.split(command)
        for step in buildspec_commands(pipeline_template_of(assembly_of(mode))).values()
        for command in step
    ]
    npm_installs = [c for c in commands if c[:2] == ["npm", "install"]]
    assert npm_installs  # the self-update installs the CLI, and so does the change summary
    for command in npm_installs:
        packages = [arg for arg in command[2:] if not arg.startswith("-")]
        assert packages
        assert all(package.rpartition("@")[::2] in pinned.items() for package in packages), command
    for command in commands:
        assert not any(tool in arg for arg in command for tool in DEV_TOOLS), command
        if command[0] == "make":
            assert command[1] == "pipeline-synth", command


def test_the_synth_step_builds_only_what_synthesis_needs() -> None:
    """What ``make pipeline-synth`` would run (``make -n``): the runtime pins, the construct
    library and the operators' package, the CDK CLI without the development packages."""
    planned = subprocess.run(
        ["make", "-n", "--no-print-directory", "pipeline-synth", f"CONFIG={CONFIG_FILE}"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.splitlines()
    installs = [line for line in planned if " install " in f" {line} " or " ci " in line]
    python = "-r requirements-app.txt ./constructs ./scripts/developer_roles"
    assert any(python in line for line in installs)
    assert any(line.startswith("npm ci --omit=dev") for line in installs)
    assert not any(tool in line for line in planned for tool in DEV_TOOLS), planned
    assert planned[-1].split()[1:3] == ["synth", "--quiet"]


def test_targets_in_other_regions_get_a_replication_bucket_like_the_artifact_bucket(
    assembly_of: Callable[[str], Path],
) -> None:
    assembly = assembly_of("pipeline, other accounts and regions")
    regions = sorted(
        p.name.removesuffix(".template.json").rsplit("_", 1)[1]
        for p in assembly.glob("cross-region-stack-*.template.json")
    )
    assert regions == ["ap-southeast-2", "us-east-1"]  # not eu-west-1, the pipeline's own
    for region in regions:
        (path,) = assembly.glob(f"cross-region-stack-*_{region}.template.json")
        resources = json.loads(path.read_text(encoding="utf-8"))["Resources"].values()
        (key,) = [r for r in resources if r["Type"] == "AWS::KMS::Key"]
        assert key["Properties"]["EnableKeyRotation"] is True
        buckets = [r["Properties"] for r in resources if r["Type"] == "AWS::S3::Bucket"]
        (replication,) = [b for b in buckets if "LoggingConfiguration" in b]
        assert replication["VersioningConfiguration"] == {"Status": "Enabled"}
        assert "KMSMasterKeyID" in json.dumps(replication["BucketEncryption"])


def test_the_real_cdk_synth_builds_a_pipeline_that_deploys_the_file_it_was_given(
    cli_assembly: Path, checked: tuple[Verdict, list[str]]
) -> None:
    verdict, templates = checked
    template = json.loads(
        (cli_assembly / "DeveloperRolesPipeline.template.json").read_text(encoding="utf-8")
    )
    (make_synth,) = step_commands(template, "Synth")
    config_arg = shlex.split(make_synth)[-1]
    assert config_arg.startswith("CONFIG=.check-templates-")
    config_file = config_arg.removeprefix("CONFIG=")
    assert config_file.endswith(f"/{slug(MODE_BY_CLI)}.json")
    preflight = shlex.split(step_commands(template, "Preflight")[-1])
    assert preflight[2:4] == ["--config", config_file]
    assert any(name.startswith(f"{BY_CLI}/") for name in templates)
    unacknowledged = [
        finding.describe()
        for finding in verdict.unacknowledged
        if finding.template.startswith(f"{BY_CLI}/")
    ]
    assert unacknowledged == []
