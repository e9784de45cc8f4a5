"""A request signed more than 15 minutes from AWS's clock is refused (fix ``sigv4_request_time``),
shown with the fix and, switched off, with moto's leniency. The client's clock is moved by
botocore's own clock function (the signer reads it), not by sleeping."""

from __future__ import annotations

import datetime as dt
import time

import botocore.auth
import botocore.compat
import pytest

from localaws.compat.sigv4_request_time import refusal
from tests.localaws.test_moto_compat import error_of


@pytest.fixture
def clock_off(monkeypatch):
    """Factory: sign every request ``minutes`` off the real time (negative: behind)."""

    def shift(minutes: float) -> None:
        real = botocore.compat.get_current_datetime  # botocore.auth signs with its copy

        def shifted(remove_tzinfo: bool = True) -> dt.datetime:
            now: dt.datetime = real(remove_tzinfo)
            return now + dt.timedelta(minutes=minutes)

        monkeypatch.setattr(botocore.auth, "get_current_datetime", shifted)

    return shift


@pytest.mark.parametrize(
    ("minutes", "start"),
    [
        pytest.param(-20, "Signature expired: ", id="clock-behind"),
        pytest.param(+20, "Signature not yet current: ", id="clock-ahead"),
    ],
)
def test_a_request_signed_twenty_minutes_off_is_refused(aws, clock_off, minutes, start):
    # The fix also accepts a stamp near the local AWS's own clock, which other tests of the
    # session may have moved on (advance_clock): go 20 minutes past both clocks.
    real, server = time.time(), aws.server_time()
    base = max(real, server) if minutes > 0 else min(real, server)
    clock_off((base - real) / 60 + minutes)
    code, message = error_of(aws.client("sts").get_caller_identity)
    assert code == "SignatureDoesNotMatch"
    assert message.startswith(start)
    assert message.endswith(" 15 min.)")


def test_a_request_signed_ten_minutes_off_is_accepted(aws, clock_off):
    clock_off(-10)
    assert aws.client("sts").get_caller_identity()["Account"]


def test_a_request_signed_twenty_minutes_off_without_fix(aws, clock_off):
    clock_off(-20)
    with aws.fix_disabled("sigv4_request_time"):
        assert aws.client("sts").get_caller_identity()["Account"]


def test_a_stamp_on_the_shifted_clock_of_the_local_aws_is_in_time():
    now = 1_800_000_000.0
    stamp = dt.datetime.fromtimestamp(now + 3600, dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    assert refusal(stamp, now, now + 3600) is None  # a client under faketime at the seam
    assert refusal(stamp, now, now) is not None
