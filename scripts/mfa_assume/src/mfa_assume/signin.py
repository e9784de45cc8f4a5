"""The one HTTP call of console sign-in: ``getSigninToken`` on the federation endpoint.

urllib (no new dependency), GET as AWS's procedure shows it, with a timeout. Every failure
is one line naming only the endpoint's host: the request URL carries the role's secret key and
the answer the sign-in token, so neither is ever quoted.
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any

from mfa_assume.console import parse_token_answer
from mfa_assume.errors import ExitCode, HelperError

TIMEOUT_SECONDS = 15
MAX_ANSWER_BYTES = 64 * 1024
# The endpoint refused the credentials it was given (see scripts/mfa_assume/README.md,
# "Console sign-in").
CANNOT_SIGN_IN = ExitCode.CANNOT_SIGN_IN

Opener = Callable[..., Any]


def host_of(url: str) -> str:
    return urllib.parse.urlsplit(url).netloc or "the federation endpoint"


def refused_message(host: str, status: int, session_duration: int | None) -> str:
    if session_duration is not None:
        return (
            f"the sign-in endpoint {host} refused the credentials with a console session "
            f"length (HTTP {status}): AWS accepts --session-duration only for a role session "
            "made by AssumeRole with an IAM user's long-term keys, not by role chaining "
            "(base credentials that are themselves temporary); run without --session-duration"
        )
    return (
        f"the sign-in endpoint {host} refused the credentials (HTTP {status}): only role "
        "sessions (AssumeRole) and federation tokens can sign in to the console, and they "
        "must not have expired; run again with --refresh"
    )


def fetch_token(
    url: str,
    *,
    session_duration: int | None,
    timeout: float = TIMEOUT_SECONDS,
    urlopen: Opener = urllib.request.urlopen,
) -> str:
    """GET ``url`` (a getSigninToken request) and return the ``SigninToken``."""
    host = host_of(url)
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with urlopen(request, timeout=timeout) as response:
            status = int(response.status)
            body = response.read(MAX_ANSWER_BYTES + 1)
    except urllib.error.HTTPError as exc:
        exc.close()
        if 400 <= exc.code < 500:
            raise HelperError(
                CANNOT_SIGN_IN, refused_message(host, exc.code, session_duration)
            ) from None
        raise HelperError(
            ExitCode.AWS_OTHER, f"the sign-in endpoint {host} answered HTTP {exc.code}"
        ) from None
    except (urllib.error.URLError, OSError) as exc:
        # the reason's class or errno text only: a free-text reason could quote the URL
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        said = getattr(reason, "strerror", None) or type(reason).__name__
        raise HelperError(
            ExitCode.ENDPOINT_UNREACHABLE,
            f"cannot reach the sign-in endpoint {host} ({said}); check the network and "
            "AWS_ENDPOINT_URL_SIGNIN / AWS_ENDPOINT_URL",
        ) from None
    if status != 200:
        raise HelperError(ExitCode.AWS_OTHER, f"the sign-in endpoint {host} answered HTTP {status}")
    token = parse_token_answer(body) if len(body) <= MAX_ANSWER_BYTES else None
    if token is None:
        raise HelperError(
            ExitCode.AWS_OTHER,
            f"the sign-in endpoint {host} answered without a SigninToken (not the JSON "
            "AWS documents)",
        )
    return token
