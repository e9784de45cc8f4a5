"""The validated configuration, as immutable data."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


class ConfigError(ValueError):
    """A configuration with one or more problems; ``problems`` lists them all."""

    def __init__(self, problems: Sequence[str], source: str = "configuration") -> None:
        self.problems = list(problems)
        self.source = source
        super().__init__(self.report())

    def report(self, consequence: str = "nothing was synthesized") -> str:
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        lines = [f"{self.source}: {count} {noun}; {consequence}:"]
        lines += [f"  - {problem}" for problem in self.problems]
        return "\n".join(lines)


@dataclass(frozen=True)
class ManagedPolicyRef:
    """An AWS managed policy by name, or any managed policy by ARN."""

    name_or_arn: str
    reason: str | None = None

    @property
    def is_aws_managed(self) -> bool:
        return ":iam::aws:policy/" in self.name_or_arn or not self.name_or_arn.startswith("arn:")


@dataclass(frozen=True)
class PrincipalArn:
    arn: str
    partition: str
    account: str
    kind: str
    path: str
    name: str

    @property
    def construct_id(self) -> str:
        """An ID that derives from the principal alone: never from its position in a list.

        A space cannot occur in an IAM name or path, so the ID is unique per ARN.
        """
        parts = [self.kind.capitalize(), self.name, self.account, *self.path.strip("/").split("/")]
        if self.partition != "aws":
            parts.append(self.partition)
        return " ".join(part for part in parts if part)


@dataclass(frozen=True)
class TrustSpec:
    """Who may assume a role: named principals, ARN patterns, an organisation."""

    principals: tuple[str, ...] = ()
    arn_patterns: tuple[str, ...] = ()
    org_id: str | None = None


@dataclass(frozen=True)
class RoleSpec:
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
    max_session_seconds: int
    max_mfa_age_seconds: int
    require_source_identity: bool
    managed_policies: tuple[ManagedPolicyRef, ...]
    permissions_boundary: str | None
    tags: Mapping[str, str]
    principal: PrincipalArn | None = None
    mfa_serial: str | None = None


@dataclass(frozen=True)
class Target:
    """An account and region the developer roles are deployed to (either may be unknown)."""

    account: str | None = None
    region: str | None = None


@dataclass(frozen=True)
class PipelineSpec:
    """A CDK Pipelines pipeline that deploys the roles to every target as a stage."""

    connection_arn: str
    repository: str
    branch: str
    account: str
    region: str


@dataclass(frozen=True)
class StackSetSpec:
    """A service-managed StackSet that rolls the roles out to organisational units."""

    organizational_unit_ids: tuple[str, ...]
    regions: tuple[str, ...]
    account: str | None
    region: str | None


@dataclass(frozen=True)
class RolesConfig:
    roles: tuple[RoleSpec, ...]
    targets: tuple[Target, ...] = (Target(),)
    identity_account: str | None = None
    role_prefix: str = "PowerUser-"
    path: str = "/developers/"
    max_roles_per_account: int = 1000
    max_trust_policy_length: int = 2048
    stack_count: int | None = None
    pipeline: PipelineSpec | None = None
    stack_set: StackSetSpec | None = None

    @property
    def account(self) -> str | None:
        """The single target's account (None when there are several, or it is unknown)."""
        return self.targets[0].account if len(self.targets) == 1 else None
