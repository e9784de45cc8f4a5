"""``mfa-assume setup`` when the configuration names no MFA device for the caller (no
``mfaSerial``; a single-account layout): setup lists the caller's own devices (the helper's
lookup, ``iam:ListMFADevices`` without a user name) and writes the one it finds; when it
cannot, it writes the profiles anyway with one warning line saying how to set the device
(``--serial-number`` or ``mfaSerial``); ``setup --check`` warns about such a profile."""

from __future__ import annotations

import io
import sys

import pytest

from mfa_assume import flow, setup_cli
from mfa_assume.errors import ExitCode
from tests.mfa_assume.conftest import BASE_KEY_ID, BASE_SECRET
from tests.mfa_assume.test_setup import ACCOUNT, ERIN, ERIN_MFA, PAYMENTS, Home, synthesized

OTHER_MFA = f"arn:aws:iam::{ACCOUNT}:mfa/erin-backup"
WARNING = "mfa-assume setup: warning: your role profiles are written without mfa_serial"


@pytest.fixture
def home(tmp_path) -> Home:
    home = Home(tmp_path)
    (tmp_path / ".aws" / "credentials").write_text(
        f"[default]\naws_access_key_id = {BASE_KEY_ID}\naws_secret_access_key = {BASE_SECRET}\n",
        encoding="utf-8",
    )
    return home


def no_serial_file(home: Home) -> str:
    return home.profiles_file(synthesized([PAYMENTS], principals=[{"arn": ERIN}]))


def run(home: Home, stubs, *argv: str) -> tuple[int, str]:
    err = io.StringIO()
    deps = flow.Deps(env=home.env, stderr=err, make_clients=stubs.factory)
    code = setup_cli.main(list(argv), deps, io.StringIO().write)
    return code, err.getvalue()


def serials_written(home: Home) -> list[str]:
    return [
        line.split("=", 1)[1].strip()
        for line in home.config.read_text(encoding="utf-8").splitlines()
        if line.startswith("mfa_serial")
    ]


def test_the_callers_one_device_is_listed_and_written(home, stubs):
    stubs.identity(ERIN)
    stubs.devices(ERIN_MFA)
    code, err = run(home, stubs, "--from", no_serial_file(home))
    assert code == 0, err
    assert serials_written(home) == [ERIN_MFA, ERIN_MFA]  # the two role profiles
    assert "warning" not in err


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        pytest.param("denied", "cannot list your MFA devices (AccessDenied: ", id="denied"),
        pytest.param((), "IAM lists no MFA device for you", id="none"),
        pytest.param((ERIN_MFA, OTHER_MFA), "you have 2 MFA devices", id="several"),
    ],
)
def test_no_device_found_writes_the_profiles_with_one_warning(home, stubs, answer, reason):
    stubs.identity(ERIN)
    if answer == "denied":
        stubs.iam.add_client_error(
            "list_mfa_devices",
            service_error_code="AccessDenied",
            service_message=f"User: {ERIN} is not authorized to perform: iam:ListMFADevices",
            http_status_code=403,
        )
    else:
        stubs.devices(*answer)
    code, err = run(home, stubs, "--from", no_serial_file(home))
    assert code == 0
    assert serials_written(home) == []
    warning, wrote = err.splitlines()
    assert warning.startswith(f"{WARNING} (no MFA device known): {reason}")
    assert "--serial-number" in warning
    assert f"set mfaSerial for {ERIN} in the deployment's configuration" in warning
    assert wrote.startswith(f"mfa-assume setup: wrote 4 profiles for {ERIN}")


def test_with_principal_and_from_there_is_no_aws_call_and_one_warning(home, stubs):
    code, err = run(home, stubs, "--from", no_serial_file(home), "--principal", ERIN)
    assert code == 0
    assert stubs.factory.calls == []
    assert err.splitlines()[0].startswith(
        f"{WARNING} (no MFA device known): with --principal, setup does not ask IAM"
    )


def test_serial_number_is_written_without_asking_iam(home, stubs):
    code, err = run(
        home,
        stubs,
        "--from",
        no_serial_file(home),
        "--principal",
        ERIN,
        "--serial-number",
        OTHER_MFA,
    )
    assert (code, err.count("warning")) == (0, 0)
    assert serials_written(home) == [OTHER_MFA, OTHER_MFA]


def test_an_invalid_serial_number_is_refused(home, stubs):
    code, err = run(home, stubs, "--from", no_serial_file(home), "--serial-number", "alice")
    assert code == ExitCode.INVALID_INPUT
    assert "MFA serial 'alice' is not valid" in err


def test_check_warns_about_a_role_profile_without_mfa_serial(home):
    helper = f"{sys.executable} -m mfa_assume"
    home.config.write_text(
        f"[profile r-mfa]\nrole_arn = arn:aws:iam::{ACCOUNT}:role/r\nsource_profile = default\n"
        f"[profile r]\ncredential_process = {helper} --profile r-mfa --format json\n",
        encoding="utf-8",
    )
    code, _, err = home.setup("--check")
    assert code == 0
    warning, summary = err.splitlines()
    assert warning.startswith(
        "mfa-assume setup --check: warning: profile 'r-mfa' has no mfa_serial"
    )
    assert "mfa-assume setup --serial-number" in warning
    assert summary == "mfa-assume setup --check: the credential_process of 1 profile runs"
