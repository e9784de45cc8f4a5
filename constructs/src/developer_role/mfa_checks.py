"""The MFA trust rule as a CDK policy validation plugin (the cdk-nag 3 / ``Validations`` API).

Add it next to cdk-nag's packs::

    Validations.of(app).add_plugins(AwsSolutionsChecks(app), MfaTrustChecks())

It reads the synthesized templates once per synthesis, nested stacks' templates included
(found through each stack's construct metadata in the cloud assembly), and checks the trust
policy of every ``AWS::IAM::Role`` with :func:`developer_role.mfa_rule.trust_findings`.
Findings are reported by the CDK with the role's construct path, logical ID, nested stack and
the fix; an error fails synthesis, a warning is printed.

A finding is acknowledged like any other with
``Validations.of(scope).acknowledge(Acknowledgment(id=..., reason=...))`` on the role or a
scope above it, by the ID the report prints, which names the role by its logical ID and the
statement by its index in ``Statement`` (whether it has a ``Sid`` or not, so the form is the
same for every role): ``MfaTrust::MFA1[Role::CiRoleD4B8B8A3/Statement::0]`` (the one form the
README documents). For acknowledgments made before, the short forms are still honoured when
placed on the role or inside its stack: without the plugin's name
(``MFA1[Role::CiRoleD4B8B8A3/Statement::0]``) and without the role (``MfaTrust::MFA1[Statement::0]``
or ``MFA1[Statement::0]``, covering every role under the scope). The CDK lists acknowledged
findings with their reason in ``validation-report.json``.

Added to the app and to a ``Stage`` as well (or twice), the plugin still checks and reports
each stack once per synthesis: the CDK runs every plugin object it is given, and each run
skips the templates an earlier run of this plugin has checked for the same app.
"""

from __future__ import annotations

import dataclasses
import json
import weakref
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

from developer_role.mfa_rule import RULES, TrustFinding, trust_findings

__all__ = ["PLUGIN_NAME", "MfaTrustChecks", "acknowledgment_id"]

PLUGIN_NAME = "MfaTrust"
_VERSION = "0.4.0"
_RULES = {rule.id: rule for rule in RULES}
_DOCUMENT = "Properties/AssumeRolePolicyDocument"


_SHORT_NAMESPACE = "Annotation"  # what the CDK puts before an ID written without one


def acknowledgment_id(rule: str, statement: str | int, *, role: str | None = None) -> str:
    """The ID that acknowledges one finding: ``MfaTrust::MFA1[Role::CiRole1234/Statement::0]``
    with the role's logical ID, or ``MfaTrust::MFA1[Statement::0]`` for every role under the
    scope the acknowledgment is placed on."""
    return f"{PLUGIN_NAME}::{_finding_name(rule, statement, role)}"


def _finding_name(rule: str, statement: str | int, role: str | None) -> str:
    where = f"Role::{role}/Statement::{statement}" if role else f"Statement::{statement}"
    return f"{rule}[{where}]"


@jsii.implements(IPolicyValidationPlugin)
class MfaTrustChecks:
    """A policy validation plugin: every role people assume must require MFA.

    Add it once, to the app (``Validations.of(app)``): the app's plugins check the stacks of
    every ``Stage`` in it too, and nested stacks. Adding it to a stage as well does no harm:
    a template already checked in this synthesis is not checked (or reported) again. Rules,
    their levels and fixes are in :mod:`developer_role.mfa_rule`.
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
        violations: list[PolicyViolation] = []
        manifests: dict[Path, Mapping[str, Any]] = {}
        checked = _checked_templates(context)
        for template in context.template_paths:
            resolved = str(Path(template).resolve())
            if resolved in checked:
                continue  # another MfaTrustChecks (on a stage and the app) reported it
            checked.add(resolved)
            stack = _StackMetadata.of(Path(template), manifests)
            for path, nested in stack.templates():
                for logical_id, properties, finding in _template_findings(path):
                    violations.append(
                        _violation(stack, path, nested, logical_id, properties, finding)
                    )
        return PolicyValidationPluginReport(
            success=all(v.severity != "error" for v in violations),
            violations=violations,
            plugin_version=_VERSION,
        )


# Templates checked, per app: the CDK runs each plugin object added to the app or a stage,
# and an app's plugins see its stages' stacks too.
_CHECKED: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()


def _checked_templates(context: IPolicyValidationContext) -> set[str]:
    try:
        app = context.app_construct
        return _CHECKED.setdefault(app, set())
    except (AttributeError, RuntimeError, TypeError):
        # No app on the context (an older CDK) or not weakly referenceable: each run checks
        # all the templates it is given.
        return set()


@dataclasses.dataclass
class _StackMetadata:
    """What the cloud assembly records about one stack's constructs: nested stacks' template
    files, logical IDs and acknowledgments, by construct path (without the leading ``/``)."""

    template: Path
    nested: dict[str, str] = dataclasses.field(default_factory=dict)  # file -> construct path
    logical_ids: dict[tuple[str, str], str] = dataclasses.field(default_factory=dict)
    acknowledged: dict[str, set[str]] = dataclasses.field(default_factory=dict)  # id -> paths

    @classmethod
    def of(cls, template: Path, manifests: dict[Path, Mapping[str, Any]]) -> _StackMetadata:
        directory = template.parent
        if directory not in manifests:
            manifests[directory] = _read_json(directory / "manifest.json")
        stack = cls(template)
        stack._read(_stack_metadata(directory, manifests[directory], template.name))
        return stack

    def _read(self, metadata: Mapping[str, Any]) -> None:
        template_files: dict[str, str] = {}
        resources: list[tuple[str, str]] = []
        for raw_path, entries in metadata.items():
            path = str(raw_path).lstrip("/")
            for entry in entries if isinstance(entries, list) else []:
                if not isinstance(entry, Mapping):
                    continue
                kind, data = entry.get("type"), entry.get("data")
                if kind == "aws:cdk:templateFile" and isinstance(data, str):
                    template_files[path] = data
                    if data != self.template.name:
                        self.nested[data] = path
                elif kind == "aws:cdk:logicalId" and isinstance(data, str):
                    resources.append((path, data))
                elif kind == "aws:cdk:acknowledged-rules" and isinstance(data, Mapping):
                    for rule_id in data:
                        self.acknowledged.setdefault(str(rule_id), set()).add(path)
        for path, logical_id in resources:
            owners = [p for p in template_files if path == p or path.startswith(p + "/")]
            if owners:
                owner = template_files[max(owners, key=len)]
                self.logical_ids[(owner, logical_id)] = path

    def templates(self) -> Iterator[tuple[Path, str | None]]:
        """The stack's template, then each nested stack's, with the nested stack's path."""
        yield self.template, None
        for name, path in self.nested.items():
            nested = self.template.parent / name
            if nested.is_file():
                yield nested, path

    def rule_name(self, finding: TrustFinding, template: Path, logical_id: str) -> str:
        """The finding's ID as reported: the form an acknowledgment over the role uses, if
        any (so that the CDK matches it and lists the reason), else the role-named form."""
        canonical = _finding_name(finding.rule, finding.statement, logical_id)
        resource = self.logical_ids.get((template.name, logical_id))
        if resource is None:
            return canonical
        for name in (canonical, _finding_name(finding.rule, finding.statement, None)):
            for namespace in (PLUGIN_NAME, _SHORT_NAMESPACE):
                paths = self.acknowledged.get(f"{namespace}::{name}", ())
                if any(resource == p or resource.startswith(p + "/") for p in paths):
                    return name if namespace == PLUGIN_NAME else f"{namespace}::{name}"
        return canonical

    def construct_path(self, template: Path, logical_id: str) -> str | None:
        return self.logical_ids.get((template.name, logical_id))


def _read_json(path: Path) -> Mapping[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, Mapping) else {}


def _stack_metadata(directory: Path, manifest: Mapping[str, Any], template: str) -> dict[str, Any]:
    """A stack artifact's construct metadata: inline in the manifest (older CDK versions) and
    in its ``additionalMetadataFile``."""
    metadata: dict[str, Any] = {}
    artifacts = manifest.get("artifacts")
    for artifact in artifacts.values() if isinstance(artifacts, Mapping) else ():
        if not isinstance(artifact, Mapping):
            continue
        properties = artifact.get("properties")
        if not isinstance(properties, Mapping) or properties.get("templateFile") != template:
            continue
        inline = artifact.get("metadata")
        if isinstance(inline, Mapping):
            metadata.update(inline)
        extra = artifact.get("additionalMetadataFile")
        if isinstance(extra, str):
            for path, entries in _read_json(directory / extra).items():
                metadata[path] = [*metadata.get(path, []), *entries]
    return metadata


def _template_findings(path: Path) -> Iterator[tuple[str, Mapping[str, Any], TrustFinding]]:
    resources = _read_json(path).get("Resources", {})
    for logical_id, resource in resources.items():
        if not isinstance(resource, Mapping) or resource.get("Type") != "AWS::IAM::Role":
            continue
        properties = resource.get("Properties") or {}
        findings = trust_findings(properties.get("AssumeRolePolicyDocument"))
        for finding in findings:
            yield logical_id, properties, finding


def _violation(
    stack: _StackMetadata,
    template: Path,
    nested: str | None,
    logical_id: str,
    properties: Mapping[str, Any],
    finding: TrustFinding,
) -> PolicyViolation:
    rule = _RULES[finding.rule]
    name = properties.get("RoleName")
    role = f"role {name} ({logical_id})" if isinstance(name, str) else f"role {logical_id}"
    if nested is not None:
        role += f" in nested stack {nested}"
    location = (
        f"{_DOCUMENT}/Statement/{finding.index}" if finding.statement != "document" else _DOCUMENT
    )
    return PolicyViolation(
        rule_name=stack.rule_name(finding, template, logical_id),
        description=f"{role}: {finding.message}",
        fix=rule.fix,
        severity=finding.level,
        violating_resources=[
            PolicyViolatingResource(
                resource_logical_id=logical_id,
                template_path=str(template),
                construct_path=stack.construct_path(template, logical_id),
                locations=[location],
            )
        ],
    )
