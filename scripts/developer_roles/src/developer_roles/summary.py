"""The deploy's approval summary: per role, every privilege change, and whether it broadens.

Pure functions over CloudFormation templates (the deployed one, ``None`` for a new stack, and
the synthesized one) and over the live state of roles (:mod:`developer_roles.drift` reads it
into the same form). A role is an ``AWS::IAM::Role`` resource, named by its ``RoleName`` (else
its logical ID). Every property of that resource that decides who may assume the role, for
how long, and what it may do, is compared (the resource's properties:
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-iam-role.html
), and so are the policies other resources of the stack put on it
(``AWS::IAM::Policy`` and ``AWS::IAM::RolePolicy`` inline policies:
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-iam-policy.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-iam-rolepolicy.html
).

What broadens (and asks): a role added; a managed or inline policy added, or an inline
policy's document changed; a trust principal, ARN pattern or organisation added; a longer
session; an older MFA age allowed; the MFA condition removed; a permissions boundary removed
or replaced; the source-identity requirement dropped; session tags newly allowed. The
opposite of each narrows and never asks; tags, path and description neither broaden nor
narrow (they are listed). ``Description`` and ``Path`` are listed for completeness.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

ROLE = "AWS::IAM::Role"
INLINE_POLICY_TYPES = ("AWS::IAM::Policy", "AWS::IAM::RolePolicy")
Effect = Literal["broadens", "narrows", "neutral"]
# Resource types whose change may grant privilege; any other type changes (e.g. the CDK's
# metadata) are counted but do not ask.
_SECURITY_PREFIXES = ("AWS::IAM::", "AWS::SSO::", "AWS::Organizations::", "AWS::KMS::")
SHOWN_NAMES = 5  # names listed in a grouped line
GROUP_OVER = 10  # more lines of one kind in a stack than this are grouped
MFA_PRESENT = "aws:MultiFactorAuthPresent"
MFA_AGE = "aws:MultiFactorAuthAge"


# --------------------------------------------------------------------- template values


@dataclass(frozen=True)
class Environment:
    """What ``Ref`` of a pseudo parameter resolves to in a stack's account and region."""

    account: str
    region: str

    @property
    def partition(self) -> str:
        if self.region.startswith("cn-"):
            return "aws-cn"
        if self.region.startswith("us-gov-"):
            return "aws-us-gov"
        return "aws"

    def pseudo(self) -> dict[str, str]:
        suffix = "amazonaws.com.cn" if self.partition == "aws-cn" else "amazonaws.com"
        return {
            "AWS::Partition": self.partition,
            "AWS::AccountId": self.account,
            "AWS::Region": self.region,
            "AWS::URLSuffix": suffix,
        }


def resolve(value: Any, env: Environment, refs: Mapping[str, str] | None = None) -> Any:
    """A template value with ``Ref`` (pseudo parameters, and ``refs``: logical ID to role
    name) and ``Fn::Join`` resolved; any other intrinsic is kept as it is."""
    refs = refs or {}
    if isinstance(value, list):
        return [resolve(v, env, refs) for v in value]
    if not isinstance(value, Mapping):
        return value
    if len(value) == 1 and "Ref" in value:
        name = str(value["Ref"])
        return env.pseudo().get(name) or refs.get(name) or dict(value)
    if len(value) == 1 and "Fn::Join" in value:
        joined = value["Fn::Join"]
        if isinstance(joined, list) and len(joined) == 2 and isinstance(joined[1], list):
            parts = [resolve(p, env, refs) for p in joined[1]]
            if all(isinstance(p, str) for p in parts):
                return str(joined[0]).join(parts)
    return {k: resolve(v, env, refs) for k, v in value.items()}


def canonical(document: Any) -> Any:
    """A policy in a form where equal meaning is equal data: one-element lists as values,
    lists sorted (statements in a set-like order), statement ids dropped."""
    if isinstance(document, Mapping):
        return {k: canonical(v) for k, v in sorted(document.items()) if k != "Sid"}
    if isinstance(document, list):
        items = [canonical(v) for v in document]
        if len(items) == 1:
            return items[0]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True))
    return document


def _text(value: Any) -> str:
    return json.dumps(canonical(value), sort_keys=True)


def _listed(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


# --------------------------------------------------------------------- one role's state


@dataclass(frozen=True)
class RoleState:
    """What decides a role's privilege, in comparable form."""

    name: str
    managed: frozenset[str] = frozenset()
    inline: Mapping[str, str] = field(default_factory=dict)  # name -> canonical document
    principals: frozenset[str] = frozenset()  # ARNs, "pattern ..." and "organisation ..."
    mfa_required: bool = True  # every Allow statement requires MFA
    mfa_age: int | None = None  # the largest aws:MultiFactorAuthAge limit; None: no limit
    session: int = 3600
    boundary: str | None = None
    source_identity: bool = False  # every Allow statement requires a source identity
    session_tags: bool = False  # some Allow statement allows sts:TagSession
    tags: Mapping[str, str] = field(default_factory=dict)
    path: str = "/"
    description: str | None = None
    trust: str = ""  # the canonical trust policy, for equality


def _condition_values(conditions: Mapping[str, Any], operator_suffix: str, key: str) -> list[Any]:
    found: list[Any] = []
    for operator, pairs in conditions.items():
        if str(operator).endswith(operator_suffix) and isinstance(pairs, Mapping):
            for k, v in pairs.items():
                if str(k).lower() == key.lower():
                    found += _listed(v)
    return found


def _trust_facts(document: Any) -> dict[str, Any]:
    principals: set[str] = set()
    mfa_required, source_identity, session_tags = True, True, False
    ages: list[int | None] = []
    statements = [
        s
        for s in _listed((document or {}).get("Statement") if isinstance(document, Mapping) else [])
        if isinstance(s, Mapping) and s.get("Effect") == "Allow"
    ]
    for statement in statements:
        principal = statement.get("Principal")
        if isinstance(principal, Mapping):
            for kind, values in principal.items():
                for value in _listed(values):
                    principals.add(str(value) if kind == "AWS" else f"{kind} {value}")
        elif principal is not None:
            principals.add(str(principal))
        conditions = statement.get("Condition") or {}
        conditions = conditions if isinstance(conditions, Mapping) else {}
        for pattern in _condition_values(conditions, "Like", "aws:PrincipalArn"):
            principals.add(f"pattern {pattern}")
        for org in _condition_values(conditions, "Equals", "aws:PrincipalOrgID"):
            principals.add(f"organisation {org}")
        present = _condition_values(conditions, "Bool", MFA_PRESENT)
        if not any(str(v).lower() == "true" for v in present):
            mfa_required = False
        limits = _condition_values(conditions, "LessThan", MFA_AGE)
        limits += _condition_values(conditions, "LessThanEquals", MFA_AGE)
        try:
            ages.append(min(int(v) for v in limits) if limits else None)
        except ValueError:
            ages.append(None)
        if not _condition_values(conditions, "Null", "sts:SourceIdentity"):
            source_identity = False
        if any(
            "sts:TagSession" in str(a) or str(a) in ("*", "sts:*")
            for a in _listed(statement.get("Action"))
        ):
            session_tags = True
    age = None if not ages or None in ages else max(a for a in ages if a is not None)
    return {
        "principals": frozenset(principals),
        "mfa_required": mfa_required and bool(statements),
        "mfa_age": age,
        "source_identity": source_identity and bool(statements),
        "session_tags": session_tags,
    }


def role_state(name: str, properties: Mapping[str, Any]) -> RoleState:
    """A role's state from ``AWS::IAM::Role`` properties (resolved), with the inline policies
    of other resources merged into ``Policies``."""
    trust = properties.get("AssumeRolePolicyDocument")
    boundary = properties.get("PermissionsBoundary")
    session = properties.get("MaxSessionDuration", 3600)
    return RoleState(
        name=name,
        managed=frozenset(
            str(a) if isinstance(a, str) else _text(a)
            for a in _listed(properties.get("ManagedPolicyArns"))
        ),
        inline={
            str(p.get("PolicyName")): _text(p.get("PolicyDocument"))
            for p in _listed(properties.get("Policies"))
            if isinstance(p, Mapping)
        },
        session=int(session) if str(session).isdigit() else 3600,
        boundary=(str(boundary) if isinstance(boundary, str) else _text(boundary))
        if boundary
        else None,
        tags={
            str(t.get("Key")): str(t.get("Value"))
            for t in _listed(properties.get("Tags"))
            if isinstance(t, Mapping) and not str(t.get("Key", "")).startswith("aws:")
        },
        path=str(properties.get("Path") or "/"),
        description=properties.get("Description"),
        trust=_text(trust),
        **_trust_facts(trust),
    )


def role_properties(
    template: Mapping[str, Any] | None, env: Environment
) -> dict[str, dict[str, Any]]:
    """Each role of a template by logical ID, as its properties with intrinsics resolved,
    ``RoleName`` set, and the inline policies of ``AWS::IAM::Policy``/``AWS::IAM::RolePolicy``
    resources on it merged into ``Policies``."""
    resources = (template or {}).get("Resources") or {}
    roles = {
        logical: dict(resource.get("Properties") or {})
        for logical, resource in resources.items()
        if isinstance(resource, Mapping) and resource.get("Type") == ROLE
    }
    names = {logical: str(p.get("RoleName") or logical) for logical, p in roles.items()}
    resolved = {
        logical: {**resolve(p, env, names), "RoleName": names[logical]}
        for logical, p in roles.items()
    }
    by_name = {names[k]: k for k in roles}
    for resource in resources.values():
        if not isinstance(resource, Mapping) or resource.get("Type") not in INLINE_POLICY_TYPES:
            continue
        properties = resolve(resource.get("Properties") or {}, env, names)
        for target in _listed(properties.get("Roles")) + _listed(properties.get("RoleName")):
            logical = by_name.get(str(target))
            if logical is not None:
                policy = {k: properties.get(k) for k in ("PolicyName", "PolicyDocument")}
                resolved[logical]["Policies"] = [
                    *_listed(resolved[logical].get("Policies")),
                    policy,
                ]
    return resolved


def template_roles(template: Mapping[str, Any] | None, env: Environment) -> dict[str, RoleState]:
    """Each role of a template by logical ID, as a :class:`RoleState`."""
    return {
        logical: role_state(str(p["RoleName"]), p)
        for logical, p in role_properties(template, env).items()
    }


# --------------------------------------------------------------------- comparing two states


@dataclass(frozen=True)
class Change:
    what: str
    effect: Effect


@dataclass
class RoleChange:
    role: str
    changes: list[Change]

    @property
    def broadens(self) -> bool:
        return any(c.effect == "broadens" for c in self.changes)

    @property
    def narrows(self) -> bool:
        return any(c.effect == "narrows" for c in self.changes)

    def text(self) -> str:
        return "; ".join(
            c.what + (f" ({c.effect})" if c.effect != "neutral" else "") for c in self.changes
        )


def duration(seconds: int | None) -> str:
    if seconds is None:
        return "no limit"
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def short(arn: str) -> str:
    """``PowerUserAccess`` for an AWS managed policy, ``policy/path/name`` otherwise."""
    if ":iam::aws:policy/" in arn:
        return arn.rsplit("/", 1)[-1]
    return arn.split(":", 5)[5] if arn.startswith("arn:") and arn.count(":") >= 5 else arn


def _some(names: Iterable[str], shown: int = 3) -> str:
    ordered = sorted(names)
    more = len(ordered) - shown
    return ", ".join(ordered[:shown]) + (f" and {more} more" if more > 0 else "")


def _added_removed(label: str, old: Iterable[str], new: Iterable[str]) -> list[Change]:
    before, after = set(old), set(new)
    found = []
    if after - before:
        found.append(Change(f"{label} + {_some(after - before)}", "broadens"))
    if before - after:
        found.append(Change(f"{label} - {_some(before - after)}", "narrows"))
    return found


def _longer(old: int | None, new: int | None) -> bool:
    """Whether ``new`` allows more than ``old`` (None: no limit)."""
    if new is None:
        return old is not None
    return old is not None and new > old


def _limit(label: str, old: int | None, new: int | None) -> list[Change]:
    if old == new:
        return []
    effect: Effect = "broadens" if _longer(old, new) else "narrows"
    return [Change(f"{label} {duration(old)} -> {duration(new)}", effect)]


def compare(old: RoleState, new: RoleState) -> list[Change]:
    """Every difference from ``old`` to ``new`` and whether it broadens or narrows."""
    changes = _added_removed("managed policies", map(short, old.managed), map(short, new.managed))
    changes += _added_removed("inline policies", old.inline, new.inline)
    edited = sorted(n for n in set(old.inline) & set(new.inline) if old.inline[n] != new.inline[n])
    if edited:
        changes.append(Change(f"inline policies changed: {_some(edited)}", "broadens"))
    trust = _added_removed("trust principals", old.principals, new.principals)
    if old.mfa_required != new.mfa_required:
        trust.append(
            Change("MFA condition added", "narrows")
            if new.mfa_required
            else Change("MFA condition removed", "broadens")
        )
    trust += _limit("MFA age", old.mfa_age, new.mfa_age)
    if old.source_identity != new.source_identity:
        trust.append(
            Change("source identity required", "narrows")
            if new.source_identity
            else Change("source identity no longer required", "broadens")
        )
    if old.session_tags != new.session_tags:
        trust.append(
            Change("session tags allowed", "broadens")
            if new.session_tags
            else Change("session tags no longer allowed", "narrows")
        )
    if not trust and old.trust != new.trust:
        # Another condition: whether it widens cannot be told from its shape, so it asks.
        trust.append(Change("trust policy conditions changed", "broadens"))
    changes += trust
    changes += _limit("session duration", old.session, new.session)
    if old.boundary != new.boundary:
        old_b, new_b = short(old.boundary or "none"), short(new.boundary or "none")
        effect: Effect = "narrows" if old.boundary is None else "broadens"
        changes.append(Change(f"permissions boundary {old_b} -> {new_b}", effect))
    tags = []
    for key in sorted(set(old.tags) | set(new.tags)):
        if key not in new.tags:
            tags.append(f"-{key}")
        elif key not in old.tags:
            tags.append(f"+{key}={new.tags[key]}")
        elif old.tags[key] != new.tags[key]:
            tags.append(f"{key}={old.tags[key]} -> {new.tags[key]}")
    if tags:
        changes.append(Change(f"tags {_some(tags)}", "neutral"))
    if old.path != new.path:
        changes.append(Change(f"path {old.path} -> {new.path}", "neutral"))
    if old.description != new.description:
        changes.append(Change("description", "neutral"))
    return changes


# --------------------------------------------------------------------- a stack's summary


@dataclass
class StackSummary:
    stack: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[RoleChange] = field(default_factory=list)
    drift: list[RoleChange] = field(default_factory=list)  # live -> deployed: what is restored
    other: int = 0  # resources other than roles and their policies that change
    other_broadens: bool = False  # ... of a type that can grant privilege
    note: str = ""  # why the stack was not summarized

    @property
    def broadens(self) -> bool:
        return bool(self.added) or self.other_broadens or any(c.broadens for c in self.changed)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.other or self.drift)

    def counts(self) -> dict[str, int]:
        return {
            "added": len(self.added),
            "removed": len(self.removed),
            "changed": len(self.changed),
            "broadened": sum(c.broadens for c in self.changed),
            "narrowed": sum(c.narrows and not c.broadens for c in self.changed),
            "drifted": len(self.drift),
            "other": self.other,
        }


def summarize(
    stack: str,
    deployed: Mapping[str, Any] | None,
    synthesized: Mapping[str, Any],
    env: Environment | None = None,
) -> StackSummary:
    env = env or Environment("123456789012", "us-east-1")
    before, after = template_roles(deployed, env), template_roles(synthesized, env)
    summary = StackSummary(stack)
    summary.added = sorted(after[k].name for k in after if k not in before)
    summary.removed = sorted(before[k].name for k in before if k not in after)
    for logical in sorted(set(before) & set(after), key=lambda k: after[k].name):
        changes = compare(before[logical], after[logical])
        if changes:
            summary.changed.append(RoleChange(after[logical].name, changes))
    skip = {ROLE, *INLINE_POLICY_TYPES}
    old_other = _others(deployed, skip)
    new_other = _others(synthesized, skip)
    differing = [
        k
        for k in set(old_other) | set(new_other)
        if _text(old_other.get(k)) != _text(new_other.get(k))
    ]
    summary.other = len(differing)
    summary.other_broadens = any(
        str((new_other.get(k) or old_other.get(k) or {}).get("Type", "")).startswith(
            _SECURITY_PREFIXES
        )
        for k in differing
        if k in new_other
    )
    return summary


def _others(template: Mapping[str, Any] | None, skip: set[str]) -> dict[str, Any]:
    resources = (template or {}).get("Resources") or {}
    return {
        k: v for k, v in resources.items() if not (isinstance(v, Mapping) and v.get("Type") in skip)
    }


# --------------------------------------------------------------------- rendering


def totals(summaries: Sequence[StackSummary]) -> dict[str, int]:
    found: dict[str, int] = {}
    for s in summaries:
        for key, value in s.counts().items():
            found[key] = found.get(key, 0) + value
    return found


def broadens(summaries: Sequence[StackSummary]) -> bool:
    return any(s.broadens for s in summaries)


def _counts_text(counts: Mapping[str, int]) -> str:
    text = (
        f"{counts['added']} role(s) added, {counts['removed']} removed, "
        f"{counts['changed']} changed ({counts['broadened']} broadened, "
        f"{counts['narrowed']} narrowed), {counts['drifted']} drifted"
    )
    return text + (f", {counts['other']} other resource(s) changed" if counts["other"] else "")


def _names_lines(sign: str, names: Sequence[str], full: bool) -> list[str]:
    if full or len(names) <= GROUP_OVER:
        return [f"  {sign} {name}" for name in names]
    more = len(names) - SHOWN_NAMES
    return [f"  {sign} {len(names)} role(s): {', '.join(names[:SHOWN_NAMES])} and {more} more"]


def _change_lines(
    sign: str, changes: Sequence[RoleChange], full: bool, suffix: str = ""
) -> list[str]:
    if full or len(changes) <= GROUP_OVER:
        return [f"  {sign} {c.role}: {c.text()}{suffix}" for c in changes]
    kinds: dict[str, list[str]] = {}
    broadening: set[str] = set()
    for c in changes:
        kinds.setdefault(c.text(), []).append(c.role)
        if c.broadens:
            broadening.add(c.text())
    lines: list[str] = []
    hidden = 0
    # Broadening kinds first, then the most common: what a reviewer must see is never cut.
    for text, roles in sorted(kinds.items(), key=lambda k: (k[0] not in broadening, -len(k[1]))):
        if len(lines) >= GROUP_OVER and text not in broadening:
            hidden += len(roles)
        elif len(roles) == 1:
            lines.append(f"  {sign} {roles[0]}: {text}{suffix}")
        else:
            some = _some(roles, SHOWN_NAMES)
            lines.append(f"  {sign} {len(roles)} role(s) ({some}): {text}{suffix}")
    if hidden:
        lines.append(f"  {sign} ... and {hidden} more role(s) with other changes")
    return lines


def render(summaries: Sequence[StackSummary], *, full: bool = False) -> list[str]:
    """Totals first, then per stack one heading line and one line per role: ``+`` added,
    ``-`` removed, ``~`` changed, ``!`` drifted (and what). Unless ``full``, more than a few
    lines of one kind are grouped: a count and the first names."""
    counted = [s for s in summaries if not s.note]
    all_counts = totals(counted)
    verdict = "broadening: yes (needs approval)" if broadens(counted) else "broadening: none"
    lines = [f"Total ({len(counted)} stack(s)): {_counts_text(all_counts)}; {verdict}"]
    for s in summaries:
        if s.note:
            lines.append(f"{s.stack}: not summarized ({s.note})")
            continue
        lines.append(f"{s.stack}: {_counts_text(s.counts()) if not s.empty else 'no change'}")
        lines += _names_lines("+", s.added, full)
        lines += _names_lines("-", s.removed, full)
        lines += _change_lines("~", s.changed, full)
        lines += _change_lines(
            "!", s.drift, full, " [drift: made by hand, restored by this deploy]"
        )
    if not full and any(line.endswith(" more") or " more)" in line for line in lines):
        lines.append("(grouped: --diff lists every role, --json gives them all)")
    return lines


def _role_json(change: RoleChange) -> dict[str, Any]:
    return {
        "role": change.role,
        "broadens": change.broadens,
        "changes": [{"what": c.what, "effect": c.effect} for c in change.changes],
    }


def to_json(summaries: Sequence[StackSummary]) -> str:
    counted = [s for s in summaries if not s.note]
    return json.dumps(
        {
            "broadening": broadens(counted),
            "totals": totals(counted),
            "stacks": [
                {
                    "stack": s.stack,
                    "summarized": not s.note,
                    "note": s.note,
                    "broadening": s.broadens,
                    "totals": s.counts(),
                    "added": s.added,
                    "removed": s.removed,
                    "changed": [_role_json(c) for c in s.changed],
                    "drift": [_role_json(c) for c in s.drift],
                    "other_resources_changed": s.other,
                }
                for s in summaries
            ],
        },
        indent=2,
    )
