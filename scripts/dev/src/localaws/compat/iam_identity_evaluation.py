"""Fix ``iam_identity_evaluation``: other actions are decided on the caller's identity policies.

AWS: an action is allowed when an identity-based policy statement allows it (action, resource
and conditions all matching) and none denies it; a statement whose conditions do not match
simply does not apply. moto 5.2.5 treats an Allow with unmet conditions as an explicit Deny and,
not knowing the resource ARN of most actions (it passes ``*``), denies every statement scoped to
specific resources, such as the CDK deploy role's ``ssm:GetParameter`` on the bootstrap version
parameter. Here, when moto does not know the resource and ``iam_request_resources`` does not
name it either, a statement's Resource is taken as matching (the resource dimension is not
enforced for those actions; ``aws:ResourceAccount`` is the caller's account). Policy variables
(``iam_policy_variables``) and the role's permissions boundary (``iam_permissions_boundary``)
are their own fixes, evaluated here. GetCallerIdentity is always allowed, as in AWS.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
"""

from __future__ import annotations

from typing import Any

from localaws import iam_eval
from localaws.compat import authorize, iam_policy_variables
from localaws.compat.iam_permissions_boundary import caller_boundary
from localaws.compat.iam_request_resources import request_resource
from localaws.compat.registry import Fix, enabled, register
from localaws.compat.sessions import caller, policy_document, request_context

FIX = register(
    Fix(
        "iam_identity_evaluation",
        "Other actions are allowed only when an identity-policy statement allows them and "
        "none denies them; an Allow whose conditions do not match is not a Deny",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html",
    )
)


def check_identity_policies(req: Any, resource: str) -> bool:
    if not enabled(FIX.name):
        return False
    if req._action == "sts:GetCallerIdentity":
        return True
    who, user = caller(req)
    context = request_context(req, who, user)
    context["aws:ResourceAccount"] = who.account_id
    documents = [policy_document(p) for p in req._access_key.collect_policies()]
    boundary = caller_boundary(req)
    if resource == "*":
        resource = request_resource(req, user) or "*"
    if resource == "*":
        documents = [_ignoring_resource(document) for document in documents]
        boundary = None if boundary is None else _ignoring_resource(boundary)
    decision = iam_eval.decide_identity(
        identity_policies=documents,
        boundary=boundary,
        action=req._action,
        resource=resource,
        context=context,
        variables=iam_policy_variables.on(),
    )
    if not decision.allowed:
        req._raise_access_denied()
    return True


def _ignoring_resource(document: dict[str, Any]) -> dict[str, Any]:
    statements = document.get("Statement")
    listed = statements if isinstance(statements, list) else [statements]
    return {
        **document,
        "Statement": [
            {k: v for k, v in s.items() if k not in ("Resource", "NotResource")} | {"Resource": "*"}
            for s in listed
            if isinstance(s, dict)
        ],
    }


def install() -> None:
    authorize.add_decider(check_identity_policies)
