"""Configuration loading and validation: every problem reported at once, each precisely."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from developer_roles.config import (
    ConfigError,
    load_config,
    parse_duration,
    parse_principal_arn,
    validate,
)

ALICE = "arn:aws:iam::123456789012:user/alice"
BOB = "arn:aws:iam::123456789012:user/bob"


def problems_of(raw: Any) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        validate(raw)
    return raised.value.problems


def test_minimal_configuration_gives_one_role_per_principal() -> None:
    config = validate({"principals": [ALICE, BOB]})
    assert [role.role_name for role in config.roles] == ["PowerUser-alice", "PowerUser-bob"]
    assert all(role.max_session_seconds == 3600 for role in config.roles)
    assert config.roles[0].managed_policies[0].name_or_arn == "PowerUserAccess"


def test_per_principal_overrides_apply_to_that_principal_only() -> None:
    config = validate(
        {
            "defaults": {"maxSessionDuration": "2h"},
            "principals": [
                ALICE,
                {
                    "arn": BOB,
                    "maxSessionDuration": "4h",
                    "extraManagedPolicies": [
                        {"policy": "ReadOnlyAccess", "reason": "reads billing data"},
                        "arn:aws:iam::123456789012:policy/team-extras",
                    ],
                },
            ],
        }
    )
    alice, bob = config.roles
    assert alice.max_session_seconds == 7200
    assert bob.max_session_seconds == 14400
    assert [p.name_or_arn for p in bob.managed_policies] == [
        "PowerUserAccess",
        "ReadOnlyAccess",
        "arn:aws:iam::123456789012:policy/team-extras",
    ]
    assert [p.name_or_arn for p in alice.managed_policies] == ["PowerUserAccess"]


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:iam::123456789012:user/alice",
        "arn:aws:iam::123456789012:role/platform/ci/deployer",
        "arn:aws-cn:iam::123456789012:user/zhang",
        "arn:aws-us-gov:iam::123456789012:role/admin",
    ],
)
def test_user_and_role_arns_in_any_partition_are_accepted(arn: str) -> None:
    principal, error = parse_principal_arn(arn)
    assert error is None
    assert principal is not None
    assert principal.arn == arn


@pytest.mark.parametrize(
    ("arn", "message"),
    [
        pytest.param("arn:aws:iam::123456789012:user/*", "has a wildcard", id="wildcard"),
        pytest.param("*", "has a wildcard", id="star"),
        pytest.param("123456789012", "trusts a whole account", id="bare-account"),
        pytest.param("arn:aws:iam::123456789012:root", "trusts a whole account", id="root"),
        pytest.param(
            "arn:aws:sts::123456789012:assumed-role/Admin/alice",
            "is a session, not a role",
            id="assumed-role-session",
        ),
        pytest.param("arn:aws:iam::12345:user/alice", "is not an IAM user or role ARN", id="short"),
        pytest.param(
            "arn:aws:iam::123456789012:group/devs", "is not an IAM user or role ARN", id="group"
        ),
        pytest.param(
            "arn:mars:iam::123456789012:user/x", "is not an IAM user or role ARN", id="partition"
        ),
    ],
)
def test_principal_that_is_not_one_user_or_role_is_refused(arn: str, message: str) -> None:
    principal, error = parse_principal_arn(arn)
    assert principal is None
    assert error is not None
    assert message in error


@pytest.mark.parametrize(
    ("value", "seconds"),
    [(3600, 3600), ("3600", 3600), ("90m", 5400), ("12h", 43200), ("45s", 45), ("2 h", 7200)],
)
def test_durations_read_as_seconds(value: object, seconds: int) -> None:
    assert parse_duration(value) == seconds


@pytest.mark.parametrize("value", ["an hour", "1d", "", True, 1.5, None])
def test_unreadable_duration_is_none(value: object) -> None:
    assert parse_duration(value) is None


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        pytest.param({"principals": []}, "principals: the list is empty", id="empty"),
        pytest.param({}, "principals: the list is empty", id="missing"),
        pytest.param(
            {"principals": [ALICE, ALICE.upper().replace("ARN:AWS:IAM", "arn:aws:iam")]},
            "principals[1]: 'arn:aws:iam::123456789012:USER/ALICE' is not an IAM user",
            id="bad-case-kind",
        ),
        pytest.param(
            {"principals": [ALICE, ALICE]},
            f"principals[1]: {ALICE!r} is listed twice (also principals[0])",
            id="duplicate",
        ),
        pytest.param(
            {"principals": [ALICE], "principal": []},
            "principal: unknown key; did you mean 'principals'?",
            id="typo-top",
        ),
        pytest.param(
            {"principals": [{"arn": ALICE, "maxSessionDurations": "2h"}]},
            "principals[0].maxSessionDurations: unknown key; did you mean 'maxSessionDuration'?",
            id="typo-principal",
        ),
        pytest.param(
            {"principals": [{"arn": ALICE, "maxSessionDuration": "13h"}]},
            "principals[0].maxSessionDuration: 46800 seconds is out of range",
            id="duration-range",
        ),
        pytest.param(
            {"defaults": {"maxSessionDuration": "soon"}, "principals": [ALICE]},
            "defaults.maxSessionDuration: 'soon' is not a duration",
            id="duration-unreadable",
        ),
        pytest.param(
            {"principals": [f"arn:aws:iam::123456789012:user/{'a' * 60}"]},
            "is 70 characters long; IAM allows at most 64 (derived from rolePrefix 'PowerUser-'",
            id="derived-name-too-long",
        ),
        pytest.param(
            {"principals": [{"arn": ALICE, "roleName": "x" * 65}]},
            "principals[0].roleName: ",
            id="explicit-name-too-long",
        ),
        pytest.param(
            {"principals": [ALICE, "arn:aws:iam::210987654321:user/alice"]},
            "principals[1]: role name 'PowerUser-alice' is also the role name of principals[0]",
            id="derived-name-collision",
        ),
        pytest.param(
            {"principals": [{"arn": ALICE, "extraManagedPolicies": ["AdministratorAccess"]}]},
            "AWS managed policy 'AdministratorAccess' needs a 'reason'",
            id="aws-managed-without-reason",
        ),
        pytest.param(
            {"account": "1234", "principals": [ALICE]},
            "account: '1234' is not a 12-digit AWS account ID",
            id="account",
        ),
        pytest.param(
            {"path": "developers", "principals": [ALICE]},
            "path: 'developers' is not an IAM path",
            id="path",
        ),
        pytest.param(
            {"principals": [{"arn": ALICE, "mfaSerial": "arn:aws:iam::123456789012:user/alice"}]},
            "principals[0].mfaSerial: 'arn:aws:iam::123456789012:user/alice' is not an MFA device",
            id="mfa-serial-is-a-user",
        ),
        pytest.param(
            {"principals": [{"arn": ALICE, "requireSourceIdentity": "yes"}]},
            "principals[0].requireSourceIdentity: 'yes' must be true or false",
            id="bool",
        ),
    ],
)
def test_each_mistake_is_named(raw: Any, message: str) -> None:
    problems = problems_of(raw)
    assert any(message in problem for problem in problems), problems


def test_five_mistakes_are_reported_together() -> None:
    raw = {
        "principals": [
            "arn:aws:iam::123456789012:user/*",
            "123456789012",
            ALICE,
            ALICE,
            {"arn": BOB, "maxSessionDuraton": "2h", "maxMfaAge": "13h"},
        ]
    }
    problems = problems_of(raw)
    assert len(problems) == 5
    report = ConfigError(problems).report()
    assert report.startswith("configuration: 5 problems; nothing was synthesized:")
    for fragment in ["wildcard", "whole account", "listed twice", "maxSessionDuraton", "maxMfaAge"]:
        assert fragment in report


def test_configuration_file_in_yaml(tmp_path: Path) -> None:
    (tmp_path / "devs.yaml").write_text(
        f"principals:\n  - {ALICE}\n  - arn: {BOB}\n    maxSessionDuration: 2h\n"
    )
    config = load_config(None, "devs.yaml", tmp_path)
    assert [r.max_session_seconds for r in config.roles] == [3600, 7200]


def test_configuration_file_in_json_overrides_the_context(tmp_path: Path) -> None:
    (tmp_path / "devs.json").write_text(json.dumps({"principals": [BOB]}))
    config = load_config({"principals": [ALICE]}, "devs.json", tmp_path)
    assert [r.key for r in config.roles] == [BOB]


def test_context_given_as_json_text_on_the_command_line(tmp_path: Path) -> None:
    config = load_config(json.dumps({"principals": [ALICE]}), None, tmp_path)
    assert config.roles[0].key == ALICE


@pytest.mark.parametrize(
    ("file_text", "message"),
    [("principals: [", "cannot parse the file"), (None, "cannot read the file")],
)
def test_unreadable_configuration_file(tmp_path: Path, file_text: str | None, message: str) -> None:
    if file_text is not None:
        (tmp_path / "devs.yaml").write_text(file_text)
    with pytest.raises(ConfigError) as raised:
        load_config(None, "devs.yaml", tmp_path)
    assert message in raised.value.problems[0]


def test_missing_configuration_says_where_to_put_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"set 'developerRoles' in cdk\.json"):
        load_config(None, None, tmp_path)
