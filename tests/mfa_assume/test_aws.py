from __future__ import annotations

import os

import pytest

from mfa_assume import aws
from mfa_assume.errors import ExitCode, HelperError, InputError

from .conftest import BASE_KEY_ID, BASE_SECRET


@pytest.fixture
def local_aws(monkeypatch, tmp_path, moto_endpoint):
    """Base credentials in a credentials file and AWS_ENDPOINT_URL at the local moto server."""
    creds = tmp_path / "credentials"
    creds.write_text(
        f"[dev]\naws_access_key_id = {BASE_KEY_ID}\naws_secret_access_key = {BASE_SECRET}\n"
    )
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(creds))
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setenv(aws.ACTIVE_MARKER, "")  # restored (removed) after the test


def test_clients_use_the_named_profile_against_the_endpoint(local_aws):
    clients = aws.make_clients("dev", None)
    identity = clients.sts.get_caller_identity()
    assert identity["Account"].isdigit()
    assert clients.sts.meta.region_name == "us-east-1"  # fallback when nothing sets one
    assert clients.iam.meta.service_model.service_name == "iam"


def test_region_argument_wins(local_aws):
    assert aws.make_clients("dev", "eu-west-1").sts.meta.region_name == "eu-west-1"


def test_making_clients_marks_the_process_against_credential_process_loops(local_aws):
    aws.make_clients("dev", None)
    assert os.environ[aws.ACTIVE_MARKER] == "1"


def test_unknown_source_profile_is_an_input_error(local_aws):
    with pytest.raises(InputError, match="source profile 'ghost' not found"):
        aws.make_clients("ghost", None)


def test_broken_settings_are_a_base_credentials_error(local_aws, monkeypatch, tmp_path):
    config = tmp_path / "config"
    config.write_text("[profile dev]\nregion = us-east-1\n[broken\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    with pytest.raises(HelperError) as caught:
        aws.make_clients("dev", None)
    assert caught.value.code == ExitCode.BASE_CREDENTIALS


@pytest.mark.parametrize(
    ("config", "code", "message"),
    [
        (
            "[profile dev]\nregion = us east\n",
            ExitCode.INVALID_INPUT,
            "invalid AWS settings: Provided region_name 'us east'",
        ),
        (
            "[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/R\nsource_profile = loop\n"
            "[profile loop]\nrole_arn = arn:aws:iam::123456789012:role/R\nsource_profile = dev\n",
            ExitCode.INVALID_INPUT,
            "invalid AWS settings: Infinite loop in credential configuration detected",
        ),
        (
            "[profile dev]\ncredential_process = sh -c 'exit 3'\n",
            ExitCode.BASE_CREDENTIALS,
            "cannot get the credentials of profile 'dev': Error when retrieving credentials",
        ),
        (
            "[profile dev]\ncredential_process = sh -c 'echo mfa-assume: credential_process loop "
            ">&2; exit 2'\n",
            ExitCode.INVALID_INPUT,
            "profile 'dev' gets its credentials from this helper (credential_process loop)",
        ),
    ],
    ids=["region", "source-profile-loop", "credential-process-fails", "helper-loop"],
)
def test_settings_botocore_refuses_at_client_creation_are_one_line_errors(
    local_aws, monkeypatch, tmp_path, config, code, message
):
    """The last resort behind request.py's checks: no botocore exception escapes."""
    (tmp_path / "config").write_text(config)
    (tmp_path / "credentials").write_text("")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    with pytest.raises(HelperError) as caught:
        aws.make_clients("dev", None)
    assert caught.value.code == code
    assert caught.value.message.startswith(message)
    assert "\n" not in caught.value.message
