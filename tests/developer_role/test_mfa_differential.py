"""The MFA trust rule against an evaluator it shares no code with: the local AWS's IAM
evaluator (``localaws.iam_eval``, which decides ``sts:AssumeRole`` there).

Thousands of trust policies, every condition operator with and without ``IfExists``, with and
without ``ForAllValues``/``ForAnyValue``, on both MFA keys (in odd cases too), with values IAM
reads differently (case, wildcards, JSON booleans and numbers, several values), Allow and Deny,
every principal form and ``Action``/``NotAction`` wildcards, each decided for four requests:
long-term access keys, a session without MFA, a recent MFA session and a 36-hour-old one. The
rule must say whether some principal the policy names gets in exactly when the evaluator lets
one of the callers below in, and report an error exactly when a request without MFA gets in.

All in-process: about a second for the whole set.
"""

from __future__ import annotations

import itertools
import json
import random
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pytest

from developer_role.mfa_rule import (
    LONG_TERM_KEYS,
    OLD_MFA_SESSION,
    SESSION_WITHOUT_MFA,
    Request,
    admitted,
    trust_findings,
)
from localaws.iam_eval import Caller, evaluate_resource_policy

SEED = 20261207
RANDOM_POLICIES = 2500
ROLE = "arn:aws:iam::210987654321:role/developer"
ALICE = "arn:aws:iam::210987654321:user/alice"
BOB = "arn:aws:iam::345678901234:user/bob"
OPS = "arn:aws:iam::345678901234:role/ops"
RECENT_MFA_SESSION = Request("a recent MFA session", "true", "300")
REQUESTS = (LONG_TERM_KEYS, SESSION_WITHOUT_MFA, RECENT_MFA_SESSION, OLD_MFA_SESSION)

USERS = (
    Caller(ALICE, "210987654321"),
    Caller(BOB, "345678901234"),
    Caller("arn:aws:iam::210987654321:user/carol", "210987654321"),  # named by account only
    Caller("arn:aws:iam::456789012345:user/dave", "456789012345"),  # named by nobody
)
ROLE_SESSION = Caller("arn:aws:sts::345678901234:assumed-role/ops/s", "345678901234", OPS)

OPERATORS = [
    *(f"String{o}" for o in ("Equals", "NotEquals", "EqualsIgnoreCase", "NotEqualsIgnoreCase")),
    "StringLike",
    "StringNotLike",
    *(
        f"{kind}{relation}"
        for kind in ("Numeric", "Date")
        for relation in (
            "Equals",
            "NotEquals",
            "LessThan",
            "LessThanEquals",
            "GreaterThan",
            "GreaterThanEquals",
        )
    ),
    "Bool",  # BinaryEquals: the local AWS's evaluator does not have it (test_mfa_rule does)
    "IpAddress",
    "NotIpAddress",
    "ArnEquals",
    "ArnLike",
    "ArnNotEquals",
    "ArnNotLike",
]
KEYS = ("aws:MultiFactorAuthPresent", "aws:MultiFactorAuthAge")
ODD_KEYS = ("AWS:multifactorauthpresent", "aws:multiFactorAuthAge")
VALUES: list[Any] = [
    "true",
    "false",
    "True",
    "FALSE",
    "t*",
    "*",
    "fals?",
    ["true", "false"],
    "3600",
    "300",
    "0",
    "129600",
    3600,
    "3.6e3",
    ["300", "7200"],
    "1970-01-01T01:00:00Z",
]
NULL_VALUES: list[Any] = ["true", "false", True, False, "TRUE", ["true", "false"]]
PRINCIPALS: list[tuple[str, Any]] = [
    ("Principal", "*"),
    ("Principal", {"AWS": "*"}),
    ("Principal", {"AWS": ALICE}),
    ("Principal", {"AWS": "210987654321"}),
    ("Principal", {"AWS": "arn:aws:iam::210987654321:root"}),
    ("Principal", {"AWS": [BOB, OPS]}),
    ("Principal", {"AWS": OPS}),
    ("Principal", {"Service": "ec2.amazonaws.com"}),
    ("NotPrincipal", {"AWS": ALICE}),
    ("NotPrincipal", {"AWS": "arn:aws:iam::345678901234:root"}),
]
ACTIONS: list[tuple[str, Any]] = [
    ("Action", "sts:AssumeRole"),
    ("Action", "sts:*"),
    ("Action", "*"),
    ("Action", "sts:Assume*"),
    ("Action", "STS:assumerole"),
    ("Action", "sts:AssumeRol?"),
    ("Action", "sts:TagSession"),
    ("Action", ["sts:TagSession", "sts:AssumeRole"]),
    ("NotAction", "sts:TagSession"),
    ("NotAction", "sts:*"),
]


def operator_forms() -> Iterator[str]:
    """Every operator, with IfExists and the set qualifiers; Null alone (it has neither)."""
    for operator, if_exists, qualifier in itertools.product(
        OPERATORS, ("", "IfExists"), ("", "ForAllValues:", "ForAnyValue:")
    ):
        yield f"{qualifier}{operator}{if_exists}"
    yield "Null"


# JSON booleans: IAM reads them as "true"/"false", under every operator.
BOOLEANS: list[Any] = [True, False]


def entries() -> Iterator[tuple[str, str, Any]]:
    for operator in operator_forms():
        values = NULL_VALUES if operator == "Null" else [*VALUES, *BOOLEANS]
        for key in KEYS:
            for value in values:
                yield operator, key, value


def statement(
    effect: str, principal: tuple[str, Any], action: tuple[str, Any], condition: Any
) -> Any:
    body: dict[str, Any] = {"Effect": effect, principal[0]: principal[1], action[0]: action[1]}
    if condition:
        body["Condition"] = condition
    return body


def enumerated() -> Iterator[dict[str, Any]]:
    """One Allow to one user for each (operator form, key, value): the operators' table."""
    for operator, key, value in entries():
        yield {
            "Statement": [statement("Allow", PRINCIPALS[2], ACTIONS[0], {operator: {key: value}})]
        }


def random_condition(rng: random.Random, all_entries: Sequence[tuple[str, str, Any]]) -> Any:
    condition: dict[str, dict[str, Any]] = {}
    for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
        operator, key, value = rng.choice(all_entries)
        if rng.random() < 0.15:
            key = ODD_KEYS[KEYS.index(key)]
        condition.setdefault(operator, {})[key] = value
    return condition


def generated(seed: int, count: int) -> Iterator[dict[str, Any]]:
    """Policies of one to three statements, Allow and Deny mixed, from a fixed seed."""
    rng = random.Random(seed)
    all_entries = list(entries())
    for _ in range(count):
        statements = [
            statement(
                rng.choice(("Allow", "Allow", "Deny")),
                rng.choice(PRINCIPALS),
                rng.choice(ACTIONS),
                random_condition(rng, all_entries),
            )
            for _ in range(rng.choice((1, 2, 2, 3)))
        ]
        yield {"Version": "2012-10-17", "Statement": statements}


def context(request: Request) -> dict[str, str]:
    keys = {"aws:MultiFactorAuthPresent": request.present, "aws:MultiFactorAuthAge": request.age}
    return {key: value for key, value in keys.items() if value is not None}


def evaluator_admits(document: Mapping[str, Any], request: Request) -> bool:
    """Whether the local AWS's evaluator lets one of the callers in (the trust policy's own
    decision: Allow and no Deny; an identity policy would do for an account principal)."""
    callers = USERS if request.present is None else (*USERS, ROLE_SESSION)
    for caller in callers:
        result = evaluate_resource_policy(
            document, caller, "sts:AssumeRole", ROLE, context(request)
        )
        if result.allowed and not result.denied:
            return True
    return False


def disagreements(document: Mapping[str, Any]) -> list[str]:
    found = []
    expected = {request.name: evaluator_admits(document, request) for request in REQUESTS}
    for request in REQUESTS:
        verdict = admitted(document, request)
        if verdict is not expected[request.name]:
            found.append(f"{request.name}: rule {verdict}, evaluator {expected[request.name]}")
    errors = [f for f in trust_findings(document) if f.level == "error"]
    without_mfa = expected[LONG_TERM_KEYS.name] or expected[SESSION_WITHOUT_MFA.name]
    if bool(errors) is not without_mfa:
        found.append(
            f"errors {[f.rule for f in errors]}, a request without MFA gets in: {without_mfa}"
        )
    return found


def allow_bob(condition: Any) -> dict[str, Any]:
    return {"Statement": [statement("Allow", ("Principal", {"AWS": BOB}), ACTIONS[0], condition)]}


# Policies the rule once judged wrongly (issue 27: errors although they require MFA), kept as
# regression cases; the seed above reproduces the generated set.
REGRESSIONS: list[tuple[str, dict[str, Any]]] = [
    ("string-equals-true", allow_bob({"StringEquals": {"aws:MultiFactorAuthPresent": "true"}})),
    ("age-only", allow_bob({"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}})),
    ("null-age-false", allow_bob({"Null": {"aws:MultiFactorAuthAge": "false"}})),
    (
        "for-any-value-true",
        allow_bob({"ForAnyValue:StringEquals": {"aws:MultiFactorAuthPresent": "true"}}),
    ),
    (
        "bool-and-bool-if-exists",
        allow_bob(
            {
                "Bool": {"aws:MultiFactorAuthPresent": "true"},
                "BoolIfExists": {"aws:MultiFactorAuthPresent": "true"},
            }
        ),
    ),
    (
        "deny-for-the-same-principal",
        {
            "Statement": [
                statement("Allow", ("Principal", {"AWS": BOB}), ACTIONS[0], None),
                statement(
                    "Deny",
                    ("Principal", {"AWS": BOB}),
                    ACTIONS[0],
                    {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
                ),
            ]
        },
    ),
]


def test_the_rule_agrees_with_the_local_aws_evaluator_on_every_generated_policy() -> None:
    policies = [*enumerated(), *generated(SEED, RANDOM_POLICIES)]
    assert len(policies) >= 5000
    failures = []
    for document in policies:
        if problems := disagreements(document):
            failures.append(f"{json.dumps(document)}\n    " + "\n    ".join(problems))
    shown = "\n".join(failures[:10])
    assert not failures, f"{len(failures)} of {len(policies)} policies disagree:\n{shown}"


@pytest.mark.parametrize(("why", "document"), REGRESSIONS, ids=[w for w, _ in REGRESSIONS])
def test_regression(why: str, document: dict[str, Any]) -> None:
    assert disagreements(document) == []
