"""The construct library as others use it: the built wheel (``make dist``'s, the release file),
installed into a fresh virtual environment with no repository on the path, used by a small CDK
app outside the repository."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
# The same CDK and constructs versions as the app (requirements-app.txt pins them).
PINNED = [
    line.strip()
    for line in (REPO / "requirements-app.txt").read_text(encoding="utf-8").splitlines()
    if line.startswith(("aws-cdk-lib==", "constructs==", "cdk-nag=="))
]

CDK = REPO / "node_modules" / ".bin" / "cdk"
ALICE = "arn:aws:iam::222222222222:user/alice"

# An outside team's app: every scenario is one `cdk synth -c scenario=...` of it.
CONSUMER_APP = textwrap.dedent(
    """
    from aws_cdk import Acknowledgment, App, CfnCondition, CfnParameter, Fn, NestedStack, Stack
    from aws_cdk import Stage
    from aws_cdk import Validations
    from aws_cdk import aws_iam as iam
    from aws_cdk import aws_s3 as s3

    from developer_role import DeveloperRole, MfaTrustChecks

    app = App()
    scenario = (app.node.try_get_context("scenario") or "plain").split(",")
    stack = Stack(app, "Consumer")
    developer = DeveloperRole(
        stack,
        id="Dev",
        principals=["arn:aws:iam::222222222222:user/alice"],
        path="/developers/",
        allow_session_tags=True,
        session_tag_keys=["team"],
    )
    s3.Bucket(stack, "Data").grant_read(developer)
    users = CfnParameter(stack, "Users", type="CommaDelimitedList")
    org = CfnParameter(stack, "Org")
    DeveloperRole(
        stack, "Team", principals=users.value_as_list, principal_org_id=org.value_as_string
    )
    DeveloperRole(stack, "Split", principals=Fn.split(",", Fn.import_value("DeveloperArns")))

    ci = iam.Role(stack, "Ci", assumed_by=iam.ArnPrincipal("arn:aws:iam::222222222222:user/ci"))
    ci_id = stack.get_logical_id(ci.node.default_child)
    Validations.of(stack).acknowledge(
        Acknowledgment(
            id=f"MfaTrust::MFA1[Role::{ci_id}/Statement::0]", reason="CI has no MFA device"
        )
    )
    if "role-added-later" in scenario:
        iam.Role(stack, "Bot", assumed_by=iam.ArnPrincipal("arn:aws:iam::222222222222:user/bot"))
    if "nested" in scenario:
        inner = NestedStack(stack, "Inner")
        iam.Role(inner, "NoMfa", assumed_by=iam.ArnPrincipal("arn:aws:iam::222222222222:user/x"))
    if "stage" in scenario:
        stage = Stage(app, "Prod")
        roles = Stack(stage, "Roles")
        iam.Role(roles, "NoMfa", assumed_by=iam.ArnPrincipal("arn:aws:iam::222222222222:user/x"))
        Validations.of(stage).add_plugins(MfaTrustChecks())  # as well as on the app, below
    if "wildcards" in scenario:
        DeveloperRole(
            stack,
            "Wild",
            principals=["arn:aws:iam::222222222222:user/*", "arn:aws:iam::*:root"],
        )
    if "mfa-cases" in scenario:
        # The seven trust policies of issue 27, as an outside team writes them (see MFA_CASES).
        cases = Stack(app, "MfaCases")
        bob = "arn:aws:iam::345678901234:user/bob"
        mfa = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
        age = {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}

        def allow(condition=None, principal=bob):
            statement = {"Effect": "Allow", "Principal": {"AWS": principal}}
            statement["Action"] = "sts:AssumeRole"
            return {**statement, "Condition": condition} if condition else statement

        def case(name, *statements):
            document = {"Version": "2012-10-17", "Statement": list(statements)}
            return iam.CfnRole(cases, name, assume_role_policy_document=document)

        CfnCondition(cases, "Open", expression=Fn.condition_equals(Fn.ref("AWS::Region"), "x"))
        whole = case("WholeDocumentIf", allow({**mfa, **age}))
        whole.add_property_override(
            "AssumeRolePolicyDocument",
            {"Fn::If": ["Open", {"Statement": [allow()]}, {"Statement": [allow({**mfa, **age})]}]},
        )
        case("StringEqualsTrue", allow({"StringEquals": {"aws:MultiFactorAuthPresent": "true"}}))
        case("AgeOnly", allow(age))
        case("NullAgeFalse", allow({"Null": {"aws:MultiFactorAuthAge": "false"}}))
        any_value = {"ForAnyValue:StringEquals": {"aws:MultiFactorAuthPresent": "true"}}
        case("ForAnyValueTrue", allow(any_value))
        if_exists = {"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}
        case("BoolAndBoolIfExists", allow({**mfa, **if_exists, **age}))
        no_mfa = {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}
        deny = {"Effect": "Deny", "Principal": {"AWS": bob}, "Action": "sts:AssumeRole"}
        case("DenyForTheSamePrincipal", allow(), {**deny, "Condition": no_mfa})
    Validations.of(app).add_plugins(MfaTrustChecks())
    app.synth()
    """
)


def run(command: list[str], env: Mapping[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, env=dict(env), cwd=cwd, capture_output=True, text=True)


@pytest.fixture(scope="module")
def wheel(dist: Path) -> Path:
    """The construct library's wheel of ``make dist`` (tests/package/conftest.py)."""
    (found,) = dist.glob("developer_role_construct-*.whl")
    return found


@pytest.fixture(scope="module")
def consumer(tmp_path_factory: pytest.TempPathFactory, wheel: Path) -> tuple[Path, dict[str, str]]:
    """A fresh venv with the wheel installed, an app directory, and the environment to run in."""
    root = tmp_path_factory.mktemp("consumer")
    assert REPO not in root.parents
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    install = subprocess.run(
        [*pip, "--python", str(python), "install", "--quiet", "--no-compile", str(wheel), *PINNED],
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
        "CDK_DISABLE_VERSION_CHECK": "1",
        "CDK_DISABLE_CLI_TELEMETRY": "true",
        # The CDK's own built-in CloudFormation validation, which an outside app runs by default,
        # off by the CDK's documented variable: with the default feature flags it only warns
        # (no test here reads its warnings), and it doubled each synthesis of this app (7-13
        # CPU-s against 4). It checks nothing of the library's; the MFA rule is a plugin of its
        # own and still runs. tests/stacks/test_deployment_matrix.py runs that validation on the
        # app's templates with its findings as errors.
        "CDK_VALIDATION": "false",
        # No credentials anywhere: synthesis must not need them.
        "AWS_CONFIG_FILE": str(root / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(root / "none"),
    }
    app_dir = root / "app"
    app_dir.mkdir()
    (app_dir / "app.py").write_text(CONSUMER_APP, encoding="utf-8")
    (app_dir / "cdk.json").write_text('{"app": "python app.py"}', encoding="utf-8")
    return app_dir, env


def test_wheel_ships_the_typing_marker_readme_and_licence(wheel: Path) -> None:
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


def cdk_synth(
    app_dir: Path, env: Mapping[str, str], outdir: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    """The real CDK CLI (the project's pinned one) on the outside app, as its team runs it."""
    return subprocess.run(
        [str(CDK), "synth", "--quiet", "--no-notices", "-o", str(outdir), *args],
        cwd=app_dir,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=300,
    )


def synth(
    consumer: tuple[Path, dict[str, str]], scenario: str, *selectors: str
) -> tuple[int, Path, str]:
    app_dir, env = consumer
    outdir = app_dir / f"cdk.out.{scenario.replace(',', '-')}.{len(selectors)}"
    result = cdk_synth(app_dir, env, outdir, "-c", f"scenario={scenario}", *selectors)
    return result.returncode, outdir, result.stderr


def mfa_report(outdir: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The MfaTrust plugin's violations and acknowledged (suppressed) findings, all reports."""
    report = json.loads((outdir / "validation-report.json").read_text(encoding="utf-8"))
    plugins = [p for p in report["pluginReports"] if p["pluginName"] == "MfaTrust"]
    return (
        [v for p in plugins for v in p["violations"]],
        [v for p in plugins for v in p.get("suppressedViolations", [])],
    )


def template(outdir: Path, name: str = "Consumer") -> dict[str, Any]:
    data: dict[str, Any] = json.loads((outdir / f"{name}.template.json").read_text("utf-8"))
    return data


def roles(outdir: Path) -> dict[str, dict[str, Any]]:
    resources = template(outdir)["Resources"]
    return {k: v["Properties"] for k, v in resources.items() if v["Type"] == "AWS::IAM::Role"}


@pytest.fixture(scope="module")
def plain(consumer: tuple[Path, dict[str, str]]) -> Path:
    code, outdir, stderr = synth(consumer, "plain")
    assert code == 0, stderr
    return outdir


def test_outside_app_grants_a_bucket_to_the_construct_and_passes_the_mfa_rule(
    plain: Path,
) -> None:
    resources = template(plain)["Resources"]
    (role_id,) = [k for k, v in roles(plain).items() if v.get("Path") == "/developers/"]
    assert role_id.startswith("DevRole")  # id="Dev": the path Dev/Role/Resource
    policies = [v["Properties"] for v in resources.values() if v["Type"] == "AWS::IAM::Policy"]
    (policy,) = [p for p in policies if p["Roles"] == [{"Ref": role_id}]]
    (statement,) = policy["PolicyDocument"]["Statement"]
    assert "s3:GetObject*" in statement["Action"]
    violations, suppressed = mfa_report(plain)
    assert violations == []
    assert [s["reason"] for s in suppressed] == ["CI has no MFA device"]


def test_outside_app_gets_session_tags_under_the_mfa_conditions(plain: Path) -> None:
    (role,) = [v for v in roles(plain).values() if v.get("Path") == "/developers/"]
    (statement,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Action"] == ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"]
    assert statement["Condition"]["Bool"] == {"aws:MultiFactorAuthPresent": "true"}
    assert statement["Condition"]["ForAllValues:StringEquals"] == {"aws:TagKeys": ["team"]}


def test_outside_app_passes_list_and_organisation_tokens_through(plain: Path) -> None:
    statements = {
        key.removesuffix(key[-8:]): value["AssumeRolePolicyDocument"]["Statement"]
        for key, value in roles(plain).items()
    }
    team, by_org = statements["TeamRole"]
    assert team["Principal"] == {"AWS": {"Ref": "Users"}}
    assert by_org["Condition"]["StringEquals"] == {"aws:PrincipalOrgID": {"Ref": "Org"}}
    (split,) = statements["SplitRole"]
    assert split["Principal"] == {"AWS": {"Fn::Split": [",", {"Fn::ImportValue": "DeveloperArns"}]}}


@pytest.fixture(scope="module")
def failing(consumer: tuple[Path, dict[str, str]]) -> tuple[Path, str]:
    """One synthesis of every stack ('**') with three roles without MFA: one added to the stack
    after the CI role was acknowledged there, one in a nested stack, one in a stage (whose
    stage has the plugin too); and issue 27's seven trust policies in a stack of their own
    (MFA_CASES)."""
    code, outdir, stderr = synth(consumer, "role-added-later,nested,stage,mfa-cases", "**")
    assert code == 1, stderr
    return outdir, stderr


def violating(outdir: Path) -> list[str]:
    return [c["constructPath"] for v in mfa_report(outdir)[0] for c in v["violatingConstructs"]]


def test_an_acknowledgment_naming_a_role_does_not_cover_a_role_added_later(
    failing: tuple[Path, str],
) -> None:
    outdir, stderr = failing
    assert "Consumer/Bot/Resource" in violating(outdir)
    assert "Acknowledge with 'MfaTrust::MFA1[Role::Bot" in stderr
    assert [s["reason"] for s in mfa_report(outdir)[1]] == ["CI has no MFA device"]


def test_a_role_without_mfa_in_a_nested_stack_fails_synthesis(
    failing: tuple[Path, str],
) -> None:
    outdir, stderr = failing
    assert "Consumer/Inner/NoMfa/Resource" in violating(outdir)
    assert "in nested stack Consumer/Inner:" in stderr


def test_a_stage_finding_is_reported_once(failing: tuple[Path, str]) -> None:
    outdir, stderr = failing
    assert violating(outdir).count("Prod/Roles/NoMfa/Resource") == 1
    assert stderr.count("Prod/Roles/NoMfa/Resource") == 1
    without_mfa = ["Consumer/Bot/Resource", "Consumer/Inner/NoMfa/Resource"]
    without_mfa.append("Prod/Roles/NoMfa/Resource")
    cases = [f"MfaCases/{case}" for case, found in MFA_CASES.items() for _ in found]
    assert sorted(violating(outdir)) == sorted(without_mfa + cases)  # nothing else


def test_a_stage_finding_does_not_fail_synth_of_the_top_level_stacks(
    consumer: tuple[Path, dict[str, str]],
) -> None:
    """What the README says: `cdk synth` without a selector selects top-level stacks only."""
    code, _, stderr = synth(consumer, "stage")
    assert code == 0, stderr


def test_partial_wildcard_principals_are_refused_before_synthesis(
    consumer: tuple[Path, dict[str, str]],
) -> None:
    code, outdir, stderr = synth(consumer, "wildcards")
    assert code != 0
    assert (
        "DeveloperRoleError: principals: 'arn:aws:iam::222222222222:user/*' has a wildcard"
    ) in stderr
    assert "principals: 'arn:aws:iam::*:root' has a wildcard" in stderr
    assert not (outdir / "Consumer.template.json").exists()


def readme_programs(metadata: str) -> list[str]:
    """The README's Python examples as programs: a block that makes ``app = App()`` starts one,
    the blocks after it continue it (as a reader would paste them)."""
    programs: list[list[str]] = []
    for block in re.findall(r"```python\n(.*?)```", metadata, re.DOTALL):
        if re.search(r"^app = App\(\)$", block, re.MULTILINE) or not programs:
            programs.append([])
        programs[-1].append(block)
    return ["\n".join(blocks) + "\napp.synth()\n" for blocks in programs]


def test_the_readmes_examples_run_verbatim_with_the_cdk_cli(
    consumer: tuple[Path, dict[str, str]], wheel: Path
) -> None:
    app_dir, env = consumer
    with zipfile.ZipFile(wheel) as archive:
        (metadata,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        readme = archive.read(metadata).decode()
    programs = readme_programs(readme)
    assert len(programs) == 2  # the library's examples, then the MFA rule's app with cdk-nag
    outdirs = []
    for number, program in enumerate(programs):
        directory = app_dir.parent / f"readme{number}"
        directory.mkdir()
        (directory / "app.py").write_text(program, encoding="utf-8")
        (directory / "cdk.json").write_text('{"app": "python app.py"}', encoding="utf-8")
        result = cdk_synth(directory, env, directory / "cdk.out", "**")
        assert result.returncode == 0, result.stderr
        outdirs.append(directory / "cdk.out")
    # The role imported by name in another stack is the role itself, not "developers".
    consumers = json.loads((outdirs[0] / "Consumers.template.json").read_text("utf-8"))
    (policy,) = [
        r["Properties"] for r in consumers["Resources"].values() if r["Type"] == "AWS::IAM::Policy"
    ]
    (role,) = policy["Roles"]
    assert list(role) == ["Fn::ImportValue"]
    # cdk-nag and the MFA rule pass: PowerUserAccess and the CI role are acknowledged.
    violations, suppressed = mfa_report(outdirs[1])
    assert violations == []
    assert [s["ruleName"].split("[")[0] for s in suppressed] == ["MFA1"]


# Issue 27's seven trust policies and IAM's verdict on each: the rule's findings (rule, level).
# Only the first lets a request without MFA in (in its branch where Open is true); the six
# others require MFA, in unusual forms (MFA4) and some without an age limit (MFA3).
MFA_CASES: dict[str, list[tuple[str, str]]] = {
    "WholeDocumentIf": [("MFA1", "error")],
    "StringEqualsTrue": [("MFA4", "warning"), ("MFA3", "warning")],
    "AgeOnly": [("MFA4", "warning")],
    "NullAgeFalse": [("MFA4", "warning"), ("MFA3", "warning")],
    "ForAnyValueTrue": [("MFA4", "warning"), ("MFA3", "warning")],
    "BoolAndBoolIfExists": [],
    "DenyForTheSamePrincipal": [("MFA3", "warning")],
}


@pytest.fixture(scope="module")
def mfa_cases(failing: tuple[Path, str]) -> tuple[Path, str]:
    """The seven cases' stack is synthesized with the failing roles' (one `cdk synth`)."""
    return failing


@pytest.mark.parametrize("case", list(MFA_CASES))
def test_issue_27_trust_policies_get_iams_verdict(mfa_cases: tuple[Path, str], case: str) -> None:
    outdir, _ = mfa_cases
    found = sorted(
        (v["ruleName"].split("[")[0], v["severity"])
        for v in mfa_report(outdir)[0]
        for c in v["violatingConstructs"]
        if c["constructPath"] == f"MfaCases/{case}"
    )
    assert found == sorted(MFA_CASES[case])


def test_a_trust_policy_under_fn_if_fails_naming_its_branch_and_request(
    mfa_cases: tuple[Path, str],
) -> None:
    _, stderr = mfa_cases
    # One message (other roles of the synthesis are let in "with long-term access keys or a
    # session without MFA" too, but under no Fn::If branch).
    message = (
        "where Open is true: statement 0 lets arn:aws:iam::345678901234:user/bob assume the "
        "role with long-term access keys or a session without MFA"
    )
    assert re.search(r"\s+".join(map(re.escape, message.split())), stderr), stderr
    assert "where Open is false" not in stderr
