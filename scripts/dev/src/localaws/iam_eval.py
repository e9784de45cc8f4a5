"""IAM policy evaluation for role assumption, written against the AWS documentation.

Pure functions over policy documents (no moto import), used by ``localaws.compat`` to
replace moto's trust-policy check. It implements what deciding ``sts:AssumeRole`` needs:

* statements: ``Effect``, ``Action``/``NotAction`` (case-insensitive, wildcards),
  ``Resource``/``NotResource``, ``Principal``/``NotPrincipal`` (``*``, account ID, account root,
  user, role, assumed-role session), ``Condition``;
* condition operators: ``String*`` (``Like``, ``IgnoreCase``, negations), ``Numeric*``,
  ``Date*``, ``Bool``, ``Null``, ``Arn*``, ``IpAddress``/``NotIpAddress``, the ``...IfExists``
  suffix and the ``ForAllValues:``/``ForAnyValue:`` set prefixes. A key missing from the request
  context makes a positive operator false and a negated operator true (``IfExists``: true);
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
* the decision: an explicit Deny anywhere wins; within one account a trust-policy Allow that
  names the caller (user, role or session) suffices on its own, while an Allow for the whole
  account delegates to the caller's identity policies; across accounts both the trust policy
  and an identity policy must allow.
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
  https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html

Not modelled (the recipe uses none of them): policy variables, permissions boundaries, session
policies, SCPs/RCPs, service and federated principals (they never match an IAM caller).
"""

from __future__ import annotations

import datetime
import enum
import ipaddress
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

PolicyDocument = Mapping[str, Any]
ContextValue = str | Sequence[str]


@dataclass(frozen=True)
class Caller:
    """The principal making a request.

    ``arn`` is what ``GetCallerIdentity`` returns: a user ARN, or an assumed-role session ARN
    (``arn:aws:sts::111122223333:assumed-role/Name/session``) with ``role_arn`` the role's ARN.
    """

    arn: str
    account_id: str
    role_arn: str | None = None


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str


class PrincipalMatch(enum.Enum):
    NONE = "none"
    DIRECT = "direct"  # the policy names this user, role or session (or "*")
    ACCOUNT = "account"  # the policy names the caller's account


class _Effect(enum.Enum):
    ALLOW = "Allow"
    DENY = "Deny"


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


def _wildcard(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """IAM wildcards: ``*`` any run of characters, ``?`` one character, nothing else special."""
    regex = "".join(
        ".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern
    )
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.fullmatch(regex, value, flags) is not None


# --------------------------------------------------------------------------- conditions


def _parse_number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _parse_date(text: str) -> float | None:
    number = _parse_number(text)
    if number is not None:
        return number
    try:
        parsed = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.UTC)
    return parsed.timestamp()


def _arn_like(pattern: str, value: str) -> bool:
    pattern_parts = pattern.split(":", 5)
    value_parts = value.split(":", 5)
    if len(pattern_parts) != 6 or len(value_parts) != 6:
        return False
    return all(_wildcard(p, v) for p, v in zip(pattern_parts, value_parts, strict=True))


def _ip_in(pattern: str, value: str) -> bool:
    try:
        return ipaddress.ip_address(value) in ipaddress.ip_network(pattern, strict=False)
    except ValueError:
        return False


def _compare(base: str, expected: str, actual: str) -> bool:
    """One positive comparison of a request value with a policy value."""
    if base in ("StringEquals", "StringNotEquals"):
        return actual == expected
    if base in ("StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase"):
        return actual.casefold() == expected.casefold()
    if base in ("StringLike", "StringNotLike"):
        return _wildcard(expected, actual)
    if base in ("ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"):
        return _arn_like(expected, actual)
    if base == "Bool":
        return actual.lower() == expected.lower()
    if base in ("IpAddress", "NotIpAddress"):
        return _ip_in(expected, actual)
    if base.startswith("Numeric") or base.startswith("Date"):
        parse = _parse_number if base.startswith("Numeric") else _parse_date
        left, right = parse(actual), parse(expected)
        if left is None or right is None:
            return False
        relation = base.removeprefix("Numeric").removeprefix("Date")
        return {
            "Equals": left == right,
            "NotEquals": left == right,  # negated by the caller
            "LessThan": left < right,
            "LessThanEquals": left <= right,
            "GreaterThan": left > right,
            "GreaterThanEquals": left >= right,
        }[relation]
    raise ValueError(f"unsupported condition operator {base!r}")


_NEGATED = {
    "StringNotEquals",
    "StringNotEqualsIgnoreCase",
    "StringNotLike",
    "NumericNotEquals",
    "DateNotEquals",
    "ArnNotEquals",
    "ArnNotLike",
    "NotIpAddress",
}


def _lookup(context: Mapping[str, ContextValue], key: str) -> list[str] | None:
    lowered = key.lower()
    for name, value in context.items():
        if name.lower() == lowered:
            return [str(item) for item in _as_list(value)]
    return None


def condition_operator_matches(
    operator: str, key: str, expected: Any, context: Mapping[str, ContextValue]
) -> bool:
    """Whether one ``{operator: {key: expected}}`` entry of a Condition block holds."""
    set_prefix = ""
    if ":" in operator:
        set_prefix, operator = operator.split(":", 1)
    if_exists = operator.endswith("IfExists")
    base = operator.removesuffix("IfExists")
    expected_values = [
        str(value).lower() if base == "Bool" else str(value) for value in _as_list(expected)
    ]
    actual = _lookup(context, key)

    if base == "Null":
        wants_absent = any(value.lower() == "true" for value in expected_values)
        return (actual is None) == wants_absent

    negated = base in _NEGATED
    if actual is None:
        if set_prefix == "ForAllValues":
            return True
        if set_prefix == "ForAnyValue":
            return False
        return if_exists or negated

    def value_matches(value: str) -> bool:
        hit = any(_compare(base, exp, value) for exp in expected_values)
        return not hit if negated else hit

    if set_prefix == "ForAllValues":
        return all(value_matches(value) for value in actual)
    if set_prefix == "ForAnyValue":
        return any(value_matches(value) for value in actual)
    if negated:
        return all(value_matches(value) for value in actual)
    return any(value_matches(value) for value in actual)


def conditions_match(condition: Any, context: Mapping[str, ContextValue]) -> bool:
    """Every operator and every key of a Condition block must hold (values of a key: any)."""
    if not condition:
        return True
    return all(
        condition_operator_matches(operator, key, expected, context)
        for operator, entries in dict(condition).items()
        for key, expected in dict(entries).items()
    )


# --------------------------------------------------------------------------- principals


_ACCOUNT_ROOT = re.compile(r"^arn:[a-z-]+:iam::(\d{12}):root$")
_ROLE_ARN = re.compile(r"^arn:([a-z-]+):iam::(\d{12}):role/(?:.*/)?([^/]+)$")


def match_principal(policy_principal: str, caller: Caller) -> PrincipalMatch:
    """How one AWS principal of a policy matches the caller."""
    if policy_principal == "*":
        return PrincipalMatch.DIRECT
    if re.fullmatch(r"\d{12}", policy_principal):
        return (
            PrincipalMatch.ACCOUNT if policy_principal == caller.account_id else PrincipalMatch.NONE
        )
    root = _ACCOUNT_ROOT.match(policy_principal)
    if root:
        return PrincipalMatch.ACCOUNT if root.group(1) == caller.account_id else PrincipalMatch.NONE
    if policy_principal == caller.arn:
        return PrincipalMatch.DIRECT
    if caller.role_arn is not None and policy_principal == caller.role_arn:
        return PrincipalMatch.DIRECT
    return PrincipalMatch.NONE


def _statement_principal_match(statement: Mapping[str, Any], caller: Caller) -> PrincipalMatch:
    if "Principal" in statement:
        principal = statement["Principal"]
        if principal == "*":
            return PrincipalMatch.DIRECT
        matches = [match_principal(str(p), caller) for p in _as_list(dict(principal).get("AWS"))]
        if PrincipalMatch.DIRECT in matches:
            return PrincipalMatch.DIRECT
        if PrincipalMatch.ACCOUNT in matches:
            return PrincipalMatch.ACCOUNT
        return PrincipalMatch.NONE
    if "NotPrincipal" in statement:
        not_principal = statement["NotPrincipal"]
        excluded = [
            match_principal(str(p), caller) for p in _as_list(dict(not_principal).get("AWS"))
        ]
        return (
            PrincipalMatch.NONE
            if any(m != PrincipalMatch.NONE for m in excluded)
            else (PrincipalMatch.DIRECT)
        )
    return PrincipalMatch.NONE


# --------------------------------------------------------------------------- statements


def _action_matches(statement: Mapping[str, Any], action: str) -> bool:
    if "Action" in statement:
        return any(
            _wildcard(str(p), action, ignore_case=True) for p in _as_list(statement["Action"])
        )
    if "NotAction" in statement:
        return not any(
            _wildcard(str(p), action, ignore_case=True) for p in _as_list(statement["NotAction"])
        )
    return False


def _resource_matches(statement: Mapping[str, Any], resource: str) -> bool:
    if "Resource" in statement:
        return any(_wildcard(str(p), resource) for p in _as_list(statement["Resource"]))
    if "NotResource" in statement:
        return not any(_wildcard(str(p), resource) for p in _as_list(statement["NotResource"]))
    return True  # trust policies have no Resource element: the role itself


def _statements(document: PolicyDocument) -> list[Mapping[str, Any]]:
    # CloudFormation's AWS::NoValue can leave null entries in a list of statements: skip them.
    return [dict(s) for s in _as_list(document.get("Statement")) if isinstance(s, Mapping)]


@dataclass
class PolicyResult:
    denied: bool = False
    allowed: bool = False
    principal_match: PrincipalMatch = PrincipalMatch.NONE
    reasons: list[str] = field(default_factory=list)


def evaluate_identity_policies(
    documents: Iterable[PolicyDocument],
    action: str,
    resource: str,
    context: Mapping[str, ContextValue],
) -> PolicyResult:
    result = PolicyResult()
    for document in documents:
        for statement in _statements(document):
            if not (_action_matches(statement, action) and _resource_matches(statement, resource)):
                continue
            if not conditions_match(statement.get("Condition"), context):
                continue  # a statement whose conditions fail does not apply (neither way)
            if statement.get("Effect") == _Effect.DENY.value:
                result.denied = True
            elif statement.get("Effect") == _Effect.ALLOW.value:
                result.allowed = True
    return result


def evaluate_resource_policy(
    document: PolicyDocument,
    caller: Caller,
    action: str,
    resource: str,
    context: Mapping[str, ContextValue],
) -> PolicyResult:
    result = PolicyResult()
    for statement in _statements(document):
        if not (_action_matches(statement, action) and _resource_matches(statement, resource)):
            continue
        match = _statement_principal_match(statement, caller)
        if match is PrincipalMatch.NONE:
            continue
        if not conditions_match(statement.get("Condition"), context):
            continue
        if statement.get("Effect") == _Effect.DENY.value:
            result.denied = True
        elif statement.get("Effect") == _Effect.ALLOW.value:
            result.allowed = True
            if result.principal_match is not PrincipalMatch.DIRECT:
                result.principal_match = match
    return result


def decide_with_resource_policy(
    *,
    trust_policy: PolicyDocument,
    identity_policies: Sequence[PolicyDocument],
    caller: Caller,
    action: str,
    resource: str,
    resource_account: str,
    context: Mapping[str, ContextValue],
) -> Decision:
    """Allow or deny one action on a resource that has a resource policy (a role's trust policy)."""
    trust = evaluate_resource_policy(trust_policy, caller, action, resource, context)
    identity = evaluate_identity_policies(identity_policies, action, resource, context)
    if trust.denied:
        return Decision(False, "explicit Deny in the trust policy")
    if identity.denied:
        return Decision(False, "explicit Deny in an identity-based policy")
    if not trust.allowed:
        return Decision(False, "no statement of the trust policy allows the request")
    same_account = caller.account_id == resource_account
    if same_account and trust.principal_match is PrincipalMatch.DIRECT:
        return Decision(True, "the trust policy allows the caller by name (same account)")
    if identity.allowed:
        return Decision(True, "the trust policy and an identity-based policy both allow")
    where = "the account is trusted" if same_account else "cross-account access"
    return Decision(False, f"{where}, but no identity-based policy allows the request")
