"""The app's checks (cdk-nag's AwsSolutions and the library's MFA trust rule), and cdk-nag
acknowledgments that are computed from the resource they cover.

CDK Pipelines writes the IAM policies of its own roles (artifact bucket and key access, role
assumption into the deployment accounts). AwsSolutions-IAM5 flags every wildcard in them, one
finding per action or resource. This module lists those findings from the synthesized policy,
so each is acknowledged by its exact ID on the policy it covers, with the reason why the
wildcard is acceptable there.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from aws_cdk import Acknowledgment, Stack, Validations
from aws_cdk import aws_iam as iam
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct

from developer_role.mfa_checks import MfaTrustChecks


def add_checks(scope: IConstruct) -> None:
    """Check every stack of ``scope`` (an app or a stage) with AwsSolutions and the MFA rule."""
    Validations.of(scope).add_plugins(AwsSolutionsChecks(scope), MfaTrustChecks())


def render(value: Any) -> str:
    """A CloudFormation value written the way cdk-nag writes it in finding IDs."""
    if isinstance(value, str):
        return re.sub(r"\$\{([^}]*)\}", r"<\1>", value)  # a policy variable: ${aws:username}
    if isinstance(value, dict) and len(value) == 1:
        ((function, argument),) = value.items()
        if function == "Ref":
            return f"<{argument}>"
        if function == "Fn::GetAtt":
            return f"<{argument[0]}.{argument[1]}>"
        if function == "Fn::Join":
            separator, parts = argument
            return str(separator).join(render(part) for part in parts)
    return json.dumps(value, separators=(",", ":"))


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def wildcard_findings(document: dict[str, Any]) -> list[str]:
    """The AwsSolutions-IAM5 finding IDs that a policy document raises."""
    findings: list[str] = []
    for statement in document.get("Statement", []):
        if statement.get("Effect") != "Allow":
            continue
        for action in _listed(statement.get("Action", [])):
            if "*" in str(action):
                findings.append(f"AwsSolutions-IAM5[Action::{action}]")
        for resource in _listed(statement.get("Resource", [])):
            rendered = render(resource)
            if "*" in rendered:
                findings.append(f"AwsSolutions-IAM5[Resource::{rendered}]")
    return list(dict.fromkeys(findings))


def acknowledge_wildcards(
    scope: IConstruct, reason: str, only: Callable[[str], bool] = lambda _finding: True
) -> int:
    """Acknowledge, on each IAM policy under ``scope`` (inline or managed), exactly the wildcard
    findings it raises (those that ``only`` accepts)."""
    count = 0
    for policy in scope.node.find_all():
        if not isinstance(policy, (iam.CfnPolicy, iam.CfnManagedPolicy)):
            continue
        document = Stack.of(policy).resolve(policy.policy_document)
        for finding in wildcard_findings(document):
            if only(finding):
                Validations.of(policy).acknowledge(Acknowledgment(id=finding, reason=reason))
                count += 1
    return count


# A role named by path and name in any account: arn:<partition>:iam::*:role/<path><name>, with
# no other wildcard.
_ANY_ACCOUNT_ROLE = re.compile(r"AwsSolutions-IAM5\[Resource::arn:[a-z-]+:iam::\*:role/[^*]+\]")


def is_any_account_role(finding: str) -> bool:
    """Whether an IAM5 finding is only a role's account left open (``iam::*:role/...``)."""
    return _ANY_ACCOUNT_ROLE.fullmatch(finding) is not None
