"""The configuration format, declared once: keys, types, defaults and descriptions.

The validator (:mod:`developer_roles.config`) checks a configuration against :data:`FORMAT` and then
applies the rules that span fields; the published JSON Schema
(``schema/developer-roles.schema.json``) and the README's reference are generated from it
(``python -m developer_roles.config.format``, ``make config-schema``), and tests keep them current.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from developer_role import POWER_USER_ACCESS
from developer_role.iam_rules import (
    ACCOUNT,
    MAX_TAG_KEY,
    MAX_TAG_VALUE,
    MAX_TAGS,
    NAME_CHARS,
    PARTITION,
    REGION,
)
from developer_role.validation import mfa_age_error, session_duration_error
from developer_roles.config.fields import (
    parse_mfa_serial,
    parse_pattern,
    parse_policy,
    parse_principal_arn,
    parse_role_name,
    parse_role_path,
    parse_role_prefix,
    parse_tag_key,
    parse_tag_value,
)
from developer_roles.config.model import ManagedPolicyRef
from developer_roles.config.schema import (
    Boolean,
    Duration,
    Either,
    Field,
    Integer,
    ListOf,
    MapOf,
    Obj,
    Text,
    reference,
)

REPO = Path(__file__).resolve().parents[5]
SCHEMA_FILE = REPO / "schema" / "developer-roles.schema.json"
DEFAULT_ROLE_QUOTA = 1000
MAX_ROLE_QUOTA = 5000
DEFAULT_TRUST_POLICY_LENGTH = 2048
MAX_TRUST_POLICY_LENGTH = 4096

ACCOUNT_ID = Text("a 12-digit AWS account ID", ACCOUNT)
REGION_NAME = Text("an AWS region name such as 'eu-west-1'", REGION)
PRINCIPAL = Text(
    "an IAM user or role ARN",
    rf"arn:{PARTITION}:iam::{ACCOUNT}:(?:user|role)/(?:[\x21-\x7e]*/)?[{NAME_CHARS}]{{1,64}}",
    parse=parse_principal_arn,
)
POLICY = Text(
    "an AWS managed policy name or a managed policy ARN",
    r"[\x21-\x7e]{1,2048}",
    parse=parse_policy,
)
ROLE_NAME = Text("an IAM role name", f"[{NAME_CHARS}]{{1,64}}", parse=parse_role_name)
TAGS = MapOf(
    Text("a tag key", min_length=1, max_length=MAX_TAG_KEY, parse=parse_tag_key),
    Text("text", max_length=MAX_TAG_VALUE, parse=parse_tag_value),
    max_items=MAX_TAGS - 1,
)

POLICY_ENTRY = Either(
    POLICY,
    Obj(
        "policy entry",
        (
            Field("policy", POLICY, "the policy's name or ARN", required=True),
            Field(
                "reason",
                Text("text", min_length=1),
                "why the role needs it; required for AWS managed policies (the cdk-nag "
                "AwsSolutions-IAM4 acknowledgment)",
            ),
        ),
        "a managed policy with the reason it is attached",
    ),
    "a policy name, an ARN, or {'policy': ..., 'reason': ...}",
)
POLICIES = ListOf(POLICY_ENTRY, "a list of managed policy names or ARNs")


def _role_settings(*, with_defaults: bool) -> tuple[Field, ...]:
    """Settings of every role; in ``defaults`` they have defaults, elsewhere they override."""

    def default(value: Any) -> dict[str, Any]:
        return {"default": value} if with_defaults else {}

    return (
        Field(
            "maxSessionDuration",
            Duration(session_duration_error, 3600, 43200),
            "longest session of the role: 1h to 12h",
            **default(3600),
        ),
        Field(
            "maxMfaAge",
            Duration(mfa_age_error, 1, 43200),
            "how old the MFA sign-in may be (aws:MultiFactorAuthAge): 1 second to 12h",
            **default(3600),
        ),
        Field(
            "requireSourceIdentity",
            Boolean(),
            "callers must set a source identity (sts:SourceIdentity)",
            **default(False),
        ),
        Field(
            "permissionsBoundary",
            POLICY,
            "managed policy that bounds the role's permissions; null for none",
            nullable=True,
            **default(None),
        ),
        Field(
            "tags",
            TAGS,
            "tags on the role (IAM's tag rules; with the app's own tag at most 50 per role), "
            "added to those of 'defaults'",
            **default({}),
        ),
    )


ROLE_SETTINGS = _role_settings(with_defaults=True)
OVERRIDES = _role_settings(with_defaults=False)
EXTRA_POLICIES = Field(
    "extraManagedPolicies", POLICIES, "managed policies attached in addition to 'managedPolicies'"
)
ROLE_NAME_FIELD = Field("roleName", ROLE_NAME, "the role's name instead of rolePrefix + name")

DEFAULTS = Obj(
    "defaults",
    (
        *ROLE_SETTINGS[:3],
        Field(
            "managedPolicies",
            POLICIES,
            "managed policies of every role",
            default=(ManagedPolicyRef(POWER_USER_ACCESS),),
        ),
        *ROLE_SETTINGS[3:],
    ),
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
                Text("an MFA device ARN or serial number", parse=parse_mfa_serial),
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
            ListOf(Text("a principal ARN pattern", r"arn:[\x21-\x7e]+", parse=parse_pattern)),
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
TARGET = Obj(
    "target",
    (
        Field("account", ACCOUNT_ID, "the account the roles go to", required=True),
        Field("region", REGION_NAME, "the region of its stacks", required=True),
    ),
    "an account and region the roles are deployed to",
)
PIPELINE = Obj(
    "pipeline",
    (
        Field(
            "connectionArn",
            Text(
                "a CodeConnections ARN",
                r"arn:[a-z-]+:(?:codestar-connections|codeconnections):[\x21-\x7e]+",
            ),
            "the CodeConnections connection to the repository",
            required=True,
        ),
        Field(
            "repository",
            Text("'owner/repository'", r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+"),
            "the repository",
            required=True,
        ),
        Field("branch", Text("a branch", r"[\x21-\x7e]{1,255}"), "the branch", required=True),
        Field("account", ACCOUNT_ID, "the pipeline's account", required=True),
        Field("region", REGION_NAME, "the pipeline's region", required=True),
    ),
    "a CDK Pipelines pipeline that deploys every target",
)
STACK_SET = Obj(
    "stackSet",
    (
        Field(
            "organizationalUnitIds",
            ListOf(
                Text(
                    "an OU ID (ou-xxxx-xxxxxxxx) or a root ID (r-xxxx)",
                    "ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32}",
                ),
                "a list of OU IDs",
                min_items=1,
            ),
            "the organisational units whose accounts get the roles",
            required=True,
        ),
        Field(
            "regions",
            ListOf(
                REGION_NAME,
                "a list of one region",
                min_items=1,
                max_items=1,
                too_many="must name exactly one region; IAM roles are global, so the same role "
                "in two regions of an account would collide",
            ),
            "the one region of the stack instances",
            required=True,
        ),
        Field("account", ACCOUNT_ID, "the account of the StackSet stack"),
        Field("region", REGION_NAME, "the region of the StackSet stack"),
    ),
    "service-managed StackSets for organisational units",
)
DEPLOYMENT = Obj(
    "deployment",
    (
        Field("pipeline", PIPELINE, "deploy through a pipeline"),
        Field("stackSet", STACK_SET, "deploy to organisational units with StackSets"),
    ),
    "how the roles are deployed (default: `cdk deploy` of each stack)",
)

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
        Field(
            "identityAccount",
            ACCOUNT_ID,
            "the account of the developers' IAM users (adds the identity side)",
        ),
        Field(
            "rolePrefix",
            Text("a role name prefix", f"[{NAME_CHARS}]{{0,63}}", parse=parse_role_prefix),
            "role name = prefix + principal name",
            default="PowerUser-",
        ),
        Field(
            "path",
            Text("an IAM path", r"/(?:[\x21-\x7e]*/)?", max_length=512, parse=parse_role_path),
            "the roles' IAM path",
            default="/developers/",
        ),
        Field("defaults", DEFAULTS, "settings of every role", default={}),
        Field(
            "principals",
            ListOf(PRINCIPAL_ENTRY, "a list of IAM user or role ARNs"),
            "one role per IAM user or role",
            default=[],
        ),
        Field("groups", ListOf(GROUP, "a list of team roles"), "team roles", default=[]),
        Field(
            "maxRolesPerAccount",
            Integer(1, MAX_ROLE_QUOTA, "IAM's role quota per account can be raised to 5,000"),
            "the account's IAM role quota",
            default=DEFAULT_ROLE_QUOTA,
        ),
        Field(
            "maxTrustPolicyLength",
            Integer(
                1,
                MAX_TRUST_POLICY_LENGTH,
                "IAM's role trust policy length quota can be raised to 4,096 characters",
            ),
            "the account's trust policy length quota",
            default=DEFAULT_TRUST_POLICY_LENGTH,
        ),
        Field(
            "stackCount",
            Integer(1, 200, "the roles of one target go in 1 to 200 stacks"),
            "number of stacks per target (default: from the role quota)",
        ),
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


README = REPO / "README.md"
REFERENCE_START = "<!-- reference:start -->\n"
REFERENCE_END = "<!-- reference:end -->"


def readme_with_reference(readme: str) -> str:
    """``readme`` with the text between the reference markers replaced by the reference."""
    head, _, rest = readme.partition(REFERENCE_START)
    _, _, tail = rest.partition(REFERENCE_END)
    return f"{head}{REFERENCE_START}{reference_text()}{REFERENCE_END}{tail}"


def main(argv: list[str]) -> int:
    """Write the schema file and the README's reference (``make config-schema``)."""
    if argv:
        print("usage: python -m developer_roles.config.format", file=sys.stderr)
        return 2
    SCHEMA_FILE.parent.mkdir(exist_ok=True)
    SCHEMA_FILE.write_text(schema_text(), encoding="utf-8")
    README.write_text(readme_with_reference(README.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"wrote {SCHEMA_FILE.relative_to(REPO)} and the reference in {README.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
