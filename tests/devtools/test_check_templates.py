"""cfn-lint and checkov on the templates: offline, and only acknowledged findings pass."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from devtools.check_templates import (
    MODES,
    Acknowledgment,
    CheckError,
    Finding,
    Resource,
    find_tool,
    main,
    offline_environment,
    parse_acknowledgments,
    template_name,
    templates_in,
    triage,
)

ROLE = Resource("Admin", "AWS::IAM::Role", "Bad/Admin/Resource")
BUCKET = Resource("Bucket", "AWS::S3::Bucket", "Bad/Bucket/Resource")
REASON = "a reason long enough for a reviewer to judge"


def finding(tool="checkov", rule="CKV_AWS_60", resource=ROLE) -> Finding:
    return Finding(tool, rule, "Bad.template.json", resource, "message")


def test_an_acknowledgment_needs_a_reason_and_a_known_tool():
    raw = {
        "acknowledgments": [
            {"tool": "checkov", "rule": "CKV_AWS_60"},
            {"tool": "tfsec", "rule": "X", "reason": REASON},
            {"tool": "cfn-lint", "rule": "W1", "reason": REASON, "resource": "Admin"},
        ]
    }
    with pytest.raises(CheckError) as caught:
        parse_acknowledgments(raw, "acks.yaml")
    message = str(caught.value)
    assert "acks.yaml: acknowledgment 1: reason must say why" in message
    assert "acknowledgment 2: tool must be one of ['cfn-lint', 'checkov'], not 'tfsec'" in message
    assert "acknowledgment 3: unknown keys ['resource']" in message


def test_an_empty_file_acknowledges_nothing():
    assert parse_acknowledgments(None, "x") == []
    assert parse_acknowledgments({"acknowledgments": []}, "x") == []


def test_an_acknowledgment_covers_one_rule_of_one_tool_within_its_scope():
    ack = Acknowledgment("checkov", "CKV_AWS_60", REASON, "AWS::IAM::Role", "Bad/*/Resource")
    assert ack.covers(finding())
    assert not ack.covers(finding(rule="CKV_AWS_61"))
    assert not ack.covers(finding(tool="cfn-lint"))
    assert not ack.covers(finding(resource=BUCKET))
    assert not ack.covers(finding(resource=Resource("A", "AWS::IAM::Role", "Other/A/Resource")))


def test_triage_separates_acknowledged_unacknowledged_and_stale():
    covered = Acknowledgment("checkov", "CKV_AWS_60", REASON)
    stale = Acknowledgment("cfn-lint", "W3005", REASON)
    verdict = triage([finding(), finding(rule="CKV_AWS_111")], [covered, stale])
    assert [f.rule for f, _ in verdict.acknowledged] == ["CKV_AWS_60"]
    assert [f.rule for f in verdict.unacknowledged] == ["CKV_AWS_111"]
    assert verdict.stale == [stale]
    assert not verdict.passed


def test_the_tools_run_without_vendor_credentials_or_update_checks(monkeypatch):
    monkeypatch.setenv("BC_API_KEY", "secret")
    monkeypatch.setenv("PRISMA_API_URL", "https://example.invalid")
    env = offline_environment()
    assert "BC_API_KEY" not in env
    assert "PRISMA_API_URL" not in env
    assert env["CKV_SKIP_PACKAGE_UPDATE_CHECK"] == "true"
    assert env["BC_SKIP_MAPPING"] == "TRUE"


# --- The real tools. checkov lives in its own venv; see scripts/dev/checkov-requirements.txt.


@pytest.fixture(scope="module")
def tools() -> None:
    try:
        find_tool("checkov", None)
        find_tool("cfn-lint", None)
    except CheckError as error:
        if os.environ.get("CHECK_TEMPLATES_REQUIRED") == "1":
            pytest.fail(str(error))
        pytest.skip(str(error))


BAD_TEMPLATE = {
    "Resources": {
        "Admin": {
            "Type": "AWS::IAM::Role",
            "Metadata": {"aws:cdk:path": "Bad/Admin/Resource"},
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}
                    ],
                },
                "MaxSessionDuration": 100,
            },
        }
    }
}


@pytest.mark.usefixtures("tools")
def test_the_example_app_passes_and_the_pipeline_acknowledgments_are_not_stale_there(
    assembly, capsys
):
    # `assembly`: the app as configured in cdk.json, by the real `cdk synth` (tests/conftest.py).
    # Every deployment mode is checked by tests/stacks/test_deployment_matrix.py; alone, the
    # example app raises no finding at all (so none that an acknowledgment covers), and the
    # acknowledgments for the pipeline are stale here. One run of both tools says all of it.
    assert main(["--assembly", str(assembly)]) == 1
    out = capsys.readouterr().out
    assert "0 findings: 0 acknowledged, 0 not; " in out
    assert "STALE acknowledgment, matches no finding: cfn-lint W3005" in out


def test_templates_of_nested_assemblies_are_checked_too(tmp_path):
    assembly = tmp_path / "mode" / "cdk.out"
    stage = assembly / "assembly-Pipeline-Stage"
    stage.mkdir(parents=True)
    for path in (assembly / "Pipeline.template.json", stage / "Roles.template.json"):
        path.write_text(json.dumps(BAD_TEMPLATE), encoding="utf-8")
    found = templates_in(assembly)
    assert [template_name(t, [assembly]) for t in found] == [
        "cdk.out/Pipeline.template.json",
        "cdk.out/assembly-Pipeline-Stage/Roles.template.json",
    ]


def test_the_modes_cover_every_deployment_kind_off_the_example_path():
    kinds = {
        (
            next(iter((raw or {}).get("deployment", {"stacks": None}))),
            bool((raw or {}).get("identityAccount")),
        )
        for raw in MODES.values()
    }
    assert kinds >= {
        ("stacks", False),
        ("stacks", True),
        ("stackSet", False),
        ("stackSet", True),
        ("pipeline", False),
        ("pipeline", True),
    }
    pipeline_regions = {
        target["region"] != raw["deployment"]["pipeline"]["region"]
        for raw in MODES.values()
        if raw and "pipeline" in raw.get("deployment", {})
        for target in raw["targets"]
    }
    assert pipeline_regions == {True, False}


@pytest.mark.usefixtures("tools")
def test_a_finding_fails_unless_acknowledged_and_a_stale_acknowledgment_fails(tmp_path, capsys):
    assembly = tmp_path / "cdk.out"
    assembly.mkdir()
    (assembly / "Bad.template.json").write_text(json.dumps(BAD_TEMPLATE), encoding="utf-8")
    acks = {
        "acknowledgments": [
            {
                "tool": "cfn-lint",
                "rule": "E3034",
                "path": "Bad/*/Resource",
                "reason": "the test acknowledges the too-short session on purpose",
            },
            {"tool": "checkov", "rule": "CKV_AWS_21", "reason": "no bucket here, so this is stale"},
        ]
    }
    acks_file = tmp_path / "acks.yaml"
    acks_file.write_text(json.dumps(acks), encoding="utf-8")
    assert main(["--assembly", str(assembly), "--acknowledgments", str(acks_file)]) == 1
    out = capsys.readouterr().out
    assert "acknowledged: cfn-lint E3034 cdk.out/Bad.template.json: Admin (AWS::IAM::Role" in out
    assert "FINDING: checkov CKV_AWS_60 cdk.out/Bad.template.json: Admin" in out
    assert "STALE acknowledgment, matches no finding: checkov CKV_AWS_21" in out


def test_a_missing_acknowledgments_file_is_a_one_line_error(tmp_path, capsys):
    assert main(["--assembly", str(tmp_path), "--acknowledgments", str(tmp_path / "no.yaml")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("check_templates: ")
    assert "no.yaml: cannot read" in err
    assert len(err.splitlines()) == 1


def test_the_repository_acknowledgments_file_is_valid():
    from devtools.check_templates import ACKNOWLEDGMENTS, load_acknowledgments

    assert isinstance(load_acknowledgments(Path(ACKNOWLEDGMENTS)), list)


def test_without_an_assembly_every_mode_is_synthesized_and_checked_together(
    tmp_path, monkeypatch, capsys
):
    import devtools.check_templates as module

    synthesized: list[str] = []

    def fake_synthesize_modes(workdir: Path, modes: dict[str, object]) -> list[Path]:
        synthesized.extend(modes)
        return [workdir / name for name in ("a", "b")]

    checked: list[list[Path]] = []

    def fake_check(assemblies, acknowledgments, **tools):
        checked.append(list(assemblies))
        return module.Verdict([], [], []), ["a/A.template.json", "b/B.template.json"]

    monkeypatch.setattr(module, "synthesize_modes", fake_synthesize_modes)
    monkeypatch.setattr(module, "check", fake_check)
    assert main([]) == 0
    assert synthesized == list(MODES)
    assert [[p.name for p in assemblies] for assemblies in checked] == [["a", "b"]]
    assert "on 2 templates" in capsys.readouterr().out
