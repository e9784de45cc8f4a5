"""Fix ``iam_identity_evaluation``: other actions are decided on the caller's identity policies.

AWS: an action is allowed when an identity-based policy statement allows it (action, resource
and conditions all matching) and none denies it; a statement whose conditions do not match
simply does not apply. moto 5.2.5 treats an Allow with unmet conditions as an explicit Deny and,
not knowing the resource ARN of most actions (it passes ``*``), denies every statement scoped to
specific resources, such as the CDK deploy role's ``ssm:GetParameter`` on the bootstrap version
parameter. Here, when moto does not know the resource, a statement's Resource is taken as
matching (the resource dimension is not enforced for those actions; ``aws:ResourceAccount`` is
the caller's account). GetCallerIdentity is always allowed, as in AWS.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
"""

from __future__ import annotations

from typing import Any

from localaws import iam_eval
from localaws.compat import authorize
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
    if resource == "*":
        documents = [_ignoring_resource(document) for document in documents]
    result = iam_eval.evaluate_identity_policies(documents, req._action, resource, context)
    if result.denied or not result.allowed:
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
