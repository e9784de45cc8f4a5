from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from mfa_assume import output
from mfa_assume.credentials import Credentials

from .conftest import NOW, TEMP_KEY_ID, TEMP_SECRET, TEMP_TOKEN, make_creds

EXPIRY = "2026-01-01T13:00:00Z"
AWKWARD = Credentials("ASIAAWKWARD", 'it\'s a "secret" \\ $HOME', "tok'en", NOW)


def test_env_format_is_bash_export_lines():
    assert output.render(make_creds(), "env") == (
        f"export AWS_ACCESS_KEY_ID='{TEMP_KEY_ID}'\n"
        f"export AWS_SECRET_ACCESS_KEY='{TEMP_SECRET}'\n"
        f"export AWS_SESSION_TOKEN='{TEMP_TOKEN}'\n"
        f"export AWS_CREDENTIAL_EXPIRATION='{EXPIRY}'\n"
    )


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash not installed")
def test_env_format_survives_shell_evaluation_of_awkward_values():
    script = 'eval "$(cat)"; printf "%s|%s" "$AWS_SECRET_ACCESS_KEY" "$AWS_SESSION_TOKEN"'
    done = subprocess.run(
        ["bash", "-c", script],
        input=output.render(AWKWARD, "env"),
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout == f"{AWKWARD.secret_access_key}|{AWKWARD.session_token}"


def test_fish_format_uses_set_gx_with_escaped_quotes():
    text = output.render(AWKWARD, "fish")
    assert "set -gx AWS_SESSION_TOKEN 'tok\\'en';\n" in text
    assert "set -gx AWS_SECRET_ACCESS_KEY 'it\\'s a \"secret\" \\\\ $HOME';\n" in text


def test_powershell_format_doubles_single_quotes():
    text = output.render(AWKWARD, "powershell")
    assert "$Env:AWS_SESSION_TOKEN = 'tok''en'\n" in text
    assert text.startswith("$Env:AWS_ACCESS_KEY_ID = 'ASIAAWKWARD'\n")


def test_json_format_is_credential_process_version_1():
    assert json.loads(output.render(make_creds(), "json")) == {
        "Version": 1,
        "AccessKeyId": TEMP_KEY_ID,
        "SecretAccessKey": TEMP_SECRET,
        "SessionToken": TEMP_TOKEN,
        "Expiration": EXPIRY,
    }


def test_dotenv_format_leaves_base64_values_bare_and_quotes_others():
    assert output.render(make_creds(), "dotenv").splitlines() == [
        f"AWS_ACCESS_KEY_ID={TEMP_KEY_ID}",
        f"AWS_SECRET_ACCESS_KEY={TEMP_SECRET}",
        f"AWS_SESSION_TOKEN={TEMP_TOKEN}",
        f"AWS_CREDENTIAL_EXPIRATION={EXPIRY}",
    ]
    assert 'AWS_SECRET_ACCESS_KEY="it\'s a \\"secret\\" \\\\ $HOME"' in output.render(
        AWKWARD, "dotenv"
    )


def test_unknown_format_is_refused():
    with pytest.raises(ValueError, match="unknown format 'xml'"):
        output.render(make_creds(), "xml")


def test_child_environment_has_credentials_and_no_profile():
    base = {
        "PATH": "/bin",
        "AWS_PROFILE": "x",
        "AWS_DEFAULT_PROFILE": "y",
        "AWS_SECURITY_TOKEN": "z",
    }
    env = output.child_environment(base, make_creds(), "eu-west-1")
    assert env["PATH"] == "/bin"
    assert env["AWS_SESSION_TOKEN"] == TEMP_TOKEN
    assert (env["AWS_REGION"], env["AWS_DEFAULT_REGION"]) == ("eu-west-1", "eu-west-1")
    assert not {"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SECURITY_TOKEN"} & set(env)


def test_child_environment_keeps_region_when_none_chosen():
    env = output.child_environment({"AWS_REGION": "us-west-2"}, make_creds(), None)
    assert env["AWS_REGION"] == "us-west-2"


@pytest.mark.parametrize(
    ("fmt", "line"),
    [
        pytest.param("env", "export AWS_REGION='eu-west-2'", id="env"),
        pytest.param("fish", "set -gx AWS_DEFAULT_REGION 'eu-west-2';", id="fish"),
        pytest.param("powershell", "$Env:AWS_REGION = 'eu-west-2'", id="powershell"),
        pytest.param("dotenv", "AWS_DEFAULT_REGION=eu-west-2", id="dotenv"),
    ],
)
def test_every_shell_format_sets_the_region_when_one_is_known(fmt, line):
    text = output.render(make_creds(), fmt, "eu-west-2")
    assert line in text.splitlines()
    assert "AWS_REGION" not in output.render(make_creds(), fmt, None)


def test_json_for_credential_process_has_no_region():
    assert "eu-west-2" not in output.render(make_creds(), "json", "eu-west-2")
