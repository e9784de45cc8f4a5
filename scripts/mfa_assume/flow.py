"""Get credentials for a request: from the cache, or from STS with an MFA code.

The cache-hit path touches only ``cache`` and ``profiles``; boto3 and the AWS modules are
imported on a miss, through ``Deps.make_clients`` (default :func:`mfa_assume.aws.make_clients`).
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple, TextIO

from mfa_assume import PROG, cache, checks
from mfa_assume.credentials import Credentials
from mfa_assume.errors import ExitCode, HelperError
from mfa_assume.request import STDIN, Request

if TYPE_CHECKING:
    from mfa_assume.aws import AwsClients
    from mfa_assume.aws_errors import Context
    from mfa_assume.prompt import CodeSource

ClientFactory = Callable[[str | None, str | None], "AwsClients"]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Deps:
    """Everything with a side effect, injectable for tests (None: the real thing)."""

    def __init__(
        self,
        env: Mapping[str, str],
        *,
        clock: Callable[[], dt.datetime] = utc_now,
        stdin: TextIO | None = None,
        stderr: TextIO | None = None,
        ask_code: CodeSource | None = None,
        make_clients: ClientFactory | None = None,
    ) -> None:
        self.env = env
        self.clock = clock
        self.stdin = stdin or sys.stdin
        self.stderr = stderr or sys.stderr
        self.ask_code = ask_code
        self.make_clients = make_clients


class Result(NamedTuple):
    credentials: Credentials
    from_cache: bool


def obtain(request: Request, deps: Deps) -> Result:
    """Cached credentials when still valid (unless ``refresh``), else a new session."""
    path = cache.entry_path(
        cache.cache_dir(deps.env), cache.key_for(request.cache_key_parts(deps.env))
    )
    if not request.refresh:
        cached = cache.load(path, deps.clock())
        if cached is not None:
            return Result(cached, from_cache=True)
    creds = assume(request, deps)
    try:
        cache.store(path, creds)
    except OSError as exc:
        deps.stderr.write(f"{PROG}: warning: credentials not cached ({exc.strerror})\n")
    return Result(creds, from_cache=False)


def _base_description(request: Request) -> str:
    if request.base_profile:
        return f"profile {request.base_profile!r}"
    return "the default credential chain"


def assume(request: Request, deps: Deps) -> Credentials:
    """Call STS: caller identity, MFA serial (found if not given), code, AssumeRole."""
    token = request.token_code
    if token == STDIN:
        from mfa_assume.prompt import stdin

        token = stdin.read(deps.stdin)
    from mfa_assume import aws  # boto3 itself is imported inside make_clients

    if deps.env.get(aws.ACTIVE_MARKER):
        raise HelperError(
            ExitCode.INVALID_INPUT,
            f"{_base_description(request)} gets its credentials from this helper "
            "(credential_process loop); use a source profile with its own access keys",
        )
    factory = deps.make_clients or aws.make_clients
    clients = factory(request.base_profile, request.region)
    from mfa_assume.aws_errors import Context

    ctx = Context(
        operation="GetCallerIdentity",
        role_arn=request.role_arn,
        base=_base_description(request),
        duration_seconds=request.duration_seconds,
        config_hint=(
            f"set mfa_serial in profile {request.profile!r}"
            if request.profile
            else "set mfa_serial in your profile"
        ),
    )
    caller_arn = str(_call(ctx, clients.sts.get_caller_identity)["Arn"])
    serial = request.serial_number
    if serial is None and not request.no_mfa:
        serial = _discover_serial(clients.iam, ctx)
    params: dict[str, Any] = {
        "RoleArn": request.role_arn,
        "RoleSessionName": request.session_name or checks.name_from_caller_arn(caller_arn),
        "DurationSeconds": request.duration_seconds,
        "SourceIdentity": request.source_identity or checks.name_from_caller_arn(caller_arn),
    }
    if serial is not None:
        params["SerialNumber"] = serial
        params["TokenCode"] = token or code_source(request, deps)(serial)
    ctx = ctx._replace(operation="AssumeRole", serial=serial)
    response = _call(ctx, clients.sts.assume_role, **params)
    return Credentials.from_dict(response["Credentials"])


def code_source(request: Request, deps: Deps) -> CodeSource:
    """Where the MFA code comes from when it was not given: injected, or the terminal."""
    if deps.ask_code is not None:
        return deps.ask_code
    from mfa_assume.prompt import terminal

    return terminal.ask


def _discover_serial(iam: Any, ctx: Context) -> str | None:
    """The caller's one MFA device; None when it has none (the role may not need MFA)."""
    import botocore.exceptions

    try:
        devices = iam.list_mfa_devices()["MFADevices"]
    except botocore.exceptions.ClientError as exc:
        error = exc.response.get("Error", {})
        raise HelperError(
            ExitCode.SERIAL_NOT_FOUND,
            f"cannot list your MFA devices ({error.get('Code')}: "
            f"{' '.join(str(error.get('Message', '')).split())}); pass --serial-number "
            f"arn:aws:iam::ACCOUNT:mfa/NAME or {ctx.config_hint}",
        ) from None
    except Exception as exc:
        raise _translated(exc, ctx._replace(operation="ListMFADevices")) from None
    serials = [str(d["SerialNumber"]) for d in devices]
    if len(serials) > 1:
        raise HelperError(
            ExitCode.SERIAL_NOT_FOUND,
            f"you have {len(serials)} MFA devices ({', '.join(serials)}); choose one with "
            f"--serial-number or {ctx.config_hint}",
        )
    return serials[0] if serials else None


def _translated(exc: Exception, ctx: Context) -> HelperError:
    from mfa_assume.aws_errors import translate

    return translate(exc, ctx)


def _call(ctx: Context, method: Callable[..., Any], **params: Any) -> Mapping[str, Any]:
    try:
        result: Mapping[str, Any] = method(**params)
    except HelperError:
        raise
    except Exception as exc:
        raise _translated(exc, ctx) from None
    return result
