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

* policy variables (``${aws:username}``, ``${aws:PrincipalTag/team}``, defaults
  ``${aws:username, 'none'}``, the special characters ``${*}``, ``${?}``, ``${$}``) in
  ``Resource``/``NotResource`` and in the values of string and ARN conditions, replaced by the
  request context's value; only in policies of version ``2012-10-17``; a variable without a
  value makes that resource or value match nothing;
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
* permissions boundaries: the effective permissions of an identity are the intersection of its
  identity policies and its boundary; a same-account resource policy naming a user or a role
  session directly is not limited by the boundary, one naming the role is.
  https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html

Not modelled (the recipe uses none of them): session policies, SCPs/RCPs, service and
federated principals (they never match an IAM caller).
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
    return _wildcard_regex([pattern], value, ignore_case=ignore_case)


def _wildcard_regex(pieces: Sequence[str], value: str, *, ignore_case: bool = False) -> bool:
    """``pieces`` alternate policy text (wildcards apply) and substituted values (literal)."""
    regex = "".join(
        re.escape(piece)
        if index % 2
        else "".join(
            ".*" if char == "*" else "." if char == "?" else re.escape(char) for char in piece
        )
        for index, piece in enumerate(pieces)
    )
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.fullmatch(regex, value, flags) is not None


# --------------------------------------------------------------------------- variables

# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
# ``${key}`` or ``${key, 'default'}``; ``${*}``, ``${?}``, ``${$}`` stand for the character.
_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_DEFAULT = re.compile(r"^\s*([^,\s]+)\s*,\s*'([^']*)'\s*$")
_SPECIAL = {"*": "*", "?": "?", "$": "$"}
VARIABLES_VERSION = "2012-10-17"  # "Policy variables ... are supported only in this version"


def substitute(text: str, context: Mapping[str, ContextValue]) -> list[str] | None:
    """``text`` with its policy variables replaced, as pieces for :func:`_wildcard_regex`
    (even: policy text, odd: a variable's value, matched literally); None when a variable has
    no value in the request (nor a default): AWS then matches nothing with this text."""
    pieces: list[str] = []
    position = 0
    for found in _VARIABLE.finditer(text):
        pieces.append(text[position : found.start()])
        inner = found.group(1)
        value: str | None
        if inner in _SPECIAL:
            value = _SPECIAL[inner]
        else:
            default = _DEFAULT.match(inner)
            key, fallback = (default.group(1), default.group(2)) if default else (inner, None)
            values = _lookup(context, key.strip())
            # multivalued keys cannot be variables; a missing key takes the default
            value = values[0] if values is not None and len(values) == 1 else fallback
        if value is None:
            return None
        pieces.append(value)
        position = found.end()
    pieces.append(text[position:])
    return pieces


def _resolver(
    document: PolicyDocument, context: Mapping[str, ContextValue], variables: bool
) -> Mapping[str, ContextValue] | None:
    """The context that variables of ``document`` resolve from (None: no variables)."""
    return context if variables and document.get("Version") == VARIABLES_VERSION else None


def _pattern_matches(
    pattern: str, value: str, resolve: Mapping[str, ContextValue] | None, *, ignore_case: bool
) -> bool:
    if resolve is None:
        return _wildcard(pattern, value, ignore_case=ignore_case)
    pieces = substitute(pattern, resolve)
    return pieces is not None and _wildcard_regex(pieces, value, ignore_case=ignore_case)


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
    if base == "BinaryEquals":  # base64 text, compared as written
        return actual == expected
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


def _text(value: Any) -> str:
    """A policy or context value as IAM compares it: JSON ``true``/``false`` are the strings
    ``"true"``/``"false"`` (Python's ``str(True)`` would be ``"True"``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _lookup(context: Mapping[str, ContextValue], key: str) -> list[str] | None:
    lowered = key.lower()
    for name, value in context.items():
        if name.lower() == lowered:
            return [_text(item) for item in _as_list(value)]
    return None


def condition_operator_matches(
    operator: str,
    key: str,
    expected: Any,
    context: Mapping[str, ContextValue],
    resolve: Mapping[str, ContextValue] | None = None,
) -> bool:
    """Whether one ``{operator: {key: expected}}`` entry of a Condition block holds.

    With ``resolve``, policy variables in the values of string and ARN operators are
    replaced from it; a value whose variable has no value matches nothing."""
    set_prefix = ""
    if ":" in operator:
        set_prefix, operator = operator.split(":", 1)
    if_exists = operator.endswith("IfExists")
    base = operator.removesuffix("IfExists")
    expected_values = [
        _text(value).lower() if base == "Bool" else _text(value) for value in _as_list(expected)
    ]
    actual = _lookup(context, key)

    if base == "Null":
        # Several values of one key are OR'd, as for every operator: Null ["true", "false"]
        # holds whether the key is there or not.
        return any((actual is None) == (value.lower() == "true") for value in expected_values)

    negated = base in _NEGATED
    if actual is None:
        if set_prefix == "ForAllValues":
            return True
        if set_prefix == "ForAnyValue":
            return False
        return if_exists or negated

    def one(exp: str, value: str) -> bool:
        if resolve is None or not base.startswith(("String", "Arn")):
            return _compare(base, exp, value)
        pieces = substitute(exp, resolve)
        if pieces is None:
            return False
        if base in ("StringLike", "StringNotLike"):
            return _wildcard_regex(pieces, value)
        return _compare(base, "".join(pieces), value)

    def value_matches(value: str) -> bool:
        hit = any(one(exp, value) for exp in expected_values)
        return not hit if negated else hit

    if set_prefix == "ForAllValues":
        return all(value_matches(value) for value in actual)
    if set_prefix == "ForAnyValue":
        return any(value_matches(value) for value in actual)
    if negated:
        return all(value_matches(value) for value in actual)
    return any(value_matches(value) for value in actual)


def conditions_match(
    condition: Any,
    context: Mapping[str, ContextValue],
    resolve: Mapping[str, ContextValue] | None = None,
) -> bool:
    """Every operator and every key of a Condition block must hold (values of a key: any)."""
    if not condition:
        return True
    return all(
        condition_operator_matches(operator, key, expected, context, resolve)
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


def _resource_matches(
    statement: Mapping[str, Any],
    resource: str,
    resolve: Mapping[str, ContextValue] | None = None,
) -> bool:
    def hit(key: str) -> bool:
        return any(
            _pattern_matches(str(p), resource, resolve, ignore_case=False)
            for p in _as_list(statement[key])
        )

    if "Resource" in statement:
        return hit("Resource")
    if "NotResource" in statement:
        return not hit("NotResource")
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
    *,
    variables: bool = True,
) -> PolicyResult:
    result = PolicyResult()
    for document in documents:
        resolve = _resolver(document, context, variables)
        for statement in _statements(document):
            if not (
                _action_matches(statement, action)
                and _resource_matches(statement, resource, resolve)
            ):
                continue
            if not conditions_match(statement.get("Condition"), context, resolve):
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
    *,
    variables: bool = True,
) -> PolicyResult:
    result = PolicyResult()
    resolve = _resolver(document, context, variables)
    for statement in _statements(document):
        if not (
            _action_matches(statement, action) and _resource_matches(statement, resource, resolve)
        ):
            continue
        match = _statement_principal_match(statement, caller)
        if match is PrincipalMatch.NONE:
            continue
        if not conditions_match(statement.get("Condition"), context, resolve):
            continue
        if statement.get("Effect") == _Effect.DENY.value:
            result.denied = True
        elif statement.get("Effect") == _Effect.ALLOW.value:
            result.allowed = True
            if result.principal_match is not PrincipalMatch.DIRECT:
                result.principal_match = match
    return result


def decide_identity(
    *,
    identity_policies: Sequence[PolicyDocument],
    boundary: PolicyDocument | None,
    action: str,
    resource: str,
    context: Mapping[str, ContextValue],
    variables: bool = True,
) -> Decision:
    """Allow or deny one action on the caller's identity policies and permissions boundary."""
    identity = evaluate_identity_policies(
        identity_policies, action, resource, context, variables=variables
    )
    bounded = _boundary(boundary, action, resource, context, variables)
    if identity.denied:
        return Decision(False, "explicit Deny in an identity-based policy")
    if bounded is not None and bounded.denied:
        return Decision(False, "explicit Deny in the permissions boundary")
    if not identity.allowed:
        return Decision(False, "no identity-based policy allows the request")
    if bounded is not None and not bounded.allowed:
        return Decision(False, "the permissions boundary does not allow the request")
    return Decision(True, "an identity-based policy allows, within the boundary")


def _boundary(
    boundary: PolicyDocument | None,
    action: str,
    resource: str,
    context: Mapping[str, ContextValue],
    variables: bool,
) -> PolicyResult | None:
    if boundary is None:
        return None
    return evaluate_identity_policies([boundary], action, resource, context, variables=variables)


def _names_caller_beyond_boundary(policy: PolicyDocument, caller: Caller) -> bool:
    """Whether an Allow names the user or the role session itself (not the role): AWS does not
    limit such a same-account grant by the caller's permissions boundary."""
    for statement in _statements(policy):
        if statement.get("Effect") != _Effect.ALLOW.value or "Principal" not in statement:
            continue
        principal = statement["Principal"]
        names = ["*"] if principal == "*" else _as_list(dict(principal).get("AWS"))
        if caller.arn in [str(n) for n in names]:
            return True
    return False


def decide_with_resource_policy(
    *,
    trust_policy: PolicyDocument,
    identity_policies: Sequence[PolicyDocument],
    caller: Caller,
    action: str,
    resource: str,
    resource_account: str,
    context: Mapping[str, ContextValue],
    boundary: PolicyDocument | None = None,
    variables: bool = True,
) -> Decision:
    """Allow or deny one action on a resource that has a resource policy (a role's trust policy).

    ``boundary``: the caller's permissions boundary (a role session's role's), or None.
    """
    trust = evaluate_resource_policy(
        trust_policy, caller, action, resource, context, variables=variables
    )
    identity = evaluate_identity_policies(
        identity_policies, action, resource, context, variables=variables
    )
    bounded = _boundary(boundary, action, resource, context, variables)
    if trust.denied:
        return Decision(False, "explicit Deny in the trust policy")
    if identity.denied:
        return Decision(False, "explicit Deny in an identity-based policy")
    if bounded is not None and bounded.denied:
        return Decision(False, "explicit Deny in the permissions boundary")
    if not trust.allowed:
        return Decision(False, "no statement of the trust policy allows the request")
    same_account = caller.account_id == resource_account
    within = bounded is None or bounded.allowed
    if same_account and trust.principal_match is PrincipalMatch.DIRECT:
        if within or _names_caller_beyond_boundary(trust_policy, caller):
            return Decision(True, "the trust policy allows the caller by name (same account)")
        return Decision(False, "the trust policy names the role, outside its boundary")
    if identity.allowed and not within:
        return Decision(False, "an identity-based policy allows, but not the boundary")
    if identity.allowed:
        return Decision(True, "the trust policy and an identity-based policy both allow")
    where = "the account is trusted" if same_account else "cross-account access"
    return Decision(False, f"{where}, but no identity-based policy allows the request")
