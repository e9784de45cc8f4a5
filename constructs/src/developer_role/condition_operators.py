"""IAM's condition operators, evaluated for the MFA keys of one request context.

Pure functions, no CDK import. Each returns ``True``/``False``, or ``None`` when the policy value
cannot be known at synthesis (a CloudFormation function other than ``Fn::If``).

IAM User Guide pages this module follows (the rule's README links them too):

- Condition operators (every operator, ``...IfExists``, ``Null``, negated operators; a key
  missing from the request makes a positive operator false, a negated one true, ``IfExists``
  true):
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
- "IAM JSON policy elements: Condition" (several values for one key are ORed, several keys and
  several operators are ANDed; key names are case-insensitive, values of ``String`` operators
  are case-sensitive):
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html
- ``ForAllValues``/``ForAnyValue`` (a missing key: ``ForAllValues`` true, ``ForAnyValue``
  false):
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
- ``aws:MultiFactorAuthPresent`` and ``aws:MultiFactorAuthAge`` (absent with long-term access
  keys; ``"false"`` and no age in temporary credentials obtained without MFA; ``"true"`` and
  the seconds since the MFA sign-in with MFA):
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-multifactorauthpresent
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-multifactorauthage

A request value an operator cannot read (``"false"`` for a ``Numeric`` operator) matches none
of the policy's values, so a negated operator holds, as for any other unequal value.
"""

from __future__ import annotations

import datetime
import functools
import ipaddress
import re
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["OPERATORS", "Truth", "operator_holds", "split_operator"]

Truth = bool | None  # None: cannot be known at synthesis


@functools.lru_cache(maxsize=1024)
def _compiled(pattern: str) -> re.Pattern[str]:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(regex, re.DOTALL)


def _wildcard(pattern: str, value: str) -> bool:
    """``StringLike`` / ``ArnLike``: ``*`` any run of characters, ``?`` one character."""
    return _compiled(pattern).fullmatch(value) is not None


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _date(text: str) -> float | None:
    number = _number(text)
    if number is not None:
        return number  # epoch seconds are accepted as dates
    try:
        parsed = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.UTC)).timestamp()


def _ordered(
    parse: Callable[[str], float | None], relation: Callable[[float, float], bool]
) -> Callable[[str, str], bool]:
    def compare(expected: str, actual: str) -> bool:
        left, right = parse(actual), parse(expected)
        return left is not None and right is not None and relation(left, right)

    return compare


def _arn(expected: str, actual: str) -> bool:
    wanted, have = expected.split(":", 5), actual.split(":", 5)
    if len(wanted) != 6 or len(have) != 6:
        return False
    return all(_wildcard(w, h) for w, h in zip(wanted, have, strict=True))


def _ip(expected: str, actual: str) -> bool:
    try:
        return ipaddress.ip_address(actual) in ipaddress.ip_network(expected, strict=False)
    except ValueError:
        return False


def _equal(expected: str, actual: str) -> bool:
    return expected == actual


def _equal_ignoring_case(expected: str, actual: str) -> bool:
    return expected.casefold() == actual.casefold()


def _relations(parse: Callable[[str], float | None], prefix: str) -> dict[str, Any]:
    return {
        f"{prefix}Equals": (_ordered(parse, lambda a, b: a == b), False),
        f"{prefix}NotEquals": (_ordered(parse, lambda a, b: a == b), True),
        f"{prefix}LessThan": (_ordered(parse, lambda a, b: a < b), False),
        f"{prefix}LessThanEquals": (_ordered(parse, lambda a, b: a <= b), False),
        f"{prefix}GreaterThan": (_ordered(parse, lambda a, b: a > b), False),
        f"{prefix}GreaterThanEquals": (_ordered(parse, lambda a, b: a >= b), False),
    }


# Operator -> (comparison of one policy value with one request value, negated?). Negated
# operators hold when the request value matches none of the policy's values.
OPERATORS: dict[str, tuple[Callable[[str, str], bool], bool]] = {
    "StringEquals": (_equal, False),
    "StringNotEquals": (_equal, True),
    "StringEqualsIgnoreCase": (_equal_ignoring_case, False),
    "StringNotEqualsIgnoreCase": (_equal_ignoring_case, True),
    "StringLike": (_wildcard, False),
    "StringNotLike": (_wildcard, True),
    **_relations(_number, "Numeric"),
    **_relations(_date, "Date"),
    "Bool": (_equal_ignoring_case, False),  # "true"/"false", in any case
    "BinaryEquals": (_equal, False),
    "IpAddress": (_ip, False),
    "NotIpAddress": (_ip, True),
    "ArnEquals": (_arn, False),
    "ArnLike": (_arn, False),
    "ArnNotEquals": (_arn, True),
    "ArnNotLike": (_arn, True),
}
_BY_LOWER = {name.lower(): name for name in [*OPERATORS, "Null"]}


@functools.lru_cache(maxsize=256)
def split_operator(operator: str) -> tuple[str, str, bool] | None:
    """``ForAnyValue:StringEqualsIfExists`` -> ``("ForAnyValue", "StringEquals", True)``, or
    None for an operator IAM does not have."""
    qualifier, _, base = operator.rpartition(":")
    qualifier = {"forallvalues": "ForAllValues", "foranyvalue": "ForAnyValue", "": ""}.get(
        qualifier.lower(), "?"
    )
    if qualifier == "?":
        return None
    if_exists = base.lower().endswith("ifexists") and base.lower() != "ifexists"
    name = _BY_LOWER.get(base.lower()[: -len("ifexists")] if if_exists else base.lower())
    if name is None or (name == "Null" and if_exists):
        return None
    return qualifier, name, if_exists


def _text(value: Any) -> str | None:
    """A policy value as IAM reads it: JSON booleans and numbers as their text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    return None  # a CloudFormation function


def operator_holds(operator: str, expected: Any, actual: Sequence[str] | None) -> Truth:
    """Whether ``{operator: {key: expected}}`` holds for a request whose key has the values
    ``actual`` (None: the key is not in the request). An unknown operator: None."""
    parts = split_operator(operator)
    if parts is None:
        return None
    qualifier, name, if_exists = parts
    values = expected if isinstance(expected, list) else [expected]
    texts = [_text(v) for v in values]
    if any(t is None for t in texts):
        return None
    wanted = [t for t in texts if t is not None]
    if name == "Null":
        absent = actual is None
        return any(t.lower() == ("true" if absent else "false") for t in wanted)
    compare, negated = OPERATORS[name]
    if actual is None:
        if qualifier == "ForAllValues":
            return True
        if qualifier == "ForAnyValue":
            return False
        return if_exists or negated

    def one(value: str) -> bool:
        hit = any(compare(w, value) for w in wanted)
        return hit != negated

    if qualifier == "ForAllValues":
        return all(one(v) for v in actual)
    if qualifier == "ForAnyValue" or not negated:
        return any(one(v) for v in actual)
    return all(one(v) for v in actual)
