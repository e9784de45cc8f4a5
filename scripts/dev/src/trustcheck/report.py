"""Render outcomes as a table a reviewer can read, and as JSON."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from trustcheck.engine import ALLOWED, Outcome
from trustcheck.matrix import RoleUnderTest, mfa_age_seconds

HEADERS = ("case", "principal", "MFA", "age s", "identity", "call", "expect", "got", "")
_SHORT_RESULT = {"ImplicitlyDenied": "implicit", "ExplicitlyDenied": "explicit"}


def _short(arn: str) -> str:
    prefix, _, rest = arn.partition("::")
    return rest if prefix.startswith("arn:") and rest else arn


def got_text(outcome: Outcome) -> str:
    """The decision and, for a refusal, which actions of the call were refused and how."""
    refused: dict[str, list[str]] = {}
    for action, result in outcome.results.items():
        if result != ALLOWED:
            refused.setdefault(_SHORT_RESULT.get(result, result), []).append(
                action.removeprefix("sts:")
            )
    detail = "; ".join(f"{kind}: {', '.join(actions)}" for kind, actions in refused.items())
    return f"{outcome.decision.value} ({detail})" if detail else outcome.decision.value


def role_heading(role: RoleUnderTest) -> str:
    source = "required" if role.requires_source_identity else "not required"
    owners = ", ".join(_short(owner) for owner in role.owners)
    return (
        f"{role.name}  {role.role_arn}\n"
        f"  for {owners}; max MFA age N = {role.max_mfa_age} s; source identity {source}"
    )


def _row(outcome: Outcome) -> tuple[str, ...]:
    request = outcome.request
    case = request.case
    age = mfa_age_seconds(case.age, request.role.max_mfa_age)
    return (
        case.id,
        _short(request.principal_label),
        case.mfa.value,
        "-" if age is None else str(age),
        case.identity.value,
        case.call.value.removeprefix("sts:"),
        request.expected.value,
        got_text(outcome),
        "ok" if outcome.as_expected else "UNEXPECTED",
    )


def table(outcomes: Sequence[Outcome]) -> str:
    """One block per role: a heading, then one line per request."""
    blocks: list[str] = []
    by_role: dict[str, list[Outcome]] = {}
    roles: dict[str, RoleUnderTest] = {}
    for outcome in outcomes:
        by_role.setdefault(outcome.request.role.name, []).append(outcome)
        roles[outcome.request.role.name] = outcome.request.role
    for name, items in by_role.items():
        rows = [HEADERS, *(_row(o) for o in items)]
        widths = [max(len(row[i]) for row in rows) for i in range(len(HEADERS))]
        lines = [role_heading(roles[name])]
        for row in rows:
            lines.append("  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
        blocks.append("\n".join(line.rstrip() for line in lines))
    return "\n\n".join(blocks)


def summary(outcomes: Sequence[Outcome]) -> str:
    roles = {o.request.role.name for o in outcomes}
    unexpected = [o for o in outcomes if not o.as_expected]
    verdict = "every decision as expected" if not unexpected else f"{len(unexpected)} UNEXPECTED"
    return f"{len(outcomes)} requests against {len(roles)} trust policies: {verdict}"


def as_json(outcomes: Sequence[Outcome]) -> list[dict[str, Any]]:
    return [
        {
            "role": o.request.role.name,
            "role_arn": o.request.role.role_arn,
            "case": o.request.case.id,
            "principal": o.request.principal,
            "actions": list(o.request.actions),
            "context": dict(o.request.context),
            "identity": o.request.case.identity.value,
            "expected": o.request.expected.value,
            "decision": o.decision.value,
            "results": dict(o.results),
            "as_expected": o.as_expected,
        }
        for o in outcomes
    ]
