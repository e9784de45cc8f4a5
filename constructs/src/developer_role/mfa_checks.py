"""The MFA trust rule as a CDK policy validation plugin (the cdk-nag 3 / ``Validations`` API).

Add it next to cdk-nag's packs::

    Validations.of(app).add_plugins(AwsSolutionsChecks(app), MfaTrustChecks())

It reads the synthesized templates once per synthesis and checks the trust policy of every
``AWS::IAM::Role`` with :func:`developer_role.mfa_rule.trust_findings`. Findings are reported
by the CDK with the role's construct path, logical ID and the fix; an error fails synthesis,
a warning is printed. A finding is acknowledged like any other with
``Validations.of(scope).acknowledge(Acknowledgment(id=..., reason=...))``, on the role or a
scope above it, by the ID the report prints: ``MfaTrust::MFA1[Statement::AssumeFromCi]``
(rule, then the statement's ``Sid`` or index). The CDK lists acknowledged findings with their
reason in ``validation-report.json``.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import (
    IPolicyValidationContext,
    IPolicyValidationPlugin,
    PolicyValidationPluginReport,
    PolicyViolatingResource,
    PolicyViolation,
)

from developer_role.mfa_rule import MFA_REQUIRED, RULES, TrustFinding, trust_findings

__all__ = ["PLUGIN_NAME", "MfaTrustChecks", "acknowledgment_id"]

PLUGIN_NAME = "MfaTrust"
_VERSION = "0.2.0"
_RULES = {rule.id: rule for rule in RULES}
_DOCUMENT = "Properties/AssumeRolePolicyDocument"


def acknowledgment_id(rule: str, statement: str | int) -> str:
    """The ID that acknowledges one finding: ``MfaTrust::MFA1[Statement::0]``."""
    return f"{PLUGIN_NAME}::{rule}[Statement::{statement}]"


@jsii.implements(IPolicyValidationPlugin)
class MfaTrustChecks:
    """A policy validation plugin: every role people assume must require MFA.

    Checks each ``AWS::IAM::Role`` of the stage it is added to (``Validations.of(app)`` for the
    app's own stacks; add it to each ``Stage`` too, as with cdk-nag). Rules, their levels and
    fixes are in :mod:`developer_role.mfa_rule`.
    """

    @property
    def name(self) -> str:
        return PLUGIN_NAME

    @property
    def version(self) -> str:
        return _VERSION

    @property
    def rule_ids(self) -> list[str]:
        return [rule.id for rule in RULES]

    def validate(self, context: IPolicyValidationContext) -> PolicyValidationPluginReport:
        violations = [
            _violation(template, logical_id, role, finding)
            for template in context.template_paths
            for logical_id, role, finding in _template_findings(Path(template))
        ]
        return PolicyValidationPluginReport(
            success=all(v.severity != "error" for v in violations),
            violations=violations,
            plugin_version=_VERSION,
        )


def _template_findings(path: Path) -> Iterator[tuple[str, Mapping[str, Any], TrustFinding]]:
    resources = json.loads(path.read_text(encoding="utf-8")).get("Resources", {})
    for logical_id, resource in resources.items():
        if not isinstance(resource, Mapping) or resource.get("Type") != "AWS::IAM::Role":
            continue
        properties = resource.get("Properties") or {}
        document = properties.get("AssumeRolePolicyDocument")
        if isinstance(document, str):
            with contextlib.suppress(ValueError):
                document = json.loads(document)
        if isinstance(document, Mapping):
            findings = trust_findings(document)
        else:
            findings = [
                TrustFinding(
                    MFA_REQUIRED.id,
                    "error",
                    "document",
                    "the trust policy is not a literal document, so whom it trusts cannot be "
                    "checked; write it literally",
                )
            ]
        for finding in findings:
            yield logical_id, properties, finding


def _violation(
    template: str, logical_id: str, properties: Mapping[str, Any], finding: TrustFinding
) -> PolicyViolation:
    rule = _RULES[finding.rule]
    name = properties.get("RoleName")
    role = f"role {name} ({logical_id})" if isinstance(name, str) else f"role {logical_id}"
    location = (
        f"{_DOCUMENT}/Statement/{finding.index}" if finding.statement != "document" else _DOCUMENT
    )
    return PolicyViolation(
        rule_name=f"{rule.id}[{finding.finding_id}]",
        description=f"{role}: {finding.message}",
        fix=rule.fix,
        severity=finding.level,
        violating_resources=[
            PolicyViolatingResource(
                resource_logical_id=logical_id, template_path=template, locations=[location]
            )
        ],
    )
