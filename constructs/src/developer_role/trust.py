"""The developer role's trust policy, as plain data.

Kept free of CDK objects so that the app can measure a policy's length against IAM's quota
before building anything, and so that building a role costs few calls into the CDK's runtime.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from developer_role.iam_rules import ARN_ACCOUNT

# The AWS managed policy every developer role carries.
POWER_USER_ACCESS = "PowerUserAccess"
TRUST_ACTIONS = ("sts:AssumeRole", "sts:SetSourceIdentity")
# Passing session tags needs sts:TagSession in the trust policy; aws:TagKeys limits the keys
# (ForAllValues: every key passed must be listed):
# https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html#id_session-tags_permissions-required
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-tagkeys
SESSION_TAG_ACTION = "sts:TagSession"


def mfa_conditions(
    max_mfa_age_seconds: int, *, require_source_identity: bool = False
) -> dict[str, dict[str, str]]:
    """The conditions every statement of a developer role's trust policy carries.

    ``Bool`` rather than ``BoolIfExists``: with ``IfExists`` a request signed with long-term
    access keys, where the key is absent, would pass without MFA.
    """
    conditions = {
        "Bool": {"aws:MultiFactorAuthPresent": "true"},
        "NumericLessThan": {"aws:MultiFactorAuthAge": str(max_mfa_age_seconds)},
    }
    if require_source_identity:
        conditions["Null"] = {"sts:SourceIdentity": "false"}
    return conditions


def _one_or_many(values: Sequence[str]) -> str | list[str]:
    # A list token (CfnParameter.value_as_list, Fn.split) is one "#{Token[...]}" item that
    # the CDK resolves only inside a list.
    if len(values) == 1 and not values[0].startswith("#{Token["):
        return values[0]
    return list(values)


def pattern_accounts(patterns: Sequence[str]) -> list[str]:
    """The account root principals that ARN patterns fall under, in first-seen order."""
    roots: list[str] = []
    for pattern in patterns:
        match = ARN_ACCOUNT.match(pattern)
        if match is None:
            raise ValueError(
                f"principal ARN pattern {pattern!r} must name its partition and account "
                "literally, as in arn:aws:iam::123456789012:user/team-*"
            )
        root = f"arn:{match['partition']}:iam::{match['account']}:root"
        if root not in roots:
            roots.append(root)
    return roots


def trust_policy(
    *,
    principals: Sequence[str] = (),
    principal_arn_patterns: Sequence[str] = (),
    principal_org_id: str | None = None,
    max_mfa_age_seconds: int = 3600,
    require_source_identity: bool = False,
    session_tags: bool = False,
    session_tag_keys: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The trust policy document: named principals, and/or principals matched by pattern or
    organisation, all under the same MFA conditions.

    With ``session_tags`` each statement also allows ``sts:TagSession`` (under the same
    conditions); ``session_tag_keys`` then limits the keys with ``ForAllValues:StringEquals``
    on ``aws:TagKeys``, which a request without tags passes.
    """
    conditions: dict[str, Any] = dict(
        mfa_conditions(max_mfa_age_seconds, require_source_identity=require_source_identity)
    )
    if session_tags and session_tag_keys:
        conditions["ForAllValues:StringEquals"] = {"aws:TagKeys": list(session_tag_keys)}
    actions = [*TRUST_ACTIONS, SESSION_TAG_ACTION] if session_tags else list(TRUST_ACTIONS)
    statements: list[dict[str, Any]] = []
    if principals:
        statements.append(
            _statement("AssumeWithMfa", _one_or_many(principals), conditions, actions)
        )
    if principal_arn_patterns or principal_org_id:
        matched: dict[str, Mapping[str, Any]] = dict(conditions)
        if principal_arn_patterns:
            matched["ArnLike"] = {"aws:PrincipalArn": _one_or_many(principal_arn_patterns)}
        if principal_org_id:
            matched["StringEquals"] = {"aws:PrincipalOrgID": principal_org_id}
            principal: str | list[str] = "*"
        else:
            principal = _one_or_many(pattern_accounts(principal_arn_patterns))
        statements.append(_statement("AssumeWithMfaMatchedPrincipals", principal, matched, actions))
    return {"Version": "2012-10-17", "Statement": statements}


def _statement(
    sid: str, principal: str | list[str], conditions: Mapping[str, Any], actions: list[str]
) -> dict[str, Any]:
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": {"AWS": principal},
        "Action": list(actions),
        "Condition": dict(conditions),
    }


def policy_length(document: Mapping[str, Any]) -> int:
    """Characters IAM counts against its trust-policy quota (white space is not counted)."""
    return len(json.dumps(document, separators=(",", ":")))
