from __future__ import annotations

import datetime as dt
import os
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError, NoCredentialsError

from mfa_assume import aws, cache, flow
from mfa_assume.errors import ExitCode, HelperError
from mfa_assume.request import Options, Request, build_request

from .conftest import (
    NOW,
    PROFILE,
    ROLE,
    SERIAL,
    CodeTyped,
    RecordingFactory,
    assume_params,
    make_creds,
)

EXPIRED = "The security token included in the request is expired"
NOT_AUTHORIZED = (
    "User: arn:aws:iam::123456789012:user/developers/alice is not authorized to perform: "
    f"sts:AssumeRole on resource: {ROLE}"
)


def request_for(env: dict[str, str], **options: Any) -> Request:
    return build_request(Options(**{"profile": PROFILE, **options}), env)


def test_new_session_uses_profile_serial_prompted_code_and_caller_name(aws_home, stubs, make_deps):
    env = aws_home()
    stubs.identity()
    stubs.assume(assume_params(TokenCode="654321"))
    tty = CodeTyped("654321")
    deps = make_deps(env, stubs.factory, tty=tty)
    result = flow.obtain(request_for(env), deps)
    assert result == flow.Result(make_creds(), from_cache=False)
    assert stubs.factory.calls == [("default", None)]
    assert len(tty.asked) == 1


def test_serial_is_discovered_from_the_callers_mfa_devices(aws_home, stubs, make_deps):
    env = aws_home()
    stubs.identity()
    stubs.devices(SERIAL)
    stubs.assume(assume_params())
    request = build_request(Options(profile="default", role_arn=ROLE, token_code="123456"), env)
    assert flow.obtain(request, make_deps(env, stubs.factory)).credentials == make_creds()


def test_flags_are_sent_as_given(aws_home, stubs, make_deps):
    env = aws_home()
    stubs.identity()
    stubs.assume(
        assume_params(
            RoleSessionName="laptop",
            SourceIdentity="alice.smith",
            DurationSeconds=900,
            SerialNumber="GAHT12345678",
        )
    )
    request = request_for(
        env,
        role_session_name="laptop",
        source_identity="alice.smith",
        duration_seconds="15m",
        serial_number="GAHT12345678",
        token_code="123456",
        region="eu-west-1",
    )
    flow.obtain(request, make_deps(env, stubs.factory))
    assert stubs.factory.calls == [("default", "eu-west-1")]


def test_code_from_standard_input_is_used(aws_home, stubs, make_deps):
    env = aws_home()
    stubs.identity()
    stubs.assume(assume_params(TokenCode="111111"))
    deps = make_deps(env, stubs.factory, stdin="111111\n")
    flow.obtain(request_for(env, token_code="-"), deps)


def test_session_name_is_cleaned_from_an_odd_caller_name(aws_home, stubs, make_deps):
    env = aws_home()
    stubs.identity("arn:aws:sts::123456789012:assumed-role/SSO_Admin/Jo Doe (laptop)")
    stubs.assume(assume_params(RoleSessionName="Jo-Doe-laptop", SourceIdentity="Jo-Doe-laptop"))
    flow.obtain(request_for(env, token_code="123456"), make_deps(env, stubs.factory))


def test_no_mfa_sends_no_serial_and_never_prompts(aws_home, stubs, make_deps):
    env = aws_home()
    stubs.identity()
    stubs.assume(assume_params(SerialNumber=None, TokenCode=None))
    tty = CodeTyped()
    flow.obtain(request_for(env, no_mfa=True), make_deps(env, stubs.factory, tty=tty))
    assert tty.asked == []


def test_second_run_is_a_cache_hit_without_any_aws_client(aws_home, stubs, make_deps):
    env = aws_home()
    stubs.identity()
    stubs.assume(assume_params())
    flow.obtain(request_for(env, token_code="123456"), make_deps(env, stubs.factory))
    forbid = RecordingFactory()
    again = flow.obtain(request_for(env), make_deps(env, forbid))
    assert again == flow.Result(make_creds(), from_cache=True)
    assert forbid.calls == []


@pytest.mark.parametrize(
    ("cached", "asked"), [("1h", "5h"), ("4h", "1h")], ids=["longer-asked", "shorter-asked"]
)
def test_cached_entry_of_another_duration_is_not_served(aws_home, stubs, make_deps, cached, asked):
    env = aws_home()
    cache.store(cache_path(request_for(env, duration_seconds=cached), env), make_creds())
    stubs.identity()
    seconds = {"1h": 3600, "5h": 5 * 3600}[asked]
    stubs.assume(assume_params(DurationSeconds=seconds), expires=NOW + dt.timedelta(hours=2))
    request = request_for(env, token_code="123456", duration_seconds=asked)
    result = flow.obtain(request, make_deps(env, stubs.factory))
    assert result.from_cache is False
    assert result.credentials.expiration == NOW + dt.timedelta(hours=2)


def test_refresh_forces_a_new_session(aws_home, stubs, make_deps):
    env = aws_home()
    request = request_for(env, token_code="123456", refresh=True)
    cache.store(cache_path(request, env), make_creds())
    stubs.identity()
    stubs.assume(assume_params(), expires=NOW + dt.timedelta(hours=2))
    result = flow.obtain(request, make_deps(env, stubs.factory))
    assert result.from_cache is False
    assert result.credentials.expiration == NOW + dt.timedelta(hours=2)
    assert cache.load(cache_path(request, env), NOW) == result.credentials


def test_entry_close_to_expiry_is_renewed(aws_home, stubs, make_deps):
    env = aws_home()
    request = request_for(env, token_code="123456")
    cache.store(cache_path(request, env), make_creds())
    stubs.identity()
    stubs.assume(assume_params(), expires=NOW + dt.timedelta(hours=2))
    later = NOW + dt.timedelta(minutes=55)  # five minutes left: inside the margin
    result = flow.obtain(request, make_deps(env, stubs.factory, clock=lambda: later))
    assert result.from_cache is False


def test_cache_write_failure_warns_and_still_returns_credentials(
    aws_home, stubs, make_deps, tmp_path
):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    env = aws_home(XDG_CACHE_HOME=str(blocker))
    stubs.identity()
    stubs.assume(assume_params())
    deps = make_deps(env, stubs.factory)
    assert flow.obtain(request_for(env, token_code="123456"), deps).credentials == make_creds()
    assert "warning: credentials not cached" in deps.stderr.getvalue()


def cache_path(request: Request, env: dict[str, str]) -> str:
    return cache.entry_path(cache.cache_dir(env), cache.key_for(request.cache_key_parts(env)))


def fail_with(client: Any, method: str, exc: Exception) -> None:
    def raiser(**kwargs: Any) -> None:
        raise exc

    setattr(client, method, raiser)


def run_failing(request: Request, deps: flow.Deps) -> HelperError:
    with pytest.raises(HelperError) as caught:
        flow.obtain(request, deps)
    return caught.value


def test_expired_base_credentials_fail_before_the_prompt(aws_home, stubs, make_deps):
    env = aws_home()
    stubs.sts.add_client_error("get_caller_identity", "ExpiredToken", EXPIRED, 403)
    tty = CodeTyped("123456")
    error = run_failing(request_for(env), make_deps(env, stubs.factory, tty=tty))
    assert error.code == ExitCode.BASE_CREDENTIALS
    assert "profile 'default' have expired" in error.message
    assert tty.asked == []


def test_missing_base_credentials(aws_home, stubs, make_deps):
    env = aws_home()
    fail_with(stubs.clients.sts, "get_caller_identity", NoCredentialsError())
    error = run_failing(request_for(env), make_deps(env, stubs.factory))
    assert error.code == ExitCode.BASE_CREDENTIALS


def test_unreachable_endpoint(aws_home, stubs, make_deps):
    env = aws_home()
    exc = EndpointConnectionError(endpoint_url="http://127.0.0.1:9")
    fail_with(stubs.clients.sts, "get_caller_identity", exc)
    error = run_failing(request_for(env), make_deps(env, stubs.factory))
    assert (error.code, error.message[:32]) == (
        ExitCode.ENDPOINT_UNREACHABLE,
        "cannot reach http://127.0.0.1:9 ",
    )


def test_role_requiring_mfa_when_caller_has_no_device(aws_home, stubs, make_deps):
    env = aws_home()
    stubs.identity()
    stubs.devices()
    stubs.sts.add_client_error("assume_role", "AccessDenied", NOT_AUTHORIZED, 403)
    request = build_request(Options(profile="default", role_arn=ROLE), env)
    error = run_failing(request, make_deps(env, stubs.factory))
    assert error.code == ExitCode.MFA_REQUIRED
    assert "the role requires MFA" in error.message


def test_rejected_or_reused_code(aws_home, stubs, make_deps):
    env = aws_home()
    stubs.identity()
    stubs.sts.add_client_error(
        "assume_role",
        "AccessDenied",
        "MultiFactorAuthentication failed with invalid MFA one time pass code. ",
        403,
        expected_params=assume_params(),
    )
    error = run_failing(request_for(env, token_code="123456"), make_deps(env, stubs.factory))
    assert error.code == ExitCode.MFA_REJECTED
    assert "123456" not in error.message.replace("123456789012", "")


def test_access_denied_with_mfa_sent(aws_home, stubs, make_deps):
    env = aws_home()
    stubs.identity()
    stubs.sts.add_client_error("assume_role", "AccessDenied", NOT_AUTHORIZED, 403)
    error = run_failing(request_for(env, token_code="123456"), make_deps(env, stubs.factory))
    assert error.code == ExitCode.ACCESS_DENIED
    assert NOT_AUTHORIZED in error.message


def test_duration_above_role_maximum(aws_home, stubs, make_deps):
    env = aws_home()
    stubs.identity()
    stubs.sts.add_client_error(
        "assume_role",
        "ValidationError",
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        400,
    )
    request = request_for(env, token_code="123456", duration_seconds="12h")
    error = run_failing(request, make_deps(env, stubs.factory))
    assert error.code == ExitCode.DURATION_TOO_LONG
    assert error.message.startswith("43200 seconds is longer than")


def test_listing_mfa_devices_not_permitted_says_how_to_pass_the_serial(aws_home, stubs, make_deps):
    env = aws_home()
    stubs.identity()
    stubs.iam.add_client_error(
        "list_mfa_devices",
        "AccessDenied",
        "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: "
        "iam:ListMFADevices on resource: user alice",
        403,
    )
    request = build_request(Options(profile="default", role_arn=ROLE), env)
    error = run_failing(request, make_deps(env, stubs.factory))
    assert error.code == ExitCode.SERIAL_NOT_FOUND
    assert "pass --serial-number arn:aws:iam::ACCOUNT:mfa/NAME or" in error.message
    assert "set mfa_serial in profile 'default'" in error.message


def test_several_mfa_devices_ask_to_choose(aws_home, stubs, make_deps):
    env = aws_home()
    stubs.identity()
    stubs.devices(SERIAL, "GAHT12345678")
    request = build_request(Options(profile="default", role_arn=ROLE), env)
    error = run_failing(request, make_deps(env, stubs.factory))
    assert error.code == ExitCode.SERIAL_NOT_FOUND
    assert f"you have 2 MFA devices ({SERIAL}, GAHT12345678)" in error.message


def test_no_terminal_and_no_code_is_no_token(aws_home, stubs, make_deps):
    env = aws_home()
    stubs.identity()
    error = run_failing(request_for(env), make_deps(env, stubs.factory))
    assert error.code == ExitCode.NO_TOKEN


def test_bad_code_on_stdin_is_refused_before_any_client(aws_home, make_deps):
    env = aws_home()
    deps = make_deps(env, stdin="12345\n")
    error = run_failing(request_for(env, token_code="-"), deps)
    assert error.code == ExitCode.INVALID_INPUT
    assert deps.make_clients.calls == []


def test_credential_process_loop_is_refused_before_any_client(aws_home, make_deps):
    env = aws_home(**{aws.ACTIVE_MARKER: "1"})
    deps = make_deps(env)
    error = run_failing(request_for(env, token_code="123456"), deps)
    assert "credential_process loop" in error.message
    assert deps.make_clients.calls == []


def test_real_deps_default_to_the_process():
    deps = flow.Deps(os.environ)
    assert deps.make_clients is None
    assert deps.ask_code is None
    assert flow.utc_now().tzinfo is dt.UTC
