"""The MFA trust rule's pure logic: which trust policy statements let people in without MFA."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from developer_role.mfa_rule import TrustFinding, trust_findings
from developer_role.trust import trust_policy

ALICE = "arn:aws:iam::123456789012:user/alice"
BOB = "arn:aws:iam::345678901234:user/bob"
MFA = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
AGE = {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}
ROOT_TOKEN = {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::1:root"]]}


def statement(principal: Any = None, action: Any = "sts:AssumeRole", **extra: Any) -> Any:
    body: dict[str, Any] = {"Effect": "Allow", "Action": action, **extra}
    body["Principal"] = {"AWS": ALICE} if principal is None else principal
    return body


def rules(*statements: Any) -> list[tuple[str, str | int]]:
    document = {"Version": "2012-10-17", "Statement": list(statements)}
    return [(f.rule, f.statement) for f in trust_findings(document)]


@pytest.mark.parametrize(
    ("statements", "expected"),
    [
        pytest.param([statement()], [("MFA1", 0)], id="user-without-mfa"),
        pytest.param([statement({"AWS": ROOT_TOKEN})], [("MFA1", 0)], id="account-as-token"),
        pytest.param([statement({"AWS": "123456789012"})], [("MFA1", 0)], id="account-id"),
        pytest.param([statement("*")], [("MFA1", 0)], id="everyone"),
        pytest.param([statement({"AWS": [ALICE, "*"]})], [("MFA1", 0)], id="aws-star"),
        pytest.param([statement(action="sts:*")], [("MFA1", 0)], id="sts-star"),
        pytest.param([statement(action="*")], [("MFA1", 0)], id="star"),
        pytest.param([statement(action="STS:Assume*")], [("MFA1", 0)], id="case-and-wildcard"),
        pytest.param([statement(action=["s3:GetObject"])], [], id="other-action"),
        pytest.param(
            [{"Effect": "Allow", "Principal": {"AWS": ALICE}, "NotAction": "s3:*"}],
            [("MFA1", 0)],
            id="not-action",
        ),
        pytest.param(
            [{"Effect": "Allow", "Principal": {"AWS": ALICE}, "NotAction": "sts:*"}],
            [],
            id="not-action-excluding-sts",
        ),
        pytest.param([statement(Condition={**MFA, **AGE})], [], id="mfa-and-age"),
        pytest.param([statement(Condition=MFA)], [("MFA3", 0)], id="mfa-without-age"),
        pytest.param(
            [statement(Condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}, **AGE})],
            [("MFA4", 0)],  # the age key exists only with MFA: long-term keys fail it
            id="bool-if-exists-with-age",
        ),
        pytest.param(
            [
                statement(
                    Condition={
                        **MFA,
                        **AGE,
                        "BoolIfExists": {"aws:MultiFactorAuthPresent": "true"},
                    }
                )
            ],
            [],  # both must hold: Bool "true" alone keeps requests without MFA out
            id="bool-if-exists-beside-bool",
        ),
        pytest.param(
            [statement(Condition={"Bool": {"aws:MultiFactorAuthPresent": "false"}})],
            [("MFA1", 0)],
            id="mfa-false",
        ),
        pytest.param(
            [statement(Condition={"Bool": {"aws:MultiFactorAuthPresent": ["true", "false"]}})],
            [("MFA1", 0)],
            id="mfa-true-or-false",
        ),
        pytest.param(
            [statement(Condition={"bool": {"AWS:MultiFactorAuthPresent": True}, **AGE})],
            [],
            id="keys-ignore-case",
        ),
        pytest.param(
            [statement(Condition={**MFA, "NumericLessThanEquals": {"aws:MultiFactorAuthAge": 60}})],
            [],
            id="age-less-than-equals",
        ),
        pytest.param([statement({"Service": "lambda.amazonaws.com"})], [], id="service"),
        pytest.param(
            [statement({"Federated": "cognito-identity.amazonaws.com"}, "sts:*")],
            [],
            id="federated-web-identity",
        ),
        pytest.param(
            [
                statement(
                    {"Federated": "arn:aws:iam::1:saml-provider/idp"}, "sts:AssumeRoleWithSAML"
                )
            ],
            [],
            id="federated-saml",
        ),
        pytest.param(
            [statement({"Service": "ec2.amazonaws.com", "AWS": ALICE})],
            [("MFA1", 0)],
            id="service-and-user",
        ),
        pytest.param([{**statement(), "Effect": "Deny"}], [], id="deny"),
        pytest.param(
            [{"Effect": "Allow", "NotPrincipal": {"AWS": ALICE}, "Action": "sts:AssumeRole"}],
            [("MFA1", 0)],
            id="not-principal",
        ),
        pytest.param([{"Fn::If": ["C", statement(), {}]}], [("MFA1", 0)], id="cfn-function"),
        pytest.param(
            [statement({"Service": "ec2.amazonaws.com"}), {**statement(), "Sid": "Humans"}],
            [("MFA1", 1)],
            id="named-by-index-with-a-sid",
        ),
    ],
)
def test_findings(statements: list[Any], expected: list[tuple[str, str | int]]) -> None:
    assert rules(*statements) == expected


def deny(condition: Any, principal: Any = "*", action: Any = "sts:AssumeRole") -> Any:
    return {"Effect": "Deny", "Principal": principal, "Action": action, "Condition": condition}


NO_MFA_IF_EXISTS = {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}
OLD_MFA = {"NumericGreaterThan": {"aws:MultiFactorAuthAge": "3600"}}


@pytest.mark.parametrize(
    ("statements", "expected"),
    [
        pytest.param(
            [statement(), deny(NO_MFA_IF_EXISTS), deny(OLD_MFA)], [], id="deny-without-mfa-and-old"
        ),
        pytest.param([deny(NO_MFA_IF_EXISTS), statement()], [("MFA3", 1)], id="deny-first"),
        pytest.param(
            [statement(), deny(NO_MFA_IF_EXISTS, principal={"AWS": "*"}, action="sts:*")],
            [("MFA3", 0)],
            id="deny-aws-star-sts-star",
        ),
        pytest.param(
            [
                statement(Condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}),
                deny(NO_MFA_IF_EXISTS),
            ],
            [("MFA3", 0)],
            id="allow-if-exists-guarded",
        ),
        pytest.param(
            [statement(), deny({"Bool": {"aws:MultiFactorAuthPresent": "false"}})],
            [("MFA2", 0)],
            id="deny-bool-false-misses-long-term-keys",
        ),
        pytest.param(
            [statement(), deny(NO_MFA_IF_EXISTS, principal={"AWS": ALICE})],
            [("MFA3", 0)],
            id="deny-for-the-same-principal",
        ),
        pytest.param(
            [statement({"AWS": [ALICE, BOB]}), deny(NO_MFA_IF_EXISTS, principal={"AWS": ALICE})],
            [("MFA1", 0)],
            id="deny-for-one-principal-only",
        ),
        pytest.param(
            [statement({"AWS": ALICE}), deny(NO_MFA_IF_EXISTS, principal={"AWS": "123456789012"})],
            [("MFA3", 0)],
            id="deny-for-the-principals-account",
        ),
        pytest.param(
            [statement(), deny(NO_MFA_IF_EXISTS, action="sts:TagSession")],
            [("MFA1", 0)],
            id="deny-of-another-action",
        ),
        pytest.param(
            [
                statement(),
                deny({**NO_MFA_IF_EXISTS, "StringEquals": {"aws:PrincipalAccount": "1"}}),
            ],
            [("MFA1", 0)],
            id="deny-narrowed-by-another-condition",
        ),
        pytest.param(
            [statement(), {**deny(NO_MFA_IF_EXISTS), "Effect": "Allow"}],
            [("MFA1", 0), ("MFA1", 1)],
            id="allow-not-deny",
        ),
    ],
)
def test_a_separate_deny_without_mfa_guards_the_allow(
    statements: list[Any], expected: list[tuple[str, str | int]]
) -> None:
    assert rules(*statements) == expected


def test_the_developer_role_trust_policy_has_no_findings() -> None:
    policy = trust_policy(
        principals=[ALICE],
        principal_arn_patterns=["arn:aws:iam::123456789012:user/team-*"],
        require_source_identity=True,
    )
    assert trust_findings(policy) == []
    assert trust_findings(trust_policy(principal_org_id="o-a1b2c3d4e5")) == []


def test_a_single_statement_object_is_checked() -> None:
    (finding,) = trust_findings({"Statement": statement()})
    assert finding.index == 0


def test_finding_names_the_statement_whom_it_lets_in_and_the_fix() -> None:
    document = {"Statement": [statement(), {**statement(), "Sid": "Ci"}]}
    first, second = trust_findings(document)
    assert first == TrustFinding(
        rule="MFA1",
        level="error",
        statement=0,
        message=(
            f"statement 0 lets {ALICE} assume the role with long-term access keys or a session "
            'without MFA; add "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}, '
            '"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}} '
            "(iam.PrincipalWithConditions, or the DeveloperRole construct)"
        ),
        index=0,
    )
    assert second.statement == 1  # by index, Sid or not: one acknowledgment form for all
    assert second.index == 1
    assert second.message.startswith("statement 1 (Ci) lets")
    assert second.finding_id == "Statement::1"


@pytest.mark.parametrize(
    ("condition", "level", "words"),
    [
        pytest.param(
            {"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}},
            "error",
            'use "Bool": {"aws:MultiFactorAuthPresent": "true"} without IfExists',
            id="bool-if-exists",
        ),
        pytest.param(MFA, "warning", '"NumericLessThan": {"aws:MultiFactorAuthAge"', id="age"),
    ],
)
def test_levels_and_fixes(condition: dict[str, Any], level: str, words: str) -> None:
    (finding,) = trust_findings({"Statement": [statement(Condition=condition)]})
    assert finding.level == level
    assert words in finding.message


def test_the_rule_module_loads_without_the_cdk() -> None:
    probe = (
        "import sys, developer_role.mfa_rule, developer_role.trust, developer_role.validation; "
        "print(sorted(m for m in ('aws_cdk', 'jsii', 'constructs') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def findings_of(document: Any) -> list[tuple[str, str, str | int]]:
    return [(f.rule, f.level, f.statement) for f in trust_findings(document)]


SAFE = statement(Condition={**MFA, **AGE})
TAGS_UNDER_NINE_CONDITIONS = {
    f"aws:PrincipalTag/t{n}": {"Fn::If": [f"C{n}", "a", "b"]} for n in range(9)
}
OPEN = statement()


@pytest.mark.parametrize(
    ("document", "expected", "words"),
    [
        pytest.param(
            {"Fn::If": ["Open", {"Statement": [OPEN]}, {"Statement": [SAFE]}]},
            [("MFA1", "error", 0)],
            "where Open is true: statement 0 lets",
            id="document-if",
        ),
        pytest.param(
            {"Fn::If": ["Strict", {"Statement": [SAFE]}, {"Ref": "LooseDocument"}]},
            [("MFA5", "warning", "document")],
            "where Strict is false: the trust policy is Ref LooseDocument",
            id="document-if-with-an-unknown-branch",
        ),
        pytest.param(
            {"Fn::If": ["Strict", {"Statement": [OPEN]}, {"Ref": "OtherDocument"}]},
            [("MFA1", "error", 0), ("MFA5", "warning", "document")],
            "where Strict is true: statement 0 lets",
            id="an-unsafe-branch-is-an-error-whatever-the-unknown-one-holds",
        ),
        pytest.param(
            {"Statement": [{"Fn::If": ["Open", OPEN, {"Ref": "AWS::NoValue"}]}, SAFE]},
            [("MFA1", "error", 0)],
            "where Open is true: statement 0",
            id="statement-if-with-no-value-keeps-the-template-index",
        ),
        pytest.param(
            {
                "Statement": [
                    SAFE,
                    statement(
                        Condition={
                            "Bool": {
                                "aws:MultiFactorAuthPresent": {"Fn::If": ["Lax", "false", "true"]}
                            },
                        }
                    ),
                ]
            },
            [("MFA1", "error", 1), ("MFA3", "warning", 1)],
            "where Lax is true: statement 1 lets",
            id="condition-value-if",
        ),
        pytest.param(
            {
                "Statement": [
                    statement(
                        Condition={
                            "Bool": {"aws:MultiFactorAuthPresent": "true"},
                            "NumericLessThan": {
                                "aws:MultiFactorAuthAge": {
                                    "Fn::If": ["Short", "900", {"Ref": "AWS::NoValue"}]
                                }
                            },
                        }
                    )
                ]
            },
            [("MFA3", "warning", 0)],
            "where Short is false: statement 0 requires MFA but does not limit its age",
            id="no-value-inside-a-condition",
        ),
        pytest.param(
            json.dumps({"Version": "2012-10-17", "Statement": [OPEN]}),
            [("MFA1", "error", 0)],
            "statement 0 lets",
            id="json-string",
        ),
        pytest.param(
            {"Fn::Sub": '{"Statement": []}'},
            [("MFA5", "warning", "document")],
            "the trust policy is Fn::Sub",
            id="a-function-for-the-whole-document",
        ),
        pytest.param(
            {
                "Statement": [
                    statement(Condition={"Bool": {"aws:MultiFactorAuthPresent": {"Ref": "P"}}})
                ]
            },
            [("MFA5", "warning", 0)],
            "cannot prove that it requires MFA, as it holds Ref P",
            id="an-unknown-mfa-value",
        ),
        pytest.param(
            {"Statement": [statement({"AWS": {"Fn::ImportValue": "People"}})]},
            [("MFA1", "error", 0)],
            "lets the principal Fn::ImportValue assume the role",
            id="an-imported-principal-without-mfa",
        ),
        pytest.param(
            {
                "Statement": [
                    statement({"AWS": {"Fn::ImportValue": "People"}}, Condition={**MFA, **AGE})
                ]
            },
            [],
            "",
            id="an-imported-principal-with-mfa",
        ),
        pytest.param(
            {"Statement": [{"Ref": "ExtraStatement"}, SAFE]},
            [("MFA5", "warning", 0)],
            "statement 0 is Ref ExtraStatement",
            id="a-function-for-a-statement",
        ),
        pytest.param(
            {"Statement": [statement(Condition={"StringEquals": TAGS_UNDER_NINE_CONDITIONS})]},
            [("MFA5", "warning", "document")],
            "9 Fn::If conditions (at most 8)",
            id="too-many-conditions-is-bounded",
        ),
    ],
)
def test_cloudformation_functions(document: Any, expected: list[Any], words: str) -> None:
    assert findings_of(document) == expected
    assert words in " ".join(f.message for f in trust_findings(document))


@pytest.mark.parametrize(
    ("statements", "expected"),
    [
        pytest.param(
            [statement(Condition={"StringLike": {"aws:PrincipalArn": "arn:aws:iam::1:user/x*"}})],
            [("MFA1", 0)],
            id="another-key-alone-does-not-require-mfa",
        ),
        pytest.param(
            [
                statement(Condition={"StringLike": {"aws:PrincipalArn": "arn:aws:iam::1:user/*"}}),
                deny(
                    {
                        **NO_MFA_IF_EXISTS,
                        "StringLike": {"aws:PrincipalArn": "arn:aws:iam::1:user/*"},
                    }
                ),
            ],
            [("MFA3", 0)],
            id="a-deny-with-the-allows-own-other-condition-guards-it",
        ),
        pytest.param(
            [statement(Condition={"BinaryEquals": {"aws:MultiFactorAuthPresent": "dHJ1ZQ=="}})],
            [],  # a positive operator: no request without MFA (nor this one) matches it
            id="binary-equals",
        ),
        pytest.param(
            [statement(Condition={"Null": {"aws:MultiFactorAuthAge": ["true", "false"]}})],
            [("MFA1", 0)],  # several values are ORed: the key absent or present
            id="null-true-or-false",
        ),
        pytest.param(
            [statement(Condition={"NumericLessThanIfExists": {"aws:MultiFactorAuthAge": "3600"}})],
            [("MFA1", 0)],
            id="age-if-exists",
        ),
        pytest.param(
            [statement(Condition={"StringNotEquals": {"aws:MultiFactorAuthPresent": "false"}})],
            [("MFA2", 0)],  # a negated operator holds when the key is absent
            id="negated-operator",
        ),
        pytest.param(
            [
                statement(
                    Condition={"ForAllValues:StringEquals": {"aws:MultiFactorAuthPresent": "true"}}
                )
            ],
            [("MFA2", 0)],  # ForAllValues holds when the key is absent
            id="for-all-values",
        ),
        pytest.param(
            [statement(Condition={"StringEquals": {"aws:MultiFactorAuthPresent": "True"}})],
            [],  # case-sensitive: "true" is not "True", so no request gets in at all
            id="string-values-are-case-sensitive",
        ),
        pytest.param(
            [statement(Condition={"Boool": {"aws:MultiFactorAuthPresent": "true"}})],
            [("MFA5", 0)],
            id="an-operator-iam-does-not-have",
        ),
    ],
)
def test_semantics(statements: list[Any], expected: list[tuple[str, str | int]]) -> None:
    assert rules(*statements) == expected


@pytest.mark.parametrize(
    "document",
    [
        None,
        "not json",
        "[1, 2]",
        {"Statement": "text"},
        {"Statement": [None, 1, {"Effect": "Allow", "Principal": 5, "Action": None}]},
        {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Condition": []}]},
        {"Statement": [{"Fn::If": "not a list"}]},
        {"Fn::If": [1, {}, {}]},
        "[" * 100_000 + "]" * 100_000,
    ],
    ids=[
        "none",
        "not-json",
        "json-list",
        "text-statement",
        "junk-values",
        "condition-list",
        "bad-if",
        "if-without-a-name",
        "nested-too-deeply",
    ],
)
def test_a_malformed_document_gives_findings_not_a_traceback(document: Any) -> None:
    for finding in trust_findings(document):
        assert finding.level in ("error", "warning")


def test_a_principal_arn_of_no_known_form_is_still_checked() -> None:
    assert rules(statement({"AWS": "arn:aws:iam::1:user/x"})) == [("MFA1", 0)]
