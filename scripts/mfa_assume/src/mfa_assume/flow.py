"""Get credentials for a request: from the cache, or from STS with an MFA code.

The cache-hit path touches only ``cache`` and ``profiles``; boto3 and the AWS modules are
imported on a miss, through ``Deps.make_clients`` (default :func:`mfa_assume.aws.make_clients`).
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Mapping

from mfa_assume import PROG, cache, checks
from mfa_assume.credentials import Credentials
from mfa_assume.errors import ExitCode, HelperError
from mfa_assume.records import TYPE_CHECKING, NamedTuple
from mfa_assume.request import STDIN, Request

if TYPE_CHECKING:
    from typing import Any, TextIO

    from mfa_assume.aws import AwsClients
    from mfa_assume.aws_errors import Context
    from mfa_assume.mfa_session import MfaSession
    from mfa_assume.prompt import CodeSource

ClientFactory = Callable[[str | None, str | None], "AwsClients"]


# Said once by a caller that finds another one getting the same session (lock.held).
WAITING = (
    "waiting for another mfa-assume getting the same session (an MFA code typed in another "
    "terminal?); its session will be used here too"
)


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
        tell: Callable[[str], bool] | None = None,
        make_clients: ClientFactory | None = None,
    ) -> None:
        self.env = env
        self.clock = clock
        self.stdin = stdin or sys.stdin
        self.stderr = stderr or sys.stderr
        self.ask_code = ask_code
        self.tell = tell  # show a line on the terminal; False when there is none
        self.make_clients = make_clients


class Result(NamedTuple):
    credentials: Credentials
    from_cache: bool


def obtain(request: Request, deps: Deps) -> Result:
    """Cached credentials when still valid (unless ``refresh``), else a new session.

    On a miss the entry's lock is taken (see :mod:`mfa_assume.lock`) and the cache read
    again, so parallel callers for the same role ask for one code and share one session.
    """
    path = cache.entry_path(
        cache.cache_dir(deps.env), cache.key_for(request.cache_key_parts(deps.env))
    )
    if not request.refresh:
        cached = cache.load(path, deps.clock())
        if cached is not None:
            return Result(cached, from_cache=True)
    from mfa_assume import lock

    with lock.held(path, lock.timeout_from(deps.env), waiting=lambda: _say(deps, WAITING)):
        if not request.refresh:
            cached = cache.load(path, deps.clock())
            if cached is not None:  # another caller got it while we waited
                return Result(cached, from_cache=True)
        creds = assume(request, deps)
        _store(deps, lambda: cache.store(path, creds), "credentials")
    return Result(creds, from_cache=False)


def _store(deps: Deps, write: Callable[[], None], what: str) -> None:
    try:
        write()
    except OSError as exc:
        deps.stderr.write(f"{PROG}: warning: {what} not cached ({exc.strerror})\n")


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
    # Chosen (and, for mfa_process, its settings checked) before any AWS call.
    ask = None if token or request.no_mfa else code_source(request, deps)
    factory = deps.make_clients or aws.make_clients
    clients = factory(request.base_profile, request.region)
    from mfa_assume.aws_errors import Context

    ctx = Context(
        operation="GetCallerIdentity",
        role_arn=request.role_arn,
        base=_base_description(request),
        duration_seconds=request.duration_seconds,
        tags=bool(request.tags),
        config_hint=(
            f"set mfa_serial in profile {request.profile!r}"
            if request.profile
            else "set mfa_serial in your profile"
        ),
    )
    from mfa_assume import mfa_session

    if clients.temporary and not mfa_session.can_serve(request.duration_seconds):
        raise HelperError(ExitCode.DURATION_TOO_LONG, _chaining_refusal(request, ctx.base))
    mfa_session_possible = not request.no_mfa and not clients.temporary
    if (
        request.use_mfa_session
        and request.mfa_max_age
        and mfa_session_possible
        and mfa_session.can_serve(request.duration_seconds)
    ):
        session = _mfa_session(request, deps, clients, ctx, token or ask, request.mfa_max_age)
        if session is not None:
            return _assume_with_session(request, clients, ctx, session)
    note = request.own_code_note
    if (
        note is None
        and request.use_mfa_session
        and request.mfa_max_age
        and mfa_session_possible
        and not mfa_session.can_serve(request.duration_seconds)
    ):
        note = mfa_session.own_code_note(request.role_arn, request.duration_seconds)
    caller_arn = str(_call(ctx, clients.sts.get_caller_identity)["Arn"])
    serial = request.serial_number
    if serial is None and not request.no_mfa:
        serial = _discover_serial(clients.iam, ctx)
    params = _assume_params(request, caller_arn)
    if serial is not None:
        params["SerialNumber"] = serial
        if not token and ask is not None and note:
            _say(deps, note)
        params["TokenCode"] = token or _ask(ask, serial)
    ctx = ctx._replace(operation="AssumeRole", serial=serial)
    response = _call(ctx, clients.sts.assume_role, **params)
    return Credentials.from_dict(response["Credentials"])


def _chaining_refusal(request: Request, base: str) -> str:
    """Said before any AWS call: STS would refuse this request as role chaining."""
    return (
        f"{base} has temporary credentials (a session token), and AssumeRole signed by "
        "temporary credentials is role chaining, which STS limits to 1 hour; "
        f"{request.duration_seconds} seconds was asked for. Use --duration-seconds 1h, or a "
        "source profile with your long-term access keys"
    )


def _ask(source: CodeSource | None, serial: str) -> str:
    if source is None:  # --no-mfa with a device found: nothing may be asked
        raise HelperError(ExitCode.INVALID_INPUT, "--no-mfa was given but a code is needed")
    return source(serial)


def _assume_params(request: Request, caller_arn: str) -> dict[str, Any]:
    name = checks.name_from_caller_arn(caller_arn)
    return {
        "RoleArn": request.role_arn,
        "RoleSessionName": request.session_name or name,
        "DurationSeconds": request.duration_seconds,
        "SourceIdentity": request.source_identity or name,
        **({"Tags": [{"Key": k, "Value": v} for k, v in request.tags]} if request.tags else {}),
    }


def _mfa_session(
    request: Request,
    deps: Deps,
    clients: AwsClients,
    ctx: Context,
    code_from: str | CodeSource | None,
    max_age: int,
) -> MfaSession | None:
    """The cached MFA session if this role still accepts it, else a new one (one code).

    None when the caller has no MFA device (the role may not need MFA: plain AssumeRole).
    """
    from mfa_assume import lock, mfa_session

    parts = request.cache_key_parts(deps.env)
    key = mfa_session.key_parts(parts["caller"], parts["endpoint"])
    path = cache.entry_path(cache.cache_dir(deps.env), cache.key_for(key))
    reason = None
    if not request.refresh:
        found = mfa_session.load(path)
        reason = found and mfa_session.refusal(found, max_age, deps.clock())
        if found is not None and reason is None:
            return found
    with lock.held(path, lock.timeout_from(deps.env), waiting=lambda: _say(deps, WAITING)):
        if not request.refresh:
            found = mfa_session.load(path)  # another caller may have made one meanwhile
            if found is not None and mfa_session.refusal(found, max_age, deps.clock()) is None:
                return found
        caller_arn = str(_call(ctx, clients.sts.get_caller_identity)["Arn"])
        serial = request.serial_number or _discover_serial(clients.iam, ctx)
        if serial is None:
            return None
        if reason and not isinstance(code_from, str):
            _say(deps, reason)
        code = code_from if isinstance(code_from, str) else _ask(code_from, serial)
        authenticated_at = deps.clock()  # before the call: never younger than AWS's record
        response = _call(
            ctx._replace(operation="GetSessionToken", serial=serial),
            clients.sts.get_session_token,
            SerialNumber=serial,
            TokenCode=code,
            DurationSeconds=mfa_session.duration_for(max_age),
        )
        session = mfa_session.from_response(response, authenticated_at, caller_arn, serial)
        _store(deps, lambda: mfa_session.store(path, session), "MFA session")
    return session


def _say(deps: Deps, line: str) -> None:
    """One line on the terminal (where the prompt is), else on standard error."""
    from mfa_assume.prompt import terminal

    if not (deps.tell or terminal.tell)(line):
        deps.stderr.write(f"{PROG}: {line}\n")


def _assume_with_session(
    request: Request, clients: AwsClients, ctx: Context, session: MfaSession
) -> Credentials:
    """AssumeRole signed by the MFA session: no code needed."""
    sts = clients.sts_for(session.credentials)
    ctx = ctx._replace(operation="AssumeRole", serial=session.serial, base="your MFA session")
    response = _call(ctx, sts.assume_role, **_assume_params(request, session.caller_arn))
    return Credentials.from_dict(response["Credentials"])


def code_source(request: Request, deps: Deps) -> CodeSource:
    """Where the MFA code comes from when it was not given: injected, the profile's
    ``mfa_process`` command, or the terminal."""
    if deps.ask_code is not None:
        return deps.ask_code
    if request.mfa_process:
        from mfa_assume.prompt import process

        return process.source(request.mfa_process, deps.env, profile=request.profile)
    from mfa_assume.prompt import terminal

    return terminal.ask


def _discover_serial(iam: Any, ctx: Context) -> str | None:
    """The caller's one MFA device; None when it has none (the role may not need MFA)."""
    import botocore.exceptions

    try:
        devices = iam.list_mfa_devices()["MFADevices"]
    except botocore.exceptions.ClientError as exc:
        from mfa_assume.aws_errors import error_of

        code, message = error_of(exc.response)
        raise HelperError(
            ExitCode.SERIAL_NOT_FOUND,
            f"cannot list your MFA devices ({code}: {message}); pass --serial-number "
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
