"""Drift: what was changed by hand on deployed developer roles, and putting it back.

CloudFormation does not revert what it does not manage: a policy attached by hand is not in
the template, and a property changed by hand is only written again when its template value
changes ("Drift detection ... does not remediate", and a stack update writes only the
properties whose template values changed:
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-stack-drift.html ).
So ``developer-roles deploy`` reads each developer role's live state before it deploys and
restores, with IAM's own calls, every difference from the *deployed* template (what
CloudFormation believes is there); the deploy then applies the configuration's changes on top,
as for any stack. Restoring to the deployed template rather than the new one keeps an unapproved
configuration change out of the account when the deploy is declined.

Reads, for every role of an account at once (two paginated calls, whatever the number of roles):
``iam:GetAccountAuthorizationDetails`` (trust policy, attached and inline policies, permissions
boundary, tags:
https://docs.aws.amazon.com/IAM/latest/APIReference/API_RoleDetail.html ) and
``iam:ListRoles`` (the maximum session duration, which RoleDetail lacks:
https://docs.aws.amazon.com/IAM/latest/APIReference/API_Role.html ).

What is restored, and how (each an IAM call on the role):

==============================  ==================================================
a trust policy changed          ``UpdateAssumeRolePolicy`` (first: an MFA condition
                                removed by hand is put back before anything else)
a managed policy attached       ``DetachRolePolicy``; one detached: ``AttachRolePolicy``
an inline policy added/changed  ``DeleteRolePolicy`` / ``PutRolePolicy``
the session duration changed    ``UpdateRole`` (``MaxSessionDuration``)
the boundary removed/changed    ``PutRolePermissionsBoundary`` (none in the template:
                                ``DeleteRolePermissionsBoundary``)
tags added, removed or changed  ``UntagRole`` / ``TagRole`` (``aws:`` tags are AWS's own)
==============================  ==================================================

A role deleted by hand is named and not recreated (CloudFormation would have to replace it).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from developer_roles.audit import policy_document
from developer_roles.summary import Change, RoleChange, canonical, compare, role_state


@dataclass(frozen=True)
class Drifted:
    """A role that differs from its deployed template: its name, the live and the expected
    properties (``AWS::IAM::Role`` form, resolved), and the differences in words."""

    name: str
    live: Mapping[str, Any] | None  # None: deleted by hand
    expected: Mapping[str, Any]
    change: RoleChange


def live_roles(iam: Any, names: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The live state of the roles named (by lower-case name, as IAM names are unique without
    case), in the form of ``AWS::IAM::Role`` properties."""
    wanted = {name.lower() for name in names}
    if not wanted:
        return {}
    sessions: dict[str, tuple[int, Any]] = {}
    for page in iam.get_paginator("list_roles").paginate():
        for role in page.get("Roles", []):
            key = str(role["RoleName"]).lower()
            if key in wanted:
                sessions[key] = (int(role.get("MaxSessionDuration", 3600)), role.get("Description"))
    found: dict[str, dict[str, Any]] = {}
    for page in iam.get_paginator("get_account_authorization_details").paginate(Filter=["Role"]):
        for role in page.get("RoleDetailList", []):
            key = str(role["RoleName"]).lower()
            if key not in wanted:
                continue
            session, description = sessions.get(key, (3600, None))
            found[key] = {
                "RoleName": role["RoleName"],
                "Path": role.get("Path"),
                "Description": description,
                "AssumeRolePolicyDocument": policy_document(role.get("AssumeRolePolicyDocument")),
                "ManagedPolicyArns": [
                    str(p["PolicyArn"]) for p in role.get("AttachedManagedPolicies", [])
                ],
                "Policies": [
                    {
                        "PolicyName": str(p["PolicyName"]),
                        "PolicyDocument": policy_document(p.get("PolicyDocument")),
                    }
                    for p in role.get("RolePolicyList", [])
                ],
                "MaxSessionDuration": session,
                "PermissionsBoundary": (role.get("PermissionsBoundary") or {}).get(
                    "PermissionsBoundaryArn"
                ),
                "Tags": list(role.get("Tags") or []),
            }
    return found


def find_drift(
    expected: Mapping[str, Mapping[str, Any]], live: Mapping[str, Mapping[str, Any]]
) -> list[Drifted]:
    """The roles (``expected``: name to deployed-template properties) whose live state differs,
    each with the hand-made changes (from the template to the live state) in words."""
    found = []
    for name in sorted(expected):
        want = expected[name]
        have = live.get(name.lower())
        if have is None:
            gone = RoleChange(name, [_deleted()])
            found.append(Drifted(name, None, want, gone))
            continue
        # The description is not privilege and ListRoles may omit it: never drift.
        have = {**have, "Description": want.get("Description"), "Path": want.get("Path")}
        changes = compare(role_state(name, want), role_state(name, have))
        if changes:
            found.append(Drifted(name, have, want, RoleChange(name, changes)))
    return found


def _deleted() -> Change:
    return Change("role deleted by hand; not recreated (see the README)", "narrows")


def _inline(properties: Mapping[str, Any]) -> dict[str, Any]:
    return {
        str(p.get("PolicyName")): p.get("PolicyDocument")
        for p in properties.get("Policies") or []
        if isinstance(p, Mapping)
    }


def _tags(properties: Mapping[str, Any]) -> dict[str, str]:
    return {
        str(t["Key"]): str(t["Value"])
        for t in properties.get("Tags") or []
        if isinstance(t, Mapping) and not str(t.get("Key", "")).startswith("aws:")
    }


def restore(iam: Any, drifted: Drifted) -> tuple[list[str], list[str]]:
    """Put one role back as its deployed template has it: (what was done, what failed)."""
    if drifted.live is None:
        return [], []
    name, have, want = drifted.name, drifted.live, drifted.expected
    calls: list[tuple[str, str, dict[str, Any]]] = []
    trust = want.get("AssumeRolePolicyDocument")
    if canonical(have.get("AssumeRolePolicyDocument")) != canonical(trust):
        calls.append(
            ("trust policy", "update_assume_role_policy", {"PolicyDocument": json.dumps(trust)})
        )
    have_managed, want_managed = (
        set(have.get("ManagedPolicyArns") or []),
        set(want.get("ManagedPolicyArns") or []),
    )
    calls += [
        ("detached " + a, "detach_role_policy", {"PolicyArn": a})
        for a in sorted(have_managed - want_managed)
    ]
    calls += [
        ("attached " + a, "attach_role_policy", {"PolicyArn": a})
        for a in sorted(want_managed - have_managed)
        if isinstance(a, str)
    ]
    have_inline, want_inline = _inline(have), _inline(want)
    calls += [
        (f"deleted inline policy {n}", "delete_role_policy", {"PolicyName": n})
        for n in sorted(set(have_inline) - set(want_inline))
    ]
    calls += [
        (
            f"put inline policy {n}",
            "put_role_policy",
            {"PolicyName": n, "PolicyDocument": json.dumps(d)},
        )
        for n, d in sorted(want_inline.items())
        if canonical(have_inline.get(n)) != canonical(d)
    ]
    session = int(want.get("MaxSessionDuration") or 3600)
    if int(have.get("MaxSessionDuration") or 3600) != session:
        calls.append(
            (f"session duration {session} s", "update_role", {"MaxSessionDuration": session})
        )
    boundary = want.get("PermissionsBoundary")
    if have.get("PermissionsBoundary") != boundary:
        calls.append(
            (
                f"boundary {boundary}",
                "put_role_permissions_boundary",
                {"PermissionsBoundary": boundary},
            )
            if boundary
            else ("boundary removed", "delete_role_permissions_boundary", {})
        )
    have_tags, want_tags = _tags(have), _tags(want)
    extra = sorted(set(have_tags) - set(want_tags))
    if extra:
        calls.append((f"untagged {', '.join(extra)}", "untag_role", {"TagKeys": extra}))
    differing = {k: v for k, v in want_tags.items() if have_tags.get(k) != v}
    if differing:
        tags = [{"Key": k, "Value": v} for k, v in sorted(differing.items())]
        calls.append((f"tagged {', '.join(sorted(differing))}", "tag_role", {"Tags": tags}))
    done, failed = [], []
    for what, method, arguments in calls:
        try:
            getattr(iam, method)(RoleName=name, **arguments)
        except ClientError as error:
            info = error.response.get("Error", {})
            failed.append(f"{what}: {info.get('Code')}: {info.get('Message')}")
        except BotoCoreError as error:
            failed.append(f"{what}: {error}")
        else:
            done.append(what)
    return done, failed
