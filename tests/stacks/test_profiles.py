"""The profiles synthesis writes: session lengths STS allows, one code where it can be shared,
and the MFA device wherever it is known (team roles too)."""

from __future__ import annotations

import configparser
from typing import Any

import pytest

from developer_roles.config import validate
from stacks.profiles import render_profiles

ACCOUNT = "123456789012"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"
BOB = f"arn:aws:iam::{ACCOUNT}:user/bob"
ALICE_MFA = f"arn:aws:iam::{ACCOUNT}:mfa/alice"
BOB_MFA = f"arn:aws:iam::{ACCOUNT}:mfa/bob"


def profiles_for(raw: dict[str, Any]) -> tuple[str, configparser.RawConfigParser]:
    config = validate({"targets": [{"account": ACCOUNT, "region": "eu-west-2"}], **raw})
    text = render_profiles(config.roles, config.targets)
    parser = configparser.RawConfigParser()
    parser.read_string(text)
    return text, parser


def section_text(text: str, name: str) -> str:
    """The lines from ``[profile name]``'s comment block to the next blank line."""
    start = text.index(f"[profile {name}]")
    return text[start : text.index("\n\n", start)]


def test_four_hour_role_asks_for_four_hours_and_says_it_asks_for_its_own_code():
    text, parser = profiles_for(
        {"principals": [{"arn": ALICE, "mfaSerial": ALICE_MFA, "maxSessionDuration": "4h"}]}
    )
    profile = parser["profile alice-power-user-mfa"]
    assert profile["duration_seconds"] == "14400"
    assert profile["mfa_max_age"] == "3600"
    comment = section_text(text, "alice-power-user-mfa")
    assert "asks for an MFA code of its own" in comment
    assert "role chaining" in comment
    assert "duration_seconds = 3600 instead shares the one code" in comment


def test_one_hour_role_has_no_such_comment():
    text, parser = profiles_for({"principals": [{"arn": ALICE, "mfaSerial": ALICE_MFA}]})
    assert parser["profile alice-power-user-mfa"]["duration_seconds"] == "3600"
    assert "asks for an MFA code of its own" not in text


@pytest.mark.parametrize(
    ("members", "serial_line", "comments"),
    [
        pytest.param([ALICE], f"mfa_serial = {ALICE_MFA}", [], id="one-known-member"),
        pytest.param(
            [ALICE, BOB],
            None,
            [f"# mfa_serial = {ALICE_MFA}  (alice)", f"# mfa_serial = {BOB_MFA}  (bob)"],
            id="two-known-members-each-line-commented",
        ),
    ],
)
def test_team_profile_gets_its_members_mfa_serial(members, serial_line, comments):
    text, parser = profiles_for(
        {
            "principals": [
                {"arn": ALICE, "mfaSerial": ALICE_MFA},
                {"arn": BOB, "mfaSerial": BOB_MFA},
            ],
            "groups": [{"name": "payments", "principals": members}],
        }
    )
    team = parser["profile payments-team-power-user-mfa"]
    assert team.get("mfa_serial") == (serial_line.split(" = ")[1] if serial_line else None)
    block = section_text(text, "payments-team-power-user-mfa")
    for line in comments:
        assert line in block


def test_team_profile_without_known_devices_has_no_serial():
    _, parser = profiles_for({"groups": [{"name": "ops", "principals": [ALICE]}]})
    assert "mfa_serial" not in parser["profile ops-team-power-user-mfa"]


# ---- mfa-assume setup: the metadata lines, the team bug, the published copy ----------------

OTHER = "210987654321"
CAROL = f"arn:aws:iam::{OTHER}:user/carol"
DAVE = f"arn:aws:iam::{OTHER}:user/dave"
DAVE_MFA = f"arn:aws:iam::{OTHER}:mfa/dave"


def test_team_of_two_where_only_one_has_a_device_keeps_that_device_commented():
    config = validate(
        {
            "targets": [{"account": OTHER, "region": "eu-central-1"}],
            "principals": [{"arn": CAROL}, {"arn": DAVE, "mfaSerial": DAVE_MFA}],
            "groups": [{"name": "payments", "principals": [CAROL, DAVE]}],
        }
    )
    text = render_profiles(config.roles, config.targets)
    parser = configparser.RawConfigParser()
    parser.read_string(text)
    assert "mfa_serial" not in parser["profile payments-team-power-user-mfa"]
    block = section_text(text, "payments-team-power-user-mfa")
    assert f"# mfa_serial = {DAVE_MFA}  (dave)" in block
    assert parser["profile dave-power-user-mfa"]["mfa_serial"] == DAVE_MFA


def test_each_role_carries_a_setup_line_the_helper_reads():
    from mfa_assume import setup
    from stacks.profiles import SETUP_MARKER

    assert SETUP_MARKER == setup.MARKER
    config = validate(
        {
            "targets": [{"account": OTHER, "region": "eu-central-1"}],
            "principals": [{"arn": CAROL}, {"arn": DAVE, "mfaSerial": DAVE_MFA}],
            "groups": [
                {"name": "payments", "principals": [CAROL, DAVE]},
                {"name": "ops", "principalArnPatterns": [f"arn:aws:iam::{OTHER}:user/ops-*"]},
            ],
        }
    )
    entries = setup.parse(render_profiles(config.roles, config.targets), "cdk.out")
    by_name = {entry.profiles[0].name: entry.trust for entry in entries}
    assert by_name["payments-team-power-user-mfa"].principals == (CAROL, DAVE)
    assert by_name["payments-team-power-user-mfa"].serials == {DAVE: DAVE_MFA}
    assert by_name["ops-team-power-user-mfa"].patterns == (f"arn:aws:iam::{OTHER}:user/ops-*",)
    assert by_name["dave-power-user-mfa"].principals == (DAVE,)


def many_principals(count: int) -> dict[str, Any]:
    return {
        "targets": [{"account": OTHER, "region": "eu-central-1"}],
        "principals": [
            {
                "arn": f"arn:aws:iam::{OTHER}:user/dev{n:04d}",
                "mfaSerial": f"arn:aws:iam::{OTHER}:mfa/dev{n:04d}",
            }
            for n in range(count)
        ],
    }


def test_published_values_are_standard_parameters_the_helper_decodes_and_stable():
    from mfa_assume import published
    from stacks.profiles import MAX_PARAMETER_VALUE, PUBLISHED_PATH, published_values

    assert PUBLISHED_PATH == published.PATH
    config = validate(many_principals(1000))
    text = render_profiles(config.roles, config.targets)
    values = published_values(text)
    assert all(len(value) <= MAX_PARAMETER_VALUE for value in values)
    assert 1 < len(values) < 100, len(values)  # 1,000 principals: tens of parameters
    assert published.decode(values, "test") == text
    assert published_values(text) == values  # no time stamp: a new synth changes nothing


def test_identity_stack_publishes_the_profiles_readable_by_the_developers_group():
    from aws_cdk import App, Environment
    from aws_cdk.assertions import Match, Template

    from stacks.identity_stack import IdentityAccessStack
    from stacks.profiles import published_values

    config = validate({**many_principals(3), "identityAccount": OTHER})
    text = render_profiles(config.roles, config.targets)
    stack = IdentityAccessStack(
        App(),
        "Identity",
        config=config,
        profiles=text,
        env=Environment(account=OTHER, region="eu-central-1"),
    )
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::SSM::Parameter",
        {
            "Name": "/developer-roles/profiles/000",
            "Type": "String",
            "Tier": "Standard",
            "Value": published_values(text)[0],
        },
    )
    template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Action": "ssm:GetParametersByPath",
                                "Resource": Match.any_value(),
                            }
                        )
                    ]
                )
            },
            "Groups": Match.any_value(),
        },
    )
    policies = template.find_resources("AWS::IAM::Policy")
    (statement,) = [
        s
        for p in policies.values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if s["Action"] == "ssm:GetParametersByPath"
    ]
    resource = stack.resolve(statement["Resource"])
    assert "parameter/developer-roles/profiles" in str(resource)
    assert "*" not in str(resource)


def test_publishing_without_an_identity_account_fails_synthesis():
    from aws_cdk import App

    from developer_roles.config.model import ConfigError
    from stacks.app_builder import build_app

    config = validate({**many_principals(1), "publishProfiles": True})
    with pytest.raises(ConfigError, match=r"publishProfiles: .* set identityAccount too"):
        build_app(App(), config)
