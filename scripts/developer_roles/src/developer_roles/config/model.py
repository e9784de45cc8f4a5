"""The data the stacks receive: the one place each configuration key is declared.

An attribute that a configuration key sets is declared with :func:`config_key`: the key, its
kind, its description and its default stand next to the attribute's name and type. The format
(:mod:`developer_roles.config.format`) builds the configuration's objects from these
declarations, so the checks, the defaults, the JSON Schema and the README's reference all come
from here. Adding a key is one line in one of these classes (``make config-schema``
regenerates the schema and the reference). Attributes without a key are derived by the loader
(which roles, their trust, their names).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from developer_role.iam_rules import (
    MAX_MANAGED_POLICIES_PER_ROLE,
    MAX_MANAGED_POLICIES_QUOTA,
    MAX_ROLES_PER_ACCOUNT,
    MAX_ROLES_QUOTA,
    MAX_SESSION_SECONDS,
    MAX_TRUST_POLICY_LENGTH,
    MAX_TRUST_POLICY_QUOTA,
    NAME_CHARS,
    PATH,
)
from developer_role.validation import mfa_age_error, session_duration_error
from developer_roles.config.fields import (
    ACCOUNT_ID,
    BOUNDARY,
    REGION_NAME,
    TAGS,
    parse_role_path,
    parse_role_prefix,
)
from developer_roles.config.schema import Boolean, Duration, Integer, ListOf, Text
from developer_roles.config.schema import key as config_key
from developer_roles.config.values import ConfigError, ManagedPolicyRef, PrincipalArn

__all__ = [
    "ConfigError",
    "ManagedPolicyRef",
    "PipelineSpec",
    "PrincipalArn",
    "RoleSettings",
    "RoleSpec",
    "RolesConfig",
    "StackSetSpec",
    "Target",
    "TrustSpec",
]


@dataclass(frozen=True)
class TrustSpec:
    """Who may assume a role: named principals, ARN patterns, an organisation."""

    principals: tuple[str, ...] = ()
    arn_patterns: tuple[str, ...] = ()
    org_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class RoleSettings:
    """Settings of every role: 'defaults' gives them, a principal or group may override each."""

    max_session_seconds: int = config_key(
        "maxSessionDuration",
        Duration(session_duration_error, 3600, MAX_SESSION_SECONDS),
        "longest session of the role: 1h to 12h",
        default=3600,
    )
    max_mfa_age_seconds: int = config_key(
        "maxMfaAge",
        Duration(mfa_age_error, 1, MAX_SESSION_SECONDS),
        "how old the MFA sign-in may be (aws:MultiFactorAuthAge): 1 second to 12h",
        default=3600,
    )
    require_source_identity: bool = config_key(
        "requireSourceIdentity",
        Boolean(),
        "callers must set a source identity (sts:SourceIdentity)",
        default=False,
    )
    allow_session_tags: bool = config_key(
        "allowSessionTags",
        Boolean(),
        "callers may pass session tags (sts:TagSession under the same MFA conditions), as "
        "mfa-assume --tag does",
        default=False,
    )
    permissions_boundary: str | None = config_key(
        "permissionsBoundary",
        BOUNDARY,
        "managed policy that bounds the role's permissions; null for none",
        nullable=True,
        default=None,
    )
    tags: Mapping[str, str] = config_key(
        "tags",
        TAGS,
        "tags on the role (IAM's tag rules; with the app's own tag at most 50 per role), "
        "added to those of 'defaults'",
        default={},
    )


@dataclass(frozen=True, kw_only=True)
class RoleSpec(RoleSettings):
    """Everything needed to declare one developer role.

    ``key`` identifies the role across configuration changes (the principal's ARN, or
    ``group/NAME`` for a team role); construct IDs and stack placement derive from it alone.
    """

    key: str
    construct_id: str
    label: str
    trust: TrustSpec
    partition: str
    role_name: str
    path: str
    managed_policies: tuple[ManagedPolicyRef, ...]
    principal: PrincipalArn | None = None
    mfa_serial: str | None = None


@dataclass(frozen=True)
class Target:
    """An account and region the developer roles are deployed to (either may be unknown)."""

    account: str | None = config_key(
        "account", ACCOUNT_ID, "the account the roles go to", required=True, absent=None
    )
    region: str | None = config_key(
        "region", REGION_NAME, "the region of its stacks", required=True, absent=None
    )


@dataclass(frozen=True, kw_only=True)
class PipelineSpec:
    """A CDK Pipelines pipeline that deploys the roles to every target as a stage."""

    connection_arn: str = config_key(
        "connectionArn",
        Text(
            "a CodeConnections ARN",
            r"arn:[a-z-]+:(?:codestar-connections|codeconnections):[\x21-\x7e]+",
        ),
        "the CodeConnections connection to the repository",
        required=True,
    )
    repository: str = config_key(
        "repository",
        Text("'owner/repository'", r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+"),
        "the repository",
        required=True,
    )
    branch: str = config_key(
        "branch", Text("a branch", r"[\x21-\x7e]{1,255}"), "the branch", required=True
    )
    account: str = config_key("account", ACCOUNT_ID, "the pipeline's account", required=True)
    region: str = config_key("region", REGION_NAME, "the pipeline's region", required=True)


@dataclass(frozen=True, kw_only=True)
class StackSetSpec:
    """A service-managed StackSet that rolls the roles out to organisational units."""

    organizational_unit_ids: tuple[str, ...] = config_key(
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
    )
    regions: tuple[str, ...] = config_key(
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
    )
    account: str | None = config_key(
        "account", ACCOUNT_ID, "the account of the StackSet stack", absent=None
    )
    region: str | None = config_key(
        "region", REGION_NAME, "the region of the StackSet stack", absent=None
    )


@dataclass(frozen=True, kw_only=True)
class RolesConfig:
    """The whole configuration, as the app and the operators' commands use it."""

    roles: tuple[RoleSpec, ...]
    targets: tuple[Target, ...]
    identity_account: str | None = config_key(
        "identityAccount",
        ACCOUNT_ID,
        "the account of the developers' IAM users (adds the identity side)",
        absent=None,
    )
    publish_profiles: bool = config_key(
        "publishProfiles",
        Boolean(),
        "with identityAccount: publish the developers' profiles as SSM parameters there, for "
        "mfa-assume setup",
        default=False,
    )
    role_prefix: str = config_key(
        "rolePrefix",
        Text("a role name prefix", f"[{NAME_CHARS}]{{0,63}}", parse=parse_role_prefix),
        "role name = prefix + principal name",
        default="PowerUser-",
    )
    path: str = config_key(
        "path",
        Text("an IAM path", PATH, max_length=512, parse=parse_role_path),
        "the roles' IAM path",
        default="/developers/",
    )
    max_roles_per_account: int = config_key(
        "maxRolesPerAccount",
        Integer(1, MAX_ROLES_QUOTA, "IAM's role quota per account can be raised to 5,000"),
        "the account's IAM role quota",
        default=MAX_ROLES_PER_ACCOUNT,
    )
    max_trust_policy_length: int = config_key(
        "maxTrustPolicyLength",
        Integer(
            1,
            MAX_TRUST_POLICY_QUOTA,
            "IAM's role trust policy length quota can be raised to 4,096 characters",
        ),
        "the account's trust policy length quota",
        default=MAX_TRUST_POLICY_LENGTH,
    )
    max_managed_policies_per_role: int = config_key(
        "maxManagedPoliciesPerRole",
        Integer(
            1,
            MAX_MANAGED_POLICIES_QUOTA,
            "IAM's quota of managed policies per role can be raised to 20",
        ),
        "the account's quota of managed policies per role (after a raise in Service Quotas)",
        default=MAX_MANAGED_POLICIES_PER_ROLE,
    )
    stack_count: int | None = config_key(
        "stackCount",
        Integer(1, 200, "the roles of one target go in 1 to 200 stacks"),
        "number of stacks per target (default: from the role quota)",
        absent=None,
    )
    pipeline: PipelineSpec | None = None
    stack_set: StackSetSpec | None = None

    @property
    def account(self) -> str | None:
        """The single target's account (None when there are several, or it is unknown)."""
        return self.targets[0].account if len(self.targets) == 1 else None
