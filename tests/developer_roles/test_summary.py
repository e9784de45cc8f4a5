"""The deploy's approval summary: one line per role added, removed or changed, and what."""

from __future__ import annotations

from typing import Any

from developer_roles.summary import render, summarize


def role(name: str, *, principal: str = "alice", hours: int = 1, **extra: Any) -> dict[str, Any]:
    return {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "RoleName": name,
            "AssumeRolePolicyDocument": {"Statement": [{"Principal": {"AWS": principal}}]},
            "ManagedPolicyArns": ["arn:aws:iam::aws:policy/PowerUserAccess"],
            "MaxSessionDuration": hours * 3600,
            **extra,
        },
    }


def template(**roles: dict[str, Any]) -> dict[str, Any]:
    return {"Resources": roles}


def test_a_new_stack_adds_every_role():
    summary = summarize(
        "DeveloperRoles", None, template(A=role("PowerUser-a"), B=role("PowerUser-b"))
    )
    assert render([summary]) == [
        "DeveloperRoles: 2 role(s) added, 0 removed, 0 changed",
        "  + PowerUser-a",
        "  + PowerUser-b",
    ]


def test_removed_and_changed_roles_name_what_changes():
    before = template(A=role("PowerUser-a"), B=role("PowerUser-b"), C=role("PowerUser-c"))
    after = template(
        A=role("PowerUser-a", principal="arn:aws:iam::222222222222:user/a2", hours=4),
        C=role("PowerUser-c"),
    )
    assert render([summarize("S", before, after)]) == [
        "S: 0 role(s) added, 1 removed, 1 changed",
        "  - PowerUser-b",
        "  ~ PowerUser-a: trust policy, session duration 1h -> 4h",
    ]


def test_nothing_to_change_is_one_line():
    same = template(A=role("PowerUser-a"))
    assert render([summarize("S", same, same)]) == ["S: no change"]


def test_other_resources_are_counted_not_listed():
    before = template(A=role("PowerUser-a"))
    after = template(A=role("PowerUser-a"), P={"Type": "AWS::IAM::ManagedPolicy"})
    assert render([summarize("S", before, after)]) == [
        "S: 0 role(s) added, 0 removed, 0 changed, 1 other resource(s) changed"
    ]
