"""``mfa-assume console``: options, exit codes, the federation call and what is printed where.

The federation endpoint here is a small HTTP server on loopback that records each request;
the end-to-end path against the local AWS is tests/e2e/test_console.py.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import json
import os
import sys
import urllib.parse
from pathlib import Path

import pytest

from mfa_assume import cache, console_cli, flow
from mfa_assume.request import Options, build_request

from .conftest import (
    PROFILE,
    ROLE,
    SIGNIN_TOKEN,
    TEMP_KEY_ID,
    TEMP_SECRET,
    TEMP_TOKEN,
    RecordingFactory,
)
from .test_assume_role import CLOSED_PORT, ENTRY, run

EXIT_INPUT, EXIT_CANNOT_SIGN_IN, EXIT_NO_BROWSER, EXIT_UNREACHABLE, EXIT_AWS = 2, 13, 14, 10, 1


@pytest.fixture
def env(aws_home) -> dict[str, str]:
    """A developer's HOME with the stack's profile; AWS (STS, IAM) unreachable."""
    made: dict[str, str] = aws_home(AWS_ENDPOINT_URL=CLOSED_PORT)
    return made


def seed(env: dict[str, str]) -> None:
    """Role credentials in the helper's cache, valid for two more hours (real clock)."""
    from mfa_assume.credentials import Credentials

    request = build_request(Options(profile=PROFILE), env)
    path = cache.entry_path(cache.cache_dir(env), cache.key_for(request.cache_key_parts(env)))
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
    cache.store(path, Credentials(TEMP_KEY_ID, TEMP_SECRET, TEMP_TOKEN, expires))


def console(
    argv: list[str], env: dict[str, str], factory: RecordingFactory | None = None
) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    deps = flow.Deps(env=env, stderr=err, make_clients=factory or RecordingFactory())
    code = console_cli.main(argv, deps, out.write)
    return code, out.getvalue(), err.getvalue()


def test_print_url_prints_a_login_url_from_the_cached_role_session(env, federation):
    seed(env)
    env["AWS_ENDPOINT_URL_SIGNIN"] = federation.url
    code, out, err = console(["--profile", PROFILE, "--print-url", "--region", "eu-west-1"], env)
    assert code == 0, err
    (request,) = federation.queries
    assert request["Action"] == "getSigninToken"
    assert "SessionDuration" not in request  # the cached session may be chained: AWS refuses it
    session = json.loads(request["Session"])
    assert session == {
        "sessionId": TEMP_KEY_ID,
        "sessionKey": TEMP_SECRET,
        "sessionToken": TEMP_TOKEN,
    }
    url = out.strip()
    assert out.count("\n") == 1
    assert url.startswith(federation.url + "/federation?")
    params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
    assert params == {
        "Action": "login",
        "Issuer": "https://console.aws.amazon.com/",
        "Destination": "https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1",
        "SigninToken": SIGNIN_TOKEN,
    }
    assert SIGNIN_TOKEN not in err
    assert url not in err
    assert err.count("\n") == 1
    assert "keep it secret" in err


@pytest.mark.parametrize(
    ("status", "body", "exit_code", "message"),
    [
        pytest.param(
            400,
            b"Invalid credentials parameter",
            EXIT_CANNOT_SIGN_IN,
            "refused the credentials (HTTP 400)",
            id="400",
        ),
        pytest.param(403, b"", EXIT_CANNOT_SIGN_IN, "refused the credentials (HTTP 403)", id="403"),
        pytest.param(500, b"oops", EXIT_AWS, "answered HTTP 500", id="500"),
        pytest.param(
            200, b"<html>not json</html>", EXIT_AWS, "answered without a SigninToken", id="html"
        ),
        pytest.param(
            200, b'{"Other": 1}', EXIT_AWS, "answered without a SigninToken", id="no-token"
        ),
    ],
)
def test_federation_failures_are_one_line_without_secrets(
    env, federation, status, body, exit_code, message
):
    seed(env)
    env["AWS_ENDPOINT_URL_SIGNIN"] = federation.url
    federation.status, federation.body = status, body
    code, out, err = console(["--profile", PROFILE, "--print-url"], env)
    assert code == exit_code
    assert out == ""
    assert err.startswith("mfa-assume: the sign-in endpoint 127.0.0.1:")
    assert err.count("\n") == 1
    assert message in err
    for secret in (TEMP_SECRET, TEMP_TOKEN, SIGNIN_TOKEN, "Session="):
        assert secret not in err


def test_a_refused_session_duration_names_role_chaining(env, federation):
    env["AWS_ENDPOINT_URL_SIGNIN"] = federation.url
    federation.status = 400
    # --session-duration asks for a fresh session: stub the one AssumeRole with the code
    from .conftest import Stubs, assume_params

    stubs = Stubs()
    stubs.identity()
    stubs.assume(assume_params(TokenCode="123456"))
    with stubs.sts, stubs.iam:
        code, out, err = console(
            [
                "--profile",
                PROFILE,
                "--print-url",
                "--session-duration",
                "2h",
                "--token-code",
                "123456",
            ],
            env,
            stubs.factory,
        )
    assert code == EXIT_CANNOT_SIGN_IN, err
    assert federation.queries[0]["SessionDuration"] == "7200"
    assert "not by role chaining" in err
    assert err.count("\n") == 1
    assert out == ""


def test_session_duration_skips_the_cache_and_the_mfa_session(aws_home, federation):
    """AWS accepts SessionDuration only for AssumeRole with long-term keys: a fresh session
    with the code, even with cached credentials and an mfa_max_age profile."""
    from .conftest import STACK_CONFIG, Stubs, assume_params

    env = aws_home(
        STACK_CONFIG.replace(
            "duration_seconds = 3600", "duration_seconds = 3600\nmfa_max_age = 3600"
        ),
        AWS_ENDPOINT_URL=CLOSED_PORT,
        AWS_ENDPOINT_URL_SIGNIN=federation.url,
    )
    seed(env)
    stubs = Stubs()
    stubs.identity()
    stubs.assume(assume_params(TokenCode="123456"))  # signed by the base keys, with the code
    with stubs.sts, stubs.iam:
        code, _out, err = console(
            [
                "--profile",
                PROFILE,
                "--print-url",
                "--session-duration",
                "4h",
                "--token-code",
                "123456",
            ],
            env,
            stubs.factory,
        )
    assert code == 0, err
    assert stubs.signed_by == []  # not signed by an MFA session
    assert federation.queries[0]["SessionDuration"] == "14400"
    assert "asks for its own code" not in err  # the code was given: nothing to explain


def test_an_unreachable_federation_endpoint_is_exit_10(env):
    seed(env)
    env["AWS_ENDPOINT_URL_SIGNIN"] = CLOSED_PORT
    code, out, err = console(["--profile", PROFILE, "--print-url"], env)
    assert code == EXIT_UNREACHABLE
    assert err.startswith("mfa-assume: cannot reach the sign-in endpoint 127.0.0.1:9 (")
    assert err.count("\n") == 1
    assert out == ""
    assert TEMP_SECRET not in err


BAD_INPUT = [
    pytest.param(
        ["--session-duration", "5m"],
        "--session-duration: duration 5m (300 seconds) is out of range",
        id="duration-short",
    ),
    pytest.param(
        ["--session-duration", "13h"], "--session-duration: duration 13h", id="duration-long"
    ),
    pytest.param(
        ["--session-duration", "-1h"],
        "--session-duration: duration '-1h' is not understood",
        id="duration-negative",
    ),
    pytest.param(["--session-duration", "soon"], "is not understood", id="duration-word"),
    pytest.param(["--session-duration"], "expected one argument", id="duration-missing"),
    pytest.param(
        ["--destination", "https://evil.example/"],
        "--destination 'https://evil.example/' is not a console URL",
        id="destination-host",
    ),
    pytest.param(
        ["--destination", "s 3"], "--destination 's 3' is not understood", id="destination-space"
    ),
    pytest.param(["--destination"], "expected one argument", id="destination-missing"),
    pytest.param(
        ["--region", "Mars"],
        "region 'Mars' (from --region) is not a region name",
        id="region-malformed",
    ),
    pytest.param(
        ["--region", "cn-north-1"],
        "region 'cn-north-1' (from --region) is not in partition aws",
        id="region-other-partition",
    ),
    pytest.param(
        ["--region", ""], "region '' (from --region) is not a region name", id="region-empty"
    ),
    pytest.param(["--print-url=yes"], "ignored explicit argument", id="print-url-value"),
    pytest.param(
        ["--format", "json"], "unrecognized arguments: --format json", id="helper-only-option"
    ),
    pytest.param(["extra"], "unrecognized arguments: extra", id="positional"),
    pytest.param(["--profile", "nope"], "profile 'nope' not found", id="profile-missing"),
    pytest.param(["--role-arn", "arn:aws:iam::1:role/x"], "is malformed", id="role-arn-malformed"),
]


@pytest.mark.parametrize(("argv", "message"), BAD_INPUT)
def test_bad_input_is_one_line_exit_2_before_any_aws_call(env, argv, message):
    seed(env)  # even with credentials at hand, nothing is fetched
    env["AWS_ENDPOINT_URL_SIGNIN"] = CLOSED_PORT  # a federation call would be exit 10
    args = argv if "--profile" in argv or "--role-arn" in argv else ["--profile", PROFILE, *argv]
    code, out, err = console([*args, "--print-url"] if "--print-url=yes" not in argv else args, env)
    assert code == EXIT_INPUT, err
    assert err.startswith("mfa-assume: ")
    assert err.count("\n") == 1
    assert message in err
    assert out == ""


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        pytest.param("AWS_REGION", "Not A Region", "region 'Not A Region'", id="region"),
        pytest.param("AWS_ENDPOINT_URL", "localhost:9", "AWS_ENDPOINT_URL 'localhost:9'", id="url"),
        pytest.param(
            "AWS_ENDPOINT_URL_STS", "ftp://x", "AWS_ENDPOINT_URL_STS 'ftp://x'", id="sts-url"
        ),
    ],
)
def test_bad_environment_without_a_role_is_exit_2_before_any_aws_call(
    env, monkeypatch, variable, value, message
):
    env.update(AWS_ACCESS_KEY_ID="TESTKEYIDSESSION0002", AWS_SECRET_ACCESS_KEY="x" * 40)
    env.update(AWS_SESSION_TOKEN="token", **{variable: value})
    in_process_environment(monkeypatch, env)
    code, out, err = console(["--print-url"], env)
    assert code == EXIT_INPUT, err
    assert message in err
    assert err.count("\n") == 1
    assert out == ""


def test_a_malformed_signin_endpoint_variable_is_exit_2(env):
    seed(env)
    env["AWS_ENDPOINT_URL_SIGNIN"] = "localhost:9"
    code, _, err = console(["--profile", PROFILE, "--print-url"], env)
    assert code == EXIT_INPUT
    assert "AWS_ENDPOINT_URL_SIGNIN 'localhost:9' is not an endpoint URL" in err


def test_bad_input_through_the_real_command_has_no_traceback(env):
    full = {**{k: v for k, v in os.environ.items() if not k.startswith("AWS_")}, **env}
    full.pop("PYTHONPATH", None)
    done = run([*ENTRY, "console", "--profile", PROFILE, "--session-duration", "99h"], full)
    assert done.returncode == EXIT_INPUT
    assert done.stderr.count("\n") == 1
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


def in_process_environment(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    """boto3 reads the process environment: make it ``env``'s."""
    for name in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def test_long_term_keys_get_the_clear_message_without_any_aws_call(env, monkeypatch):
    in_process_environment(monkeypatch, env)
    code, out, err = console(["--profile", "default", "--print-url"], env)
    assert code == EXIT_CANNOT_SIGN_IN
    assert err == (
        "mfa-assume: profile 'default' holds long-term access keys, which AWS does not let "
        "sign in to the console (only role sessions and federation tokens can); use a role "
        "profile: mfa-assume console --profile ROLE_PROFILE\n"
    )
    assert out == ""


def test_long_term_keys_in_the_environment_get_the_clear_message(env, monkeypatch):
    env.update(AWS_ACCESS_KEY_ID="TESTKEYIDLONGTERM001", AWS_SECRET_ACCESS_KEY="x" * 40)
    in_process_environment(monkeypatch, env)
    code, _, err = console(["--print-url"], env)
    assert code == EXIT_CANNOT_SIGN_IN
    assert "long-term access keys" in err
    assert err.count("\n") == 1


def test_no_browser_is_exit_14_before_any_aws_call(env, tmp_path):
    """No $BROWSER, no display, no browser on PATH: say so before asking for anything."""
    full = {"HOME": env["HOME"], "PATH": str(tmp_path / "empty"), "AWS_ENDPOINT_URL": CLOSED_PORT}
    done = run([sys.executable, "-m", "mfa_assume", "console", "--profile", PROFILE], full)
    assert done.returncode == EXIT_NO_BROWSER
    assert done.stderr == (
        "mfa-assume: no browser found to open the sign-in URL; set BROWSER or run with "
        "--print-url\n"
    )


def test_the_browser_gets_the_url_and_stdout_gets_nothing(env, federation, tmp_path):
    seed(env)
    received = tmp_path / "browser-got"
    browser = tmp_path / "browser"
    # a browser reads the page it is given (and the helper's remover then removes it)
    browser.write_text(f'#!/bin/sh\ncat "${{1#file://}}" > {received}\n')
    browser.chmod(0o700)
    full = {
        **env,
        "AWS_ENDPOINT_URL_SIGNIN": federation.url,
        "BROWSER": str(browser),
        "PATH": os.environ["PATH"],
    }
    done = run(
        [
            sys.executable,
            "-m",
            "mfa_assume",
            "console",
            "--profile",
            PROFILE,
            "--destination",
            "iam",
        ],
        full,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    url = html.unescape(received.read_text())  # the page that leads to the sign-in URL
    assert f"SigninToken={urllib.parse.quote_plus(SIGNIN_TOKEN)}" in url
    assert "iam%2Fhome%3Fregion%3Dus-east-1" in url
    assert done.stderr == "mfa-assume: opened the AWS console (aws, us-east-1) in your browser\n"


@pytest.mark.parametrize(
    ("browser", "expected"),
    [
        pytest.param(
            "false", "the browser command 'false' exited with status 1", id="exits-non-zero"
        ),
        pytest.param(
            "/nonexistent/browser",
            "the browser command '/nonexistent/browser' could not be started "
            "(No such file or directory)",
            id="cannot-start",
        ),
    ],
)
def test_a_browser_that_fails_is_exit_14(env, federation, tmp_path, browser, expected):
    seed(env)
    full = {
        **env,
        "AWS_ENDPOINT_URL_SIGNIN": federation.url,
        "BROWSER": browser,
        "PATH": os.environ["PATH"],
    }
    done = run([sys.executable, "-m", "mfa_assume", "console", "--profile", PROFILE], full)
    assert done.returncode == EXIT_NO_BROWSER
    assert done.stderr == f"mfa-assume: {expected}; run with --print-url\n"
    assert SIGNIN_TOKEN not in done.stdout + done.stderr


CONSOLE_MODULES = (
    "mfa_assume.console",
    "mfa_assume.console_cli",
    "mfa_assume.console_creds",
    "mfa_assume.signin",
    "webbrowser",
    "urllib.request",
)
LOADED_CHECK = f"""
import sys
sys.argv = ["mfa-assume", *sys.argv[1:]]
from mfa_assume.__main__ import main
code = main()
sys.stderr.write(f"loaded={{sorted(m for m in {CONSOLE_MODULES!r} if m in sys.modules)}}\\n")
sys.exit(code)
"""


def test_a_cache_hit_loads_nothing_of_console_sign_in(env):
    seed(env)
    full = {**{k: v for k, v in os.environ.items() if not k.startswith("AWS_")}, **env}
    full.pop("PYTHONPATH", None)
    command = [sys.executable, "-c", LOADED_CHECK, "--profile", PROFILE, "--format", "json"]
    first, again = run(command, full), run(command, full)  # the normal path, then the shortcut
    assert first.returncode == again.returncode == 0, first.stderr
    assert first.stderr == again.stderr == "loaded=[]\n"


def test_the_role_arn_partition_chooses_the_sign_in_host(aws_home, federation):
    """A China role: the login URL's destination is on the China console (endpoint overridden)."""
    config = Path(aws_home()["HOME"]) / ".aws" / "config"
    text = config.read_text().replace("arn:aws:iam::", "arn:aws-cn:iam::").replace(":mfa/", ":mfa/")
    env = aws_home(text, AWS_ENDPOINT_URL=CLOSED_PORT, AWS_ENDPOINT_URL_SIGNIN=federation.url)
    seed(env)
    code, out, err = console(
        ["--profile", PROFILE, "--print-url", "--region", "cn-northwest-1", "--destination", "ec2"],
        env,
    )
    assert code == 0, err
    params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(out.strip()).query))
    assert params["Destination"] == "https://console.amazonaws.cn/ec2/home?region=cn-northwest-1"
    assert params["Issuer"] == "https://console.amazonaws.cn/"
    assert (
        ROLE.replace("arn:aws:", "arn:aws-cn:") in Path(env["HOME"], ".aws", "config").read_text()
    )
