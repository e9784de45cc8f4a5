"""The deploy's approval summary: totals first, one line per role naming every privilege change
and whether it broadens, grouped at scale; the same as JSON."""

from __future__ import annotations

import json
from typing import Any

import pytest

from developer_roles.summary import Environment, render, summarize, to_json

ACCOUNT = "345678901234"
ENV = Environment(ACCOUNT, "eu-central-1")


def managed(name: str) -> dict[str, Any]:
    return {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, f":iam::aws:policy/{name}"]]}


def trust(
    *principals: str,
    mfa_age: int | None = 3600,
    mfa: bool = True,
    source_identity: bool = False,
    tag_session: bool = False,
) -> dict[str, Any]:
    condition: dict[str, Any] = {}
    if mfa:
        condition["Bool"] = {"aws:MultiFactorAuthPresent": "true"}
    if mfa_age is not None:
        condition["NumericLessThan"] = {"aws:MultiFactorAuthAge": str(mfa_age)}
    if source_identity:
        condition["Null"] = {"sts:SourceIdentity": "false"}
    actions = ["sts:AssumeRole", "sts:SetSourceIdentity"] + (["sts:TagSession"] * tag_session)
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AssumeWithMfa",
                "Effect": "Allow",
                "Principal": {"AWS": list(principals) if len(principals) > 1 else principals[0]},
                "Action": actions,
                "Condition": condition,
            }
        ],
    }


def role(name: str, **overrides: Any) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "RoleName": name,
        "Path": "/developers/",
        "AssumeRolePolicyDocument": trust(f"arn:aws:iam::{ACCOUNT}:user/{name}"),
        "ManagedPolicyArns": [managed("PowerUserAccess")],
        "MaxSessionDuration": 3600,
        "Tags": [{"Key": "developer-role:principal", "Value": name}],
    }
    properties.update(overrides)
    return {
        "Type": "AWS::IAM::Role",
        "Properties": {k: v for k, v in properties.items() if v is not None},
    }


def template(*roles: dict[str, Any]) -> dict[str, Any]:
    return {"Resources": {f"Role{i}": r for i, r in enumerate(roles)}}


def one_change(before: dict[str, Any], after: dict[str, Any]) -> tuple[list[str], bool]:
    summary = summarize("DeveloperRoles", template(before), template(after), ENV)
    [changed] = summary.changed
    return [c.what for c in changed.changes], summary.broadens


BOUNDARY = f"arn:aws:iam::{ACCOUNT}:policy/DeveloperBoundary"
OTHER_BOUNDARY = f"arn:aws:iam::{ACCOUNT}:policy/WiderBoundary"
U = f"arn:aws:iam::{ACCOUNT}:user/u"
V = f"arn:aws:iam::{ACCOUNT}:user/v"
KINDS = [
    # (id, before overrides, after overrides, words, broadens)
    (
        "policy-added",
        {},
        {"ManagedPolicyArns": [managed("PowerUserAccess"), managed("ReadOnlyAccess")]},
        "managed policies + ReadOnlyAccess",
        True,
    ),
    (
        "policy-removed",
        {"ManagedPolicyArns": [managed("PowerUserAccess"), managed("ReadOnlyAccess")]},
        {},
        "managed policies - ReadOnlyAccess",
        False,
    ),
    (
        "inline-added",
        {},
        {"Policies": [{"PolicyName": "extra", "PolicyDocument": {"Statement": []}}]},
        "inline policies + extra",
        True,
    ),
    (
        "inline-removed",
        {"Policies": [{"PolicyName": "extra", "PolicyDocument": {"Statement": []}}]},
        {},
        "inline policies - extra",
        False,
    ),
    (
        "principal-added",
        {"AssumeRolePolicyDocument": trust(U)},
        {"AssumeRolePolicyDocument": trust(U, V)},
        f"trust principals + {V}",
        True,
    ),
    (
        "principal-removed",
        {"AssumeRolePolicyDocument": trust(U, V)},
        {"AssumeRolePolicyDocument": trust(U)},
        f"trust principals - {V}",
        False,
    ),
    (
        "mfa-age-older",
        {"AssumeRolePolicyDocument": trust(U)},
        {"AssumeRolePolicyDocument": trust(U, mfa_age=43200)},
        "MFA age 1h -> 12h",
        True,
    ),
    (
        "mfa-age-younger",
        {"AssumeRolePolicyDocument": trust(U, mfa_age=43200)},
        {"AssumeRolePolicyDocument": trust(U)},
        "MFA age 12h -> 1h",
        False,
    ),
    (
        "mfa-removed",
        {"AssumeRolePolicyDocument": trust(U)},
        {"AssumeRolePolicyDocument": trust(U, mfa=False)},
        "MFA condition removed",
        True,
    ),
    ("session-longer", {}, {"MaxSessionDuration": 14400}, "session duration 1h -> 4h", True),
    ("session-shorter", {"MaxSessionDuration": 14400}, {}, "session duration 4h -> 1h", False),
    (
        "boundary-removed",
        {"PermissionsBoundary": BOUNDARY},
        {},
        "permissions boundary policy/DeveloperBoundary -> none",
        True,
    ),
    (
        "boundary-replaced",
        {"PermissionsBoundary": BOUNDARY},
        {"PermissionsBoundary": OTHER_BOUNDARY},
        "permissions boundary policy/DeveloperBoundary -> policy/WiderBoundary",
        True,
    ),
    (
        "boundary-added",
        {},
        {"PermissionsBoundary": BOUNDARY},
        "permissions boundary none -> policy/DeveloperBoundary",
        False,
    ),
    (
        "source-identity-dropped",
        {"AssumeRolePolicyDocument": trust(U, source_identity=True)},
        {"AssumeRolePolicyDocument": trust(U)},
        "source identity no longer required",
        True,
    ),
    (
        "source-identity-required",
        {"AssumeRolePolicyDocument": trust(U)},
        {"AssumeRolePolicyDocument": trust(U, source_identity=True)},
        "source identity required",
        False,
    ),
    (
        "session-tags-allowed",
        {"AssumeRolePolicyDocument": trust(U)},
        {"AssumeRolePolicyDocument": trust(U, tag_session=True)},
        "session tags allowed",
        True,
    ),
    (
        "session-tags-disallowed",
        {"AssumeRolePolicyDocument": trust(U, tag_session=True)},
        {"AssumeRolePolicyDocument": trust(U)},
        "session tags no longer allowed",
        False,
    ),
    (
        "tag-changed",
        {},
        {
            "Tags": [
                {"Key": "developer-role:principal", "Value": "x"},
                {"Key": "team", "Value": "a"},
            ]
        },
        "tags +team=a, developer-role:principal=r -> x",
        False,
    ),
]


@pytest.mark.parametrize(
    ("before", "after", "words", "broadening"),
    [pytest.param(b, a, w, br, id=i) for i, b, a, w, br in KINDS],
)
def test_each_kind_of_change_is_named_and_classified(before, after, words, broadening):
    found, broadens = one_change(role("r", **before), role("r", **after))
    assert found == [words]
    assert broadens is broadening


def test_the_example_of_the_issue_names_policy_session_and_mfa_age():
    before = template(role("PowerUser-u1"), role("PowerUser-u2"), role("PowerUser-u3"))
    after = template(
        role(
            "PowerUser-u1",
            ManagedPolicyArns=[managed("PowerUserAccess"), managed("ReadOnlyAccess")],
        ),
        role("PowerUser-u2", MaxSessionDuration=14400),
        role(
            "PowerUser-u3",
            AssumeRolePolicyDocument=trust(
                f"arn:aws:iam::{ACCOUNT}:user/PowerUser-u3", mfa_age=43200
            ),
        ),
    )
    lines = render([summarize("DeveloperRoles", before, after, ENV)])
    assert lines == [
        "Total (1 stack(s)): 0 role(s) added, 0 removed, 3 changed (3 broadened, 0 narrowed), "
        "0 drifted; broadening: yes (needs approval)",
        "DeveloperRoles: 0 role(s) added, 0 removed, 3 changed (3 broadened, 0 narrowed), "
        "0 drifted",
        "  ~ PowerUser-u1: managed policies + ReadOnlyAccess (broadens)",
        "  ~ PowerUser-u2: session duration 1h -> 4h (broadens)",
        "  ~ PowerUser-u3: MFA age 1h -> 12h (broadens)",
    ]


def test_a_new_stack_adds_every_role_and_broadens():
    summary = summarize(
        "DeveloperRoles", None, template(role("PowerUser-a"), role("PowerUser-b")), ENV
    )
    assert summary.broadens
    assert render([summary])[1:] == [
        "DeveloperRoles: 2 role(s) added, 0 removed, 0 changed (0 broadened, 0 narrowed), "
        "0 drifted",
        "  + PowerUser-a",
        "  + PowerUser-b",
    ]


def test_removing_roles_narrows_and_does_not_ask():
    summary = summarize("S", template(role("a"), role("b")), template(role("a")), ENV)
    assert not summary.broadens
    assert render([summary])[1:] == [
        "S: 0 role(s) added, 1 removed, 0 changed (0 broadened, 0 narrowed), 0 drifted",
        "  - b",
    ]


def test_nothing_to_change_is_one_line_per_stack():
    same = template(role("a"))
    assert render([summarize("S", same, same, ENV)]) == [
        "Total (1 stack(s)): 0 role(s) added, 0 removed, 0 changed (0 broadened, 0 narrowed), "
        "0 drifted; broadening: none",
        "S: no change",
    ]


def test_3000_new_principals_fit_in_a_screen_with_the_total():
    stacks = []
    for index in range(8):  # the app spreads roles over stacks
        roles = [role(f"PowerUser-dev{index}-{n:04d}") for n in range(375)]
        stacks.append(summarize(f"DeveloperRoles-{index:02d}", template(), template(*roles), ENV))
    lines = render(stacks)
    assert len(lines) < 100
    assert lines[0].startswith("Total (8 stack(s)): 3000 role(s) added, 0 removed")
    assert "  + 375 role(s): PowerUser-dev0-0000, PowerUser-dev0-0001" in lines[2]
    assert lines[2].endswith(" and 370 more")
    full = render(stacks, full=True)
    assert sum(line.startswith("  + ") for line in full) == 3000
    assert len(json.loads(to_json(stacks))["stacks"][0]["added"]) == 375


def test_the_same_change_on_many_roles_is_one_line():
    before = template(*[role(f"r{n:03d}") for n in range(300)])
    after = template(*[role(f"r{n:03d}", MaxSessionDuration=7200) for n in range(300)])
    lines = render([summarize("S", before, after, ENV)])
    assert lines[2:] == [
        "  ~ 300 role(s) (r000, r001, r002, r003, r004 and 295 more): "
        "session duration 1h -> 2h (broadens)",
        "(grouped: --diff lists every role, --json gives them all)",
    ]


def test_other_security_resources_ask_and_others_are_counted():
    before = template(role("a"))
    metadata = {**before["Resources"], "M": {"Type": "AWS::CDK::Metadata"}}
    policy = {**before["Resources"], "P": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {}}}
    quiet = summarize("S", before, {"Resources": metadata}, ENV)
    loud = summarize("S", before, {"Resources": policy}, ENV)
    assert (quiet.other, quiet.broadens) == (1, False)
    assert (loud.other, loud.broadens) == (1, True)


def test_an_inline_policy_resource_on_the_role_is_named():
    before = template(role("a"))
    after = {
        "Resources": {
            **before["Resources"],
            "Grant": {
                "Type": "AWS::IAM::Policy",
                "Properties": {
                    "PolicyName": "grant",
                    "Roles": [{"Ref": "Role0"}],
                    "PolicyDocument": {},
                },
            },
        }
    }
    summary = summarize("S", before, after, ENV)
    assert [c.what for c in summary.changed[0].changes] == ["inline policies + grant"]
    assert summary.other == 0
    assert summary.broadens


def test_json_names_each_change_and_its_effect():
    before = template(role("a"))
    after = template(role("a", MaxSessionDuration=7200))
    data = json.loads(to_json([summarize("S", before, after, ENV)]))
    assert data["broadening"] is True
    assert data["totals"]["broadened"] == 1
    assert data["stacks"][0]["changed"] == [
        {
            "role": "a",
            "broadens": True,
            "changes": [{"what": "session duration 1h -> 2h", "effect": "broadens"}],
        }
    ]
