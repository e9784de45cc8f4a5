"""The configuration format: the file's objects, built from the keys :mod:`.model` declares.

The keys that set an attribute of the data the stacks receive are declared once, next to that
attribute, in :mod:`developer_roles.config.model`; this module adds the keys the loader derives
roles and targets from (``principals``, ``groups``, ``defaults``, ``targets``, ...). The
validator (:mod:`developer_roles.config`) checks a configuration against :data:`FORMAT` and then
applies the rules that span fields; the published JSON Schema
(``schema/developer-roles.schema.json``) and the reference in ``docs/configuration.md`` are
generated from it
(``make config-schema``: ``python -m devtools.config_schema``), and tests keep them current.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from developer_role import POWER_USER_ACCESS
from developer_role.iam_rules import NAME_CHARS
from developer_roles.config.fields import (
    ACCOUNT_ID,
    MFA_SERIAL,
    POLICIES,
    PRINCIPAL,
    PRINCIPAL_ARN_PATTERN,
    REGION_NAME,
    ROLE_NAME,
)
from developer_roles.config.model import (
    ManagedPolicyRef,
    PipelineSpec,
    RolesConfig,
    RoleSettings,
    StackSetSpec,
    Target,
)
from developer_roles.config.schema import (
    Either,
    Field,
    ListOf,
    Obj,
    Text,
    fields_of,
    reference,
)

REPO = Path(__file__).resolve().parents[5]
SCHEMA_FILE = REPO / "schema" / "developer-roles.schema.json"

ROLE_SETTINGS = fields_of(RoleSettings)
OVERRIDES = tuple(spec.without_default() for spec in ROLE_SETTINGS)
EXTRA_POLICIES = Field(
    "extraManagedPolicies", POLICIES, "managed policies attached in addition to 'managedPolicies'"
)
ROLE_NAME_FIELD = Field("roleName", ROLE_NAME, "the role's name instead of rolePrefix + name")
MANAGED_POLICIES = Field(
    "managedPolicies",
    POLICIES,
    "managed policies of every role",
    default=(ManagedPolicyRef(POWER_USER_ACCESS),),
)

DEFAULTS = Obj(
    "defaults",
    (*ROLE_SETTINGS[:3], MANAGED_POLICIES, *ROLE_SETTINGS[3:]),
    "settings of every role; a principal or group may override each",
)
PRINCIPAL_ENTRY = Either(
    PRINCIPAL,
    Obj(
        "principal",
        (
            Field("arn", PRINCIPAL, "the IAM user or role ARN the role trusts", required=True),
            ROLE_NAME_FIELD,
            Field(
                "mfaSerial",
                MFA_SERIAL,
                "the MFA device written into the principal's profile",
            ),
            EXTRA_POLICIES,
            *OVERRIDES,
        ),
        "one principal with its own settings",
    ),
    "an ARN or an object with an 'arn'",
)
GROUP = Obj(
    "group",
    (
        Field(
            "name",
            Text(
                "1 to 64 letters, digits or + = , . @ _ -",
                f"[{NAME_CHARS}]{{1,64}}",
            ),
            "the team's name (role name = rolePrefix + name)",
            required=True,
        ),
        Field("principals", ListOf(PRINCIPAL), "IAM users or roles trusted by the team role"),
        Field(
            "principalArnPatterns",
            ListOf(PRINCIPAL_ARN_PATTERN),
            "ARN patterns (ArnLike on aws:PrincipalArn) of one account each",
        ),
        Field(
            "organizationId",
            Text("an organisation ID (o-...)", "o-[a-z0-9]{10,32}"),
            "trust every principal of this organisation (aws:PrincipalOrgID)",
        ),
        ROLE_NAME_FIELD,
        EXTRA_POLICIES,
        *OVERRIDES,
    ),
    "one role for a team",
)
TARGET_FIELDS = fields_of(Target)
TARGET = Obj("target", TARGET_FIELDS, "an account and region the roles are deployed to")
PIPELINE_FIELDS = fields_of(PipelineSpec)
PIPELINE = Obj("pipeline", PIPELINE_FIELDS, "a CDK Pipelines pipeline that deploys every target")
STACK_SET_FIELDS = fields_of(StackSetSpec)
STACK_SET = Obj("stackSet", STACK_SET_FIELDS, "service-managed StackSets for organisational units")
DEPLOYMENT = Obj(
    "deployment",
    (
        Field("pipeline", PIPELINE, "deploy through a pipeline"),
        Field("stackSet", STACK_SET, "deploy to organisational units with StackSets"),
    ),
    "how the roles are deployed (default: `cdk deploy` of each stack)",
)

# The keys of the file that the loader turns into roles and targets; every other top-level key
# is an attribute of :class:`RolesConfig`.
CONFIG_FIELDS = fields_of(RolesConfig)
FORMAT = Obj(
    "configuration",
    (
        Field("$schema", Text(), "the JSON Schema of this file, for editors; ignored"),
        Field("account", ACCOUNT_ID, "where the roles go (else the CLI's account)"),
        Field("region", REGION_NAME, "the region of the stacks (else the CLI's region)"),
        Field(
            "targets",
            ListOf(TARGET, "a non-empty list of {'account': ..., 'region': ...}", min_items=1),
            "several accounts, instead of 'account'/'region'",
        ),
        *CONFIG_FIELDS,
        Field("defaults", DEFAULTS, "settings of every role", default={}),
        Field(
            "principals",
            ListOf(PRINCIPAL_ENTRY, "a list of IAM user or role ARNs"),
            "one role per IAM user or role",
            default=[],
        ),
        Field("groups", ListOf(GROUP, "a list of team roles"), "team roles", default=[]),
        Field("deployment", DEPLOYMENT, "pipeline or StackSets"),
    ),
    "the developer roles: who gets one, where, with what settings",
)


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a configuration file."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Developer roles configuration",
        **FORMAT.json_schema(),
    }


def schema_text() -> str:
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


def reference_text() -> str:
    return reference(FORMAT)


REFERENCE_FILE = REPO / "docs" / "configuration.md"
REFERENCE_START = "<!-- reference:start -->\n"
REFERENCE_END = "<!-- reference:end -->"


def readme_with_reference(readme: str) -> str:
    """``readme`` with the text between the reference markers replaced by the reference."""
    head, _, rest = readme.partition(REFERENCE_START)
    _, _, tail = rest.partition(REFERENCE_END)
    return f"{head}{REFERENCE_START}{reference_text()}{REFERENCE_END}{tail}"


def main(argv: list[str]) -> int:
    """Write the schema file and the reference in docs/configuration.md (``make config-schema``)."""
    if argv:
        print("usage: python -m devtools.config_schema (make config-schema)", file=sys.stderr)
        return 2
    SCHEMA_FILE.parent.mkdir(exist_ok=True)
    SCHEMA_FILE.write_text(schema_text(), encoding="utf-8")
    text = REFERENCE_FILE.read_text(encoding="utf-8")
    REFERENCE_FILE.write_text(readme_with_reference(text), encoding="utf-8")
    reference_file = REFERENCE_FILE.relative_to(REPO)
    print(f"wrote {SCHEMA_FILE.relative_to(REPO)} and the reference in {reference_file}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
