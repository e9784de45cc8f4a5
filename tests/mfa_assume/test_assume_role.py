"""The entry point as developers and botocore run it: a separate Python process."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from typing import Any

import pytest

from mfa_assume import cache
from mfa_assume.request import Options, build_request

from .conftest import PROFILE, TEMP_TOKEN, make_creds

ENTRY = [sys.executable, "-m", "mfa_assume"]  # what the console script runs
CLOSED_PORT = "http://127.0.0.1:9"  # nothing listens: any AWS call would fail with exit 10
NO_BOTO3_CHECK = """
import runpy, sys
sys.argv = ["mfa-assume", *sys.argv[1:]]
try:
    runpy.run_module("mfa_assume", run_name="__main__")
except SystemExit as exc:
    code = exc.code
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("boto3", "botocore"))
sys.stderr.write(f"loaded={loaded}\\n")
sys.exit(code)
"""


@pytest.fixture
def home_env(aws_home):
    """Process environment: the stack's profile in a temporary HOME, no real AWS settings."""
    env = aws_home(AWS_ENDPOINT_URL=CLOSED_PORT)
    base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    base.pop("PYTHONPATH", None)
    return {**base, **env}


def seed(env: dict[str, str]) -> None:
    request = build_request(Options(profile=PROFILE), env)
    key = cache.key_for(request.cache_key_parts(env))
    in_two_hours = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)  # a real clock: real process
    cache.store(cache.entry_path(cache.cache_dir(env), key), make_creds(in_two_hours))


def run(args: list[str], env: dict[str, str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, env=env, capture_output=True, text=True, check=False, **kwargs)


def test_cache_hit_prints_credentials_without_importing_boto3(home_env):
    seed(home_env)
    done = run(
        [sys.executable, "-c", NO_BOTO3_CHECK, "--profile", PROFILE, "--format", "json"], home_env
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["SessionToken"] == TEMP_TOKEN
    assert done.stderr == "loaded=[]\n"


def test_cache_hit_with_session_tags_loads_no_boto3_argparse_or_unicodedata(home_env):
    """The new option costs nothing on the hit path: read without argparse, checked without
    unicodedata (ASCII tags), answered from the cache."""
    args = ["--profile", PROFILE, "--tag", "team=blue", "--format", "json"]
    request = build_request(Options(profile=PROFILE, tags=("team=blue",)), home_env)
    key = cache.key_for(request.cache_key_parts(home_env))
    in_two_hours = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
    cache.store(cache.entry_path(cache.cache_dir(home_env), key), make_creds(in_two_hours))
    check = NO_BOTO3_CHECK.replace(
        '("boto3", "botocore")', '("boto3", "botocore", "argparse", "unicodedata")'
    )
    done = run([sys.executable, "-c", check, *args], home_env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["SessionToken"] == TEMP_TOKEN
    assert done.stderr == "loaded=[]\n"


def test_cache_miss_does_import_boto3_and_reports_the_unreachable_endpoint(home_env):
    done = run(
        [sys.executable, "-c", NO_BOTO3_CHECK, "--profile", PROFILE, "--token-code", "123456"],
        home_env,
    )
    assert done.returncode == 10
    first, loaded = done.stderr.splitlines()
    assert first.startswith(f"mfa-assume: cannot reach {CLOSED_PORT}")
    assert "boto3" in loaded


def test_botocore_uses_the_helper_as_credential_process(home_env, monkeypatch):
    import boto3

    seed(home_env)
    for name in ("HOME", "AWS_ENDPOINT_URL"):
        monkeypatch.setenv(name, home_env[name])
    monkeypatch.setenv("AWS_CONFIG_FILE", f"{home_env['HOME']}/.aws/config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", f"{home_env['HOME']}/.aws/credentials")
    credentials = boto3.Session(profile_name="alice-power-user").get_credentials()
    assert credentials is not None
    frozen = credentials.get_frozen_credentials()
    assert frozen.token == TEMP_TOKEN
    assert frozen.secret_key == make_creds().secret_access_key


def test_new_session_against_a_local_aws_endpoint_then_a_cache_hit(home_env, moto_endpoint):
    env = {**home_env, "AWS_ENDPOINT_URL": moto_endpoint}
    first = run(
        [*ENTRY, "--profile", PROFILE, "--token-code", "123456", "--format", "json"],
        env,
    )
    assert first.returncode == 0, first.stderr
    issued = json.loads(first.stdout)
    assert issued["Version"] == 1
    assert issued["AccessKeyId"].startswith("ASIA")
    again = run(
        [sys.executable, "-c", NO_BOTO3_CHECK, "--profile", PROFILE, "--format", "json"], env
    )
    assert json.loads(again.stdout) == issued
    assert again.stderr == "loaded=[]\n"
    refreshed = run(
        [
            sys.executable,
            *ENTRY[1:],
            "--profile",
            PROFILE,
            "--refresh",
            "--token-code",
            "123456",
            "--format",
            "json",
        ],
        env,
    )
    assert json.loads(refreshed.stdout)["AccessKeyId"] != issued["AccessKeyId"]


def test_no_terminal_for_the_prompt_is_a_clear_error(home_env, moto_endpoint):
    env = {**home_env, "AWS_ENDPOINT_URL": moto_endpoint}
    done = run(
        [*ENTRY, "--profile", PROFILE],
        env,
        start_new_session=True,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 3
    assert done.stderr.startswith(
        "mfa-assume: an MFA code for arn:aws:iam::123456789012:mfa/alice is needed"
    )
    assert done.stdout == ""


def test_token_from_standard_input(home_env, moto_endpoint):
    env = {**home_env, "AWS_ENDPOINT_URL": moto_endpoint}
    done = run([*ENTRY, "--profile", PROFILE, "--token-code", "-"], env, input="123456\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("export AWS_ACCESS_KEY_ID='ASIA")


def test_help_lists_the_exit_codes():
    done = run([*ENTRY, "--help"], {**os.environ})
    assert done.returncode == 0
    assert "5 role requires MFA" in done.stdout.replace("\n", " ")


# What a repeated cache hit (the shortcut, mfa_assume.shortcut) must not import: it stays
# close to the interpreter's own start-up (`make bench-helper`).
NOT_ON_THE_SHORTCUT = (
    "argparse",
    "configparser",
    "json",
    "typing",
    "hashlib",
    "datetime",
    "boto3",
    "botocore",
    "mfa_assume.cli",
    "mfa_assume.checks",
    "mfa_assume.flow",
)
LOADED_CHECK = f"""
import sys
sys.argv = ["mfa-assume", *sys.argv[1:]]
from mfa_assume.__main__ import main
code = main()
loaded = sorted(m for m in {NOT_ON_THE_SHORTCUT!r} if m in sys.modules)
sys.stderr.write(f"loaded={{loaded}}\\n")
sys.exit(code)
"""


def test_a_repeated_cache_hit_takes_the_shortcut_and_prints_the_same(home_env):
    seed(home_env)
    command = [sys.executable, "-c", LOADED_CHECK, "--profile", PROFILE, "--format", "json"]
    first, again = run(command, home_env), run(command, home_env)
    assert first.returncode == again.returncode == 0
    assert "mfa_assume.cli" in first.stderr  # the normal path, which writes the shortcut
    assert again.stderr == "loaded=[]\n"
    assert again.stdout == first.stdout
    assert json.loads(again.stdout)["SessionToken"] == TEMP_TOKEN
