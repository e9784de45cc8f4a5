"""Fix ``sigv4_request_time``: a request signed too far from AWS's clock is refused.

AWS: a signed request's time stamp (``X-Amz-Date``) must be within 15 minutes of AWS's time,
or the request is refused; for the Query APIs (STS, IAM) with ``SignatureDoesNotMatch``
(HTTP 403) "Signature expired: <stamp> is now earlier than <limit> (<now> - 15 min.)", or, for
a clock ahead, "Signature not yet current: <stamp> is still later than <limit> (<now> + 15
min.)" (quoted in boto/botocore#149 and in AWS's troubleshooting of signed requests).
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-troubleshooting.html
moto 5.2.5 checks the signature but not its time.

The local AWS has two clocks: real time, and the clock seam that tests move forward
(``localaws.clock``, with the helper under faketime set to it). A stamp within 15 minutes of
either is accepted, so that both kinds of client keep working; a client whose clock is off
from both (faketime -20 minutes) is refused as AWS would refuse it.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from localaws import clock
from localaws.compat import authorize
from localaws.compat.errors import SignatureDoesNotMatch
from localaws.compat.registry import Fix, enabled, register

WINDOW_SECONDS = 15 * 60
_STAMP = "%Y%m%dT%H%M%SZ"
FIX = register(
    Fix(
        "sigv4_request_time",
        "a request whose signature time stamp is more than 15 minutes from AWS's clock is refused",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-troubleshooting.html",
        error_code="SignatureDoesNotMatch",
        message="Signature expired: {stamp} is now earlier than {limit} ({now} - 15 min.)",
    )
)


def _text(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime(_STAMP)


def refusal(stamp: str, now: float, seam: float) -> str | None:
    """AWS's message for a request signed at ``stamp``; None when it is in time."""
    try:
        signed = dt.datetime.strptime(stamp, _STAMP).replace(tzinfo=dt.UTC).timestamp()
    except ValueError:
        return None  # not ours to judge: moto's signature check has the last word
    if min(abs(signed - now), abs(signed - seam)) <= WINDOW_SECONDS:
        return None
    if signed < now:
        return (
            f"Signature expired: {stamp} is now earlier than {_text(now - WINDOW_SECONDS)} "
            f"({_text(now)} - 15 min.)"
        )
    return (
        f"Signature not yet current: {stamp} is still later than {_text(now + WINDOW_SECONDS)} "
        f"({_text(now)} + 15 min.)"
    )


def refuse_out_of_time(request: Any, resource: str) -> bool:
    del resource
    if not enabled(FIX.name):
        return False
    headers = request._headers
    stamp = headers.get("X-Amz-Date") or headers.get("x-amz-date")
    if stamp:
        message = refusal(str(stamp), time.time(), clock.now())
        if message is not None:
            raise SignatureDoesNotMatch(message)
    return False


def install() -> None:
    authorize.add_decider(refuse_out_of_time)
