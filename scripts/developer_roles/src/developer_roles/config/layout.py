"""Which stack holds which role: deterministic, and stable as principals come and go.

CloudFormation allows 500 resources and 200 outputs per stack. A developer role costs one
resource and one output, so a stack holds at most :data:`ROLES_PER_STACK` of them. A
configuration that fits in one stack gets one stack. A larger one is spread over a fixed number
of shards chosen from the account's role quota (or ``stackCount``), and each role goes to the
shard that a hash of its key picks, so adding or removing a principal never moves another.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass

from developer_roles.config.model import ConfigError, RolesConfig, RoleSpec, Target

# The identity stack (one group for the developers, in the identity account) and its group.
IDENTITY_STACK_NAME = "DeveloperRoleAccess"
GROUP_NAME = "PowerUserDevelopers"

BASE_NAME = "DeveloperRoles"
# CloudFormation's limits per stack (a template read from S3 may have up to 1 MB).
MAX_RESOURCES = 500
MAX_OUTPUTS = 200
MAX_TEMPLATE_BYTES = 1_000_000
# One output per role; the rest is headroom for a stack's own outputs.
ROLES_PER_STACK = MAX_OUTPUTS - 20
# Shards are sized for this many roles on average, leaving room for uneven hashing.
ROLES_PER_SHARD_TARGET = 150


@dataclass(frozen=True)
class StackPlan:
    name: str
    target: Target
    roles: tuple[RoleSpec, ...]


def shard_count(config: RolesConfig) -> int:
    if config.stack_count is not None:
        return config.stack_count
    if len(config.roles) <= ROLES_PER_STACK:
        return 1
    return math.ceil(config.max_roles_per_account / ROLES_PER_SHARD_TARGET)


def shard_of(key: str, count: int) -> int:
    digest = hashlib.sha256(key.lower().encode()).digest()
    return int.from_bytes(digest[:8], "big") % count


def base_name(target: Target, targets: Sequence[Target]) -> str:
    if len(targets) == 1:
        return BASE_NAME
    return f"{BASE_NAME}-{target.account}-{target.region}"


def plan_stacks(config: RolesConfig) -> list[StackPlan]:
    """One plan per (target, non-empty shard), or a :class:`ConfigError` if a shard overflows."""
    count = shard_count(config)
    shards: dict[int, list[RoleSpec]] = {}
    for spec in config.roles:
        shards.setdefault(shard_of(spec.key, count) if count > 1 else 0, []).append(spec)
    overflowing = {
        shard: len(roles) for shard, roles in shards.items() if len(roles) > ROLES_PER_STACK
    }
    if overflowing:
        needed = math.ceil(len(config.roles) / ROLES_PER_SHARD_TARGET)
        details = ", ".join(f"shard {s:02d} has {n}" for s, n in sorted(overflowing.items()))
        raise ConfigError(
            [
                f"roles do not fit in {count} stack(s) of at most {ROLES_PER_STACK} roles "
                f"({details}); set stackCount to {max(needed, count + 1)} or more (this moves "
                "roles between stacks once: deploy in a maintenance window)"
            ]
        )
    plans = []
    for target in config.targets:
        base = base_name(target, config.targets)
        for shard in sorted(shards):
            name = base if count == 1 else f"{base}-{shard:02d}"
            plans.append(StackPlan(name, target, tuple(shards[shard])))
    return plans
