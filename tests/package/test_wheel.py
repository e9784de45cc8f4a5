"""The construct library as others use it: the built wheel, installed into a fresh virtual
environment with no repository on the path, used by a small CDK app outside the repository."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import zipfile
from collections.abc import Mapping
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
# The same CDK and constructs versions as the app (requirements.txt pins them).
PINNED = [
    line.strip()
    for line in (REPO / "requirements.txt").read_text(encoding="utf-8").splitlines()
    if line.startswith(("aws-cdk-lib==", "constructs=="))
]

CONSUMER_APP = textwrap.dedent(
    """
    import sys

    from aws_cdk import Acknowledgment, App, Stack, Validations
    from aws_cdk import aws_iam as iam
    from aws_cdk import aws_s3 as s3

    from developer_role import DeveloperRole, MfaTrustChecks

    app = App(outdir=sys.argv[1])
    stack = Stack(app, "Consumer")
    developer = DeveloperRole(
        stack, "Dev", principals=["arn:aws:iam::123456789012:user/alice"], path="/developers/"
    )
    s3.Bucket(stack, "Data").grant_read(developer.role)
    ci = iam.Role(stack, "Ci", assumed_by=iam.ArnPrincipal("arn:aws:iam::123456789012:user/ci"))
    if sys.argv[2] == "acknowledged":
        Validations.of(ci).acknowledge(
            Acknowledgment(id="MfaTrust::MFA1[Statement::0]", reason="CI has no MFA device")
        )
    Validations.of(app).add_plugins(MfaTrustChecks())
    try:
        app.synth()
    except RuntimeError as error:
        print(str(error).splitlines()[0], file=sys.stderr)
        sys.exit(1)
    """
)


def run(command: list[str], env: Mapping[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, env=dict(env), cwd=cwd, capture_output=True, text=True)


@pytest.fixture(scope="module")
def consumer(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A fresh venv with the wheel installed, an app directory, and the environment to run in."""
    root = tmp_path_factory.mktemp("consumer")
    assert REPO not in root.parents
    wheels = root / "wheels"
    # Built from a copy: setuptools writes build/ and egg-info/ next to the sources.
    source = shutil.copytree(
        REPO / "constructs", root / "source", ignore=shutil.ignore_patterns("build", "*.egg-info")
    )
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    build = subprocess.run(
        [*pip, "wheel", "--quiet", "--no-deps", str(source), "-w", str(wheels)],
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, build.stderr
    (wheel,) = wheels.glob("developer_role_construct-*.whl")
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    install = subprocess.run(
        [*pip, "--python", str(python), "install", "--quiet", str(wheel), *PINNED],
        capture_output=True,
        text=True,
    )
    assert install.returncode == 0, install.stderr
    # jsii needs Node.js: only the project's `node` goes on PATH, not its Python.
    tools = root / "bin"
    tools.mkdir()
    (tools / "node").symlink_to(VENV_BIN / "node")
    env = {
        "PATH": os.pathsep.join([str(venv / "bin"), str(tools), "/usr/bin", "/bin"]),
        "HOME": str(root),
        "PYTHONNOUSERSITE": "1",
        "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
    }
    app_dir = root / "app"
    app_dir.mkdir()
    (app_dir / "app.py").write_text(CONSUMER_APP, encoding="utf-8")
    return app_dir, env


def test_wheel_ships_the_typing_marker_readme_and_licence(
    consumer: tuple[Path, dict[str, str]],
) -> None:
    (wheel,) = (consumer[0].parent / "wheels").glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        (metadata,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        text = archive.read(metadata).decode()
    assert "developer_role/py.typed" in names
    assert any(n.endswith("licenses/LICENSE") for n in names)
    assert "Classifier: Framework :: AWS CDK :: 2" in text
    assert "Project-URL: Changelog" in text
    assert "## The MFA trust rule" in text  # the README is the long description


def test_installed_library_stands_alone(consumer: tuple[Path, dict[str, str]]) -> None:
    app_dir, env = consumer
    probe = (
        "import importlib.util, developer_role, developer_role.role; "
        "print(developer_role.__file__); "
        "print(importlib.util.find_spec('mfa_assume'), importlib.util.find_spec('stacks'))"
    )
    result = run(
        [str(Path(env["PATH"].split(os.pathsep)[0]) / "python"), "-c", probe], env, app_dir
    )
    assert result.returncode == 0, result.stderr
    location, missing = result.stdout.splitlines()
    assert "/venv/lib/" in location
    assert str(REPO) not in location
    assert missing == "None None"


def synth(consumer: tuple[Path, dict[str, str]], mode: str) -> tuple[int, Path, str]:
    app_dir, env = consumer
    outdir = app_dir / f"cdk.out.{mode}"
    python = Path(env["PATH"].split(os.pathsep)[0]) / "python"
    result = run([str(python), "app.py", str(outdir), mode], env, app_dir)
    return result.returncode, outdir, result.stderr


def test_outside_app_grants_a_bucket_and_passes_the_mfa_rule(
    consumer: tuple[Path, dict[str, str]],
) -> None:
    code, outdir, stderr = synth(consumer, "acknowledged")
    assert code == 0, stderr
    template = json.loads((outdir / "Consumer.template.json").read_text(encoding="utf-8"))
    resources = template["Resources"]
    (role_id,) = [
        key
        for key, value in resources.items()
        if value["Type"] == "AWS::IAM::Role" and value["Properties"].get("Path") == "/developers/"
    ]
    policies = [v["Properties"] for v in resources.values() if v["Type"] == "AWS::IAM::Policy"]
    (policy,) = [p for p in policies if p["Roles"] == [{"Ref": role_id}]]
    (statement,) = policy["PolicyDocument"]["Statement"]
    assert "s3:GetObject*" in statement["Action"]
    report = json.loads((outdir / "validation-report.json").read_text(encoding="utf-8"))
    (mfa,) = [p for p in report["pluginReports"] if p["pluginName"] == "MfaTrust"]
    assert mfa["conclusion"] == "success"
    assert [s["reason"] for s in mfa["suppressedViolations"]] == ["CI has no MFA device"]


def test_outside_app_fails_on_an_unacknowledged_role_without_mfa(
    consumer: tuple[Path, dict[str, str]],
) -> None:
    code, _, stderr = synth(consumer, "unacknowledged")
    assert code == 1
    assert "MfaTrust::MFA1[Statement::0]" in stderr
    assert "ValidationFailed" in stderr
