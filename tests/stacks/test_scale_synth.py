"""5,000 principals, synthesized for real: every stack within CloudFormation's limits, and each
principal's role stays in its stack when others are added or removed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aws_cdk import App

from developer_roles.config import validate
from stacks.app_builder import build_app

MAX_RESOURCES = 500
MAX_OUTPUTS = 200
MAX_TEMPLATE_BYTES = 1_000_000  # CloudFormation's limit for a template uploaded to S3: 1 MB


def principals(count: int, start: int = 0) -> list[str]:
    return [f"arn:aws:iam::123456789012:user/dev{i:05d}" for i in range(start, start + count)]


def synthesize(arns: list[str], outdir: Path) -> dict[str, str]:
    """Synthesize and return where each principal's role landed (principal ARN -> stack)."""
    app = App(outdir=str(outdir))
    build_app(
        app, validate({"account": "123456789012", "maxRolesPerAccount": 5000, "principals": arns})
    )
    assembly = app.synth()
    placement: dict[str, str] = {}
    for stack in assembly.stacks:
        for resource in stack.template["Resources"].values():
            if resource["Type"] == "AWS::IAM::Role":
                statement = resource["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]
                placement[statement["Principal"]["AWS"]] = stack.stack_name
    return placement


@pytest.fixture(scope="module")
def five_thousand(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    outdir = tmp_path_factory.mktemp("cdk.out")
    return outdir, synthesize(principals(5000), outdir)


def test_every_principal_gets_a_role(five_thousand: tuple[Path, dict[str, str]]) -> None:
    _, placement = five_thousand
    assert sorted(placement) == principals(5000)


def test_every_stack_is_within_cloudformation_limits(
    five_thousand: tuple[Path, dict[str, str]],
) -> None:
    outdir, placement = five_thousand
    templates = sorted(outdir.glob("*.template.json"))
    assert len(templates) == len(set(placement.values())) > 1
    for path in templates:
        template = json.loads(path.read_text())
        assert len(template["Resources"]) <= MAX_RESOURCES, path.name
        assert len(template.get("Outputs", {})) <= MAX_OUTPUTS, path.name
        assert path.stat().st_size <= MAX_TEMPLATE_BYTES, path.name


def test_principals_stay_in_their_stack_when_others_come_and_go(
    five_thousand: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    _, before = five_thousand
    kept = principals(5000)[::3]  # two thirds leave
    after = synthesize(kept + principals(200, start=90000), tmp_path)
    assert {arn: after[arn] for arn in kept} == {arn: before[arn] for arn in kept}
