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
