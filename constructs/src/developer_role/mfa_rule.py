"""The MFA trust rule as plain data: which statements of a trust policy let people in without MFA.

No CDK import: the check runs on a trust policy document (a ``dict`` as CloudFormation holds
it), so it can be used by the validation plugin (:mod:`developer_role.nag`), by an audit of
deployed roles, or by a test, alike.

A statement is checked when it allows ``sts:AssumeRole`` (directly, or through ``sts:*``,
``*``, another wildcard or ``NotAction``) to an ``AWS`` principal: IAM users, IAM roles,
whole accounts or ``*``. Service principals, federated principals (SAML, web identity) and
canonical users are left alone, as they do not sign in with an MFA device of IAM's.

Rules (the package README lists them with cause and fix):

- ``MFA1`` (error): no ``Bool`` ``aws:MultiFactorAuthPresent`` ``"true"`` condition.
- ``MFA2`` (error): ``BoolIfExists`` on ``aws:MultiFactorAuthPresent``; requests signed with
  long-term access keys carry no such key and pass.
- ``MFA3`` (warning): MFA is required but its age is not limited
  (``NumericLessThan`` ``aws:MultiFactorAuthAge``).

A policy may instead guard its Allow with a separate ``Deny`` of ``sts:AssumeRole`` to every
principal (``"*"`` or ``{"AWS": "*"}``) under ``BoolIfExists`` ``aws:MultiFactorAuthPresent``
``"false"`` and no other condition: that Deny matches both requests without MFA and requests
signed with long-term keys (no key at all), so the Allow is MFA-safe (no ``MFA1``/``MFA2``).
``Bool`` ``"false"`` alone does not guard: requests without the key pass it. The age limit may
be such a Deny too (``NumericGreaterThan`` ``aws:MultiFactorAuthAge``). See "Explicit deny"
and "...IfExists condition operators" in the IAM User Guide:
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IfExists
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from typing import Any, Literal

__all__ = [
    "MFA_AGE_LIMIT",
    "MFA_BOOL_IF_EXISTS",
    "MFA_REQUIRED",
    "RULES",
    "Rule",
    "TrustFinding",
    "trust_findings",
]

Level = Literal["error", "warning"]


@dataclasses.dataclass(frozen=True)
class Rule:
    """One check: its ID, level, why it exists and how to fix what it finds."""

    id: str
    level: Level
    explanation: str
    fix: str


MFA_REQUIRED = Rule(
    "MFA1",
    "error",
    "A role that people assume must require MFA: the trust policy statement lets IAM users, "
    "roles or accounts call sts:AssumeRole without Bool aws:MultiFactorAuthPresent 'true'.",
    'Add "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}, "NumericLessThan": '
    '{"aws:MultiFactorAuthAge": "3600"}} to the statement (iam.PrincipalWithConditions, or '
    "the DeveloperRole construct); a role for machines should trust a service or federated "
    "principal instead.",
)
MFA_BOOL_IF_EXISTS = Rule(
    "MFA2",
    "error",
    "BoolIfExists on aws:MultiFactorAuthPresent matches requests where the key is absent, "
    "which is every request signed with long-term access keys: they pass without MFA.",
    'Use "Bool": {"aws:MultiFactorAuthPresent": "true"} instead of BoolIfExists.',
)
MFA_AGE_LIMIT = Rule(
    "MFA3",
    "warning",
    "Without an aws:MultiFactorAuthAge limit, a long-lived MFA session token (up to 36 hours) "
    "keeps assuming the role long after the MFA sign-in.",
    'Add "NumericLessThan": {"aws:MultiFactorAuthAge": "3600"} (seconds since the MFA '
    "sign-in) to the statement's conditions.",
)
RULES = (MFA_REQUIRED, MFA_BOOL_IF_EXISTS, MFA_AGE_LIMIT)

_MFA_PRESENT = "aws:multifactorauthpresent"
_MFA_AGE = "aws:multifactorauthage"
_AGE_OPERATORS = ("numericlessthan", "numericlessthanequals")
_DENY_AGE_OPERATORS = (
    "numericgreaterthan",
    "numericgreaterthanequals",
    "numericgreaterthanifexists",
    "numericgreaterthanequalsifexists",
)
_ASSUME_ROLE = "sts:assumerole"
_FIX_MFA = (
    'add "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}, '
    '"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}} to the statement '
    "(iam.PrincipalWithConditions, or the DeveloperRole construct)"
)


@dataclasses.dataclass(frozen=True)
class TrustFinding:
    """One problem of one trust policy statement.

    ``rule`` is the rule's ID (``MFA1``...), ``level`` ``"error"`` or ``"warning"``,
    ``statement`` the statement's ``Sid`` or, without one, its index in ``Statement``,
    ``message`` one sentence naming the statement, who it lets in and the fix, and ``index``
    the statement's index in ``Statement`` (0 when ``Statement`` is a single object).
    """

    rule: str
    level: Level
    statement: str | int
    message: str
    index: int = 0

    @property
    def finding_id(self) -> str:
        """The finding's part of an acknowledgment ID: ``Statement::<Sid or index>``."""
        return f"Statement::{self.statement}"


def trust_findings(trust_policy: Mapping[str, Any]) -> list[TrustFinding]:
    """The MFA findings of a trust policy document, in statement order.

    ``trust_policy`` is the document as CloudFormation holds it (``Version``, ``Statement``);
    values that are CloudFormation functions (``{"Fn::Join": ...}``) count as unknown
    principals, so a statement with one is checked like one naming an IAM principal.
    """
    findings: list[TrustFinding] = []
    statements = _listed(trust_policy.get("Statement", []))
    guards = _deny_guards(statements)
    for index, statement in enumerate(statements):
        if not isinstance(statement, Mapping):
            continue
        sid = statement.get("Sid")
        name: str | int = sid if isinstance(sid, str) and sid else index
        if statement and all(str(key).startswith("Fn::") for key in statement):
            findings.append(
                TrustFinding(
                    MFA_REQUIRED.id,
                    "error",
                    name,
                    f"statement {index} is a CloudFormation function ({next(iter(statement))}), "
                    "so whom it trusts cannot be checked; write the statement literally",
                    index,
                )
            )
            continue
        findings.extend(
            dataclasses.replace(finding, index=index)
            for finding in _statement_findings(statement, name, guards)
        )
    return findings


@dataclasses.dataclass(frozen=True)
class _Guards:
    """What separate Deny statements already enforce for every principal."""

    mfa: bool = False
    age: bool = False


def _deny_guards(statements: list[Any]) -> _Guards:
    mfa = age = False
    for statement in statements:
        if not isinstance(statement, Mapping) or statement.get("Effect") != "Deny":
            continue
        if "NotPrincipal" in statement or not _everyone(statement.get("Principal")):
            continue
        if not _allows_assume_role(statement):
            continue
        conditions = _conditions(statement.get("Condition"))
        if len(conditions) != 1:
            continue  # another condition narrows the Deny
        ((operator, key), value) = next(iter(conditions.items()))
        if (operator, key) == ("boolifexists", _MFA_PRESENT) and _all_equal(value, "false"):
            mfa = True
        elif key == _MFA_AGE and operator in _DENY_AGE_OPERATORS:
            age = True
    return _Guards(mfa=mfa, age=age)


def _everyone(principal: Any) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, Mapping) or len(principal) != 1:
        return False
    ((kind, value),) = principal.items()
    return str(kind).upper() == "AWS" and _listed(value) == ["*"]


def _statement_findings(
    statement: Mapping[str, Any], name: str | int, guards: _Guards = _Guards()
) -> Iterable[TrustFinding]:
    if statement.get("Effect") != "Allow" or not _allows_assume_role(statement):
        return
    who = _people(statement)
    if who is None:
        return
    label = f"statement {name!r}" if isinstance(name, str) else f"statement {name}"
    conditions = _conditions(statement.get("Condition"))
    present = conditions.get(("bool", _MFA_PRESENT))
    if_exists = conditions.get(("boolifexists", _MFA_PRESENT))
    if guards.mfa:
        present, if_exists = "true", None  # the Deny refuses every request without MFA
    if if_exists is not None:
        yield TrustFinding(
            MFA_BOOL_IF_EXISTS.id,
            "error",
            name,
            f"{label} lets {who} assume the role with BoolIfExists on "
            "aws:MultiFactorAuthPresent, which long-term access keys (no MFA key at all) "
            'pass; use "Bool": {"aws:MultiFactorAuthPresent": "true"} instead',
        )
    if present is None or not _all_true(present):
        if if_exists is None:
            yield TrustFinding(
                MFA_REQUIRED.id,
                "error",
                name,
                f"{label} lets {who} assume the role without MFA; {_FIX_MFA}",
            )
        return
    if not guards.age and not any(
        (operator + suffix, _MFA_AGE) in conditions
        for operator in _AGE_OPERATORS
        for suffix in ("", "ifexists")
    ):
        yield TrustFinding(
            MFA_AGE_LIMIT.id,
            "warning",
            name,
            f"{label} requires MFA but does not limit its age, so an MFA session token keeps "
            'working for up to 36 hours; add "NumericLessThan": '
            '{"aws:MultiFactorAuthAge": "3600"} (seconds)',
        )


def _listed(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    return [value]


def _wildcard(pattern: str) -> re.Pattern[str]:
    return re.compile(
        ".*".join(".".join(map(re.escape, part.split("?"))) for part in pattern.split("*"))
    )


def _matches(pattern: Any, action: str) -> bool:
    if not isinstance(pattern, str):
        return True  # a CloudFormation function: it may well be sts:AssumeRole
    return _wildcard(pattern.lower()).fullmatch(action) is not None


def _allows_assume_role(statement: Mapping[str, Any]) -> bool:
    if "NotAction" in statement:
        excluded = _listed(statement["NotAction"])
        return not any(isinstance(p, str) and _matches(p, _ASSUME_ROLE) for p in excluded)
    return any(_matches(action, _ASSUME_ROLE) for action in _listed(statement.get("Action", [])))


def _people(statement: Mapping[str, Any]) -> str | None:
    """Who of IAM's own principals the statement trusts, in words, or None for nobody."""
    if "NotPrincipal" in statement:
        return "every principal not listed in NotPrincipal"
    principal = statement.get("Principal")
    if principal == "*":
        return "everyone ('*')"
    if not isinstance(principal, Mapping):
        return None if principal is None else "an unknown principal"
    aws = [value for key, value in principal.items() if key.upper() == "AWS"]
    if not aws:
        return None  # Service, Federated (SAML, web identity), CanonicalUser
    values = [value for value in aws for value in _listed(value)]
    if any(value == "*" for value in values):
        return "every AWS principal ('*')"
    literal = [value for value in values if isinstance(value, str)]
    if literal and len(literal) == len(values):
        shown = ", ".join(literal[:3]) + (
            f" and {len(literal) - 3} more" if len(literal) > 3 else ""
        )
        return shown
    return "IAM principals"


def _conditions(block: Any) -> dict[tuple[str, str], Any]:
    """``(operator, key)`` to value, both lowercased (IAM compares them case-insensitively)."""
    found: dict[tuple[str, str], Any] = {}
    if not isinstance(block, Mapping):
        return found
    for operator, keys in block.items():
        if not isinstance(operator, str) or not isinstance(keys, Mapping):
            continue
        for key, value in keys.items():
            if isinstance(key, str):
                found[(operator.lower(), key.lower())] = value
    return found


def _all_true(value: Any) -> bool:
    return _all_equal(value, "true")


def _all_equal(value: Any, expected: Literal["true", "false"]) -> bool:
    values = _listed(value)
    return bool(values) and all(
        v is (expected == "true") or (isinstance(v, str) and v.lower() == expected) for v in values
    )
