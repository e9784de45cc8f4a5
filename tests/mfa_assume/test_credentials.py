from __future__ import annotations

import datetime as dt

import pytest

from mfa_assume.credentials import Credentials

from .conftest import NOW, TEMP_SECRET, TEMP_TOKEN, make_creds


def test_repr_shows_no_secret():
    text = repr(make_creds())
    assert TEMP_SECRET not in text
    assert TEMP_TOKEN not in text
    assert "ASIATEMPORARYKEY0001" in text


def test_round_trip_through_dict_keeps_every_field():
    creds = make_creds()
    assert Credentials.from_dict(creds.to_dict()) == creds


def test_expiration_is_iso_utc_with_z():
    paris = dt.timezone(dt.timedelta(hours=1))
    creds = make_creds(expires=dt.datetime(2026, 1, 1, 13, 0, tzinfo=paris))
    assert creds.expiration_iso() == "2026-01-01T12:00:00Z"


def test_sts_structure_with_datetime_is_read():
    creds = Credentials.from_dict(
        {"AccessKeyId": "A" * 16, "SecretAccessKey": "s", "SessionToken": "t", "Expiration": NOW}
    )
    assert creds.expiration == NOW


@pytest.mark.parametrize(
    "broken",
    [
        {"SecretAccessKey": "s", "SessionToken": "t", "Expiration": "2026-01-01T12:00:00Z"},
        {"AccessKeyId": "", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": "2026"},
        {"AccessKeyId": "a", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": "soon"},
        {"AccessKeyId": "a", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": 5},
        {"AccessKeyId": "a", "SecretAccessKey": "s", "SessionToken": 1, "Expiration": NOW},
        {
            "AccessKeyId": "a",
            "SecretAccessKey": "s",
            "SessionToken": "t",
            "Expiration": "2026-01-01T12:00:00",
        },
    ],
    ids=["missing-key", "empty-key", "bad-date", "number-date", "number-token", "naive-date"],
)
def test_incomplete_or_wrong_fields_are_rejected(broken):
    with pytest.raises((KeyError, ValueError, TypeError)):
        Credentials.from_dict(broken)


def test_seconds_left_uses_the_given_time():
    assert make_creds().seconds_left(NOW) == 3600
