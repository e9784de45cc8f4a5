"""The console federation endpoint (``/federation``) as AWS documents it, on the local AWS.

https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_enable-console-custom-url.html

* ``GET /federation?Action=getSigninToken[&SessionDuration=S]&Session=<JSON>`` (POST with a
  form body too: "AWS supports POST requests here"). The Session JSON holds ``sessionId``,
  ``sessionKey`` and ``sessionToken`` of temporary credentials. Answer ``200``
  ``{"SigninToken": "..."}``.
* ``GET /federation?Action=login&Issuer=...&Destination=<console URL>&SigninToken=...``: a
  ``302`` to the Destination while the token is valid ("valid for 15 minutes after it is
  created"). The answer carries ``X-Localaws-Console-Session-Seconds`` (not an AWS header), the
  console session length the token grants, so tests can see it.

Which credentials the local AWS accepts, as AWS's pages state them:

* Only role sessions this local AWS issued (AssumeRole), with their secret and token, not
  expired on the server's clock (``localaws.clock``). Credentials from GetSessionToken cannot
  sign in ("SSO to console is not allowed", footnote: "you can't access the AWS Management
  Console by passing the credentials to the federation single sign-on endpoint",
  https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_request.html), nor can
  long-term keys (no session token; AWS's page shows "Only federation tokens or assume role
  tokens may be used for federated login", seen in
  https://github.com/99designs/aws-vault/issues/1191). GetFederationToken credentials, which
  AWS accepts, are not issued by the local AWS as such (moto keeps no record of them), so
  they are refused as unknown: a limitation of this endpoint, not AWS's rule.
* ``SessionDuration``: "from 900 seconds (15 minutes) to 43200 seconds (12 hours)", and only
  for a role session made by AssumeRole "as an IAM user with long-term credentials. Otherwise,
  the call to the federation endpoint ... fails": a role session whose AssumeRole was signed
  with temporary credentials (an MFA session, another role session: role chaining) is refused
  when ``SessionDuration`` is sent (AWS's answer then: "Invalid credentials parameter",
  https://github.com/99designs/aws-vault/issues/77). Without ``SessionDuration`` the console
  session lasts as long as the credentials.

AWS documents no error format for this endpoint; refusals here are ``400`` with one line of
text. :func:`install` records, for each role session the local AWS issues, whether its
AssumeRole was signed with temporary credentials (the request carried a session token).
"""

from __future__ import annotations

import datetime
import hmac
import json
import secrets
import threading
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from localaws import clock

PATH = "/federation"
TOKEN_VALID_SECONDS = 15 * 60
MIN_SESSION_DURATION, MAX_SESSION_DURATION = 900, 43_200
SESSION_HEADER = "X-Localaws-Console-Session-Seconds"
CONSOLE_HOSTS = ("console.aws.amazon.com", "console.amazonaws.cn", "console.amazonaws-us-gov.com")
NOT_FEDERATABLE = "Only federation tokens or assume role tokens may be used for federated login."
INVALID_CREDENTIALS = "Invalid credentials parameter"

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


@dataclass(frozen=True)
class _Grant:
    issued_at: float
    session_seconds: int
    role_arn: str = field(repr=False)


_lock = threading.Lock()
_grants: dict[str, _Grant] = {}  # sign-in token -> what it grants
_chained: dict[str, bool] = {}  # role session access key id -> AssumeRole signed by temporary creds


class Refused(Exception):
    """A request the endpoint answers with 400 and this one-line text."""


def install() -> None:
    """Record, for each AssumeRole answered, whether it was signed by temporary credentials.

    Wraps moto's (or the compatibility layer's) ``assume_role`` as installed when called:
    call after ``compat.apply()``.
    """
    from moto.sts import responses as sts_responses

    response_cls = sts_responses.TokenResponse
    original = response_cls.assume_role
    if getattr(original, "_federation_records", False):
        return

    def assume_role(self: Any) -> Any:
        result = original(self)
        credentials = cast(dict[str, Any], result.result)["Credentials"]
        with _lock:
            _chained[credentials.access_key_id] = bool(self.headers.get("X-Amz-Security-Token"))
        return result

    assume_role._federation_records = True  # type: ignore[attr-defined]
    response_cls.assume_role = assume_role  # type: ignore[method-assign]


def endpoint(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    """The ``/federation`` endpoint as a WSGI app (routed here by ``server.mounted_endpoints``)."""
    try:
        status, headers, body = answer(_params(environ))
    except Refused as refusal:
        status, headers, body = "400 Bad Request", [], str(refusal).encode()
        headers.append(("Content-Type", "text/plain; charset=utf-8"))
    headers.append(("Content-Length", str(len(body))))
    start_response(status, headers)
    return [body]


def _params(environ: dict[str, Any]) -> dict[str, str]:
    method = str(environ.get("REQUEST_METHOD", "GET"))
    text = str(environ.get("QUERY_STRING", ""))
    if method == "POST":
        length = int(environ.get("CONTENT_LENGTH") or 0)
        text = environ["wsgi.input"].read(length).decode("utf-8", "replace") if length else ""
    elif method != "GET":
        raise Refused(f"method {method} is not supported")
    return dict(urllib.parse.parse_qsl(text, keep_blank_values=True))


def answer(params: dict[str, str]) -> tuple[str, list[tuple[str, str]], bytes]:
    """(status, headers, body) for one request's parameters; raises :class:`Refused`."""
    action = params.get("Action")
    if action == "getSigninToken":
        token = issue_token(params.get("Session"), params.get("SessionDuration"))
        body = json.dumps({"SigninToken": token}).encode()
        return "200 OK", [("Content-Type", "application/json")], body
    if action == "login":
        grant, destination = check_login(params.get("SigninToken"), params.get("Destination"))
        headers = [("Location", destination), (SESSION_HEADER, str(grant.session_seconds))]
        return "302 Found", headers, b""
    raise Refused("Action must be getSigninToken or login")


def _session_duration(text: str | None) -> int | None:
    if text is None:
        return None
    if not text.isdigit() or not MIN_SESSION_DURATION <= int(text) <= MAX_SESSION_DURATION:
        raise Refused(
            f"SessionDuration must be {MIN_SESSION_DURATION} to {MAX_SESSION_DURATION} seconds"
        )
    return int(text)


def _session(text: str | None) -> tuple[str, str, str]:
    try:
        data = json.loads(text or "")
    except ValueError:
        raise Refused(INVALID_CREDENTIALS) from None
    if not isinstance(data, dict) or not all(
        isinstance(data.get(k), str) for k in ("sessionId", "sessionKey")
    ):
        raise Refused(INVALID_CREDENTIALS)
    token = data.get("sessionToken")
    if not isinstance(token, str) or not token:
        raise Refused(NOT_FEDERATABLE)  # long-term keys
    return str(data["sessionId"]), str(data["sessionKey"]), token


def _role_session(access_key_id: str) -> Any:
    from moto.sts.models import sts_backends

    for account in list(sts_backends.values()):
        for backend in list(account.values()):
            found = backend.get_assumed_role_from_access_key(access_key_id)
            if found is not None:
                return found
    return None


def _seconds_left(expiration: datetime.datetime) -> float:
    if expiration.tzinfo is None:
        expiration = expiration.replace(tzinfo=datetime.UTC)
    return expiration.timestamp() - clock.now()


def issue_token(session_text: str | None, duration_text: str | None) -> str:
    """A sign-in token for a valid role session (the rules in the module's docstring)."""
    duration = _session_duration(duration_text)
    access_key_id, secret, token = _session(session_text)
    from localaws.compat.sessions import user_sessions

    if access_key_id in user_sessions:
        raise Refused(NOT_FEDERATABLE)  # GetSessionToken credentials
    role = _role_session(access_key_id)
    if role is None:
        raise Refused(NOT_FEDERATABLE if access_key_id.startswith("AKIA") else INVALID_CREDENTIALS)
    if not (
        hmac.compare_digest(str(role.secret_access_key), secret)
        and hmac.compare_digest(str(role.session_token), token)
    ):
        raise Refused(INVALID_CREDENTIALS)
    left = _seconds_left(role.expiration)
    if left <= 0:
        raise Refused(INVALID_CREDENTIALS)
    with _lock:
        chained = _chained.get(access_key_id, False)
    if duration is not None and chained:
        raise Refused(INVALID_CREDENTIALS)  # SessionDuration with a chained role session
    signin_token = secrets.token_urlsafe(48)
    grant = _Grant(clock.now(), duration if duration is not None else int(left), role.role_arn)
    with _lock:
        _grants[signin_token] = grant
    return signin_token


def _console_url(destination: str | None) -> str:
    parts = urllib.parse.urlsplit(destination or "")
    host = (parts.hostname or "").lower()
    on_console = any(host == h or host.endswith("." + h) for h in CONSOLE_HOSTS)
    if parts.scheme != "https" or not on_console:
        raise Refused("Destination must be an https URL of the AWS console")
    return str(destination)


def check_login(token: str | None, destination: str | None) -> tuple[_Grant, str]:
    """The grant of a valid, unexpired sign-in token, and the console URL to go to."""
    with _lock:
        grant = _grants.get(token or "")
    if grant is None:
        raise Refused("SigninToken is not valid")
    if clock.now() - grant.issued_at > TOKEN_VALID_SECONDS:
        raise Refused("SigninToken has expired")
    return grant, _console_url(destination)
