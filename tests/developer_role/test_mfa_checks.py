"""The MFA trust rule as a CDK validation plugin, on roles made the ways CDK apps make them."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import Acknowledgment, App, NestedStack, Stack, Stage, Validations
from aws_cdk import aws_iam as iam
from constructs import Construct

from developer_role import DeveloperRole, MfaTrustChecks
from developer_role.mfa_checks import acknowledgment_id

ALICE = "arn:aws:iam::123456789012:user/alice"
MFA = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
AGE = {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}
SAML = "arn:aws:iam::123456789012:saml-provider/company"


def with_statement(stack: Stack, id_: str) -> None:
    role = iam.Role(stack, id_, assumed_by=iam.ServicePrincipal("ec2.amazonaws.com"))
    assert role.assume_role_policy is not None
    role.assume_role_policy.add_statements(
        iam.PolicyStatement(
            sid="Humans", actions=["sts:AssumeRole"], principals=[iam.ArnPrincipal(ALICE)]
        )
    )


def saml(stack: Stack, id_: str) -> None:
    provider = iam.SamlProvider.from_saml_provider_arn(stack, "Idp", SAML)
    iam.Role(stack, id_, assumed_by=iam.SamlConsolePrincipal(provider))


def role(principal: Callable[[], iam.IPrincipal]) -> Callable[[Stack, str], None]:
    def make(stack: Stack, id_: str) -> None:
        iam.Role(stack, id_, assumed_by=principal())

    return make


def raw(document: dict[str, Any]) -> Callable[[Stack, str], None]:
    def make(stack: Stack, id_: str) -> None:
        iam.CfnRole(stack, id_, assume_role_policy_document=document)

    return make


def developer(**props: Any) -> Callable[[Stack, str], None]:
    def make(stack: Stack, id_: str) -> None:
        DeveloperRole(stack, id_, **props)

    return make


CASES: dict[str, tuple[Callable[[Stack, str], None], list[str]]] = {
    "account-root": (role(iam.AccountRootPrincipal), ["MFA1[Statement::0]"]),
    "arn": (role(lambda: iam.ArnPrincipal(ALICE)), ["MFA1[Statement::0]"]),
    "account": (role(lambda: iam.AccountPrincipal("210987654321")), ["MFA1[Statement::0]"]),
    "any": (role(iam.AnyPrincipal), ["MFA1[Statement::0]"]),
    "conditions-mfa-and-age": (
        role(lambda: iam.PrincipalWithConditions(iam.ArnPrincipal(ALICE), {**MFA, **AGE})),
        [],
    ),
    "conditions-mfa-only": (
        role(lambda: iam.PrincipalWithConditions(iam.AccountRootPrincipal(), MFA)),
        ["MFA3[Statement::0]"],
    ),
    "conditions-bool-if-exists": (
        role(
            lambda: iam.PrincipalWithConditions(
                iam.AccountRootPrincipal(),
                {"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}, **AGE},
            )
        ),
        ["MFA4[Statement::0]"],  # the age key exists only with MFA: safe, but unusual
    ),
    "conditions-bool-if-exists-alone": (
        role(
            lambda: iam.PrincipalWithConditions(
                iam.AccountRootPrincipal(), {"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}
            )
        ),
        ["MFA2[Statement::0]"],
    ),
    "composite-service-and-user": (
        role(
            lambda: iam.CompositePrincipal(
                iam.ServicePrincipal("lambda.amazonaws.com"), iam.ArnPrincipal(ALICE)
            )
        ),
        ["MFA1[Statement::1]"],  # one statement per kind of principal
    ),
    "composite-services": (
        role(
            lambda: iam.CompositePrincipal(
                iam.ServicePrincipal("lambda.amazonaws.com"),
                iam.ServicePrincipal("ec2.amazonaws.com"),
            )
        ),
        [],
    ),
    "service": (role(lambda: iam.ServicePrincipal("lambda.amazonaws.com")), []),
    "web-identity": (role(lambda: iam.WebIdentityPrincipal("accounts.google.com")), []),
    "saml": (saml, []),
    "raw-json-without-mfa": (
        raw(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": {"AWS": ALICE}, "Action": "sts:*"}],
            }
        ),
        ["MFA1[Statement::0]"],
    ),
    "raw-json-with-mfa": (
        raw(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "People",
                        "Effect": "Allow",
                        "Principal": {"AWS": ALICE},
                        "Action": "sts:AssumeRole",
                        "Condition": {**MFA, **AGE},
                    }
                ],
            }
        ),
        [],
    ),
    "added-statement-with-a-sid": (with_statement, ["MFA1[Statement::1]"]),
    "developer-role": (developer(principals=[ALICE]), []),
    "developer-team-role": (
        developer(
            principal_arn_patterns=["arn:aws:iam::123456789012:user/team-*"],
            require_source_identity=True,
        ),
        [],
    ),
    "developer-org-role": (developer(principal_org_id="o-a1b2c3d4e5"), []),
}


def report(outdir: Path) -> dict[str, Any]:
    data = json.loads((outdir / "validation-report.json").read_text(encoding="utf-8"))
    (plugin,) = [p for p in data["pluginReports"] if p["pluginName"] == "MfaTrust"]
    return dict(plugin)


def by_construct(violations: list[dict[str, Any]]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for violation in violations:
        for construct in violation["violatingConstructs"]:
            found.setdefault(construct["constructPath"], []).append(violation["ruleName"])
    return found


@pytest.fixture(scope="module")
def table_report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every case as one stack of one app, synthesized once."""
    outdir = tmp_path_factory.mktemp("mfa-checks")
    app = App(outdir=str(outdir))
    for name, (make, _) in CASES.items():
        make(Stack(app, name), "Role")
    Validations.of(app).add_plugins(MfaTrustChecks())
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    return report(outdir)


@pytest.mark.parametrize("case", list(CASES))
def test_rule_table(table_report: dict[str, Any], case: str) -> None:
    found = by_construct(table_report["violations"])
    paths = [path for path in found if path.split("/")[0] == case]
    rules = [re.sub(r"Role::Role[0-9A-F]*/", "", rule) for path in paths for rule in found[path]]
    assert rules == CASES[case][1]


def test_findings_name_the_role_the_statement_and_the_fix(table_report: dict[str, Any]) -> None:
    (violation,) = [
        v
        for v in table_report["violations"]
        if v["violatingConstructs"][0]["constructPath"].startswith("arn/")
    ]
    assert violation["severity"] == "error"
    assert violation["description"].startswith("role Role")
    assert (
        f"statement 0 lets {ALICE} assume the role with long-term access keys or a session "
        "without MFA"
    ) in violation["description"]
    assert '"Bool": {"aws:MultiFactorAuthPresent": "true"}' in violation["suggestedFix"]
    (construct,) = violation["violatingConstructs"]
    assert construct["cloudFormationResource"]["propertyPaths"] == [
        "Properties/AssumeRolePolicyDocument/Statement/0"
    ]


def synth_one(
    tmp_path: Path, build: Callable[[Construct], object]
) -> tuple[BaseException | None, dict[str, Any]]:
    app = App(outdir=str(tmp_path))
    build(Stack(app, "Test"))
    Validations.of(app).add_plugins(MfaTrustChecks())
    try:
        app.synth()
    except RuntimeError as error:
        return error, report(tmp_path)
    return None, report(tmp_path) if (tmp_path / "validation-report.json").exists() else {}


def test_an_unacknowledged_error_fails_synthesis(tmp_path: Path) -> None:
    error, plugin = synth_one(
        tmp_path, lambda stack: iam.Role(stack, "Ci", assumed_by=iam.ArnPrincipal(ALICE))
    )
    assert error is not None
    assert "ValidationFailed" in str(error)
    assert plugin["conclusion"] == "failure"


def test_an_acknowledged_error_passes_with_its_reason_in_the_report(tmp_path: Path) -> None:
    reason = "The CI user signs with an access key; it has no MFA device."

    def build(stack: Construct) -> None:
        ci = iam.Role(stack, "Ci", assumed_by=iam.ArnPrincipal(ALICE))
        Validations.of(ci).acknowledge(
            Acknowledgment(id=acknowledgment_id("MFA1", 0), reason=reason)
        )

    error, plugin = synth_one(tmp_path, build)
    assert error is None
    assert plugin["violations"] == []
    (suppressed,) = plugin["suppressedViolations"]
    assert suppressed["ruleName"] == "MFA1[Statement::0]"
    assert suppressed["reason"] == reason
    assert suppressed["acknowledgedId"] == "MfaTrust::MFA1[Statement::0]"


def test_an_acknowledgment_covers_only_its_finding_and_scope(tmp_path: Path) -> None:
    def build(stack: Construct) -> None:
        covered = iam.Role(stack, "Covered", assumed_by=iam.ArnPrincipal(ALICE))
        iam.Role(stack, "Other", assumed_by=iam.ArnPrincipal(ALICE))
        Validations.of(covered).acknowledge(
            Acknowledgment(id=acknowledgment_id("MFA2", 0), reason="not this finding"),
            Acknowledgment(id=acknowledgment_id("MFA1", 0), reason="this role only"),
        )

    error, plugin = synth_one(tmp_path, build)
    assert error is not None
    assert list(by_construct(plugin["violations"])) == ["Test/Other/Resource"]


def test_a_warning_alone_does_not_fail_synthesis(tmp_path: Path) -> None:
    error, plugin = synth_one(
        tmp_path,
        lambda stack: iam.Role(
            stack,
            "NoAge",
            assumed_by=iam.PrincipalWithConditions(iam.ArnPrincipal(ALICE), MFA),
        ),
    )
    assert error is None
    assert [v["severity"] for v in plugin["violations"]] == ["warning"]


def test_plugin_identifies_itself() -> None:
    plugin = MfaTrustChecks()
    assert (plugin.name, plugin.rule_ids) == (
        "MfaTrust",
        ["MFA1", "MFA2", "MFA3", "MFA4", "MFA5"],
    )


def test_findings_name_the_role_in_their_id(table_report: dict[str, Any]) -> None:
    (violation,) = [
        v
        for v in table_report["violations"]
        if v["violatingConstructs"][0]["constructPath"].startswith("arn/")
    ]
    (construct,) = violation["violatingConstructs"]
    logical_id = construct["cloudFormationResource"]["logicalId"]
    assert violation["ruleName"] == f"MFA1[Role::{logical_id}/Statement::0]"


def nested_ci(stack: Construct) -> iam.Role:
    return iam.Role(NestedStack(stack, "Inner"), "Ci", assumed_by=iam.ArnPrincipal(ALICE))


def test_a_role_in_a_nested_stack_fails_synthesis_naming_the_nested_stack(
    tmp_path: Path,
) -> None:
    error, plugin = synth_one(tmp_path, nested_ci)
    assert error is not None
    (violation,) = plugin["violations"]
    assert "in nested stack Test/Inner:" in violation["description"]
    (construct,) = violation["violatingConstructs"]
    assert construct["constructPath"] == "Test/Inner/Ci/Resource"
    assert construct["cloudFormationResource"]["templatePath"].endswith(".nested.template.json")


def test_roles_in_nested_stacks_of_nested_stacks_are_checked(tmp_path: Path) -> None:
    def build(stack: Construct) -> None:
        deeper = NestedStack(NestedStack(stack, "Outer"), "Deeper")
        iam.Role(deeper, "Ci", assumed_by=iam.ArnPrincipal(ALICE))

    error, plugin = synth_one(tmp_path, build)
    assert error is not None
    assert list(by_construct(plugin["violations"])) == ["Test/Outer/Deeper/Ci/Resource"]


def test_an_acknowledgment_on_a_nested_role_is_honoured(tmp_path: Path) -> None:
    def build(stack: Construct) -> None:
        Validations.of(nested_ci(stack)).acknowledge(
            Acknowledgment(id="MfaTrust::MFA1[Statement::0]", reason="CI has no MFA device")
        )

    error, plugin = synth_one(tmp_path, build)
    assert error is None
    assert [s["reason"] for s in plugin["suppressedViolations"]] == ["CI has no MFA device"]


@pytest.mark.parametrize(
    "where", ["app-and-stage", "stage-only", "app-only", "same-object-twice"], ids=str
)
def test_a_stage_finding_is_reported_once(tmp_path: Path, where: str) -> None:
    app = App(outdir=str(tmp_path))
    stage = Stage(app, "Prod")
    iam.Role(Stack(stage, "Roles"), "Ci", assumed_by=iam.ArnPrincipal(ALICE))
    if where != "stage-only":
        Validations.of(app).add_plugins(MfaTrustChecks())
    if where != "app-only":
        Validations.of(stage).add_plugins(MfaTrustChecks())
    if where == "same-object-twice":
        Validations.of(app).add_plugins(MfaTrustChecks())
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    data = json.loads((tmp_path / "validation-report.json").read_text(encoding="utf-8"))
    violations = [
        v for p in data["pluginReports"] if p["pluginName"] == "MfaTrust" for v in p["violations"]
    ]
    assert list(by_construct(violations)) == ["Prod/Roles/Ci/Resource"]
    assert len(violations) == 1


def two_roles(stack: Construct) -> tuple[iam.Role, iam.Role]:
    return (
        iam.Role(stack, "Ci", assumed_by=iam.ArnPrincipal(ALICE)),
        iam.Role(stack, "Other", assumed_by=iam.ArnPrincipal(ALICE)),
    )


def test_an_acknowledgment_on_the_stack_naming_the_role_covers_that_role_only(
    tmp_path: Path,
) -> None:
    def build(stack: Construct) -> None:
        ci, _ = two_roles(stack)
        logical_id = Stack.of(ci).get_logical_id(ci.node.default_child)  # type: ignore[arg-type]
        Validations.of(stack).acknowledge(
            Acknowledgment(
                id=acknowledgment_id("MFA1", 0, role=logical_id), reason="CI has no MFA device"
            )
        )

    error, plugin = synth_one(tmp_path, build)
    assert error is not None
    assert list(by_construct(plugin["violations"])) == ["Test/Other/Resource"]
    (suppressed,) = plugin["suppressedViolations"]
    assert suppressed["violatingConstructs"][0]["constructPath"] == "Test/Ci/Resource"
    assert suppressed["reason"] == "CI has no MFA device"


@pytest.mark.parametrize(
    "ack_id",
    [
        "MfaTrust::MFA1[Statement::0]",
        "MFA1[Statement::0]",
        "MfaTrust::MFA1[Role::{role}/Statement::0]",
        "MFA1[Role::{role}/Statement::0]",
    ],
    ids=["full", "short", "full-with-role", "short-with-role"],
)
def test_every_acknowledgment_form_on_the_role_is_honoured_with_its_reason(
    tmp_path: Path, ack_id: str
) -> None:
    def build(stack: Construct) -> None:
        ci, _ = two_roles(stack)
        logical_id = Stack.of(ci).get_logical_id(ci.node.default_child)  # type: ignore[arg-type]
        Validations.of(ci).acknowledge(
            Acknowledgment(id=ack_id.format(role=logical_id), reason="no MFA device")
        )

    error, plugin = synth_one(tmp_path, build)
    assert error is not None  # the other role still fails
    assert list(by_construct(plugin["violations"])) == ["Test/Other/Resource"]
    (suppressed,) = plugin["suppressedViolations"]
    assert suppressed["reason"] == "no MFA device"
    assert suppressed["violatingConstructs"][0]["constructPath"] == "Test/Ci/Resource"


def test_a_short_form_acknowledgment_of_another_role_covers_nothing(tmp_path: Path) -> None:
    def build(stack: Construct) -> None:
        two_roles(stack)
        Validations.of(stack).acknowledge(
            Acknowledgment(id="MFA1[Role::NotARole/Statement::0]", reason="wrong role")
        )

    error, plugin = synth_one(tmp_path, build)
    assert error is not None
    assert len(by_construct(plugin["violations"])) == 2


def test_a_short_form_acknowledgment_on_the_stack_covers_its_roles(tmp_path: Path) -> None:
    def build(stack: Construct) -> None:
        two_roles(stack)
        Validations.of(stack).acknowledge(
            Acknowledgment(id="MFA1[Statement::0]", reason="both are CI users")
        )

    error, plugin = synth_one(tmp_path, build)
    assert error is None
    assert plugin["violations"] == []
    assert [s["reason"] for s in plugin["suppressedViolations"]] == ["both are CI users"] * 2


def test_a_short_form_acknowledgment_in_a_stage_is_honoured(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path))
    stack = Stack(Stage(app, "Prod"), "Roles")
    ci, _ = two_roles(stack)
    Validations.of(ci).acknowledge(Acknowledgment(id="MFA1[Statement::0]", reason="CI"))
    Validations.of(app).add_plugins(MfaTrustChecks())
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    data = json.loads((tmp_path / "validation-report.json").read_text(encoding="utf-8"))
    (plugin,) = [p for p in data["pluginReports"] if p["pluginName"] == "MfaTrust"]
    assert list(by_construct(plugin["violations"])) == ["Prod/Roles/Other/Resource"]
    assert [s["reason"] for s in plugin["suppressedViolations"]] == ["CI"]


def test_the_documented_acknowledgment_form_covers_a_developer_role_and_a_plain_role(
    tmp_path: Path,
) -> None:
    """The README's one form, ``MfaTrust::<rule>[Role::<logical ID>/Statement::<index>]``
    on the stack, for a DeveloperRole (whose statement has a Sid) and an iam.Role (none)."""

    def build(stack: Construct) -> None:
        ci = iam.Role(stack, "Ci", assumed_by=iam.ArnPrincipal(ALICE))
        developer = DeveloperRole(stack, "Dev", principals=[ALICE])
        developer.cfn_role.add_property_deletion_override(
            "AssumeRolePolicyDocument.Statement.0.Condition"
        )
        for role, reason in ((ci.node.default_child, "CI"), (developer.cfn_role, "break glass")):
            logical_id = Stack.of(stack).get_logical_id(role)  # type: ignore[arg-type]
            Validations.of(stack).acknowledge(
                Acknowledgment(id=f"MfaTrust::MFA1[Role::{logical_id}/Statement::0]", reason=reason)
            )

    error, plugin = synth_one(tmp_path, build)
    assert error is None
    assert plugin["violations"] == []
    assert sorted(
        (s["reason"], s["violatingConstructs"][0]["constructPath"])
        for s in plugin["suppressedViolations"]
    ) == [("CI", "Test/Ci/Resource"), ("break glass", "Test/Dev/Role/Resource")]
