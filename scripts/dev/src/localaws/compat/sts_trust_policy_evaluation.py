"""Fix ``sts_trust_policy_evaluation``: AssumeRole is decided as AWS decides it.

AWS decides AssumeRole on a role's trust policy evaluated against the request context:
``aws:MultiFactorAuthPresent`` is true (and ``aws:MultiFactorAuthAge`` counts seconds) only when
MFA was verified, for this request or for the session making it; a condition on a missing key
does not match; a non-matching Allow is just no Allow; within one account a trust policy naming
the caller suffices, across accounts the caller's identity policy must allow too; a role that
does not exist is AccessDenied; ``sts:SetSourceIdentity``/``sts:TagSession`` are checked when
used; DurationSeconds above the role's MaxSessionDuration is ``ValidationError`` "The requested
DurationSeconds exceeds the MaxSessionDuration set for this role.". moto 5.2.5 treats
Bool/Numeric conditions and missing keys as matching, never sets the MFA keys, turns a
non-matching Allow into a Deny, always also requires an identity policy, lets a missing role be
"assumed" and grants any duration.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-multifactorauthpresent
https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html
"""

from __future__ import annotations

import json
from typing import Any, cast

from moto.sts import responses as sts_responses

from localaws import clock, iam_eval
from localaws.compat import authorize, iam_policy_variables
from localaws.compat.errors import AccessDenied, STSValidationError
from localaws.compat.iam_permissions_boundary import caller_boundary
from localaws.compat.registry import Fix, enabled, register
from localaws.compat.sessions import (
    caller,
    caller_mfa_context,
    find_role,
    on_server_clock,
    param,
    policy_document,
    request,
    request_context,
    role_session_mfa,
    tags,
)
from localaws.compat.sts_mfa_verification import mfa_used

ABOVE_MAXIMUM = "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
FIX = register(
    Fix(
        "sts_trust_policy_evaluation",
        "AssumeRole is allowed only as the trust policy (conditions with real IAM semantics, "
        "MFA context) and, where required, identity policies allow; DurationSeconds is "
        "limited by the role's MaxSessionDuration",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html",
        error_code="ValidationError",
        message=ABOVE_MAXIMUM,
    )
)


def check_assume_role(req: Any, role_arn: str) -> bool:
    """The decider for ``sts:AssumeRole`` (see the module docstring)."""
    if req._action != "sts:AssumeRole" or not enabled(FIX.name):
        return False
    data = req._data
    who, user = caller(req)
    _, mfa_at = caller_mfa_context(req._access_key, req._access_key._access_key_id)
    if mfa_used(user, req.account_id, data):
        mfa_at = clock.now()
    request.mfa_authenticated_at = mfa_at

    role = find_role(role_arn)
    if role is None:
        raise AccessDenied(
            f"User: {who.arn} is not authorized to perform: sts:AssumeRole on resource: {role_arn}"
        )
    context = request_context(req, who, user)
    if mfa_at is not None:
        context["aws:MultiFactorAuthPresent"] = "true"
        context["aws:MultiFactorAuthAge"] = str(max(0, int(clock.now() - mfa_at)))
    for name, key in [
        ("RoleSessionName", "sts:RoleSessionName"),
        ("ExternalId", "sts:ExternalId"),
        ("SourceIdentity", "sts:SourceIdentity"),
    ]:
        value = param(data, name)
        if value is not None:
            context[key] = value
    session_tags = tags(data)
    for tag_key, tag_value in session_tags.items():
        context[f"aws:RequestTag/{tag_key}"] = tag_value
    if session_tags:
        context["aws:TagKeys"] = list(session_tags)

    actions = ["sts:AssumeRole"]
    if param(data, "SourceIdentity") is not None:
        actions.append("sts:SetSourceIdentity")
    if session_tags:
        actions.append("sts:TagSession")
    trust = json.loads(role.assume_role_policy_document)
    identity = [policy_document(p) for p in req._access_key.collect_policies()]
    for action in actions:
        decision = iam_eval.decide_with_resource_policy(
            trust_policy=trust,
            identity_policies=identity,
            caller=who,
            action=action,
            resource=str(role.arn),
            resource_account=str(role.account_id),
            context=context,
            boundary=caller_boundary(req),
            variables=iam_policy_variables.on(),
        )
        if not decision.allowed:
            raise AccessDenied(
                f"User: {who.arn} is not authorized to perform: {action} on resource: {role.arn}"
            )
    return True


def install() -> None:
    authorize.add_decider(check_assume_role)
    response_cls = sts_responses.TokenResponse
    original_assume_role = response_cls.assume_role

    def assume_role(self: Any) -> Any:
        if not enabled(FIX.name):
            return original_assume_role(self)
        duration = self._get_int_param("DurationSeconds", 3600)
        role = find_role(self._get_param("RoleArn"))
        if role is not None and duration > int(role.max_session_duration or 3600):
            raise STSValidationError(ABOVE_MAXIMUM)
        mfa_at = getattr(request, "mfa_authenticated_at", None)
        result = original_assume_role(self)
        body = cast(dict[str, Any], result.result)
        credentials = body["Credentials"]
        credentials.expiration = on_server_clock(credentials.expiration)
        role_session_mfa[credentials.access_key_id] = mfa_at
        source_identity = self._get_param("SourceIdentity")
        if source_identity:
            body["SourceIdentity"] = source_identity
        return result

    response_cls.assume_role = assume_role  # type: ignore[method-assign]
