"""One MFA code for all your roles: an MFA session, reused while every role still accepts it.

``GetSessionToken`` with the device's serial and a code gives temporary credentials that
carry the MFA authentication. ``AssumeRole`` called with them needs no code, in any account
that trusts the user, as long as the authentication is younger than the role's
``aws:MultiFactorAuthAge`` limit (the profile's ``mfa_max_age``, written by synthesis).

The session is cached like role credentials (same folder and rules), keyed by the base
credentials' fingerprint and the endpoint (not the device: a session made with any of the
user's devices carries the MFA, so a team profile without ``mfa_serial`` shares the code
typed for a profile with one), with
the time the code was sent (``AuthenticatedAt``, taken just *before* the call, so it is never
younger than AWS's own record). It is used for a role only while its age is below that role's
``mfa_max_age`` minus a margin (:func:`margin_for`): the helper asks for a new code just
before the role would refuse the session, never after.

Role chaining: STS treats ``AssumeRole`` signed by temporary credentials (an MFA session's
included) as role chaining and refuses ``DurationSeconds`` above one hour ("The requested
DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining"):
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html#iam-term-role-chaining
and https://repost.aws/knowledge-center/iam-role-chaining-limit (GetSessionToken credentials
count). So the session serves only requests of at most :data:`CHAINED_MAX_SECONDS`; a longer
one sends its code with ``AssumeRole`` itself (see :func:`mfa_assume.flow.assume`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import NamedTuple

from mfa_assume import cache
from mfa_assume.credentials import Credentials

MAX_MARGIN = 60.0  # seconds kept in hand for the AssumeRole call and clock skew
MIN_DURATION, MAX_DURATION = 900, 129_600  # GetSessionToken's range for IAM users
CHAINED_MAX_SECONDS = 3600  # STS's limit for a role assumed with temporary credentials


class MfaSession(NamedTuple):
    credentials: Credentials
    authenticated_at: dt.datetime
    caller_arn: str
    serial: str

    def __repr__(self) -> str:
        return f"MfaSession(serial={self.serial!r}, authenticated_at={self.authenticated_at})"


def key_parts(request_caller: str, endpoint: str) -> dict[str, str]:
    return {"version": "2", "kind": "mfa-session", "caller": request_caller, "endpoint": endpoint}


def can_serve(duration_seconds: int) -> bool:
    """Whether an AssumeRole for ``duration_seconds`` may be signed by an MFA session: only
    up to STS's role-chaining limit of one hour."""
    return duration_seconds <= CHAINED_MAX_SECONDS


def duration_text(seconds: int) -> str:
    """``14400`` as ``4h``, ``5400`` as ``1h30m``, ``900`` as ``15m``; other values in seconds."""
    if seconds % 60:
        return f"{seconds} s"
    hours, minutes = divmod(seconds // 60, 60)
    return (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes else "")


def role_name(role_arn: str) -> str:
    return role_arn.rsplit("/", 1)[-1]


def own_code_note(role_arn: str, duration_seconds: int) -> str:
    """Said on the terminal before the prompt when a role that would share the MFA session's
    code asks for its own because the request is longer than role chaining allows."""
    return (
        f"{role_name(role_arn)}: {duration_text(duration_seconds)} is longer than an MFA "
        f"session can give (role chaining is limited to 1 hour), so this role asks for its "
        "own code"
    )


def console_own_code_note(role_arn: str, session_duration: int) -> str:
    """The same for ``console --session-duration``: AWS takes ``SessionDuration`` only for a
    role session assumed with long-term keys, never one signed by the MFA session."""
    return (
        f"{role_name(role_arn)}: a console session of {duration_text(session_duration)} "
        "needs role credentials that an MFA session cannot give (AWS accepts "
        "--session-duration only without role chaining), so this role asks for its own code"
    )


def duration_for(max_age: int) -> int:
    """How long to ask the session to last: no longer than it is useful."""
    return max(MIN_DURATION, min(MAX_DURATION, max_age))


def margin_for(max_age: int) -> float:
    return min(MAX_MARGIN, max_age / 4)


def refusal(session: MfaSession, max_age: int, now: dt.datetime) -> str | None:
    """None when a role with ``max_age`` accepts ``session`` now; otherwise why not."""
    age = (now - session.authenticated_at).total_seconds()
    if age >= max_age - margin_for(max_age):
        return (
            f"your MFA session is {age:.0f} s old and this role accepts at most {max_age} s "
            "(mfa_max_age): a new code is needed"
        )
    if session.credentials.seconds_left(now) <= MAX_MARGIN:
        return "your MFA session has expired: a new code is needed"
    return None


def load(path: str) -> MfaSession | None:
    data = cache.read(path)
    creds = cache.credentials_in(data)
    if data is None or creds is None:
        return None
    try:
        at = dt.datetime.fromisoformat(str(data["AuthenticatedAt"]).replace("Z", "+00:00"))
        caller, serial = str(data["CallerArn"]), str(data["SerialNumber"])
    except (KeyError, ValueError):
        return None
    if at.tzinfo is None:
        return None
    return MfaSession(creds, at.astimezone(dt.UTC), caller, serial)


def store(path: str, session: MfaSession) -> None:
    cache.store(
        path,
        session.credentials,
        AuthenticatedAt=session.authenticated_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        CallerArn=session.caller_arn,
        SerialNumber=session.serial,
    )


def from_response(
    response: Mapping[str, object], authenticated_at: dt.datetime, caller_arn: str, serial: str
) -> MfaSession:
    return MfaSession(
        Credentials.from_dict(response["Credentials"]), authenticated_at, caller_arn, serial
    )
