"""The deploy's approval summary: per stack, which roles a deploy adds, removes and changes.

Pure functions over two CloudFormation templates (the deployed one, ``None`` for a new stack,
and the synthesized one). A role is an ``AWS::IAM::Role`` resource, named by its ``RoleName``
(else its logical ID); a change names what changes: trust policy, managed policies, inline
policies, session duration, permissions boundary, path, tags.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

ROLE = "AWS::IAM::Role"
# Role properties by what a reviewer calls them.
_ASPECTS = (
    ("AssumeRolePolicyDocument", "trust policy"),
    ("ManagedPolicyArns", "managed policies"),
    ("Policies", "inline policies"),
    ("MaxSessionDuration", "session duration"),
    ("PermissionsBoundary", "permissions boundary"),
    ("Path", "path"),
    ("Tags", "tags"),
)


@dataclass
class StackSummary:
    stack: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[tuple[str, list[str]]] = field(default_factory=list)  # (role, what)
    other: int = 0  # resources other than roles that change

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.other)


def _roles(template: Mapping[str, Any] | None) -> dict[str, Mapping[str, Any]]:
    resources = (template or {}).get("Resources") or {}
    return {
        logical: resource.get("Properties") or {}
        for logical, resource in resources.items()
        if isinstance(resource, Mapping) and resource.get("Type") == ROLE
    }


def _name(logical: str, properties: Mapping[str, Any]) -> str:
    name = properties.get("RoleName")
    return name if isinstance(name, str) else logical


def _same(a: Any, b: Any) -> bool:
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def _duration(properties: Mapping[str, Any]) -> str:
    seconds = properties.get("MaxSessionDuration", 3600)
    try:
        return f"{int(seconds) / 3600:g}h"
    except (TypeError, ValueError):
        return str(seconds)


def summarize(
    stack: str, deployed: Mapping[str, Any] | None, synthesized: Mapping[str, Any]
) -> StackSummary:
    before, after = _roles(deployed), _roles(synthesized)
    summary = StackSummary(stack)
    summary.added = sorted(_name(k, p) for k, p in after.items() if k not in before)
    summary.removed = sorted(_name(k, p) for k, p in before.items() if k not in after)
    for logical in sorted(set(before) & set(after), key=lambda k: _name(k, after[k])):
        old, new = before[logical], after[logical]
        what = []
        for key, label in _ASPECTS:
            if not _same(old.get(key), new.get(key)):
                if key == "MaxSessionDuration":
                    label = f"{label} {_duration(old)} -> {_duration(new)}"
                what.append(label)
        if what:
            summary.changed.append((_name(logical, new), what))
    old_other = {
        k: v for k, v in ((deployed or {}).get("Resources") or {}).items() if k not in before
    }
    new_other = {k: v for k, v in (synthesized.get("Resources") or {}).items() if k not in after}
    summary.other = sum(
        not _same(old_other.get(k), new_other.get(k)) for k in set(old_other) | set(new_other)
    )
    return summary


def render(summaries: Sequence[StackSummary]) -> list[str]:
    """One heading line per stack, then one line per role: ``+`` added, ``-`` removed,
    ``~`` changed (and what)."""
    lines: list[str] = []
    for s in summaries:
        counts = (
            f"{len(s.added)} role(s) added, {len(s.removed)} removed, {len(s.changed)} changed"
            + (f", {s.other} other resource(s) changed" if s.other else "")
        )
        lines.append(f"{s.stack}: {counts if not s.empty else 'no change'}")
        lines += [f"  + {name}" for name in s.added]
        lines += [f"  - {name}" for name in s.removed]
        lines += [f"  ~ {name}: {', '.join(what)}" for name, what in s.changed]
    return lines
