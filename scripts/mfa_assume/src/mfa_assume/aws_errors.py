"""Map botocore exceptions to one-line messages and exit codes (see ``errors``).

Imported only after boto3 is, on the path that calls AWS. AWS error messages carry no
secrets; they are quoted on one line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, NamedTuple

import botocore.exceptions

from mfa_assume.errors import ExitCode, HelperError

_EXPIRED = {"ExpiredToken", "ExpiredTokenException"}
# A request refused because its time stamp is too far from AWS's clock: the computer's clock
# is off, not the keys. AWS checks a signed request's time stamp against its own clock
# (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-troubleshooting.html):
# Query and JSON APIs (STS, IAM, SSM) answer SignatureDoesNotMatch/InvalidSignatureException
# with "Signature expired: ..." (clock behind) or "Signature not yet current: ..." (ahead);
# EC2 answers RequestExpired (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html);
# S3 RequestTimeTooSkewed (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html).
_CLOCK_CODES = {"RequestExpired", "RequestTimeTooSkewed"}
_CLOCK_MESSAGES = ("Signature expired", "Signature not yet current")
_INVALID = {
    "InvalidClientTokenId",
    "SignatureDoesNotMatch",
    "UnrecognizedClientException",
    "IncompleteSignature",
    "AuthFailure",
}


class Context(NamedTuple):
    """What was being attempted, for the message."""

    operation: str
    role_arn: str
    base: str  # "profile 'default'" or "the default credential chain"
    serial: str | None = None
    duration_seconds: int | None = None
    config_hint: str = "set mfa_serial in the profile"
    tags: bool = False  # session tags were sent (the trust policy must allow sts:TagSession)


MAX_MESSAGE_CHARS = 300  # an AWS message quoted in ours; longer ones are cut
_MARKUP_CODE = re.compile(r"<Code>([^<]{1,100})</Code>")
_MARKUP_MESSAGE = re.compile(r"<Message>([^<]*)</Message>", re.DOTALL)
_MARKUP_TITLE = re.compile(r"<title>([^<]*)</title>", re.DOTALL | re.IGNORECASE)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _bounded(text: str) -> str:
    text = _one_line(text)
    return text if len(text) <= MAX_MESSAGE_CHARS else text[: MAX_MESSAGE_CHARS - 3] + "..."


def error_of(response: Mapping[str, Any]) -> tuple[str, str]:
    """A ClientError's code and one-line message (at most :data:`MAX_MESSAGE_CHARS`).

    An endpoint that answers a JSON-protocol call (SSM, ...) with an XML or HTML body (a
    proxy, a local AWS, a Query-protocol error) leaves botocore with the HTTP status as the
    code and the raw body as the message: the body's ``<Code>`` and ``<Message>`` (or an
    HTML ``<title>``) are taken from it instead; a body is never quoted."""
    error = response.get("Error", {})
    code = str(error.get("Code", "Unknown"))
    message = str(error.get("Message", ""))
    if message.lstrip().startswith("<"):
        import html

        found_code = _MARKUP_CODE.search(message)
        found = _MARKUP_MESSAGE.search(message) or _MARKUP_TITLE.search(message)
        if found_code is not None:
            code = html.unescape(found_code.group(1).strip())
        message = (
            html.unescape(found.group(1))
            if found is not None
            else f"an XML or HTML answer of {len(message)} characters, not shown"
        )
    if code.isdigit():
        code = f"HTTP {code}"
    return code, _bounded(message)


def translate(exc: Exception, ctx: Context) -> HelperError:
    """The :class:`HelperError` for a failed AWS call."""
    if isinstance(
        exc, botocore.exceptions.NoCredentialsError | botocore.exceptions.PartialCredentialsError
    ):
        if ctx.base.startswith("profile "):  # a named profile: environment keys do not count
            name = ctx.base[len("profile ") :]
            return HelperError(
                ExitCode.BASE_CREDENTIALS,
                f"no usable AWS credentials in {ctx.base}; set aws_access_key_id and "
                f"aws_secret_access_key there (aws configure --profile {name.strip(chr(39))})",
            )
        return HelperError(
            ExitCode.BASE_CREDENTIALS,
            f"no usable AWS credentials in {ctx.base}; set aws_access_key_id and "
            "aws_secret_access_key in the default profile (aws configure) or "
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
        )
    if isinstance(exc, botocore.exceptions.ConnectionError | botocore.exceptions.HTTPClientError):
        endpoint = exc.kwargs.get("endpoint_url") or "the AWS endpoint"
        return HelperError(
            ExitCode.ENDPOINT_UNREACHABLE,
            f"cannot reach {endpoint} ({type(exc).__name__}); check the network, "
            "--region and AWS_ENDPOINT_URL",
        )
    if isinstance(exc, botocore.exceptions.ClientError):
        return _client_error(exc, ctx)
    if isinstance(exc, botocore.exceptions.BotoCoreError):
        return HelperError(ExitCode.AWS_OTHER, f"{ctx.operation} failed: {_one_line(str(exc))}")
    raise exc


def _client_error(exc: botocore.exceptions.ClientError, ctx: Context) -> HelperError:
    code, message = error_of(exc.response)
    said = f"({code}: {message})"
    if code in _CLOCK_CODES or message.startswith(_CLOCK_MESSAGES):
        return HelperError(ExitCode.AWS_OTHER, clock_message(exc.response, said))
    if code in _EXPIRED:
        return HelperError(
            ExitCode.BASE_CREDENTIALS,
            f"the credentials of {ctx.base} have expired {said}; renew them and retry",
        )
    if code in _INVALID:
        return HelperError(
            ExitCode.BASE_CREDENTIALS,
            f"the credentials of {ctx.base} were rejected {said}; check the access key",
        )
    if code == "AccessDenied":
        return _access_denied(message, said, ctx)
    if code == "ValidationError" and "role chaining" in message:
        # AssumeRole signed by temporary credentials (an MFA session, a role's, env keys
        # with a session token) is role chaining, limited to one hour:
        # https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html#iam-term-role-chaining
        return HelperError(
            ExitCode.DURATION_TOO_LONG,
            f"STS refused {ctx.duration_seconds} seconds for {ctx.role_arn} because it was "
            f"signed by temporary credentials ({ctx.base}): role chaining is limited to 1 hour "
            f"{said}; use --duration-seconds 1h, or sign with long-term access keys "
            "(a source profile with aws_access_key_id)",
        )
    if code == "ValidationError" and "DurationSeconds exceeds" in message:
        return HelperError(
            ExitCode.DURATION_TOO_LONG,
            f"{ctx.duration_seconds} seconds is longer than {ctx.role_arn} allows {said}; "
            "ask for less with --duration-seconds (e.g. 1h) or raise the role's "
            "MaxSessionDuration",
        )
    return HelperError(ExitCode.AWS_OTHER, f"{ctx.operation} failed {said}")


def _access_denied(message: str, said: str, ctx: Context) -> HelperError:
    if message.startswith("MultiFactorAuthentication failed"):
        return HelperError(
            ExitCode.MFA_REJECTED,
            f"the MFA code was rejected for device {ctx.serial} {said}; it was mistyped, "
            "expired, or already used (each code works once: wait for the next one), or "
            "the serial is not your device",
        )
    if ctx.operation == "AssumeRole" and ctx.serial is None:
        return HelperError(
            ExitCode.MFA_REQUIRED,
            f"AssumeRole on {ctx.role_arn} was denied and no MFA code was sent: the role "
            "requires MFA. Pass --serial-number arn:aws:iam::ACCOUNT:mfa/NAME (or "
            f"{ctx.config_hint}) and let the helper ask for the code, or add --token-code",
        )
    if ctx.operation == "AssumeRole" and ctx.tags:
        return HelperError(
            ExitCode.ACCESS_DENIED,
            f"AssumeRole was denied {said}; session tags were sent (--tag, session_tags): "
            "the role's trust policy must allow sts:TagSession for you",
        )
    return HelperError(ExitCode.ACCESS_DENIED, f"{ctx.operation} was denied {said}")


def clock_skew_seconds(response: Mapping[str, Any], now: float) -> float | None:
    """AWS's time (the response's ``Date`` header) minus ``now``; None without the header."""
    import email.utils

    headers = response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
    date = headers.get("date") or headers.get("Date")
    if not date:
        return None
    try:
        return email.utils.parsedate_to_datetime(str(date)).timestamp() - now
    except (TypeError, ValueError):
        return None


def clock_message(response: Mapping[str, Any], said: str, now: float | None = None) -> str:
    import time

    skew = clock_skew_seconds(response, time.time() if now is None else now)
    if skew is None:
        off = "is off by more than AWS allows (15 minutes)"
    else:
        minutes = round(abs(skew) / 60)
        amount = f"{minutes} minutes" if minutes else f"{round(abs(skew))} seconds"
        off = f"is {amount} {'behind' if skew > 0 else 'ahead of'} AWS's (by its Date header)"
    return (
        f"AWS refused the request because this computer's clock {off} {said}; set the "
        "clock right (turn on network time, NTP) and retry"
    )
