"""Console sign-in URLs: partitions, destinations, and the federation endpoint's two requests.

Pure functions; the HTTP call is :mod:`mfa_assume.signin`, the command
:mod:`mfa_assume.console_cli`.
AWS's procedure ("Enable custom identity broker access to the AWS console"):
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_enable-console-custom-url.html

1. ``GET <federation>?Action=getSigninToken[&SessionDuration=S]&Session=<JSON>`` answers
   ``{"SigninToken": "..."}``; the JSON holds ``sessionId``, ``sessionKey``, ``sessionToken``.
2. ``<federation>?Action=login&Issuer=...&Destination=<console URL>&SigninToken=...`` signs
   the browser in; AWS says the URL is valid for 15 minutes.

The URL and the token are secrets (whoever holds them is signed in as the role): nothing here
puts them in a message.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from typing import NamedTuple

from mfa_assume.errors import InputError

# SessionDuration: "from 900 seconds (15 minutes) to 43200 seconds (12 hours)", and only for
# credentials from AssumeRole called with an IAM user's long-term keys (page above).
MIN_SESSION_DURATION = 900
MAX_SESSION_DURATION = 43_200
TOKEN_VALID_SECONDS = 15 * 60  # "The URL is valid for 15 minutes from the time it is created"


class SessionKeys(NamedTuple):
    """The three parts of temporary credentials the Session JSON holds (no expiry needed)."""

    access_key_id: str
    secret_access_key: str
    session_token: str

    def __repr__(self) -> str:  # never show the secret or the token
        return f"SessionKeys(access_key_id={self.access_key_id!r}, ...)"


class Partition(NamedTuple):
    """Where a partition's console and its federation endpoint live."""

    name: str
    signin_host: str  # the partition's global sign-in host (federation endpoint)
    console_host: str  # the console's global host
    default_region: str
    regional_console: bool  # https://REGION.<console_host> is documented for this partition


# aws: sign-in https://docs.aws.amazon.com/general/latest/gr/signin-service.html, regional
#   console hosts https://docs.aws.amazon.com/general/latest/gr/mgmt-console.html
# aws-us-gov: https://signin.amazonaws-us-gov.com in
#   https://docs.aws.amazon.com/govcloud-us/latest/UserGuide/govcloud-iam.html; the console
#   host as aws-vault and Granted use it (no AWS page names it), no regional host
# aws-cn: console https://console.amazonaws.cn/ in
#   https://docs.amazonaws.cn/en_us/IAM/latest/UserGuide/id_users_sign-in.html; sign-in host
#   signin.amazonaws.cn as aws-vault and Granted use it; no regional host
PARTITIONS = {
    "aws": Partition("aws", "signin.aws.amazon.com", "console.aws.amazon.com", "us-east-1", True),
    "aws-cn": Partition(
        "aws-cn", "signin.amazonaws.cn", "console.amazonaws.cn", "cn-north-1", False
    ),
    "aws-us-gov": Partition(
        "aws-us-gov",
        "signin.amazonaws-us-gov.com",
        "console.amazonaws-us-gov.com",
        "us-gov-west-1",
        False,
    ),
}

_SERVICE = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
_ARN_PARTITION = re.compile(r"arn:([a-z0-9-]+):")


def partition_named(name: str, where: str) -> Partition:
    """The partition ``name`` (from ``where``, for the message)."""
    found = PARTITIONS.get(name)
    if found is None:
        raise InputError(
            f"partition {name!r} ({where}) has no console sign-in here; supported: "
            f"{', '.join(PARTITIONS)}"
        )
    return found


def partition_of_arn(arn: str) -> Partition:
    """The partition an ARN (``arn:aws-cn:iam::...``) belongs to."""
    match = _ARN_PARTITION.match(arn)
    if match is None:
        raise InputError(f"{arn!r} is not an ARN")
    return partition_named(match.group(1), arn)


def region_partition(region: str) -> str:
    """The partition of a region name, by its prefix (cn-..., us-gov-...)."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def check_console_region(region: str, partition: Partition, where: str) -> str:
    """``region`` when it is a region of ``partition``; the console of one partition cannot
    show another's regions."""
    if region_partition(region) != partition.name or "-iso" in region:
        raise InputError(
            f"region {region!r} ({where}) is not in partition {partition.name} of the role; "
            f"expected a region such as {partition.default_region}"
        )
    return region


def parse_session_duration(text: str) -> int:
    """``--session-duration``: seconds, or 15m..12h, in AWS's SessionDuration range."""
    from mfa_assume.checks import parse_duration

    try:
        return parse_duration(text)  # the same 900..43200 range
    except InputError as exc:
        raise InputError(f"--session-duration: {exc.message}") from None


def console_base(partition: Partition, region: str) -> str:
    """``https://REGION.console.aws.amazon.com`` where regional hosts exist, else global."""
    if partition.regional_console:
        return f"https://{region}.{partition.console_host}"
    return f"https://{partition.console_host}"


def destination_url(destination: str | None, region: str, partition: Partition) -> str:
    """The console page to land on.

    None: the console home; ``s3``: that service's home; ``/path?query``: that path on the
    console host; ``https://...``: as given, when its host is the partition's console.
    A service home or the console home carries ``?region=REGION``.
    """
    base = console_base(partition, region)
    query = urllib.parse.urlencode({"region": region})
    if destination is None:
        return f"{base}/console/home?{query}"
    text = destination.strip()
    if _SERVICE.fullmatch(text):
        return f"{base}/{text}/home?{query}"
    if text.startswith("/") and not text.startswith("//"):
        _check_printable(destination)
        return base + text
    if text.lower().startswith(("https://", "http://")):
        _check_printable(destination)
        return _checked_console_url(text, partition)
    raise InputError(
        f"--destination {destination!r} is not understood; expected a service such as s3 "
        f"or ec2, a console path such as /s3/buckets, or a URL on https://{partition.console_host}"
    )


def _check_printable(destination: str) -> None:
    if not destination or any(not ("\x21" <= c <= "\x7e") for c in destination):
        raise InputError(
            f"--destination {destination!r} has spaces or characters a URL cannot hold; "
            "percent-encode them"
        )


def _checked_console_url(url: str, partition: Partition) -> str:
    parts = urllib.parse.urlsplit(url)
    host = (parts.hostname or "").lower()
    on_console = host == partition.console_host or (
        host.endswith("." + partition.console_host)
        and region_partition(host.split(".", 1)[0]) == partition.name
    )
    if parts.scheme.lower() != "https" or not on_console or parts.username or parts.port:
        raise InputError(
            f"--destination {url!r} is not a console URL of partition {partition.name}; "
            f"expected https://{partition.console_host}/... or https://REGION."
            f"{partition.console_host}/..."
        )
    return url


def federation_endpoint(partition: Partition, env: dict[str, str] | None = None) -> str:
    """The federation endpoint: the partition's sign-in host, or the override
    ``AWS_ENDPOINT_URL_SIGNIN`` / ``AWS_ENDPOINT_URL`` (+ ``/federation``), validated."""
    from mfa_assume.checks import check_endpoint_url

    env = env or {}
    for variable in ("AWS_ENDPOINT_URL_SIGNIN", "AWS_ENDPOINT_URL"):
        if env.get(variable):
            base = check_endpoint_url(env[variable], variable)
            return base.rstrip("/") + "/federation"
    return f"https://{partition.signin_host}/federation"


def session_json(creds: SessionKeys) -> str:
    return json.dumps(
        {
            "sessionId": creds.access_key_id,
            "sessionKey": creds.secret_access_key,
            "sessionToken": creds.session_token,
        }
    )


def token_request_url(endpoint: str, creds: SessionKeys, session_duration: int | None) -> str:
    """Step 1, getSigninToken; ``SessionDuration`` only when asked for (AWS refuses it for
    credentials that were not made by AssumeRole with long-term keys)."""
    params = {"Action": "getSigninToken"}
    if session_duration is not None:
        params["SessionDuration"] = str(session_duration)
    params["Session"] = session_json(creds)
    return f"{endpoint}?{urllib.parse.urlencode(params)}"


def parse_token_answer(body: bytes) -> str | None:
    """The ``SigninToken`` of the endpoint's JSON answer; None when the answer is not that."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    token = data.get("SigninToken") if isinstance(data, dict) else None
    return token if isinstance(token, str) and token else None


def login_url(endpoint: str, token: str, destination: str, issuer: str) -> str:
    """Step 2: the URL that signs a browser in (each value form-urlencoded)."""
    params = {
        "Action": "login",
        "Issuer": issuer,
        "Destination": destination,
        "SigninToken": token,
    }
    return f"{endpoint}?{urllib.parse.urlencode(params)}"


def issuer_for(partition: Partition) -> str:
    """Issuer: where AWS sends the browser when the console session ends (the console's
    own sign-in; this helper has no page of its own)."""
    return f"https://{partition.console_host}/"
