"""`cdk synth` through the real CDK CLI, as platform engineers run it (no AWS credentials)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cdk_cli import REPO, assembly_tmpdir, cdk_synth


@pytest.fixture(scope="module")
def default_synth(assembly: Path) -> Path:
    """The default synthesis: the session's (tests/conftest.py), by ``cdk_synth`` without
    credentials, shared by every module that reads it."""
    return assembly


def test_default_configuration_synthesizes_one_role_per_example_principal(
    default_synth: Path,
) -> None:
    template = json.loads((default_synth / "DeveloperRoles.template.json").read_text())
    configured = json.loads((REPO / "cdk.json").read_text())["context"]["developerRoles"]
    roles = [r for r in template["Resources"].values() if r["Type"] == "AWS::IAM::Role"]
    assert len(roles) == len(configured["principals"])
    for role in roles:
        (statement,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        assert statement["Condition"]["Bool"] == {"aws:MultiFactorAuthPresent": "true"}
        assert "PowerUserAccess" in json.dumps(role["Properties"]["ManagedPolicyArns"])


def test_a_synthesis_leaves_nothing_of_the_app_in_the_temporary_folder(
    default_synth: Path,
) -> None:
    # app.py ends without the interpreter's teardown (exit_now), but after the atexit handlers:
    # jsii stops its Node.js kernel, which removes its files. Only the CDK CLI's own telemetry
    # notes may be there.
    left = sorted(path.name for path in assembly_tmpdir(default_synth).iterdir())
    assert [name for name in left if not name.startswith("cdk-telemetry-")] == []


def test_no_unacknowledged_cdk_nag_finding(default_synth: Path) -> None:
    report = json.loads((default_synth / "validation-report.json").read_text())
    assert report["pluginReports"] == []


def test_profiles_are_written_next_to_the_templates(default_synth: Path) -> None:
    profiles = (default_synth / "aws-config-profiles.ini").read_text()
    assert "[profile alice-power-user-mfa]" in profiles
    assert "role_arn = arn:aws:iam::123456789012:role/developers/PowerUser-alice" in profiles
    assert (
        "[profile alice-power-user]\n"
        "credential_process = mfa-assume --profile alice-power-user-mfa --format json\n"
    ) in profiles
    assert "/scripts/" not in profiles  # nothing of the machine that ran synthesis
    assert "mfa_max_age = 3600" in profiles


def test_configuration_with_five_mistakes_fails_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "devs.yaml").write_text(
        "principals:\n"
        "  - arn:aws:iam::123456789012:user/*\n"
        "  - '123456789012'\n"
        "  - arn:aws:iam::123456789012:user/alice\n"
        "  - arn:aws:iam::123456789012:user/alice\n"
        "  - arn: arn:aws:iam::123456789012:user/bob\n"
        "    maxSessionDuraton: 2h\n"
        "    maxMfaAge: 13h\n"
    )
    outdir = tmp_path / "out"
    result = cdk_synth(outdir, "-c", f"developerRolesFile={tmp_path / 'devs.yaml'}")
    assert result.returncode != 0
    assert "5 problems; nothing was synthesized" in result.stderr
    for fragment in ["wildcard", "whole account", "listed twice", "maxSessionDuraton", "maxMfaAge"]:
        assert fragment in result.stderr
    assert not list(outdir.glob("*.template.json"))


def metadata_types(outdir: Path) -> set[str]:
    metadata = json.loads((outdir / "DeveloperRoles.metadata.json").read_text())
    return {entry["type"] for entries in metadata.values() for entry in entries}


def test_assembly_leaves_out_creation_stacks_that_show_no_python(default_synth: Path) -> None:
    # In a Python app they hold only the jsii runtime's JavaScript frames.
    assert "aws:cdk:logicalId" in metadata_types(default_synth)
    assert "aws:cdk:creationStack" not in metadata_types(default_synth)


def test_creation_stacks_come_back_with_debug(tmp_path: Path) -> None:
    result = cdk_synth(tmp_path, "--debug")
    assert result.returncode == 0, result.stderr
    assert "aws:cdk:creationStack" in metadata_types(tmp_path)


MISTAKES = REPO / "tests" / "developer_roles" / "config" / "config_mistakes"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        pytest.param("account-octal.yaml", "quote it: '001234567012'", id="yaml-octal-account"),
        pytest.param("policy-name-typo.yaml", "did you mean 'ReadOnlyAccess'", id="policy-typo"),
        pytest.param(
            "partition-differs-from-region.yaml", "is in partition aws-cn", id="partition"
        ),
        pytest.param("latin-1.yaml", "is not UTF-8 text", id="not-utf8"),
        pytest.param("recursive-alias.yaml", "cannot parse the file", id="recursive-alias"),
    ],
)
def test_deploy_time_mistakes_fail_synthesis_without_a_traceback(
    tmp_path: Path, name: str, message: str
) -> None:
    outdir = tmp_path / "out"
    result = cdk_synth(outdir, "-c", f"developerRolesFile={MISTAKES / name}")
    assert result.returncode != 0
    assert message in result.stderr
    assert "nothing was synthesized" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not list(outdir.glob("*.template.json"))


def test_a_directory_as_the_configuration_fails_synthesis_in_one_line(tmp_path: Path) -> None:
    outdir = tmp_path / "out"
    result = cdk_synth(outdir, "-c", f"developerRolesFile={tmp_path}")
    assert result.returncode != 0
    assert "is a directory; give the path of a JSON or YAML file" in result.stderr
    assert "Traceback" not in result.stderr
    assert not list(outdir.glob("*.template.json"))
