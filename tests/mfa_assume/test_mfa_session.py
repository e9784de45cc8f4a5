"""One code for all roles: the MFA session is reused only while each role still accepts it."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest

from mfa_assume import cache, flow, mfa_session
from mfa_assume.credentials import Credentials
from mfa_assume.errors import ExitCode, HelperError
from mfa_assume.request import Options, Request, build_request

from .conftest import (
    ACCOUNT,
    MFA_KEY_ID,
    NOW,
    SERIAL,
    CodeTyped,
    make_creds,
)

OTHER_ROLE = "arn:aws:iam::210987654321:role/developers/PowerUser-alice"


def config(max_age: str = "3600", serial: bool = True) -> str:
    """Two role profiles in two accounts, as synthesis writes them (with mfa_max_age)."""
    text = ""
    for name, arn in (
        ("one", f"arn:aws:iam::{ACCOUNT}:role/developers/PowerUser-alice"),
        ("two", OTHER_ROLE),
    ):
        text += (
            f"[profile {name}]\nrole_arn = {arn}\nsource_profile = default\n"
            f"duration_seconds = 3600\nmfa_max_age = {max_age}\n"
        )
        if serial:
            text += f"mfa_serial = {SERIAL}\n"
    return text


def session_at(authenticated: dt.datetime, lasts: dt.timedelta = dt.timedelta(hours=1)):
    creds = Credentials(MFA_KEY_ID, "s", "t", authenticated + lasts)
    return mfa_session.MfaSession(creds, authenticated, "arn:aws:iam::1:user/alice", SERIAL)


@pytest.mark.parametrize(
    ("age", "max_age", "accepted"),
    [
        pytest.param(0, 3600, True, id="new"),
        pytest.param(3539, 3600, True, id="just-inside-the-margin"),
        pytest.param(3540, 3600, False, id="a-minute-before-the-role-would-refuse"),
        pytest.param(3600, 3600, False, id="at-the-maximum"),
        pytest.param(7200, 3600, False, id="past-the-maximum"),
        pytest.param(74, 100, True, id="short-maximum-quarter-margin"),
        pytest.param(75, 100, False, id="short-maximum-at-its-margin"),
    ],
)
def test_session_is_used_only_while_the_role_accepts_its_age(age, max_age, accepted):
    session = session_at(NOW - dt.timedelta(seconds=age), lasts=dt.timedelta(hours=12))
    reason = mfa_session.refusal(session, max_age, NOW)
    assert (reason is None) is accepted
    if reason is not None:
        assert f"this role accepts at most {max_age} s (mfa_max_age)" in reason


def test_expired_session_is_not_used():
    session = session_at(NOW - dt.timedelta(seconds=10), lasts=dt.timedelta(seconds=30))
    assert "expired" in str(mfa_session.refusal(session, 3600, NOW))


@pytest.mark.parametrize(("max_age", "duration"), [(60, 900), (3600, 3600), (43_200, 43_200)])
def test_session_lasts_no_longer_than_it_is_useful(max_age, duration):
    assert mfa_session.duration_for(max_age) == duration


def test_stored_session_reads_back(tmp_path):
    session = session_at(NOW)
    path = str(tmp_path / "c" / "s.json")
    mfa_session.store(path, session)
    assert mfa_session.load(path) == session


@pytest.mark.parametrize(
    "text",
    [
        pytest.param('{"Version": 1}', id="no-credentials"),
        pytest.param("[1, 2]", id="not-an-object"),
        pytest.param("not json", id="not-json"),
    ],
)
def test_damaged_session_entry_is_ignored(tmp_path, text):
    path = tmp_path / "s.json"
    path.write_text(text)
    path.chmod(0o600)
    assert mfa_session.load(str(path)) is None


def test_session_entry_without_its_time_is_ignored(tmp_path):
    path = str(tmp_path / "s.json")
    cache.store(path, make_creds(), CallerArn="x", SerialNumber=SERIAL)
    assert mfa_session.load(path) is None


def _deps(
    make_deps: Any, env: dict[str, str], stubs: Any, codes: list[str], clock: Any = lambda: NOW
) -> tuple[flow.Deps, CodeTyped]:
    tty = CodeTyped(*codes)
    return make_deps(env, stubs.factory, tty=tty, clock=clock), tty


def _request(env: dict[str, str], profile: str, **options: Any) -> Request:
    return build_request(Options(profile=profile, **options), env)


def test_one_code_then_no_code_for_a_role_in_another_account(aws_home, stubs, make_deps):
    env = aws_home(config=config())
    deps, tty = _deps(make_deps, env, stubs, ["111111"])
    stubs.identity()
    stubs.session_token({"SerialNumber": SERIAL, "TokenCode": "111111", "DurationSeconds": 3600})
    role_params = {"RoleSessionName": "alice", "DurationSeconds": 3600, "SourceIdentity": "alice"}
    stubs.assume_with_session(
        {"RoleArn": f"arn:aws:iam::{ACCOUNT}:role/developers/PowerUser-alice", **role_params}
    )
    stubs.assume_with_session({"RoleArn": OTHER_ROLE, **role_params})

    flow.obtain(_request(env, "one"), deps)
    flow.obtain(_request(env, "two"), deps)

    assert tty.asked == [SERIAL]  # one code for both roles
    assert [c.access_key_id for c in stubs.signed_by] == [MFA_KEY_ID, MFA_KEY_ID]


def test_new_code_just_before_a_role_would_refuse_the_session(aws_home, stubs, make_deps):
    env = aws_home(config=config())
    later = NOW + dt.timedelta(seconds=3550)
    clock = [NOW]
    deps, tty = _deps(make_deps, env, stubs, ["111111", "222222"], clock=lambda: clock[0])
    stubs.identity()
    stubs.session_token({"SerialNumber": SERIAL, "TokenCode": "111111", "DurationSeconds": 3600})
    stubs.assume_with_session(
        {
            "RoleArn": OTHER_ROLE,
            "RoleSessionName": "alice",
            "DurationSeconds": 3600,
            "SourceIdentity": "alice",
        }
    )
    flow.obtain(_request(env, "two"), deps)

    clock[0] = later
    stubs.identity()
    stubs.session_token(
        {"SerialNumber": SERIAL, "TokenCode": "222222", "DurationSeconds": 3600},
        expires=later + dt.timedelta(hours=1),
    )
    stubs.assume_with_session(
        {
            "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/developers/PowerUser-alice",
            "RoleSessionName": "alice",
            "DurationSeconds": 3600,
            "SourceIdentity": "alice",
        }
    )
    flow.obtain(_request(env, "one"), deps)

    assert tty.asked == [SERIAL, SERIAL]
    stderr = deps.stderr
    assert isinstance(stderr, io.StringIO)
    assert "your MFA session is 3550 s old and this role accepts at most 3600 s" in (
        stderr.getvalue()
    )


def test_no_mfa_session_flag_sends_the_code_with_assume_role(aws_home, stubs, make_deps):
    env = aws_home(config=config())
    deps, typed = _deps(make_deps, env, stubs, ["333333"])
    stubs.identity()
    stubs.assume(
        {
            "RoleArn": OTHER_ROLE,
            "RoleSessionName": "alice",
            "DurationSeconds": 3600,
            "SourceIdentity": "alice",
            "SerialNumber": SERIAL,
            "TokenCode": "333333",
        }
    )
    flow.obtain(_request(env, "two", no_mfa_session=True), deps)
    assert stubs.signed_by == []
    assert typed.asked == [SERIAL]


def test_profile_without_mfa_max_age_keeps_the_plain_assume_role(aws_home, stubs, make_deps):
    env = aws_home()  # the profile of an earlier synthesis: no mfa_max_age
    request = _request(env, "alice-power-user-mfa")
    assert request.use_mfa_session is False


def test_caller_without_an_mfa_device_falls_back_to_plain_assume_role(aws_home, stubs, make_deps):
    env = aws_home(config=config(serial=False))
    deps, tty = _deps(make_deps, env, stubs, [])
    stubs.identity()
    stubs.devices()  # none
    stubs.identity()
    stubs.devices()
    stubs.assume(
        {
            "RoleArn": OTHER_ROLE,
            "RoleSessionName": "alice",
            "DurationSeconds": 3600,
            "SourceIdentity": "alice",
        }
    )
    flow.obtain(_request(env, "two"), deps)
    assert tty.asked == []
    assert stubs.signed_by == []


def test_temporary_base_credentials_send_the_code_with_assume_role(aws_home, stubs, make_deps):
    """STS refuses GetSessionToken for session credentials (SSO, an assumed role)."""
    import dataclasses

    env = aws_home(config=config())
    stubs.factory.clients = dataclasses.replace(stubs.clients, temporary=True)
    deps, typed = _deps(make_deps, env, stubs, ["444444"])
    stubs.identity()
    stubs.assume(
        {
            "RoleArn": OTHER_ROLE,
            "RoleSessionName": "alice",
            "DurationSeconds": 3600,
            "SourceIdentity": "alice",
            "SerialNumber": SERIAL,
            "TokenCode": "444444",
        }
    )
    flow.obtain(_request(env, "two"), deps)
    assert typed.asked == [SERIAL]
    assert stubs.signed_by == []


def test_role_longer_than_an_hour_sends_its_own_code_and_an_hour_role_keeps_the_session(
    aws_home, stubs, make_deps
):
    """STS limits AssumeRole signed by an MFA session (role chaining) to one hour: a 4-hour
    request never goes through the session, a 1-hour one still does."""
    four_hours = config().replace(
        "[profile two]\nrole_arn = " + OTHER_ROLE + "\nsource_profile = default\n"
        "duration_seconds = 3600",
        "[profile two]\nrole_arn = " + OTHER_ROLE + "\nsource_profile = default\n"
        "duration_seconds = 14400",
    )
    env = aws_home(config=four_hours)
    deps, tty = _deps(make_deps, env, stubs, ["111111", "222222"])
    stubs.identity()
    stubs.session_token({"SerialNumber": SERIAL, "TokenCode": "111111", "DurationSeconds": 3600})
    stubs.assume_with_session(
        {
            "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/developers/PowerUser-alice",
            "RoleSessionName": "alice",
            "DurationSeconds": 3600,
            "SourceIdentity": "alice",
        }
    )
    stubs.identity()
    stubs.assume(
        {
            "RoleArn": OTHER_ROLE,
            "RoleSessionName": "alice",
            "DurationSeconds": 14400,
            "SourceIdentity": "alice",
            "SerialNumber": SERIAL,
            "TokenCode": "222222",
        },
        expires=NOW + dt.timedelta(hours=4),
    )
    flow.obtain(_request(env, "one"), deps)
    long = flow.obtain(_request(env, "two"), deps)

    assert tty.asked == [SERIAL, SERIAL]
    assert [c.access_key_id for c in stubs.signed_by] == [MFA_KEY_ID]  # only the 1-hour role
    assert long.credentials.seconds_left(NOW) == 4 * 3600
    stderr = deps.stderr
    assert isinstance(stderr, io.StringIO)
    assert stderr.getvalue().splitlines() == [  # said once, for the 4-hour role only
        "mfa-assume: PowerUser-alice: 4h is longer than an MFA session can give (role chaining "
        "is limited to 1 hour), so this role asks for its own code"
    ]


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(14400, "4h"), (5400, "1h30m"), (900, "15m"), (43200, "12h"), (3601, "3601 s")],
    ids=["hours", "hours-and-minutes", "minutes", "maximum", "odd-seconds"],
)
def test_duration_is_said_as_it_is_written(seconds, text):
    assert mfa_session.duration_text(seconds) == text


def test_a_given_code_needs_no_note(aws_home, stubs, make_deps):
    env = aws_home(config=config())
    deps, tty = _deps(make_deps, env, stubs, [])
    stubs.identity()
    stubs.assume(
        {
            "RoleArn": OTHER_ROLE,
            "RoleSessionName": "alice",
            "DurationSeconds": 14400,
            "SourceIdentity": "alice",
            "SerialNumber": SERIAL,
            "TokenCode": "555555",
        }
    )
    flow.obtain(_request(env, "two", duration_seconds="4h", token_code="555555"), deps)
    assert tty.asked == []
    stderr = deps.stderr
    assert isinstance(stderr, io.StringIO)
    assert stderr.getvalue() == ""


def test_temporary_base_credentials_and_more_than_an_hour_fail_before_any_call(
    aws_home, stubs, make_deps
):
    import dataclasses

    env = aws_home(config=config())
    stubs.factory.clients = dataclasses.replace(stubs.clients, temporary=True)
    deps, typed = _deps(make_deps, env, stubs, ["444444"])
    with pytest.raises(HelperError) as caught:
        flow.obtain(_request(env, "two", duration_seconds="4h"), deps)
    assert caught.value.code == ExitCode.DURATION_TOO_LONG
    assert "role chaining" in caught.value.message
    assert "--duration-seconds 1h" in caught.value.message
    assert typed.asked == []  # stubs with no expected call: nothing was sent


def test_team_profile_without_serial_shares_the_session_of_a_profile_with_one(
    aws_home, stubs, make_deps
):
    """The session is the caller's, whichever device made it: no second code, no listing."""
    text = config().replace(f"mfa_serial = {SERIAL}\n", "", 1)  # profile "one" has none
    env = aws_home(config=text)
    deps, tty = _deps(make_deps, env, stubs, ["111111"])
    stubs.identity()
    stubs.session_token({"SerialNumber": SERIAL, "TokenCode": "111111", "DurationSeconds": 3600})
    params = {"RoleSessionName": "alice", "DurationSeconds": 3600, "SourceIdentity": "alice"}
    stubs.assume_with_session({"RoleArn": OTHER_ROLE, **params})
    stubs.assume_with_session(
        {"RoleArn": f"arn:aws:iam::{ACCOUNT}:role/developers/PowerUser-alice", **params}
    )
    flow.obtain(_request(env, "two"), deps)
    flow.obtain(_request(env, "one"), deps)
    assert tty.asked == [SERIAL]


def test_session_tags_are_sent_with_assume_role_through_the_session(aws_home, stubs, make_deps):
    text = config().replace(
        "mfa_max_age = 3600\n", "mfa_max_age = 3600\nsession_tags = team=blue\n"
    )
    env = aws_home(config=text)
    deps, _ = _deps(make_deps, env, stubs, ["111111"])
    stubs.identity()
    stubs.session_token({"SerialNumber": SERIAL, "TokenCode": "111111", "DurationSeconds": 3600})
    stubs.assume_with_session(
        {
            "RoleArn": OTHER_ROLE,
            "RoleSessionName": "alice",
            "DurationSeconds": 3600,
            "SourceIdentity": "alice",
            "Tags": [{"Key": "team", "Value": "blue"}, {"Key": "cost-centre", "Value": "42"}],
        }
    )
    flow.obtain(_request(env, "two", tags=("cost-centre=42",)), deps)
