"""The MFA trust rule as plain data: which requests without MFA a trust policy lets in.

No CDK import: the check runs on a trust policy document (a ``dict`` as CloudFormation holds
it, a JSON string, or a CloudFormation function), so the validation plugin
(:mod:`developer_role.mfa_checks`), an audit of deployed roles and tests use it alike.

The rule evaluates the policy as IAM does, for the requests that matter:

- **long-term access keys** (an IAM user's or the root user's keys): the request has neither
  ``aws:MultiFactorAuthPresent`` nor ``aws:MultiFactorAuthAge``;
- **a session without MFA** (temporary credentials obtained without MFA, a role session
  included): ``aws:MultiFactorAuthPresent`` is ``"false"``, no age;
- **a session with MFA**: ``"true"`` and the seconds since the MFA sign-in.

https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-multifactorauthpresent

An ``Allow`` lets a request without MFA in when some principal it names (``Principal``, or
anyone not listed in ``NotPrincipal``) makes a request of one of the first two kinds that
satisfies it (its action matches ``sts:AssumeRole``, its conditions hold), and no ``Deny``
naming that principal matches the same request: an explicit deny wins ("Policy evaluation
logic", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html,
and "IAM JSON policy elements: Principal / NotPrincipal / Action / NotAction",
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html).
Condition operators are evaluated by :mod:`developer_role.condition_operators`. A condition on
another key (``aws:PrincipalArn``...) is one that some request satisfies: it holds for the
``Allow``; a ``Deny`` stops the request only through conditions the ``Allow`` has too (the
same operator, key and values).

Service principals, federated principals (SAML, web identity) and canonical users are left
alone, as they do not sign in with an MFA device of IAM's.

Rules (the package README lists them with cause and fix):

- ``MFA1`` (error): a session without MFA gets in (and maybe long-term access keys too).
- ``MFA2`` (error): long-term access keys get in (``...IfExists``, ``Null``, negated operators
  match requests without the MFA keys), sessions without MFA do not.
- ``MFA3`` (warning): MFA is required but its age is not limited.
- ``MFA4`` (warning): MFA is required in an unusual form; the finding says how to write it the
  usual way.
- ``MFA5`` (warning): the statement cannot be proven to require MFA, as part of it is a
  CloudFormation function whose value is unknown at synthesis; no branch of any ``Fn::If``
  lets a request without MFA in (else that is an error).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Literal

from developer_role.condition_operators import Truth, operator_holds, split_operator
from developer_role.mfa_intrinsics import Branch, branches, is_function, opaque

__all__ = [
    "LONG_TERM_KEYS",
    "MFA_AGE_LIMIT",
    "MFA_BOOL_IF_EXISTS",
    "MFA_CANNOT_PROVE",
    "MFA_REQUIRED",
    "MFA_UNUSUAL",
    "OLD_MFA_SESSION",
    "RULES",
    "SESSION_WITHOUT_MFA",
    "Request",
    "Rule",
    "TrustFinding",
    "admitted",
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


_USUAL = (
    '"Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}, "NumericLessThan": '
    '{"aws:MultiFactorAuthAge": "3600"}}'
)
MFA_REQUIRED = Rule(
    "MFA1",
    "error",
    "A role that people assume must require MFA: a statement lets IAM users, roles or accounts "
    "call sts:AssumeRole with a session without MFA.",
    f"Add {_USUAL} to the statement (iam.PrincipalWithConditions, or the DeveloperRole "
    "construct); a role for machines should trust a service or federated principal instead.",
)
MFA_BOOL_IF_EXISTS = Rule(
    "MFA2",
    "error",
    "Requests signed with long-term access keys carry no MFA key at all; ...IfExists, Null and "
    "negated operators match them, so they get in without MFA.",
    'Use "Bool": {"aws:MultiFactorAuthPresent": "true"} (without IfExists).',
)
MFA_AGE_LIMIT = Rule(
    "MFA3",
    "warning",
    "Without an aws:MultiFactorAuthAge limit, a long-lived MFA session token (up to 36 hours) "
    "keeps assuming the role long after the MFA sign-in.",
    'Add "NumericLessThan": {"aws:MultiFactorAuthAge": "3600"} (seconds since the MFA '
    "sign-in) to the statement's conditions.",
)
MFA_UNUSUAL = Rule(
    "MFA4",
    "warning",
    "The statement requires MFA, but not in the usual form, so readers (and other tools) may "
    "not see that it does.",
    f"Write the condition as {_USUAL}.",
)
MFA_CANNOT_PROVE = Rule(
    "MFA5",
    "warning",
    "Part of the trust policy is a CloudFormation function whose value is unknown at "
    "synthesis; no value the rule can see lets a request without MFA in, but it cannot prove "
    "the rest.",
    "Write the statement literally (Fn::If over literal values is checked branch by branch).",
)
RULES = (MFA_REQUIRED, MFA_BOOL_IF_EXISTS, MFA_AGE_LIMIT, MFA_UNUSUAL, MFA_CANNOT_PROVE)

_MFA_PRESENT = "aws:multifactorauthpresent"
_MFA_AGE = "aws:multifactorauthage"
_ASSUME_ROLE = "sts:assumerole"


@dataclasses.dataclass(frozen=True)
class Request:
    """The MFA keys of one kind of request: values, or None where the key is absent."""

    name: str
    present: str | None
    age: str | None


LONG_TERM_KEYS = Request("long-term access keys", None, None)
SESSION_WITHOUT_MFA = Request("a session without MFA", "false", None)
# The oldest MFA session there is: GetSessionToken's longest duration, 36 hours.
OLD_MFA_SESSION = Request("an MFA session of any age", "true", str(36 * 3600))
NEW_MFA_SESSION = Request("an MFA session just signed in", "true", "0")


@dataclasses.dataclass(frozen=True)
class TrustFinding:
    """One problem of one trust policy statement.

    ``rule`` is the rule's ID (``MFA1``...), ``level`` ``"error"`` or ``"warning"``,
    ``statement`` the statement's index in ``Statement`` (``"document"`` for the whole
    document), ``message`` one sentence naming the statement, whom it lets in with which
    request, and the fix, and ``index`` the statement's index (0 for the whole document).
    """

    rule: str
    level: Level
    statement: str | int
    message: str
    index: int = 0

    @property
    def finding_id(self) -> str:
        """The finding's part of an acknowledgment ID: ``Statement::<index>``."""
        return f"Statement::{self.statement}"


# --------------------------------------------------------------------------- three-valued logic


def _and(values: Iterable[Truth]) -> Truth:
    result: Truth = True
    for value in values:
        if value is False:
            return False
        if value is None:
            result = None
    return result


def _or(values: Iterable[Truth]) -> Truth:
    result: Truth = False
    for value in values:
        if value is True:
            return True
        if value is None:
            result = None
    return result


def _not(value: Truth) -> Truth:
    return None if value is None else not value


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# --------------------------------------------------------------------------- principals

_ACCOUNT = re.compile(r"(?:\d{12}|arn:[a-z-]+:iam::(\d{12}):root)")
_ARN_ACCOUNT = re.compile(r"arn:[a-z-]+:(?:iam|sts)::(\d{12}):(user|role|assumed-role|\S+?)/")


@dataclasses.dataclass(frozen=True)
class _Caller:
    """One principal a request may come from: a named ARN, any user of a named account, a
    principal given by a CloudFormation function, or anyone not named in the policy."""

    label: str
    arn: str = ""
    account: str = ""
    function: str = ""  # a CloudFormation function, as canonical JSON
    long_term_keys: bool = True  # only IAM users (and the root user) have access keys


def _account(value: str) -> str:
    match = _ACCOUNT.fullmatch(value)
    if match is None:
        return ""
    return match.group(1) or value


def _aws_principals(element: Any) -> Iterator[Any]:
    if isinstance(element, Mapping):
        for kind, values in element.items():
            if str(kind).upper() == "AWS":
                yield from _listed(values)


def _callers(statements: Sequence[Mapping[str, Any]]) -> list[_Caller]:
    callers: dict[str, _Caller] = {}
    for statement in statements:
        for element in (statement.get("Principal"), statement.get("NotPrincipal")):
            for value in _aws_principals(element):
                if not isinstance(value, str):
                    text = json.dumps(value, sort_keys=True)
                    callers[text] = _Caller(f"the principal {opaque(value)}", function=text)
                elif account := _account(value):
                    callers[account] = _Caller(
                        f"any principal of account {account}",
                        arn=f"arn:aws:iam::{account}:user/any",
                        account=account,
                    )
                elif match := _ARN_ACCOUNT.match(value):
                    callers[value] = _Caller(
                        value, arn=value, account=match[1], long_term_keys=match[2] == "user"
                    )
                elif value != "*":
                    callers[value] = _Caller(value, arn=value)  # IAM would refuse it; still
    return [*callers.values(), _Caller("any AWS principal")]


def _principal_names(value: Any, caller: _Caller) -> Truth:
    if value == "*":
        return True
    if not isinstance(value, str):
        if caller.function:
            return True if json.dumps(value, sort_keys=True) == caller.function else None
        return None  # a function's value may name this caller
    if caller.function:
        return None  # the function's value may be this ARN or account
    account = _account(value)
    if account:
        return account == caller.account
    return bool(caller.arn) and value == caller.arn


def _names(element: Any, caller: _Caller) -> Truth:
    if element == "*":
        return True
    if not isinstance(element, Mapping):
        return None  # a CloudFormation function
    return _or(_principal_names(value, caller) for value in _aws_principals(element))


def _statement_names(statement: Mapping[str, Any], caller: _Caller) -> Truth:
    if "Principal" in statement:
        return _names(statement["Principal"], caller)
    if "NotPrincipal" in statement:
        return _not(_names(statement["NotPrincipal"], caller))
    return False


# --------------------------------------------------------------------------- actions


@functools.lru_cache(maxsize=1024)
def _action_pattern(pattern: str) -> bool:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, _ASSUME_ROLE, re.IGNORECASE | re.DOTALL) is not None


def _action(pattern: Any) -> Truth:
    """Whether an Action pattern matches sts:AssumeRole (wildcards, any case)."""
    return _action_pattern(pattern) if isinstance(pattern, str) else None


def _assume_role(statement: Mapping[str, Any]) -> Truth:
    if "Action" in statement:
        return _or(_action(p) for p in _listed(statement["Action"]))
    if "NotAction" in statement:
        return _not(_or(_action(p) for p in _listed(statement["NotAction"])))
    return False


# --------------------------------------------------------------------------- conditions

_Entry = tuple[str, str, str]  # operator, key (both lowercased), values as canonical JSON


def _entries(block: Any) -> Iterator[tuple[str, Any, Any]]:
    """``(operator, key, values)`` of a Condition block; ``("", None, None)`` for a part that
    is a CloudFormation function."""
    if block is None:
        return
    if not isinstance(block, Mapping):
        yield "", None, None
        return
    for operator, keys in block.items():
        if not isinstance(keys, Mapping):
            yield "", None, None
            continue
        for key, values in keys.items():
            yield str(operator), key, values


def _entry_holds(
    operator: str, key: Any, values: Any, request: Request, shared: set[_Entry] | None
) -> Truth:
    """One entry for ``request``; ``shared`` None: the Allow's entries on other keys (some
    request satisfies them); a set: a Deny's, which hold only if the Allow has them too."""
    if not isinstance(key, str) or split_operator(operator) is None:
        return None
    lowered = key.lower()
    if lowered == _MFA_PRESENT:
        return operator_holds(
            operator, values, None if request.present is None else [request.present]
        )
    if lowered == _MFA_AGE:
        return operator_holds(operator, values, None if request.age is None else [request.age])
    if shared is None:
        return True
    return (operator.lower(), lowered, json.dumps(values, sort_keys=True)) in shared


def _conditions(
    statement: Mapping[str, Any], request: Request, shared: set[_Entry] | None
) -> Truth:
    return _and(
        _entry_holds(operator, key, values, request, shared)
        for operator, key, values in _entries(statement.get("Condition"))
    )


def _other_entries(statement: Mapping[str, Any]) -> set[_Entry]:
    return {
        (operator.lower(), key.lower(), json.dumps(values, sort_keys=True))
        for operator, key, values in _entries(statement.get("Condition"))
        if isinstance(key, str) and key.lower() not in (_MFA_PRESENT, _MFA_AGE)
    }


# --------------------------------------------------------------------------- evaluation


def _gets_in(
    allow: Mapping[str, Any],
    denies: Sequence[Mapping[str, Any]],
    caller: _Caller,
    request: Request,
) -> Truth:
    """Whether ``caller`` gets in through ``allow`` with some request of this kind."""
    if request.present is None and not caller.long_term_keys:
        return False
    admitted = _and(
        (
            _statement_names(allow, caller),
            _assume_role(allow),
            _conditions(allow, request, None),
        )
    )
    if admitted is False:
        return False
    shared = _other_entries(allow)
    denied = _or(
        _and(
            (
                _statement_names(deny, caller),
                _assume_role(deny),
                _conditions(deny, request, shared),
            )
        )
        for deny in denies
    )
    return _and((admitted, _not(denied)))


def _split(document: Mapping[str, Any]) -> tuple[list[tuple[int, Any]], list[Mapping[str, Any]]]:
    """The statements with their indexes, and the Deny statements."""
    statements = list(enumerate(_listed(document.get("Statement", []))))
    denies = [s for _, s in statements if isinstance(s, Mapping) and s.get("Effect") == "Deny"]
    return statements, denies


def admitted(document: Mapping[str, Any], request: Request) -> Truth:
    """Whether some principal the (literal) document names gets in with ``request``."""
    statements, denies = _split(document)
    allows = [s for _, s in statements if isinstance(s, Mapping) and s.get("Effect") == "Allow"]
    callers = _callers([s for _, s in statements if isinstance(s, Mapping)])
    return _or(_gets_in(allow, denies, caller, request) for allow in allows for caller in callers)


# --------------------------------------------------------------------------- findings


def _label(index: int, statement: Mapping[str, Any]) -> str:
    sid = statement.get("Sid")
    return f"statement {index} ({sid})" if isinstance(sid, str) and sid else f"statement {index}"


def _functions(value: Any) -> list[str]:
    if isinstance(value, Mapping):
        if is_function(value):
            return [opaque(value)]
        return [f for item in value.values() for f in _functions(item)]
    if isinstance(value, list):
        return [f for item in value for f in _functions(item)]
    return []


def _unseen(statement: Mapping[str, Any]) -> str:
    parts = _functions(statement)
    parts += [
        f"the condition operator {operator!r}"
        for operator, key, _ in _entries(statement.get("Condition"))
        if operator and split_operator(operator) is None
    ]
    return ", ".join(dict.fromkeys(parts)) or "a part of the statement"


def _is_usual(statement: Mapping[str, Any], denies: Sequence[Mapping[str, Any]]) -> bool:
    """``Bool aws:MultiFactorAuthPresent "true"`` in the statement, or a Deny with
    ``BoolIfExists aws:MultiFactorAuthPresent "false"`` (the README's two forms)."""

    def has(target: Mapping[str, Any], operator: str, value: str) -> bool:
        return any(
            op.lower() == operator
            and isinstance(key, str)
            and key.lower() == _MFA_PRESENT
            and all(str(v).lower() == value for v in _listed(values))
            for op, key, values in _entries(target.get("Condition"))
        )

    return has(statement, "bool", "true") or any(
        has(deny, "boolifexists", "false") for deny in denies
    )


def _witness(
    allow: Mapping[str, Any],
    denies: Sequence[Mapping[str, Any]],
    callers: Sequence[_Caller],
    request: Request,
) -> tuple[Truth, str]:
    results = [(_gets_in(allow, denies, caller, request), caller.label) for caller in callers]
    for result, label in results:
        if result is True:
            return True, label
    return (None if any(r is None for r, _ in results) else False), ""


def _statement_findings(
    index: int,
    statement: Mapping[str, Any],
    denies: Sequence[Mapping[str, Any]],
    callers: Sequence[_Caller],
) -> Iterator[TrustFinding]:
    label = _label(index, statement)
    effect = statement.get("Effect")
    if effect == "Deny":
        return
    if effect != "Allow":
        if _functions(effect):
            yield _finding(MFA_CANNOT_PROVE, index, f"{label}: its Effect is {_unseen(statement)}")
        return
    if all(
        _and((_statement_names(statement, c), _assume_role(statement))) is False for c in callers
    ):
        return  # no IAM principal may assume the role through it, with MFA or without
    session, who = _witness(statement, denies, callers, SESSION_WITHOUT_MFA)
    keys, key_holder = _witness(statement, denies, callers, LONG_TERM_KEYS)
    if session is True:
        requests = "with long-term access keys or " if keys is True else "with "
        yield _finding(
            MFA_REQUIRED,
            index,
            f"{label} lets {who} assume the role {requests}a session without MFA; "
            f"add {_USUAL} (iam.PrincipalWithConditions, or the DeveloperRole construct)",
        )
        return
    if keys is True:
        yield _finding(
            MFA_BOOL_IF_EXISTS,
            index,
            f"{label} lets {key_holder} assume the role with long-term access keys (their "
            "requests carry no MFA key, which ...IfExists, Null or a negated operator "
            'matches); use "Bool": {"aws:MultiFactorAuthPresent": "true"} without IfExists',
        )
        return
    if session is None or keys is None:
        yield _finding(
            MFA_CANNOT_PROVE,
            index,
            f"{label}: cannot prove that it requires MFA, as it holds {_unseen(statement)}, "
            "whose value is unknown at synthesis; no value the rule can see lets a request "
            "without MFA in",
        )
        return
    old, _ = _witness(statement, denies, callers, OLD_MFA_SESSION)
    if old is False and _witness(statement, denies, callers, NEW_MFA_SESSION)[0] is False:
        return  # it lets nobody in, with MFA or without
    if not _is_usual(statement, denies):
        yield _finding(
            MFA_UNUSUAL,
            index,
            f"{label} requires MFA (neither long-term access keys nor a session without MFA "
            f"get in), in an unusual form; the usual way: {_USUAL}",
        )
    if old is True:
        yield _finding(
            MFA_AGE_LIMIT,
            index,
            f"{label} requires MFA but does not limit its age, so an MFA session token keeps "
            'working for up to 36 hours; add "NumericLessThan": '
            '{"aws:MultiFactorAuthAge": "3600"} (seconds)',
        )


def _finding(rule: Rule, index: int, message: str) -> TrustFinding:
    return TrustFinding(rule.id, rule.level, index, message, index)


def _branch_findings(branch: Branch) -> list[TrustFinding]:
    if branch.document is None:
        return [
            TrustFinding(
                MFA_CANNOT_PROVE.id,
                MFA_CANNOT_PROVE.level,
                "document",
                f"the trust policy is {branch.unknown}, whose value is unknown at synthesis, "
                "so whom it trusts cannot be checked; write it literally (Fn::If over literal "
                "documents is checked branch by branch)",
            )
        ]
    statements, denies = _split(branch.document)
    callers = _callers([s for _, s in statements if isinstance(s, Mapping)])
    findings: list[TrustFinding] = []
    for index, statement in statements:
        if isinstance(statement, Mapping) and not is_function(statement):
            findings.extend(_statement_findings(index, statement, denies, callers))
        elif statement is not None:  # None: removed by AWS::NoValue in this branch
            findings.append(
                _finding(
                    MFA_CANNOT_PROVE,
                    index,
                    f"statement {index} is {opaque(statement)}, whose value is unknown at "
                    "synthesis, so whom it trusts cannot be checked; write it literally",
                )
            )
    return findings


def trust_findings(trust_policy: Any) -> list[TrustFinding]:
    """The MFA findings of a trust policy, in statement order.

    ``trust_policy`` is the document as CloudFormation holds it (``Version``, ``Statement``),
    a JSON string of it, or a CloudFormation function. Every branch of every ``Fn::If`` is
    checked; a finding that holds only in some branches says where.
    """
    every = list(branches(trust_policy))
    found: dict[tuple[str, str | int, str], list[Branch]] = {}
    ordered: list[TrustFinding] = []
    for branch in every:
        for finding in _branch_findings(branch):
            key = (finding.rule, finding.statement, finding.message)
            if key not in found:
                found[key] = []
                ordered.append(finding)
            found[key].append(branch)
    results = []
    for finding in ordered:
        where = found[(finding.rule, finding.statement, finding.message)]
        if len(where) < len(every):
            shown = "; or ".join(b.words for b in where)
            finding = dataclasses.replace(finding, message=f"{shown}: {finding.message}")
        results.append(finding)
    return sorted(results, key=lambda f: (f.index, RULES.index(_BY_ID[f.rule])))


_BY_ID = {rule.id: rule for rule in RULES}
