"""Spreading roles over stacks: within CloudFormation's limits, and stable as principals change."""

from __future__ import annotations

import random
from typing import Any

import pytest

from developer_roles.config import ConfigError, validate
from developer_roles.config.layout import ROLES_PER_STACK, plan_stacks


def principals(count: int, start: int = 0) -> list[str]:
    return [f"arn:aws:iam::123456789012:user/dev{i:05d}" for i in range(start, start + count)]


def placement(raw: dict[str, Any]) -> dict[str, str]:
    return {spec.key: plan.name for plan in plan_stacks(validate(raw)) for spec in plan.roles}


def test_a_configuration_that_fits_gets_one_stack() -> None:
    plans = plan_stacks(validate({"principals": principals(ROLES_PER_STACK)}))
    assert [plan.name for plan in plans] == ["DeveloperRoles"]


def test_a_large_configuration_is_spread_within_the_per_stack_limit() -> None:
    plans = plan_stacks(validate({"principals": principals(1000)}))
    assert len(plans) == 7  # 1,000-role quota / 150 roles per shard
    assert all(len(plan.roles) <= ROLES_PER_STACK for plan in plans)
    assert sum(len(plan.roles) for plan in plans) == 1000


def test_five_thousand_principals_fit_with_the_raised_quota() -> None:
    plans = plan_stacks(validate({"maxRolesPerAccount": 5000, "principals": principals(5000)}))
    assert len(plans) == 34
    assert max(len(plan.roles) for plan in plans) <= ROLES_PER_STACK


def test_adding_and_removing_principals_never_moves_another() -> None:
    everyone = principals(1200)
    before = placement({"maxRolesPerAccount": 2000, "principals": everyone})
    rng = random.Random(7)
    kept = rng.sample(everyone, 900)
    after = placement({"maxRolesPerAccount": 2000, "principals": kept + principals(300, 5000)})
    assert all(after[arn] == before[arn] for arn in kept)


def test_reordering_principals_never_moves_any() -> None:
    everyone = principals(400)
    shuffled = everyone[:]
    random.Random(3).shuffle(shuffled)
    assert placement({"principals": everyone}) == placement({"principals": shuffled})


def test_stack_count_can_be_pinned() -> None:
    plans = plan_stacks(validate({"stackCount": 4, "principals": principals(10)}))
    assert {plan.name for plan in plans} <= {f"DeveloperRoles-{n:02d}" for n in range(4)}


def test_a_pinned_stack_count_too_small_for_the_roles_fails_with_the_way_out() -> None:
    with pytest.raises(ConfigError, match="set stackCount to 2 or more"):
        plan_stacks(validate({"stackCount": 1, "principals": principals(200)}))


def test_every_target_gets_its_own_stacks() -> None:
    raw = {
        "targets": [
            {"account": "111111111111", "region": "eu-west-1"},
            {"account": "222222222222", "region": "us-east-1"},
        ],
        "principals": principals(3),
    }
    names = sorted(plan.name for plan in plan_stacks(validate(raw)))
    assert names == [
        "DeveloperRoles-111111111111-eu-west-1",
        "DeveloperRoles-222222222222-us-east-1",
    ]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        pytest.param(
            {"principals": principals(1001)},
            "1001 developer roles exceed the IAM quota of 1000 roles per account "
            "(maxRolesPerAccount); raise the account's quota in Service Quotas",
            id="default-quota",
        ),
        pytest.param(
            {"maxRolesPerAccount": 5001, "principals": principals(1)},
            "maxRolesPerAccount: 5001 is out of range",
            id="quota-above-iam-maximum",
        ),
        pytest.param(
            {"groups": [{"name": "everyone", "principals": principals(50)}]},
            "over IAM's quota of 2048 (maxTrustPolicyLength); split the group, match its "
            "members with 'principalArnPatterns', or raise the quota (at most 4,096)",
            id="trust-policy-length",
        ),
    ],
)
def test_account_limits_fail_synthesis_naming_the_limit(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        validate(raw)
    assert any(message in problem for problem in raised.value.problems), raised.value.problems


def test_a_raised_trust_policy_quota_admits_a_larger_group() -> None:
    config = validate(
        {
            "maxTrustPolicyLength": 4096,
            "groups": [{"name": "everyone", "principals": principals(50)}],
        }
    )
    assert len(config.roles[0].trust.principals) == 50
