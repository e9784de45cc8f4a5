"""iam-simulate decides the matrix as promised for every synthesized trust policy, and a
weakened trust policy makes the check fail on exactly the rows the weakening opens."""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Callable
from typing import Any

import pytest

from trustcheck.__main__ import main
from trustcheck.check import check, unexpected
from trustcheck.engine import Outcome
from trustcheck.matrix import MATRIX, Decision, RoleUnderTest
from trustcheck.templates import named_principals, roles_in_assembly, trusts_any_principal

ALICE = "arn:aws:iam::123456789012:user/alice"
CAROL = "arn:aws:iam::444455556666:user/carol"


def _describe(outcomes: list[Outcome]) -> str:
    return "\n".join(
        f"{o.request.key}: expected {o.request.expected}, got {o.decision} {dict(o.results)}"
        for o in outcomes
    )


def _count_roles(assembly) -> int:
    count = 0
    for path in assembly.glob("*.template.json"):
        resources = json.loads(path.read_text(encoding="utf-8"))["Resources"].values()
        count += sum(1 for r in resources if r["Type"] == "AWS::IAM::Role")
    return count


@pytest.fixture(scope="module")
def outcomes(assembly) -> list[Outcome]:
    return check(roles_in_assembly(assembly))


@pytest.fixture(scope="module")
def variant_outcomes(variant_assembly) -> list[Outcome]:
    return check(roles_in_assembly(variant_assembly))


def test_every_synthesized_role_is_checked_with_every_case(assembly, outcomes):
    roles = {o.request.role.name for o in outcomes}
    assert len(roles) == _count_roles(assembly) > 0
    for role in roles:
        cases = {o.request.case.id for o in outcomes if o.request.role.name == role}
        assert {c.id for c in MATRIX if c.id.startswith(("trusted", "same", "other"))} <= cases


def test_synthesized_trust_policies_decide_as_promised(outcomes):
    assert not unexpected(outcomes), _describe(unexpected(outcomes))


def test_the_simulator_used_every_context_key_it_was_given(outcomes):
    ignored = {o.request.key: o.ignored_context_keys for o in outcomes}
    assert all(not keys for by_action in ignored.values() for keys in by_action.values())


def test_the_trusted_principal_with_fresh_mfa_is_allowed_by_the_trust_policy_alone(outcomes):
    fresh = [o for o in outcomes if o.request.case.id == "trusted-mfa-fresh-assume"]
    assert fresh
    assert all(o.decision is Decision.ALLOW and not o.request.identity_policies for o in fresh)


def test_variant_configuration_decides_as_promised(variant_outcomes):
    assert not unexpected(variant_outcomes), _describe(unexpected(variant_outcomes))


def _decision(outcomes: list[Outcome], owner: str, case_id: str) -> Decision:
    (found,) = [
        o for o in outcomes if o.request.case.id == case_id and o.request.principal_label == owner
    ]
    return found.decision


def test_a_required_source_identity_refuses_assume_role_without_one(variant_outcomes):
    assert _decision(variant_outcomes, ALICE, "trusted-mfa-fresh-assume") is Decision.DENY
    assert _decision(variant_outcomes, ALICE, "trusted-mfa-fresh-source") is Decision.ALLOW


def test_a_two_hour_mfa_age_allows_an_hour_and_a_half(variant_outcomes):
    ages = {
        o.request.role.max_mfa_age for o in variant_outcomes if o.request.role.owners == (ALICE,)
    }
    assert ages == {7200}
    assert _decision(variant_outcomes, ALICE, "trusted-mfa-just-under-source") is Decision.ALLOW
    assert _decision(variant_outcomes, ALICE, "trusted-mfa-old-source") is Decision.DENY


def test_a_cross_account_owner_needs_both_sides(variant_outcomes):
    assert _decision(variant_outcomes, CAROL, "trusted-mfa-fresh-assume") is Decision.DENY
    assert _decision(variant_outcomes, CAROL, "trusted-sts-mfa-fresh-assume") is Decision.ALLOW


# --- Weakened trust policies: the check must fail, on exactly the rows each weakening opens.

Statement = dict[str, Any]


def _rename(statement: Statement, old: str, new: str) -> None:
    statement["Condition"][new] = statement["Condition"].pop(old)


def _drop(statement: Statement, operator: str) -> None:
    del statement["Condition"][operator]


def _set_principal(value: Any) -> Callable[[Statement], None]:
    def apply(statement: Statement) -> None:
        statement["Principal"] = value

    return apply


def _add_action(statement: Statement) -> None:
    statement["Action"] = [*statement["Action"], "sts:TagSession"]


EVE = "arn:aws:iam::123456789012:user/eve"
OPENS_ABSENT = {
    "trusted-mfa-absent-assume",
    "trusted-mfa-absent-source",
    "trusted-sts-mfa-absent-assume",
}
OPENS_OLD = {
    "trusted-mfa-at-max-assume",
    "trusted-mfa-at-max-source",
    "trusted-mfa-old-assume",
    "trusted-mfa-old-source",
    "trusted-sts-mfa-old-assume",
}
OPENS_FALSE = {
    "trusted-mfa-false-assume",
    "trusted-mfa-false-source",
    "trusted-sts-mfa-false-assume",
}


def _if_exists(statement: Statement) -> None:
    _rename(statement, "Bool", "BoolIfExists")
    _rename(statement, "NumericLessThan", "NumericLessThanIfExists")


WEAKENINGS: dict[str, tuple[Callable[[Statement], None], set[str]]] = {
    "if-exists": (_if_exists, OPENS_ABSENT),
    "no-mfa-age-condition": (lambda s: _drop(s, "NumericLessThan"), OPENS_OLD),
    "no-condition": (
        lambda s: s.pop("Condition"),
        OPENS_ABSENT | OPENS_FALSE | OPENS_OLD,
    ),
    "tag-session-granted": (
        _add_action,
        {"trusted-mfa-fresh-tags", "trusted-sts-mfa-fresh-tags"},
    ),
    "another-principal-named": (
        _set_principal({"AWS": [ALICE, EVE]}),
        {"unclaimed-mfa-fresh-assume"},
    ),
    "whole-account-trusted": (
        _set_principal({"AWS": "arn:aws:iam::123456789012:root"}),
        # Any user of the account whose identity policy allows it gets in. (The owner is no
        # longer named, so she needs an identity policy too, as the matrix then expects.)
        {"same-account-mfa-fresh-assume", "same-account-mfa-fresh-source"},
    ),
    "anyone-trusted": (
        _set_principal({"AWS": "*"}),
        {
            "same-account-mfa-fresh-assume",
            "same-account-mfa-fresh-source",
            "other-account-mfa-fresh-assume",
            "other-account-mfa-fresh-source",
        },
    ),
}


# Not weakenings under AWS's rules: a condition on a key that is absent from the request does
# not match (only ...IfExists and Null do), and AWS sets aws:MultiFactorAuthAge only when MFA
# was used. So the age condition alone already refuses callers without MFA; the check must not
# report these as failures.
HARMLESS: dict[str, Callable[[Statement], None]] = {
    "bool-if-exists-only": lambda s: _rename(s, "Bool", "BoolIfExists"),
    "no-mfa-present-condition": lambda s: _drop(s, "Bool"),
}


def _weakened(role: RoleUnderTest, name: str) -> RoleUnderTest:
    policy: dict[str, Any] = copy.deepcopy(dict(role.trust_policy))
    (statement,) = policy["Statement"]
    (HARMLESS[name] if name in HARMLESS else WEAKENINGS[name][0])(statement)
    return dataclasses.replace(
        role,
        name=f"weakened/{name}",
        trust_policy=policy,
        named_principals=tuple(named_principals(policy)),
        trusts_any_principal=trusts_any_principal(policy),
    )


@pytest.fixture(scope="module")
def weakened_outcomes(assembly) -> list[Outcome]:
    (alice,) = [r for r in roles_in_assembly(assembly) if r.owners == (ALICE,)]
    return check([_weakened(alice, name) for name in [*WEAKENINGS, *HARMLESS]])


def _failed(outcomes: list[Outcome], name: str) -> set[str]:
    return {
        o.request.case.id for o in unexpected(outcomes) if o.request.role.name == f"weakened/{name}"
    }


@pytest.mark.parametrize("name", list(WEAKENINGS))
def test_a_weakened_trust_policy_fails_the_check(weakened_outcomes, name):
    assert _failed(weakened_outcomes, name) == WEAKENINGS[name][1]


@pytest.mark.parametrize("name", list(HARMLESS))
def test_a_change_that_aws_rules_make_harmless_passes(weakened_outcomes, name):
    assert _failed(weakened_outcomes, name) == set()
    assert any(o.request.role.name == f"weakened/{name}" for o in weakened_outcomes)


# --- The command line.


def test_cli_passes_on_the_synthesized_templates(assembly, capsys):
    assert main(["--assembly", str(assembly)]) == 0
    out = capsys.readouterr().out
    assert "every decision as expected" in out
    assert "UNEXPECTED" not in out


def test_cli_fails_on_a_weakened_policy_and_names_the_rows(tmp_path, capsys):
    weak = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": ALICE},
                "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"],
                "Condition": {
                    "BoolIfExists": {"aws:MultiFactorAuthPresent": "true"},
                    "NumericLessThanIfExists": {"aws:MultiFactorAuthAge": "3600"},
                },
            }
        ],
    }
    path = tmp_path / "weak.json"
    path.write_text(json.dumps(weak), encoding="utf-8")
    assert main(["--policy", str(path), "--json"]) == 1
    rows = json.loads(capsys.readouterr().out)
    failed = {row["case"] for row in rows if not row["as_expected"]}
    assert failed >= OPENS_ABSENT


def test_cli_reports_an_unreadable_policy_in_one_line(tmp_path, capsys):
    assert main(["--policy", str(tmp_path / "missing.json")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("trustcheck: ")
    assert "missing.json" in err
    assert len(err.strip().splitlines()) == 1


def test_a_team_role_needs_the_members_identity_policy_and_fresh_mfa():
    from developer_role.trust import trust_policy
    from trustcheck.templates import roles_from_policies

    team = trust_policy(principal_arn_patterns=["arn:aws:iam::123456789012:user/team-a/*"])
    (role,) = roles_from_policies([("team-a", team)])
    outcomes = check([role])
    assert not unexpected(outcomes), _describe(unexpected(outcomes))
    member = "arn:aws:iam::123456789012:user/team-a/trustcheck-member"
    assert _decision(outcomes, member, "trusted-mfa-fresh-assume") is Decision.DENY
    assert _decision(outcomes, member, "trusted-sts-mfa-fresh-assume") is Decision.ALLOW
    assert _decision(outcomes, member, "trusted-sts-mfa-old-assume") is Decision.DENY
